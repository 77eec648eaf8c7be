// Next-value prediction on a sum of sines: x_t = Σ_k a_k sin(ω_k t + φ_k), with the phases φ_k drawn
// uniformly from [0, 2π) for every sequence. Input at step t is x_t (I = 1), the target is x_{t+1} (O = 1),
// MSE at every step.
//
// Baseline: over the random phases E[sin(θ + φ)] = 0, E[sin²(θ + φ)] = 1/2, and independent phases make the
// cross terms vanish, so at every step E[x_t] = 0 and Var[x_t] = Σ_k a_k² / 2. The best input-independent
// prediction is the mean 0, with MSE = Σ_k a_k² / 2 (0.625 for the default amplitudes 1 and 0.5).
// (A sum of two sinusoids obeys a linear recurrence of order 4, so a model can get close to 0.)
import type { Rng } from '../random';
import { checkBatchSize, TaskError, type RegressionBatch, type Task } from './task';

/** Amplitudes and frequencies of the sine task. */
export interface SineOptions {
  /** a_k (default [1, 0.5]). */
  amplitudes?: number[];
  /** ω_k in radians per step (default [0.3, 0.77]). */
  frequencies?: number[];
}

/** Next-value prediction of a sum of sinusoids with random phases (MSE at every step). */
export function sineTask(opts: SineOptions = {}): Task {
  const amps = opts.amplitudes ?? [1, 0.5];
  const freqs = opts.frequencies ?? [0.3, 0.77];
  if (amps.length === 0 || amps.length !== freqs.length || ![...amps, ...freqs].every(Number.isFinite)) {
    throw new TaskError(`sine: need as many finite amplitudes as frequencies, got ${JSON.stringify(amps)} and ${JSON.stringify(freqs)}`);
  }
  const task: Task = {
    name: 'sine',
    description: `next value of a sum of ${amps.length} sines with random phases; MSE on every step`,
    inputSize: 1,
    outputSize: 1,
    loss: 'mse',
    lossAt: 'all',
    baseline: amps.reduce((s, a) => s + (a * a) / 2, 0),
    baselineDerivation: 'predict the mean 0: MSE = Var[x_t] = sum of a_k^2 / 2 (random phases)',
    minSteps: 1,
    defaultSteps: 100,
    batch(rng: Rng, T: number, B: number): RegressionBatch {
      checkBatchSize(task, T, B);
      const inputs = new Float32Array(T * B);
      const targets = new Float32Array(T * B);
      for (let b = 0; b < B; b++) {
        const phases = amps.map(() => rng.uniform(0, 2 * Math.PI));
        const x = (t: number) => amps.reduce((s, a, k) => s + a * Math.sin(freqs[k] * t + phases[k]), 0);
        for (let t = 0; t < T; t++) {
          inputs[t * B + b] = x(t);
          targets[t * B + b] = x(t + 1);
        }
      }
      return { loss: 'mse', T, B, inputs, targets };
    },
  };
  return task;
}
