// Precision 'f16' (src/scheduler/precision.ts): weights, gate pre-activations and saved gates stored
// in f16, arithmetic in f32. Checked on random inputs (fresh seeds) for every registered recurrent
// variant, by training on the adding problem against the f32 path, and for its errors.
import { describe, expect, it } from 'vitest';
import { RecurrentNetwork } from '../../src/model/recurrentNetwork';
import { TrainingSession, type ModelConfig } from '../../src/train/session';
import { addingTask } from '../../src/tasks/adding';
import { directions } from '../../src/config';
import { Rng, freshSeed } from '../../src/random';
import { RECURRENT_VARIANTS } from '../../src/kernels/registry';
import { relErr } from '../../src/fixtures/compare';
import { checkPrecision } from '../../src/scheduler/precision';
import { gpuForTests } from '../helpers/gpu';
import { LONG } from '../helpers/long';
import { recurrentBackward, recurrentForward } from '../../src/cpu/recurrent';
import { randomSequenceInputs, sequenceCaseLabel, type SequenceCase } from '../helpers/models';

const gpu = await gpuForTests();
const hasF16 = !!gpu && gpu.device.features.has('shader-f16');

/** The issue's bound on the f16 outputs' relative error against the f32 path; gradients get the same. */
const F16_TOLERANCE = 1e-2;
/** f32 rounding alone moves a result by less than this: an f16 run that stays under it did not store f16. */
const F32_ROUNDING = 1e-6;

type Case = SequenceCase;

const CASES: Case[] = [
  { cell: 'lstm', I: 3, H: 12, L: 2, T: 6, B: 5, bidirectional: true, lengths: true },
  { cell: 'gru', I: 3, H: 12, L: 1, T: 5, B: 4, bidirectional: true },
  // The GEMM modules depend on how I and H align: the RNN's here are the LSTM's above.
  { cell: 'rnn', I: 3, H: 12, L: 2, T: 5, B: 3, lengths: true },
  { cell: 'lstm', I: 3, H: 9, L: 1, T: 4, B: 2, projSize: 4 },
  // T = 1, B = 1 with I = 4: with I = 1, dx is one sum of G·H terms of either sign, whose cancellation
  // amplifies the f16 rounding of W_ih (up to 4e-2 seen; other tensors stay near f16's 5e-4).
  { cell: 'lstm', I: 4, H: 7, L: 1, T: 1, B: 1 },
  { cell: 'gru', I: 2, H: 5, L: 2, T: 3, B: 1, lengths: true, long: true },
  { cell: 'rnn', I: 4, H: 3, L: 1, T: 1, B: 1, bidirectional: true, long: true },
];
const label = sequenceCaseLabel;
// A projection runs per step, on the coalesced kernels on every adapter class: v1 covers it. v3 (v2
// without subgroups) only differs in how rows are loaded: its LSTM case runs by default.
/**
 * By default: the cases not marked long on v1 (the GPU kernels, whose modules do not depend on the
 * sizes: a case costs little compile where I and H align as in the first), the LSTM and GRU on v2
 * (rows) and v4 (persistent), which compile modules per size class; the rest under GATEFLOW_LONG=1.
 * v3 is v2 without subgroups: the same cell code.
 */
const byDefault = (c: Case, v: (typeof RECURRENT_VARIANTS)[number]) => !c.long && (v.version === 1 || (c.cell !== 'rnn' && !c.projSize && c.T > 1 && v.version !== 3));
const runs = RECURRENT_VARIANTS.flatMap((v) =>
  CASES.filter((c) => (LONG || byDefault(c, v)) && !(c.projSize && v.strategy === 'persistent')).map((c) => [`v${v.version} ${v.name} ${label(c)}`, c, v] as const),
);

// The f32 path matches the CPU reference within 1e-5 forward and 1e-4 in gradients (sequenceOptions.test.ts),
// far inside the f16 bound: the f16 path is checked against the reference, which needs no f32 modules compiled.
describe.skipIf(!hasF16)("precision 'f16' against the f32 path", () => {
  it.each(runs)('%s', async (_n, c, variant) => {
    const seed = freshSeed();
    const rng = new Rng(seed);
    const { cfg, params, x, h0, c0, lengths, dOutput, dhN, dcN } = randomSequenceInputs(rng, c);
    const R = c.projSize || c.H;
    const want = recurrentForward(cfg, params, x, c.T, c.B, h0, c0, { lengths });
    const wantGrads = recurrentBackward(cfg, params, want, dOutput, dhN, dcN);
    const net = new RecurrentNetwork(variant.view(gpu!), { cell: c.cell, inputSize: c.I, hiddenSize: c.H, numLayers: c.L, bidirectional: c.bidirectional, projSize: c.projSize, strategy: variant.strategy, precision: 'f16' });
    try {
      net.setWeights(params);
      const weights = await net.getFlatWeights();
      const got = await net.forward({ x, T: c.T, B: c.B, h0, c0, lengths });
      const grads = await net.backward({ dOutput, dhN, dcN });
      const errors: Record<string, number> = { output: relErr(got.output, want.output), hN: relErr(got.hN, want.hN), dx: relErr(grads.dx, wantGrads.dx), dh0: relErr(grads.dh0, wantGrads.dh0) };
      if (want.cN) errors.cN = relErr(got.cN!, want.cN);
      if (wantGrads.dc0) errors.dc0 = relErr(grads.dc0!, wantGrads.dc0);
      wantGrads.grads.forEach((g, k) => {
        for (const key of ['weightIh', 'weightHh', 'biasIh', 'biasHh', 'weightHr'] as const) if (g[key]) errors[`params[${k}].${key}`] = relErr(grads.grads[k][key]!, g[key]!);
      });
      const tag = `seed ${seed}`;
      for (const [name, e] of Object.entries(errors)) expect(e, `${tag} ${name}: relative error ${e.toExponential(2)}`).toBeLessThanOrEqual(F16_TOLERANCE);
      // The run really stored f16: its output moved by more than f32 rounding.
      expect(errors.output, `${tag} output: the f16 path gave the f32 result`).toBeGreaterThan(F32_ROUNDING);
      // Past a row's length the output is exactly 0 in f16 too.
      if (lengths) {
        const W = directions(cfg) * R;
        for (let b = 0; b < c.B; b++) for (let t = lengths[b]; t < c.T; t++) expect(got.output.subarray((t * c.B + b) * W, (t * c.B + b + 1) * W).every((v) => v === 0)).toBe(true);
      }
      // The master weights stay f32, untouched by the passes.
      expect(await net.getFlatWeights()).toEqual(weights);
    } finally {
      net.dispose();
    }
  });
});

