// The same seed and the same batches give bit-identical results run to run on one adapter: losses,
// gradient norms and weights, whether the runs share a device or each has its own. (Across adapters
// and drivers they need not: see README, "Failure behaviour".)
import { describe, expect, it } from 'vitest';
import { TrainingSession, type ModelConfig } from '../../src/train/session';
import { ResilientTrainer } from '../../src/train/resilient';
import type { StepReport } from '../../src/train/trainer';
import { RecurrentNetwork } from '../../src/model/recurrentNetwork';
import { Gpu } from '../../src/gpu/runtime';
import { Rng } from '../../src/random';
import { gpuForTests } from '../helpers/gpu';
import { addingBatch, bits, firstDifference, sized } from './helpers';

const gpu = await gpuForTests();
const STEPS = sized(40, 400);
const CONFIG: ModelConfig = { cell: 'lstm', cellActivation: 'tanh', inputSize: 2, hiddenSize: 24, numLayers: 2, outputSize: 1, headAt: 'last', loss: 'mse' };

interface Run {
  losses: Uint32Array;
  norms: Uint32Array;
  weights: Uint32Array;
}

async function sessionRun(s: TrainingSession): Promise<Run> {
  const reports: Promise<StepReport>[] = [];
  for (let i = 0; i < STEPS; i++) reports.push(s.step(addingBatch(21, i, 12, 4), { report: true }));
  const done = await Promise.all(reports);
  return { losses: bits(done.map((r) => r.loss)), norms: bits(done.map((r) => r.gradNorm)), weights: bits(await s.net.getFlatWeights()) };
}

function expectIdentical(a: Run, b: Run, what: string): void {
  expect(firstDifference(a.losses, b.losses), `${what}: first step whose loss bits differ`).toBe(-1);
  expect(firstDifference(a.norms, b.norms), `${what}: first step whose gradient norm bits differ`).toBe(-1);
  expect(firstDifference(a.weights, b.weights), `${what}: first weight that differs`).toBe(-1);
}

describe.skipIf(!gpu)('determinism on one adapter', () => {
  it.each(['adam', 'sgd'] as const)(`%s: two sessions, same seed and batches, ${STEPS} steps: bit-identical losses, norms and weights`, async (kind) => {
    const g = gpu!;
    const opt = kind === 'adam' ? { kind, lr: 0.01, clipNorm: 1 } as const : { kind, lr: 0.1, momentum: 0.9, clipNorm: 1 } as const;
    const a = new TrainingSession(g, CONFIG, opt, { seed: 8, forgetBias: 1 });
    const b = new TrainingSession(g, CONFIG, opt, { seed: 8, forgetBias: 1 });
    expectIdentical(await sessionRun(a), await sessionRun(b), kind);
    a.dispose();
    b.dispose();
  });

  it('two runs on two separate devices (each its own Gpu) agree bit for bit too', async () => {
    const runs: Run[] = [];
    for (let k = 0; k < 2; k++) {
      const losses: number[] = [];
      const norms: number[] = [];
      const rt = await ResilientTrainer.create({
        config: CONFIG,
        optimizer: { kind: 'adam', lr: 0.01, clipNorm: 1 },
        init: { seed: 8, forgetBias: 1 },
        batchAt: (i) => addingBatch(21, i, 12, 4),
        createGpu: () => Gpu.create({ onLost: () => undefined }),
      });
      await rt.train(STEPS, { reportEvery: 1, onReport: (r) => (losses.push(r.loss), norms.push(r.gradNorm)) });
      runs.push({ losses: bits(losses), norms: bits(norms), weights: bits(await rt.session.net.getFlatWeights()) });
      rt.dispose();
    }
    expectIdentical(runs[0], runs[1], 'two devices');
  });

  it('forward: the same inputs give the same output bits, call after call and network after network', async () => {
    const g = gpu!;
    const rng = new Rng(5);
    const x = rng.uniformArray(9 * 3 * 4, -1, 1);
    const make = () => new RecurrentNetwork(g, { inputSize: 4, hiddenSize: 16, numLayers: 2 });
    const a = make();
    const b = make();
    const w = await a.getFlatWeights();
    w.set(rng.uniformArray(w.length, -0.25, 0.25));
    a.setFlatWeights(w);
    b.setFlatWeights(w);
    const first = bits((await a.forward({ x, T: 9, B: 3 }, { training: false })).output);
    for (let k = 0; k < 5; k++) expect(firstDifference(bits((await a.forward({ x, T: 9, B: 3 }, { training: false })).output), first)).toBe(-1);
    expect(firstDifference(bits((await b.forward({ x, T: 9, B: 3 }, { training: false })).output), first)).toBe(-1);
    a.dispose();
    b.dispose();
  });
});
