// What the pages say about training: skipped steps, and optimizer changes (marked on their charts).
// (Changing the optimizer itself happens in the workers: pages/lib/workerGpu.ts.)
import type { GpuOptimizerOptions } from '../../src/optim/options';
import { SkippedStepError, type StepReport } from '../../src/train/trainer';
import { showWarning } from './messages';

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
