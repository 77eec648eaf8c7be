// Random shapes, seeded: every case draws cell, activation, I, H, L, T, B, strategy and initial state,
// runs forward and backward on the GPU and compares with the float64 CPU reference.
import { describe, it } from 'vitest';
import { RecurrentNetwork } from '../../src/model/recurrentNetwork';
import { recurrentBackward, recurrentForward } from '../../src/cpu/recurrent';
import type { CellActivation, CellKind, RecurrentConfig } from '../../src/config';
import { Rng } from '../../src/random';
import { expectClose } from '../helpers/expectClose';
import { gpuForTests } from '../helpers/gpu';
import { sized } from './helpers';
import { randomLayerParams } from '../helpers/models';

const gpu = await gpuForTests();

/** Set GATEFLOW_FUZZ_SEED to replay a failing run; every case's name carries its own seed too. */
const SEED = Number(process.env.GATEFLOW_FUZZ_SEED ?? 20261125);
const CASES = sized(15, 200);

interface Case {
  seed: number;
  cell: CellKind;
  act: CellActivation;
  I: number;
  H: number;
  L: number;
  T: number;
  B: number;
  strategy: 'auto' | 'per-step' | 'persistent';
  initialState: boolean;
}

const pick = <T>(rng: Rng, xs: readonly T[]): T => xs[rng.int(xs.length)];
const between = (rng: Rng, lo: number, hi: number): number => lo + rng.int(hi - lo + 1);

function drawCase(seed: number): Case {
  const rng = new Rng(seed);
  return {
    seed,
    cell: pick(rng, ['lstm', 'rnn'] as const),
    act: pick(rng, ['tanh', 'sigmoid'] as const),
    I: between(rng, 1, 12),
    H: between(rng, 1, 40),
    L: between(rng, 1, 3),
    T: between(rng, 1, 30),
    B: between(rng, 1, 5),
    strategy: pick(rng, ['auto', 'per-step', 'persistent'] as const),
    initialState: rng.next() < 0.5,
  };
}

const master = new Rng(SEED);
const cases = Array.from({ length: CASES }, () => drawCase(Math.floor(master.next() * 2 ** 31)));
const label = (c: Case) => `seed=${c.seed} ${c.cell}/${c.act} I=${c.I} H=${c.H} L=${c.L} T=${c.T} B=${c.B} ${c.strategy}${c.initialState ? ' h0,c0' : ''}`;

describe.skipIf(!gpu)(`fuzz: ${CASES} random shapes, GPU vs CPU reference (forward 1e-5, backward 1e-4)`, () => {
  it.each(cases.map((c) => [label(c), c] as const))('%s', async (tag, c) => {
    const g = gpu!;
    const rng = new Rng(c.seed ^ 0x5bd1e995);
    const cfg: RecurrentConfig = { cell: c.cell, inputSize: c.I, hiddenSize: c.H, numLayers: c.L, cellActivation: c.act };
    const { T, B, H, L, I } = c;
    const params = randomLayerParams(rng, cfg);
    const x = rng.uniformArray(T * B * I, -1, 1);
    const h0 = c.initialState ? rng.uniformArray(L * B * H, -1, 1) : undefined;
    const c0 = c.initialState && c.cell === 'lstm' ? rng.uniformArray(L * B * H, -2, 2) : undefined;
    const dOutput = rng.uniformArray(T * B * H, -1, 1);
    const dhN = rng.uniformArray(L * B * H, -1, 1);
    const dcN = c.cell === 'lstm' ? rng.uniformArray(L * B * H, -1, 1) : undefined;

    const net = new RecurrentNetwork(g, { ...cfg, strategy: c.strategy });
    try {
      net.setWeights(params);
      const gf = await net.forward({ x, T, B, h0, c0 });
      const gb = await net.backward({ dOutput, dhN, dcN });
      const rf = recurrentForward(cfg, params, x, T, B, h0, c0);
      const rb = recurrentBackward(cfg, params, rf, dOutput, dhN, dcN);
      const fwd = { relNorm: 1e-5 };
      const bwd = { relNorm: 1e-4 };
      expectClose(gf.output, rf.output, `${tag} output`, fwd);
      expectClose(gf.hN, rf.hN, `${tag} hN`, fwd);
      if (rf.cN) expectClose(gf.cN!, rf.cN, `${tag} cN`, fwd);
      expectClose(gb.dx, rb.dx, `${tag} dx`, bwd);
      expectClose(gb.dh0, rb.dh0, `${tag} dh0`, bwd);
      if (rb.dc0) expectClose(gb.dc0!, rb.dc0, `${tag} dc0`, bwd);
      gb.grads.forEach((gl, l) => {
        for (const key of ['weightIh', 'weightHh', 'biasIh', 'biasHh'] as const) expectClose(gl[key], rb.grads[l][key], `${tag} grad ${key} l${l}`, bwd);
      });
    } finally {
      net.dispose();
    }
  });
});
