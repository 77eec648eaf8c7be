// TrainingSession helpers for the pages: changing optimizer settings mid-run, and reporting skipped steps.
import type { Gpu } from '../../src/gpu/runtime';
import type { GpuOptimizerOptions } from '../../src/optim/options';
import { TrainingSession } from '../../src/train/session';
import { SkippedStepError, type StepReport } from '../../src/train/trainer';
import { showWarning } from './messages';

/**
 * A new session with other optimizer settings (learning rate, clipping) that carries on from the
 * old one's weights and optimizer state (through a checkpoint), so training continues where it was.
 * The old session is disposed.
 */
export async function withOptimizer(gpu: Gpu, old: TrainingSession, optimizer: GpuOptimizerOptions, seed: number): Promise<TrainingSession> {
  const bytes = await old.checkpoint();
  const next = new TrainingSession(gpu, old.config, optimizer, { seed });
  try {
    next.restore(bytes, 'the running session');
  } catch (err) {
    next.dispose();
    throw err;
  }
  old.dispose();
  return next;
}

/**
 * Shows skipped updates in plain words: the reported step itself, or steps between reports (the
 * optimizer's running `skipped` count went up). Returns the count seen, to pass in next time.
 */
export function warnIfSkipped(report: StepReport, who: string, seenSkipped: number): number {
  if (report.applied && report.skipped <= seenSkipped) return report.skipped;
  const why = report.applied
    ? `${report.skipped - seenSkipped} step(s) before step ${report.call} had a non-finite loss or gradient norm; their updates were skipped and the weights and optimizer state are unchanged`
    : new SkippedStepError(report).message;
  showWarning(
    `${who}: training steps were skipped`,
    `${why}. ${report.skipped} step(s) skipped so far. This usually means the learning rate is too high: lower it, or turn on gradient clipping.`,
    `skipped-${who.replace(/\W+/g, '-')}`,
  );
  return report.skipped;
}

/** What changed between two optimizer settings, for the mark on a chart ("lr 0.01 → 0.003, clip 1 → off"). */
export function describeOptimizerChange(before: GpuOptimizerOptions, after: GpuOptimizerOptions): string {
  const clip = (o: GpuOptimizerOptions) => (o.clipNorm === undefined ? 'off' : String(o.clipNorm));
  const parts: string[] = [];
  if (before.lr !== after.lr) parts.push(`lr ${before.lr} → ${after.lr}`);
  if (clip(before) !== clip(after)) parts.push(`clip ${clip(before)} → ${clip(after)}`);
  return parts.join(', ') || 'settings applied';
}