describe.skipIf(!hasF16)("precision 'f16' in training", () => {
  it('reaches the f32 loss on the adding problem within 20 %, from the same starts', async () => {
    const config: ModelConfig = { cell: 'lstm', cellActivation: 'tanh', inputSize: 2, hiddenSize: 16, numLayers: 1, outputSize: 1, headAt: 'last', loss: 'mse' };
    // B = 8: the kernels are those the parity cases above compiled (8 rows per workgroup on CPU adapters).
    const T = 20;
    const B = 8;
    const STEPS = 800;
    const heldRng = new Rng(4242);
    const heldOut = Array.from({ length: 16 }, () => {
      const b = addingTask.batch(heldRng, T, B);
      return { x: b.inputs, T, B, target: b.targets };
    });
    // One run is one trajectory, and f16 rounding sends it elsewhere: the mean over three seeds is the measure.
    const SEEDS = [1, 2, 3];
    const train = async (precision: 'f32' | 'f16', seed: number) => {
      const s = new TrainingSession(gpu!, { ...config, precision }, { kind: 'adam', lr: 0.03, clipNorm: 1 }, { seed });
      try {
        const rng = new Rng(seed + 100);
        for (let i = 0; i < STEPS; i++) {
          const b = addingTask.batch(rng, T, B);
          s.step({ x: b.inputs, T, B, target: b.targets });
        }
        let sum = 0;
        for (const batch of heldOut) sum += (await s.evaluate(batch)).loss;
        return sum / heldOut.length;
      } finally {
        s.dispose();
      }
    };
    const mean = (xs: number[]) => xs.reduce((a, b) => a + b, 0) / xs.length;
    const full: number[] = [];
    const half: number[] = [];
    for (const seed of SEEDS) {
      full.push(await train('f32', seed));
      half.push(await train('f16', seed));
    }
    const fmt = (xs: number[]) => xs.map((x) => x.toFixed(5)).join(', ');
    console.log(`adding T=${T} H=16 B=${B}, ${STEPS} Adam steps, held-out MSE (128 sequences) per seed: f32 ${fmt(full)} (mean ${mean(full).toFixed(5)}); f16 ${fmt(half)} (mean ${mean(half).toFixed(5)}); baseline ${addingTask.baseline.toFixed(4)}`);
    // The f16 runs really ran in f16 (a precision silently dropped would give f32's losses exactly),
    // f32 learned the task (far below the baseline), and f16 got within 20 % of it.
    expect(half).not.toEqual(full);
    expect(mean(full)).toBeLessThan(addingTask.baseline / 10);
    expect(Math.abs(mean(half) - mean(full)) / mean(full)).toBeLessThanOrEqual(0.2);
  });
});

describe.skipIf(!hasF16)("precision 'f16' and checkpoints", () => {
  it("keep f32 weights: an f16 session's checkpoint resumes in f32 and back, bit for bit", async () => {
    const config: ModelConfig = { cell: 'gru', cellActivation: 'tanh', inputSize: 2, hiddenSize: 8, numLayers: 1, outputSize: 1, headAt: 'last', loss: 'mse', precision: 'f16' };
    const rng = new Rng(freshSeed());
    const half = new TrainingSession(gpu!, config, { kind: 'adam', lr: 0.01 }, { seed: 2 });
    const full = new TrainingSession(gpu!, { ...config, precision: 'f32' }, { kind: 'adam', lr: 0.01 }, { seed: 9 });
    try {
      for (let i = 0; i < 3; i++) {
        const b = addingTask.batch(rng, 6, 4);
        half.step({ x: b.inputs, T: 6, B: 4, target: b.targets });
      }
      full.restore(await half.checkpoint());
      expect(await full.net.getFlatWeights()).toEqual(await half.net.getFlatWeights());
      half.restore(await full.checkpoint());
      expect(await half.net.getFlatWeights()).toEqual(await full.net.getFlatWeights());
    } finally {
      half.dispose();
      full.dispose();
    }
  });
});

describe.skipIf(!gpu)("precision: bad values and devices", () => {
  it('names a precision that does not exist, and a device without shader-f16', () => {
    expect(() => new RecurrentNetwork(gpu!, { inputSize: 2, hiddenSize: 4, precision: 'bf16' as never })).toThrow(/precision must be 'f32' or 'f16', got bf16/);
    const without = { features: new Set<string>() as unknown as GPUSupportedFeatures };
    expect(() => checkPrecision('f16', without, 'SomeGPU')).toThrow(/precision 'f16' needs the WebGPU feature 'shader-f16', which this adapter \(SomeGPU\) does not offer; use 'f32'/);
    expect(checkPrecision('f32', without, 'SomeGPU')).toBe('f32');
  });
});
