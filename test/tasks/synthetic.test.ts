// The generated tasks: layout, determinism, and each baseline checked against samples with a tolerance
// of 5 standard errors (derived from the sample size), so a failure means a wrong derivation, not bad luck.
import { describe, expect, it } from 'vitest';
import { softmaxCrossEntropy } from '../../src/cpu/loss';
import { Rng } from '../../src/random';
import { ADDING_BASELINE, addingTask, addingVarTask } from '../../src/tasks/adding';
import { copyTask } from '../../src/tasks/copy';
import { sineTask } from '../../src/tasks/sine';
import { TaskError, type TaskBatch } from '../../src/tasks/task';

const sameBatch = (a: TaskBatch, b: TaskBatch) => expect(a).toEqual(b);

describe('adding problem with varying lengths', () => {
  it('row b is n_b ∈ [⌈T/4⌉, T] steps: zeros past it, one marker in each half of its own length, the target their sum', () => {
    const T = 40;
    const B = 500;
    const b = addingVarTask.batch(new Rng(7), T, B);
    expect(b.lengths).toBeInstanceOf(Int32Array);
    const lengths = b.lengths!;
    const seen = new Set<number>();
    for (let r = 0; r < B; r++) {
      const n = lengths[r];
      seen.add(n);
      expect(n).toBeGreaterThanOrEqual(10);
      expect(n).toBeLessThanOrEqual(T);
      const marked: number[] = [];
      let sum = 0;
      for (let t = 0; t < T; t++) {
        const [u, m] = [b.inputs[(t * B + r) * 2], b.inputs[(t * B + r) * 2 + 1]];
        if (t >= n) expect([u, m]).toEqual([0, 0]);
        if (m === 1) {
          marked.push(t);
          sum += u;
        }
      }
      expect(marked.length).toBe(2);
      expect(marked[0]).toBeLessThan(Math.floor(n / 2));
      expect(marked[1]).toBeGreaterThanOrEqual(Math.floor(n / 2));
      expect(marked[1]).toBeLessThan(n);
      expect(b.targets[r]).toBeCloseTo(sum, 6);
    }
    // Lengths spread over the whole range.
    expect(seen.has(10) && seen.has(T)).toBe(true);
    expect(() => addingVarTask.batch(new Rng(1), 7, 2)).toThrow(TaskError);
  });
});

describe('adding problem', () => {
  it('has I = 2 inputs, one MSE target per sequence, and values in [0, 1)', () => {
    const { inputs, targets, mask, T, B } = addingTask.batch(new Rng(1), 9, 5);
    expect([T, B, inputs.length, targets.length, mask]).toEqual([9, 5, 9 * 5 * 2, 5, undefined]);
    for (let k = 0; k < T * B; k++) expect(inputs[2 * k] >= 0 && inputs[2 * k] < 1).toBe(true);
  });

  it.each([2, 3, 7, 50])('T = %i: exactly one marker in each half, and the target is the sum of the two marked values', (T) => {
    const B = 200;
    const { inputs, targets } = addingTask.batch(new Rng(T), T, B);
    const half = Math.floor(T / 2);
    for (let b = 0; b < B; b++) {
      const marked: number[] = [];
      for (let t = 0; t < T; t++) {
        const m = inputs[(t * B + b) * 2 + 1];
        expect(m === 0 || m === 1).toBe(true);
        if (m === 1) marked.push(t);
      }
      expect(marked.length).toBe(2);
      expect(marked[0]).toBeLessThan(half);
      expect(marked[1]).toBeGreaterThanOrEqual(half);
      expect(targets[b]).toBe(Math.fround(marked.reduce((s, t) => s + inputs[(t * B + b) * 2], 0)));
    }
  });

  it('is deterministic by seed', () => {
    sameBatch(addingTask.batch(new Rng(42), 20, 8), addingTask.batch(new Rng(42), 20, 8));
    expect(addingTask.batch(new Rng(43), 20, 8).targets).not.toEqual(addingTask.batch(new Rng(42), 20, 8).targets);
  });

  it('rejects T < 2 and a bad B', () => {
    expect(() => addingTask.batch(new Rng(1), 1, 4)).toThrow(new TaskError('adding: T must be an integer ≥ 2, got 1'));
    expect(() => addingTask.batch(new Rng(1), 10, 0)).toThrow('adding: B must be a positive integer, got 0');
  });

  it('baseline 1/6: predicting the mean 1 gets MSE = Var[target] ≈ 1/6 on samples', () => {
    expect(ADDING_BASELINE).toBe(1 / 6);
    const n = 200_000;
    const { targets } = addingTask.batch(new Rng(2024), 10, n);
    let sum = 0;
    let sq = 0;
    for (const y of targets) {
      sum += y;
      sq += (y - 1) ** 2;
    }
    const mean = sum / n;
    const mseOfMean = sq / n;
    // y − 1 is triangular on [−1, 1]: σ² = 1/6, E[(y−1)⁴] = 1/15, so sd(MSE estimate) = √((1/15 − 1/36)/n) = √(7/(180 n)).
    const sdMse = Math.sqrt(7 / 180 / n);
    const sdMean = Math.sqrt(1 / 6 / n);
    console.log(`adding: n=${n}, mean ${mean.toFixed(5)} (±${sdMean.toExponential(1)}), MSE of predicting 1 = ${mseOfMean.toFixed(5)} vs 1/6 = ${(1 / 6).toFixed(5)} (sd ${sdMse.toExponential(2)})`);
    expect(Math.abs(mean - 1)).toBeLessThan(5 * sdMean);
    expect(Math.abs(mseOfMean - ADDING_BASELINE)).toBeLessThan(5 * sdMse);
  });
});

