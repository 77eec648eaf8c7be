import { describe, expect, it } from 'vitest';
import { RecurrentNetwork } from '../../src/model/recurrentNetwork';
import { recurrentBackward, recurrentForward } from '../../src/cpu/recurrent';
import { gatesPerCell, type CellActivation, type CellKind, type RecurrentConfig } from '../../src/config';
import { matmulABt } from '../../src/cpu/matmul';
import { Rng, freshSeed } from '../../src/random';
import { expectClose } from '../helpers/expectClose';
import { gpuForTests, nanFilled } from '../helpers/gpu';
import { RECURRENT_VARIANTS, type RecurrentVariant } from '../../src/kernels/registry';
import { randomLayerParams } from '../helpers/models';
import { LONG } from '../helpers/long';

const gpu = await gpuForTests();

interface Case {
  cell: CellKind;
  act: CellActivation;
  I: number;
  H: number;
  L: number;
  T: number;
  B: number;
  initialState: boolean;
  /** Scales W_ih and x so that pre-activations reach magnitude ≥ 8 (saturated gates). */
  saturate?: boolean;
}

// The full grid runs with GATEFLOW_LONG=1; by default the cases marked `always`, which still cover
// T = 1, batch 1, odd sizes, several layers, both activations, saturated gates, several unit blocks
// (H = 65, the RNN's), row blocks, the 4-float paths and the RNN, for every variant (each new shape
// costs lavapipe shader compiles, about 0.3–2 s per pipeline with an empty cache; directions,
// lengths and the projection: test/gpu/sequenceOptions.test.ts).
const all: (Case & { always?: boolean })[] = [
  { cell: 'lstm', act: 'tanh', I: 1, H: 7, L: 1, T: 1, B: 1, initialState: false, always: true },
  { cell: 'lstm', act: 'tanh', I: 7, H: 33, L: 2, T: 17, B: 3, initialState: true, always: true },
  { cell: 'lstm', act: 'sigmoid', I: 33, H: 65, L: 1, T: 17, B: 1, initialState: true },
  { cell: 'lstm', act: 'tanh', I: 7, H: 33, L: 3, T: 100, B: 3, initialState: true },
  { cell: 'lstm', act: 'sigmoid', I: 1, H: 7, L: 2, T: 100, B: 1, initialState: false },
  { cell: 'lstm', act: 'tanh', I: 65, H: 7, L: 1, T: 1, B: 3, initialState: true },
  { cell: 'lstm', act: 'tanh', I: 7, H: 33, L: 2, T: 17, B: 3, initialState: true, saturate: true, always: true },
  { cell: 'lstm', act: 'sigmoid', I: 7, H: 33, L: 1, T: 17, B: 1, initialState: false, saturate: true },
  // Several hidden-unit blocks, and a row count that is not a power of two.
  { cell: 'lstm', act: 'tanh', I: 5, H: 65, L: 2, T: 9, B: 11, initialState: true },
  // Several batch-row blocks (at most 32 rows per workgroup on CPU adapters), the last one partial.
  { cell: 'lstm', act: 'sigmoid', I: 3, H: 9, L: 1, T: 5, B: 37, initialState: true, always: true },
  // H a multiple of 4: W_hh and the backward's da read four floats per load (weights_vec4.wgsl,
  // lstm_da_vec4.wgsl), with the lanes of the last workgroup partly past H (H = 12, 36); B = 33
  // leaves a last row block of 1 row, B = 19 one block of 19.
  { cell: 'lstm', act: 'tanh', I: 5, H: 12, L: 2, T: 9, B: 19, initialState: true },
  { cell: 'lstm', act: 'sigmoid', I: 4, H: 36, L: 1, T: 6, B: 2, initialState: false, always: true },
  { cell: 'lstm', act: 'tanh', I: 3, H: 32, L: 1, T: 4, B: 33, initialState: true },
  { cell: 'rnn', act: 'tanh', I: 1, H: 7, L: 1, T: 1, B: 1, initialState: false, always: true },
  { cell: 'rnn', act: 'tanh', I: 7, H: 33, L: 2, T: 100, B: 3, initialState: true },
  { cell: 'rnn', act: 'sigmoid', I: 33, H: 65, L: 3, T: 17, B: 1, initialState: true, always: true },
  { cell: 'rnn', act: 'tanh', I: 7, H: 33, L: 1, T: 17, B: 3, initialState: false, saturate: true, always: true },
  { cell: 'rnn', act: 'tanh', I: 5, H: 65, L: 2, T: 9, B: 11, initialState: true },
];
const grid: Case[] = LONG ? all : all.filter((c) => c.always);

