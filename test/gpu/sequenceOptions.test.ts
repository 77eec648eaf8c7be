// The GPU network with PyTorch's sequence options — two directions per layer and per-row lengths —
// forward and backward against the CPU reference on random inputs (fresh seeds), for every registered
// kernel variant (both work splits, both strategies), and against the v2 PyTorch fixtures.
import { readFileSync, readdirSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { LONG } from '../helpers/long';
import { RecurrentNetwork } from '../../src/model/recurrentNetwork';
import { TrainingSession } from '../../src/train/session';
import { recurrentBackward, recurrentForward } from '../../src/cpu/recurrent';
import { swapLeadingAxes } from '../../src/sequenceLayout';
import { directions, type RecurrentConfig } from '../../src/config';
import { Rng, freshSeed } from '../../src/random';
import { RECURRENT_VARIANTS } from '../../src/kernels/registry';
import { fixtureSequence, recurrentCase } from '../../src/fixtures/check';
import { parseFixture, tensorData, type RecurrentFixture } from '../../src/fixtures/schema';
import { GPU_FORWARD_TOLERANCE, GPU_GRADIENT_TOLERANCE, checkFixtureGpu, gpuTolerance } from '../../src/fixtures/checkGpu';
import { relErr } from '../../src/fixtures/compare';
import { expectClose } from '../helpers/expectClose';
import { gpuForTests } from '../helpers/gpu';
import { randomLayerParams, randomSequenceInputs, sequenceCaseLabel, type SequenceCase } from '../helpers/models';

const gpu = await gpuForTests();

type Case = SequenceCase & { bidirectional: boolean; lengths: boolean };

const CASES: Case[] = [
  { cell: 'lstm', I: 3, H: 9, L: 2, T: 5, B: 3, bidirectional: true, lengths: true },
  { cell: 'lstm', I: 2, H: 12, L: 1, T: 6, B: 5, bidirectional: false, lengths: true },
  { cell: 'lstm', I: 1, H: 7, L: 1, T: 1, B: 1, bidirectional: true, lengths: false },
  { cell: 'rnn', I: 4, H: 7, L: 2, T: 4, B: 2, bidirectional: true, lengths: true },
  { cell: 'lstm', I: 3, H: 9, L: 2, T: 5, B: 3, bidirectional: true, lengths: true, projSize: 4 },
  { cell: 'lstm', I: 2, H: 12, L: 1, T: 1, B: 1, bidirectional: false, lengths: false, projSize: 8 },
  { cell: 'gru', I: 3, H: 9, L: 2, T: 5, B: 3, bidirectional: true, lengths: true },
  { cell: 'gru', I: 2, H: 17, L: 1, T: 1, B: 1, bidirectional: false, lengths: false },
  // More rows than one CPU-adapter workgroup takes (8), and a partial last group (the next case has them too).
  { cell: 'gru', I: 4, H: 5, L: 1, T: 3, B: 11, bidirectional: false, lengths: true, long: true },
  // H % 4 = 0: W_hh read four floats per load, 4 units per backward invocation on CPU adapters; 16 rows shared.
  { cell: 'gru', I: 3, H: 12, L: 2, T: 4, B: 10, bidirectional: true, lengths: true },
];
const label = sequenceCaseLabel;
// A projection runs per step only (the persistent strategy has none: the scheduler says so).
const runs = RECURRENT_VARIANTS.flatMap((v) => CASES.filter((c) => (LONG || !c.long) && !(c.projSize && v.strategy === 'persistent')).map((c) => [`v${v.version} ${v.name} ${label(c)}`, c, v] as const));

describe.skipIf(!gpu)('GPU network with directions and lengths vs the CPU reference, forward and backward', () => {
  it.each(runs)('%s', async (_n, c, variant) => {
    const seed = freshSeed();
    const rng = new Rng(seed);
    // Lengths unsorted, with a row of length 1 where there are several rows.
    const { cfg, params, x, h0, c0, lengths, dOutput, dhN, dcN } = randomSequenceInputs(rng, c);
    const W = directions(cfg) * (c.projSize || c.H);
    const want = recurrentForward(cfg, params, x, c.T, c.B, h0, c0, { lengths });
    const wantGrads = recurrentBackward(cfg, params, want, dOutput, dhN, dcN);
    const net = new RecurrentNetwork(variant.view(gpu!), { cell: c.cell, inputSize: c.I, hiddenSize: c.H, numLayers: c.L, bidirectional: c.bidirectional, strategy: variant.strategy, projSize: c.projSize });
    try {
      net.setWeights(params);
      const got = await net.forward({ x, T: c.T, B: c.B, h0, c0, lengths });
      const tag = `seed ${seed}`;
      expectClose(got.output, want.output, `${tag} output`, { relNorm: GPU_FORWARD_TOLERANCE });
      expectClose(got.hN, want.hN, `${tag} hN`, { relNorm: GPU_FORWARD_TOLERANCE });
      if (want.cN) expectClose(got.cN!, want.cN, `${tag} cN`, { relNorm: GPU_FORWARD_TOLERANCE });
      // Past a row's length the output is exactly 0.
      if (lengths) {
        for (let b = 0; b < c.B; b++) for (let t = lengths[b]; t < c.T; t++) expect(got.output.subarray((t * c.B + b) * W, (t * c.B + b + 1) * W).every((v) => v === 0)).toBe(true);
      }
      const grads = await net.backward({ dOutput, dhN, dcN });
      const tol = { relNorm: GPU_GRADIENT_TOLERANCE };
      expectClose(grads.dx, wantGrads.dx, `${tag} dx`, tol);
      expectClose(grads.dh0, wantGrads.dh0, `${tag} dh0`, tol);
      if (wantGrads.dc0) expectClose(grads.dc0!, wantGrads.dc0, `${tag} dc0`, tol);
      wantGrads.grads.forEach((g, k) => {
        for (const key of ['weightIh', 'weightHh', 'biasIh', 'biasHh', 'weightHr'] as const) if (g[key]) expectClose(grads.grads[k][key]!, g[key]!, `${tag} params[${k}].${key}`, tol);
      });
    } finally {
      net.dispose();
    }
  });

  it('the same network without lengths after a call with them: every row is T long again', async () => {
    const cfg: RecurrentConfig = { cell: 'lstm', inputSize: 2, hiddenSize: 5, numLayers: 1, cellActivation: 'tanh', bidirectional: true };
    const rng = new Rng(freshSeed());
    const params = randomLayerParams(rng, cfg);
    const x = rng.uniformArray(4 * 2 * 2, -1, 1);
    const net = new RecurrentNetwork(gpu!, { cell: 'lstm', inputSize: 2, hiddenSize: 5, bidirectional: true });
    try {
      net.setWeights(params);
      await net.forward({ x, T: 4, B: 2, lengths: [2, 3] }, { training: false });
      const got = await net.forward({ x, T: 4, B: 2 }, { training: false });
      expectClose(got.output, recurrentForward(cfg, params, x, 4, 2).output, 'output', { relNorm: GPU_FORWARD_TOLERANCE });
    } finally {
      net.dispose();
    }
  });

  it('refuses bad lengths and shapes before any GPU work, naming them', async () => {
    const net = new RecurrentNetwork(gpu!, { cell: 'lstm', inputSize: 2, hiddenSize: 4, bidirectional: true });
    const x = new Float32Array(3 * 2 * 2).fill(0.5);
    await expect(net.forward({ x, T: 3, B: 2, lengths: [3, 2.5] })).rejects.toThrow(/lengths\[1\] = 2.5: a length must be an integer/);
    await expect(net.forward({ x, T: 3, B: 2, lengths: [3, 0] }, { training: false })).rejects.toThrow(/lengths\[1\] = 0: a length must be an integer in \[1, T = 3\]/);
    await expect(net.forward({ x, T: 3, B: 2, lengths: [3] }, { training: false })).rejects.toThrow(/lengths has 1 values but needs one per batch row \(B = 2\)/);
    await expect(net.forward({ x, T: 3, B: 2, h0: new Float32Array(2 * 4) }, { training: false })).rejects.toThrow(/h0 has 8 values but \[L·D,B,H\] = \[2,2,4\] needs 16/);
    await net.forward({ x, T: 3, B: 2 });
    await expect(net.backward({ dOutput: new Float32Array(3 * 2 * 4) })).rejects.toThrow(/dOutput has 24 values but \[T,B,D·H\] = \[3,2,8\] needs 48/);
    net.dispose();
    expect(() => new RecurrentNetwork(gpu!, { cell: 'rnn', inputSize: 2, hiddenSize: 4, projSize: 2 })).toThrow(/projSize is for the LSTM only \(cell 'rnn'\)/);
    expect(() => new RecurrentNetwork(gpu!, { cell: 'lstm', inputSize: 2, hiddenSize: 4, projSize: 4 })).toThrow(/projSize must be an integer in \[1, hiddenSize = 4\), got 4/);
    const lstmp = new RecurrentNetwork(gpu!, { cell: 'lstm', inputSize: 2, hiddenSize: 4, projSize: 2, strategy: 'persistent' });
    await expect(lstmp.forward({ x, T: 3, B: 2 })).rejects.toThrow(/strategy 'persistent' has no projection \(projSize 2\): an LSTMP runs per step/);
    lstmp.dispose();
  });
});

// Every case of the v2 fixtures, LSTM and GRU (batch-first through the host).
const dir = new URL('../fixtures/torch-v2/', import.meta.url);
const fixtures = readdirSync(dir)
  .filter((f) => f.startsWith('v2_'))
  .map((f) => parseFixture(JSON.parse(readFileSync(new URL(f, dir), 'utf8')), f) as RecurrentFixture);

describe.skipIf(!gpu)('v2 PyTorch fixtures through the GPU network', () => {
  it('has the cases', () => expect(fixtures.length).toBe(12));
  it.each(fixtures.map((fx) => [fx.name, fx] as const))('%s: output, h_n, c_n within 1e-5', async (_n, fx) => {
    const rc = recurrentCase(fx);
    const { num_layers: L, hidden_size: H, input_size: I } = fx.config;
    const net = new RecurrentNetwork(gpu!, { cell: fx.kind === 'gru' ? 'gru' : 'lstm', inputSize: I, hiddenSize: H, numLayers: L, bidirectional: fx.config.bidirectional, projSize: fx.config.proj_size });
    try {
      net.setWeights(rc.params);
      const got = await net.forward({ x: rc.x, T: rc.T, B: rc.B, h0: rc.h0, c0: rc.c0 ?? undefined, lengths: rc.lengths ?? undefined }, { training: false });
      const output = fx.config.batch_first ? swapLeadingAxes(got.output, rc.T, rc.B, got.output.length / (rc.T * rc.B)) : got.output;
      expect(relErr(output, tensorData(fx, 'output')), 'output').toBeLessThanOrEqual(GPU_FORWARD_TOLERANCE);
      expect(relErr(got.output, fixtureSequence(fx, 'output')), 'output, time-major').toBeLessThanOrEqual(GPU_FORWARD_TOLERANCE);
      expect(relErr(got.hN, tensorData(fx, 'h_n')), 'h_n').toBeLessThanOrEqual(GPU_FORWARD_TOLERANCE);
      if (fx.kind === 'lstm') expect(relErr(got.cN!, tensorData(fx, 'c_n')), 'c_n').toBeLessThanOrEqual(GPU_FORWARD_TOLERANCE);
    } finally {
      net.dispose();
    }
  });

  it.each(fixtures.map((fx) => [fx.name, fx] as const))('%s: every tensor through checkFixtureGpu (gradients within 1e-4)', async (_n, fx) => {
    const { errors, pass } = await checkFixtureGpu(gpu!, fx);
    const over = Object.entries(errors).filter(([name, e]) => !(e <= gpuTolerance(name)));
    expect(over).toEqual([]);
    expect(pass).toBe(true);
    // Every output and gradient of the fixture is compared.
    for (const name of Object.keys(fx.tensors).filter((n) => n.startsWith('grad.') || ['output', 'h_n', 'c_n'].includes(n))) expect(errors[name], name).toBeDefined();
  });
});

describe.skipIf(!gpu)('batchFirst: [B,T,*] at every call', () => {
  it('network forward and backward are the time-major ones, transposed', async () => {
    const rng = new Rng(freshSeed());
    const [T, B, I, H] = [4, 3, 2, 5];
    const opts = { cell: 'lstm' as const, inputSize: I, hiddenSize: H, numLayers: 2, bidirectional: true, seed: 4 };
    const tm = new RecurrentNetwork(gpu!, opts);
    const bf = new RecurrentNetwork(gpu!, { ...opts, batchFirst: true });
    try {
      const x = Float32Array.from(rng.uniformArray(T * B * I, -1, 1));
      const dOutput = Float32Array.from(rng.uniformArray(T * B * 2 * H, -1, 1));
      const a = await tm.forward({ x, T, B, lengths: [4, 1, 3] });
      const b = await bf.forward({ x: swapLeadingAxes(x, T, B, I), T, B, lengths: [4, 1, 3] });
      expect(b.output).toEqual(swapLeadingAxes(a.output, T, B, 2 * H));
      expect(b.hN).toEqual(a.hN);
      const ga = await tm.backward({ dOutput });
      const gb = await bf.backward({ dOutput: swapLeadingAxes(dOutput, T, B, 2 * H) });
      expect(gb.dx).toEqual(swapLeadingAxes(ga.dx, T, B, I));
      expect(gb.grads).toEqual(ga.grads);
      await expect(bf.forward({ x: new Float32Array(7), T, B })).rejects.toThrow(/x has 7 values but \[B,T,\*\] \(batchFirst\) = \[3,4,2\] needs 24/);
    } finally {
      tm.dispose();
      bf.dispose();
    }
  });

  it('a training session takes [B,T,*] batches and per-step targets, and predicts [B,T,O]', async () => {
    const rng = new Rng(freshSeed());
    const [T, B, I, O] = [5, 2, 3, 4];
    const config = { cell: 'lstm' as const, inputSize: I, hiddenSize: 6, outputSize: O, headAt: 'all' as const, loss: 'crossentropy' as const };
    const tm = new TrainingSession(gpu!, config, { kind: 'sgd', lr: 0.1 }, { seed: 2 });
    const bf = new TrainingSession(gpu!, { ...config, batchFirst: true }, { kind: 'sgd', lr: 0.1 }, { seed: 2 });
    try {
      const x = Float32Array.from(rng.uniformArray(T * B * I, -1, 1));
      const target = Int32Array.from({ length: T * B }, () => rng.int(O));
      const mask = Float32Array.from({ length: T * B }, (_, k) => (k % 3 === 0 ? 0 : 1));
      const a = await tm.step({ x, T, B, target, mask }, { report: true });
      const b = await bf.step({ x: swapLeadingAxes(x, T, B, I), T, B, target: swapLeadingAxes(target, T, B, 1), mask: swapLeadingAxes(mask, T, B, 1) }, { report: true });
      expect(b.loss).toBe(a.loss);
      const pa = await tm.predict({ x, T, B });
      const pb = await bf.predict({ x: swapLeadingAxes(x, T, B, I), T, B });
      expect(pb).toEqual(swapLeadingAxes(pa, T, B, O));
    } finally {
      tm.dispose();
      bf.dispose();
    }
  });
});
