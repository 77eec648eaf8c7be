// A training loop that never freezes the page.
//
// Each training step is one queue submission (encode + submit take well under a millisecond); the
// GPU runs them in order while the page stays free. What keeps the page responsive:
//   - steps are submitted in short slices (≤ sliceMs of main-thread time), then the loop yields to
//     the event loop (setTimeout 0) so input, rendering and timers run;
//   - a report (loss, gradient norm, applied) is requested every `reportEvery` steps and mapped
//     asynchronously; at most `maxInFlight` reports (or other GPU read-backs such as a gradient-flow
//     measurement) are outstanding. When that many are waiting, the loop waits for the oldest to
//     finish before submitting more, so the GPU queue never runs more than about
//     maxInFlight × reportEvery steps ahead of what the page has seen.

export interface LoopHooks<R> {
  /** Encodes and submits training step `index` (0-based); returns its report's promise when `report` is true. */
  step(index: number, report: boolean): Promise<R> | null;
  /** Each report, in step order. */
  onReport(report: R, index: number): void;
  /** Extra GPU work after step `index` (e.g. a measurement); its promise counts as in flight. */
  after?(index: number): Promise<unknown> | null;
  /** A step threw or a read-back failed; the loop has stopped. */
  onError(err: unknown): void;
  /** Started, paused, finished, or progress: redraw the controls and counters. */
  onChange?(): void;
}

export interface LoopOptions {
  reportEvery: number;
  maxInFlight: number;
  /** Main-thread time per slice of submissions, ms. */
  sliceMs: number;
  /** Stop after this many steps (Infinity: run until paused). */
  maxSteps: number;
}

export const DEFAULT_LOOP: LoopOptions = { reportEvery: 5, maxInFlight: 2, sliceMs: 8, maxSteps: Infinity };

/** Steps per second over the last few seconds of completed work. */
class RateMeter {
  private samples: { t: number; steps: number }[] = [];

  add(steps: number): void {
    const t = performance.now();
    this.samples.push({ t, steps });
    while (this.samples.length > 2 && t - this.samples[0].t > 5000) this.samples.shift();
  }

  get rate(): number {
    if (this.samples.length < 2) return 0;
    const a = this.samples[0];
    const b = this.samples[this.samples.length - 1];
    return b.t > a.t ? ((b.steps - a.steps) * 1000) / (b.t - a.t) : 0;
  }

  reset(): void {
    this.samples = [];
  }
}

export class TrainLoop<R> {
  /** Steps submitted to the GPU. */
  submitted = 0;
  /** Steps known to be complete (the last report's step + 1). */
  completed = 0;
  running = false;
  private readonly inFlight = new Set<Promise<unknown>>();
  private readonly meter = new RateMeter();
  private scheduled = false;
  private failed = false;
  readonly opts: LoopOptions;

  constructor(private readonly hooks: LoopHooks<R>, opts: Partial<LoopOptions> = {}) {
    this.opts = { ...DEFAULT_LOOP, ...opts };
    if (!(this.opts.reportEvery >= 1 && this.opts.maxInFlight >= 1)) throw new RangeError('reportEvery and maxInFlight must be ≥ 1');
  }

  get stepsPerSecond(): number {
    return this.running ? this.meter.rate : 0;
  }

  /** True when a step limit was set and every step has been submitted. */
  get finished(): boolean {
    return this.submitted >= this.opts.maxSteps;
  }

  /** True after stop() or a failure: this loop will not run again (the page needs a reset or a reload). */
  get stopped(): boolean {
    return this.failed;
  }

  /** GPU work the page is still waiting for. */
  get pending(): number {
    return this.inFlight.size;
  }

  start(): void {
    if (this.running || this.failed || this.finished) return;
    this.running = true;
    this.meter.reset();
    this.meter.add(this.completed);
    this.schedule();
    this.hooks.onChange?.();
  }

  pause(): void {
    if (!this.running) return;
    this.running = false;
    this.hooks.onChange?.();
  }

  /** Resolves once every report and measurement already requested has arrived. */
  async settle(): Promise<void> {
    while (this.inFlight.size > 0) await Promise.all([...this.inFlight]);
  }

  /** Stops for good (e.g. the device was lost). */
  stop(): void {
    this.failed = true;
    this.pause();
  }

  private schedule(): void {
    if (this.scheduled) return;
    this.scheduled = true;
    setTimeout(this.tick, 0);
  }

  private track(p: Promise<unknown>): void {
    const tracked: Promise<unknown> = p
      .catch((err: unknown) => this.fail(err))
      .finally(() => {
        this.inFlight.delete(tracked);
        if (!this.running && this.inFlight.size === 0) this.hooks.onChange?.();
      });
    this.inFlight.add(tracked);
  }

  private fail(err: unknown): void {
    if (this.failed) return;
    this.failed = true;
    this.running = false;
    this.hooks.onError(err);
    this.hooks.onChange?.();
  }

  private readonly tick = (): void => {
    this.scheduled = false;
    if (!this.running) return;
    const t0 = performance.now();
    const { reportEvery, maxInFlight, sliceMs, maxSteps } = this.opts;
    try {
      while (this.running && this.submitted < maxSteps && performance.now() - t0 < sliceMs) {
        if (this.inFlight.size >= maxInFlight) {
          // Wait for the oldest read-back; then carry on (no busy waiting, no growing GPU queue).
          void Promise.race(this.inFlight).then(() => this.schedule());
          return;
        }
        const index = this.submitted;
        const report = (index + 1) % reportEvery === 0 || index + 1 === maxSteps;
        const p = this.hooks.step(index, report);
        this.submitted++;
        if (p) {
          this.track(
            p.then((r) => {
              this.completed = Math.max(this.completed, index + 1);
              this.meter.add(this.completed);
              this.hooks.onReport(r, index);
            }),
          );
        }
        const extra = this.hooks.after?.(index);
        if (extra) this.track(extra);
      }
    } catch (err) {
      this.fail(err);
      return;
    }
    if (this.submitted >= maxSteps) {
      this.running = false;
      this.hooks.onChange?.();
      return;
    }
    this.schedule();
  };
}