const name = (c: Case) => `${c.cell}/${c.act} I=${c.I} H=${c.H} L=${c.L} T=${c.T} B=${c.B}${c.initialState ? ' h0,c0' : ''}${c.saturate ? ' saturated' : ''}`;

// Every registered variant (RECURRENT_VARIANTS), each on the device as its adapter class sees it,
// over the whole grid.
const runs = RECURRENT_VARIANTS.flatMap((v) => grid.map((c) => [`v${v.version} ${v.name} ${name(c)}`, c, v] as const));

describe.skipIf(!gpu)('GPU recurrent network vs CPU reference', () => {
  it.each(runs)('%s', async (_n, c, variant: RecurrentVariant) => {
    const g = variant.view(gpu!);
    const strategy = variant.strategy;
    const seed = freshSeed();
    const rng = new Rng(seed);
    const cfg: RecurrentConfig = { cell: c.cell, inputSize: c.I, hiddenSize: c.H, numLayers: c.L, cellActivation: c.act };
    const { T, B, H, L, I } = c;
    const scale = c.saturate ? 40 : 1;
    const params = randomLayerParams(rng, cfg, { inputScale: scale });
    const x = rng.uniformArray(T * B * I, -1, 1);
    const h0 = c.initialState ? rng.uniformArray(L * B * H, -1, 1) : undefined;
    const c0 = c.initialState && c.cell === 'lstm' ? rng.uniformArray(L * B * H, -2, 2) : undefined;
    const dOutput = rng.uniformArray(T * B * H, -1, 1);
    const dhN = rng.uniformArray(L * B * H, -1, 1);
    const dcN = c.cell === 'lstm' ? rng.uniformArray(L * B * H, -1, 1) : undefined;
    if (c.saturate) {
      // The first layer's input projection alone must reach |a| ≥ 8 somewhere: the test is about saturation.
      const GH = gatesPerCell(c.cell) * H;
      const proj = matmulABt(x, params[0].weightIh, T * B, GH, I);
      expect(Math.max(...proj.map(Math.abs)), `seed ${seed}: pre-activations not saturated`).toBeGreaterThanOrEqual(8);
    }

    const net = new RecurrentNetwork(g, { ...cfg, strategy });
    net.setWeights(params);
    // Poison every output the kernels must write.
    const plan = net.plan(T, B, true);
    const size = (b: GPUBuffer) => b.size / 4;
    for (const b of [net.grads, plan.dx!, plan.dh0!, ...(plan.dc0 ? [plan.dc0] : [])]) g.write(b, nanFilled(size(b)));
    for (const layer of plan.layers) {
      for (const b of [layer.h, layer.xproj, layer.c, layer.gates, layer.da, layer.ds, layer.dhTotal]) if (b) g.write(b, nanFilled(size(b)));
    }

    const gf = await net.forward({ x, T, B, h0, c0 });
    const gb = await net.backward({ dOutput, dhN, dcN });
    const rf = recurrentForward(cfg, params, x, T, B, h0, c0);
    const rb = recurrentBackward(cfg, params, rf, dOutput, dhN, dcN);

    const fwd = { relNorm: 1e-5 };
    const bwd = { relNorm: 1e-4 };
    const tag = `${name(c)} seed=${seed}`;
    expectClose(gf.output, rf.output, `${tag} output`, fwd);
    expectClose(gf.hN, rf.hN, `${tag} hN`, fwd);
    if (rf.cN) expectClose(gf.cN!, rf.cN, `${tag} cN`, fwd);
    expectClose(gb.dx, rb.dx, `${tag} dx`, bwd);
    expectClose(gb.dh0, rb.dh0, `${tag} dh0`, bwd);
    if (rb.dc0) expectClose(gb.dc0!, rb.dc0, `${tag} dc0`, bwd);
    gb.grads.forEach((gl, l) => {
      for (const key of ['weightIh', 'weightHh', 'biasIh', 'biasHh'] as const) {
        expectClose(gl[key], rb.grads[l][key], `${tag} grad ${key} l${l}`, bwd);
      }
    });
    expect(plan.strategy).toBe(strategy);
    if (strategy === 'per-step') {
      // Forward L·(1 + T); backward L·(T + 1 + 3) + L (input gradients, dx included).
      expect(net.lastDispatches.forward).toBe(L * (1 + T));
      expect(net.lastDispatches.backward).toBe(L * (T + 1 + 3) + L);
    } else {
      // Independent of T: forward 2L, backward 4L + L.
      expect(net.lastDispatches.forward).toBe(2 * L);
      expect(net.lastDispatches.backward).toBe(5 * L);
    }
    net.dispose();
  });
});
