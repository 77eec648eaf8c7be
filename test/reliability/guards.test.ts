// Numerical guards: exploding gradients are caught (over maxGradNorm, or non-finite), reported with the
// step number, and their update skipped on the GPU as a whole: weights and optimizer state bit-identical
// to before the bad step, never half applied.
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { TrainingSession, type ModelConfig } from '../../src/train/session';
import { SkippedStepError, expectApplied, type StepReport } from '../../src/train/trainer';
import type { GpuOptimizerOptions } from '../../src/optim/options';
import { loadCheckpoint } from '../../src/checkpoint/checkpoint';
import { gpuForTests } from '../helpers/gpu';
import { jsonLines, runCli } from '../helpers/cli';
import { SMALL, addingBatch, bits, firstDifference } from './helpers';

const gpu = await gpuForTests();

/** A vanilla RNN trained by SGD with momentum, lr 1, no clipping: its gradient norm grows ~10× a step. */
const RNN: ModelConfig = { ...SMALL, cell: 'rnn' };
const UNCLIPPED: GpuOptimizerOptions = { kind: 'sgd', lr: 1, momentum: 0.9 };
const STEPS = 40;
const batch = (i: number) => addingBatch(3, i, 20, 4);

interface State {
  weights: Uint32Array;
  momentum: Uint32Array;
  step: number;
}

async function state(s: TrainingSession): Promise<State> {
  const st = await s.trainer.optimizer.exportState();
  return { weights: bits(await s.net.getFlatWeights()), momentum: bits(st.buffers.momentum_buffer), step: st.step };
}

/** Steps one at a time, reading everything before and after each: the skipped steps and what they changed. */
async function trainWatching(s: TrainingSession): Promise<{ reports: StepReport[]; changedBySkipped: string[] }> {
  const reports: StepReport[] = [];
  const changedBySkipped: string[] = [];
  let before = await state(s);
  for (let i = 0; i < STEPS; i++) {
    const r = (await s.step(batch(i), { report: true }))!;
    const after = await state(s);
    if (!r.applied) {
      if (firstDifference(after.weights, before.weights) !== -1) changedBySkipped.push(`step ${r.call}: weights`);
      if (firstDifference(after.momentum, before.momentum) !== -1) changedBySkipped.push(`step ${r.call}: momentum`);
      if (after.step !== before.step) changedBySkipped.push(`step ${r.call}: optimizer step count`);
    }
    reports.push(r);
    before = after;
  }
  return { reports, changedBySkipped };
}

describe.skipIf(!gpu)('numerical guards', () => {
  it('exploding gradients over maxGradNorm: reported with the step number, the update skipped, weights and momentum bit-identical', async () => {
    const s = new TrainingSession(gpu!, RNN, { ...UNCLIPPED, maxGradNorm: 50 }, { seed: 1 });
    const { reports, changedBySkipped } = await trainWatching(s);
    const skipped = reports.filter((r) => !r.applied);
    console.log(`maxGradNorm 50: ${skipped.length} of ${STEPS} steps skipped; norms ${reports.slice(0, 6).map((r) => r.gradNorm.toPrecision(2)).join(', ')}, ...`);
    expect(skipped.length).toBeGreaterThan(0);
    expect(reports.some((r) => r.applied)).toBe(true);
    const first = skipped[0];
    expect(first.overMaxGradNorm && Number.isFinite(first.gradNorm) && first.gradNorm > 50).toBe(true);
    expect(() => expectApplied(first, 50)).toThrow(SkippedStepError);
    expect(() => expectApplied(first, 50)).toThrow(new RegExp(`^step ${first.call}: gradient norm ${first.gradNorm} is over maxGradNorm 50; the update was skipped and the weights and optimizer state are unchanged$`));
    expect(changedBySkipped).toEqual([]);
    for (const r of reports) expect(r.applied ? r.gradNorm <= 50 : r.overMaxGradNorm || r.gradNonFinite, `step ${r.call}`).toBe(true);
    // The guard kept the weights finite and the skipped-step count matches.
    expect((await s.net.getFlatWeights()).every(Number.isFinite)).toBe(true);
    expect(reports.at(-1)!.skipped).toBe(skipped.length);
    s.dispose();
  });

  it('without the guard the explosion ends in non-finite gradients: each such step is skipped whole, the weights stay finite', async () => {
    const s = new TrainingSession(gpu!, RNN, UNCLIPPED, { seed: 1 });
    const { reports, changedBySkipped } = await trainWatching(s);
    const nonFinite = reports.filter((r) => r.gradNonFinite || r.lossNonFinite);
    console.log(`unguarded: norms ${reports.slice(0, 8).map((r) => r.gradNorm.toPrecision(2)).join(', ')}, ...; ${nonFinite.length} non-finite steps skipped, first at step ${nonFinite[0]?.call}`);
    expect(nonFinite.length).toBeGreaterThan(0);
    expect(nonFinite.every((r) => !r.applied)).toBe(true);
    expect(new SkippedStepError(nonFinite[0]).message).toMatch(new RegExp(`^step ${nonFinite[0].call}: (gradient norm|loss) is (Infinity|NaN)`));
    expect(changedBySkipped).toEqual([]);
    expect((await s.net.getFlatWeights()).every(Number.isFinite)).toBe(true);
    s.dispose();
  });

  it('gateflow train --max-grad-norm: stops naming the step and the threshold, or with --on-non-finite skip leaves the weights untouched', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'gateflow-guard-'));
    const small = ['--seq-len', '6', '--hidden', '8', '--batch', '4', '--max-grad-norm', '1e-9'];
    const stop = runCli(['train', '--steps', '5', '--log-every', '1', '--json', ...small]);
    expect(stop.status).not.toBe(0);
    expect(stop.stderr).toMatch(/step 1: gradient norm [\d.e+-]+ is over maxGradNorm 1e-9; the update was skipped and the weights and optimizer state are unchanged\. Stopping \(use --on-non-finite skip to continue\)/);
    // Skipping: every update is skipped, so the saved weights are the initial ones, bit for bit.
    const skipped = join(dir, 'skipped.safetensors');
    const skip = runCli(['train', '--steps', '6', '--log-every', '3', '--json', '--on-non-finite', 'skip', '--save', skipped, ...small]);
    expect(skip.status, skip.stderr).toBe(0);
    expect(jsonLines(skip.stdout).at(-1)).toMatchObject({ steps: 6, skippedSteps: 6 });
    const a = loadCheckpoint(new Uint8Array(readFileSync(skipped)));
    expect(a.optimizer!.step).toBe(0);
    const init = new TrainingSession(gpu!, SMALL, { kind: 'adam', lr: 0.01 }, { seed: 1 }); // the CLI's model and seed
    const initial = await init.net.getFlatWeights();
    init.dispose();
    for (const { name, slice } of init.net.layout.tensors()) {
      expect(firstDifference(bits(a.tensors[name].data), bits(initial.subarray(slice.offset, slice.offset + slice.length))), name).toBe(-1);
    }
  });
});