describe('copy task', () => {
  const A = 8;
  const K = 10;
  const task = copyTask({ alphabet: A, length: K });

  it('has the documented metadata', () => {
    expect(task).toMatchObject({ inputSize: A + 2, outputSize: A, loss: 'crossentropy', lossAt: 'all', minSteps: 2 * K + 1 });
    expect(task.baseline).toBe(Math.log(8));
  });

  it.each([2 * K + 1, 2 * K + 2, 60])('T = %i: symbols, blanks, delimiter, then the answer; mask only on the answer', (T) => {
    const B = 7;
    const batch = task.batch(new Rng(T), T, B);
    if (batch.loss !== 'crossentropy') throw new Error('copy must be a classification batch');
    const { inputs, inputIds, targets, mask } = batch;
    expect([inputs.length, inputIds!.length, targets.length, mask!.length]).toEqual([T * B * (A + 2), T * B, T * B, T * B]);
    for (let b = 0; b < B; b++) {
      for (let t = 0; t < T; t++) {
        const id = inputIds![t * B + b];
        if (t < K) expect(id).toBeLessThan(A);
        else if (t === T - K - 1) expect(id).toBe(A + 1);
        else expect(id).toBe(A);
        // The one-hot rows match the ids.
        const row = Array.from(inputs.subarray((t * B + b) * (A + 2), (t * B + b + 1) * (A + 2)));
        expect(row.indexOf(1)).toBe(id);
        expect(row.reduce((s, v) => s + v, 0)).toBe(1);
        const answer = t >= T - K;
        expect(mask![t * B + b]).toBe(answer ? 1 : 0);
        expect(targets[t * B + b]).toBe(answer ? inputIds![(t - (T - K)) * B + b] : 0);
      }
    }
  });

  it('is deterministic by seed, and checks its options and T', () => {
    sameBatch(task.batch(new Rng(5), 30, 4), task.batch(new Rng(5), 30, 4));
    expect(() => task.batch(new Rng(1), 2 * K, 4)).toThrow('copy: T must be an integer ≥ 21, got 20');
    expect(() => copyTask({ alphabet: 1 })).toThrow(TaskError);
  });

  it('baseline log A: uniform guessing scores exactly log A, and no input-free guess does better on samples', () => {
    const T = 2 * K + 5;
    const B = 10_000;
    const batch = task.batch(new Rng(77), T, B);
    const targets = batch.targets as Int32Array;
    const uniform = softmaxCrossEntropy(new Float64Array(T * B * A), targets, A, batch.mask);
    expect(uniform.loss).toBeCloseTo(Math.log(A), 9); // summation rounding over 10⁵ rows
    // The best input-free predictor is the answers' empirical distribution; its cross-entropy is the plug-in
    // entropy Ĥ. 2n(log A − Ĥ) is the G statistic of a uniformity test, ≈ χ²(A−1); P(χ²(7) > 30) ≈ 1e-4.
    const counts = new Float64Array(A);
    let n = 0;
    for (let k = 0; k < targets.length; k++) if (batch.mask![k] === 1) counts[targets[k]]++, n++;
    const H = -counts.reduce((s, c) => s + (c / n) * Math.log(c / n), 0);
    console.log(`copy: n=${n} answers, log A = ${Math.log(A).toFixed(5)}, best input-free cross-entropy ${H.toFixed(5)}`);
    expect(n).toBe(K * B);
    expect(Math.log(A) - H).toBeGreaterThanOrEqual(0);
    expect(Math.log(A) - H).toBeLessThan(30 / (2 * n));
  });
});

describe('sine task', () => {
  const task = sineTask();

  it('targets are the next input, and the signal stays within Σ|a|', () => {
    const T = 40;
    const B = 6;
    const { inputs, targets, mask } = task.batch(new Rng(3), T, B);
    expect([inputs.length, targets.length, mask]).toEqual([T * B, T * B, undefined]);
    for (let t = 0; t + 1 < T; t++) for (let b = 0; b < B; b++) expect(targets[t * B + b]).toBe(inputs[(t + 1) * B + b]);
    for (const x of inputs) expect(Math.abs(x)).toBeLessThanOrEqual(1.5);
  });

  it('is deterministic by seed, with a fresh phase per sequence', () => {
    sameBatch(task.batch(new Rng(8), 16, 3), task.batch(new Rng(8), 16, 3));
    const { inputs } = task.batch(new Rng(8), 1, 3);
    expect(new Set(inputs).size).toBe(3);
  });

  it('baseline Σa²/2 = 0.625: predicting the mean 0 gets MSE ≈ the signal variance on samples', () => {
    expect(task.baseline).toBe(0.625);
    const T = 64;
    const B = 20_000;
    const { targets } = task.batch(new Rng(99), T, B);
    // Steps of one sequence are correlated, sequences are independent: the per-sequence means are the samples.
    const perSeq = new Float64Array(B);
    for (let t = 0; t < T; t++) for (let b = 0; b < B; b++) perSeq[b] += targets[t * B + b] ** 2 / T;
    const mean = perSeq.reduce((s, v) => s + v, 0) / B;
    const sd = Math.sqrt(perSeq.reduce((s, v) => s + (v - mean) ** 2, 0) / (B - 1));
    const se = sd / Math.sqrt(B);
    console.log(`sine: MSE of predicting 0 = ${mean.toFixed(5)} vs ${task.baseline} (standard error ${se.toExponential(2)})`);
    expect(Math.abs(mean - task.baseline)).toBeLessThan(5 * se);
  });
});
