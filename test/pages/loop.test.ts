// The pages' training loop (pages/lib/loop.ts) with fake steps: reports every N steps, never more
// than maxInFlight read-backs outstanding, yields between slices, pauses, stops at a step limit,
// and stops on the first error.
import { describe, expect, it } from 'vitest';
import { TrainLoop } from '../../pages/lib/loop';

/** Fake GPU work: each report resolves when the test releases it. */
function fakeGpu() {
  const waiting: (() => void)[] = [];
  let inFlight = 0;
  let maxInFlight = 0;
  const stepsWithReport: number[] = [];
  return {
    waiting,
    get maxInFlight() {
      return maxInFlight;
    },
    stepsWithReport,
    step(index: number, report: boolean): Promise<number> | null {
      if (!report) return null;
      stepsWithReport.push(index);
      inFlight++;
      maxInFlight = Math.max(maxInFlight, inFlight);
      return new Promise((resolve) =>
        waiting.push(() => {
          inFlight--;
          resolve(index);
        }),
      );
    },
    releaseAll() {
      while (waiting.length) waiting.shift()!();
    },
  };
}

const tick = () => new Promise((r) => setTimeout(r, 5));

describe('pages/lib/loop', () => {
  it('requests a report every N steps, keeps at most 2 outstanding, and finishes at the step limit', async () => {
    const gpu = fakeGpu();
    const reports: number[] = [];
    const loop = new TrainLoop<number>(
      { step: (i, r) => gpu.step(i, r), onReport: (r) => reports.push(r), onError: (e) => { throw e; } },
      { reportEvery: 5, maxInFlight: 2, maxSteps: 23 },
    );
    loop.start();
    await tick();
    // Two reports are outstanding: the loop waits instead of running ahead.
    expect(loop.submitted).toBe(10);
    expect(gpu.waiting).toHaveLength(2);
    while (!loop.finished || loop.pending > 0) {
      gpu.releaseAll();
      await tick();
    }
    expect(gpu.stepsWithReport).toEqual([4, 9, 14, 19, 22]); // every 5th, and the last step
    expect(reports).toEqual([4, 9, 14, 19, 22]);
    expect(gpu.maxInFlight).toBe(2);
    expect(loop.completed).toBe(23);
    expect(loop.running).toBe(false);
  });

  it('pauses and resumes; an error stops it for good and is reported once', async () => {
    const gpu = fakeGpu();
    const errors: unknown[] = [];
    let failAt = -1;
    const loop = new TrainLoop<number>(
      {
        step: (i, r) => {
          if (i === failAt) throw new Error('bad batch');
          return gpu.step(i, r);
        },
        onReport: () => {},
        onError: (e) => errors.push(e),
      },
      { reportEvery: 2, maxInFlight: 2 },
    );
    loop.start();
    await tick();
    loop.pause();
    gpu.releaseAll();
    await loop.settle();
    const at = loop.submitted;
    await tick();
    expect(loop.submitted).toBe(at); // paused: nothing more submitted
    failAt = at + 3;
    loop.start();
    for (let i = 0; i < 10 && !loop.stopped; i++) {
      gpu.releaseAll();
      await tick();
    }
    expect(loop.stopped).toBe(true);
    expect(loop.running).toBe(false);
    expect(errors.map((e) => (e as Error).message)).toEqual(['bad batch']);
    loop.start();
    expect(loop.running).toBe(false); // a stopped loop does not start again
  });

  it('yields to the event loop while submitting: a timer runs between slices', async () => {
    let timerRan = false;
    let stepsBeforeTimer = -1;
    const loop = new TrainLoop<number>(
      {
        step: (i) => {
          if (i === 0) setTimeout(() => (timerRan = true), 0); // queued while the first slice runs
          const t0 = performance.now();
          while (performance.now() - t0 < 1) {
            // 1 ms of "encoding" per step
          }
          if (timerRan && stepsBeforeTimer < 0) stepsBeforeTimer = i;
          return null;
        },
        onReport: () => {},
        onError: (e) => {
          throw e;
        },
      },
      { reportEvery: 1000, maxInFlight: 2, sliceMs: 8, maxSteps: 200 },
    );
    loop.start();
    while (!loop.finished) await tick();
    expect(timerRan).toBe(true);
    expect(stepsBeforeTimer).toBeGreaterThan(0);
    expect(stepsBeforeTimer).toBeLessThan(30); // it ran after the first slice, not after all 200 steps
  });
});
