// The adding problem (Hochreiter & Schmidhuber 1997; here the variant of Arjovsky et al. 2016).
// Each step gets I = 2 inputs: a value u ~ U[0,1) and a marker (0 or 1). Exactly one step in the first
// half [0, ⌊T/2⌋) and one in the second half [⌊T/2⌋, T) are marked; after the last step the model must
// output the sum of the two marked values (O = 1, MSE).
//
// Baseline: the target y = u₁ + u₂ is a sum of two independent U[0,1) values, so E[y] = 1 and
// Var[y] = 2 · 1/12 = 1/6. The best input-independent prediction is the constant E[y] = 1, whose MSE is
// Var[y] = 1/6 ≈ 0.1667.
import type { Rng } from '../random';
import { checkBatchSize, type RegressionBatch, type Task } from './task';

/** The adding problem's baseline MSE: 1/6, the variance of the sum a model ignoring the sequence must predict. */
export const ADDING_BASELINE = 1 / 6;

/** The adding problem: sum the two marked values of a random sequence (MSE at the last step). */
export const addingTask: Task = {
  name: 'adding',
  description: 'sum of the two marked values (one marker per half), MSE on the last step',
  inputSize: 2,
  outputSize: 1,
  loss: 'mse',
  lossAt: 'last',
  baseline: ADDING_BASELINE,
  baselineDerivation: 'predict E[u1 + u2] = 1: MSE = Var[u1 + u2] = 2 * (1/12) = 1/6',
  minSteps: 2,
  defaultSteps: 100,
  batch(rng: Rng, T: number, B: number): RegressionBatch {
    checkBatchSize(addingTask, T, B);
    const inputs = new Float32Array(T * B * 2);
    for (let k = 0; k < T * B; k++) inputs[2 * k] = rng.next();
    const targets = new Float32Array(B);
    const half = Math.floor(T / 2);
    for (let b = 0; b < B; b++) {
      const first = rng.int(half);
      const second = half + rng.int(T - half);
      for (const t of [first, second]) {
        inputs[(t * B + b) * 2 + 1] = 1;
        targets[b] += inputs[(t * B + b) * 2];
      }
    }
    return { loss: 'mse', T, B, inputs, targets };
  },
};

/**
 * The adding problem on sequences of varying length (packed-sequence semantics): row b is n_b steps
 * long, n_b uniform over [⌈T/4⌉, T] (at least 2), with one marker in each half of its own length and
 * zeros past it; the target is read after the row's last step. Baseline as the adding problem's, 1/6.
 */
export const addingVarTask: Task = {
  name: 'adding-var',
  description: 'the adding problem with a length per sequence, uniform over [T/4, T] (the model must stop at each row\'s own end)',
  inputSize: 2,
  outputSize: 1,
  loss: 'mse',
  lossAt: 'last',
  baseline: ADDING_BASELINE,
  baselineDerivation: addingTask.baselineDerivation,
  minSteps: 8,
  defaultSteps: 100,
  batch(rng: Rng, T: number, B: number): RegressionBatch {
    checkBatchSize(addingVarTask, T, B);
    const inputs = new Float32Array(T * B * 2);
    const targets = new Float32Array(B);
    const lengths = new Int32Array(B);
    const shortest = Math.max(2, Math.ceil(T / 4));
    for (let b = 0; b < B; b++) {
      const n = shortest + rng.int(T - shortest + 1);
      lengths[b] = n;
      for (let t = 0; t < n; t++) inputs[(t * B + b) * 2] = rng.next();
      const half = Math.floor(n / 2);
      for (const t of [rng.int(half), half + rng.int(n - half)]) {
        inputs[(t * B + b) * 2 + 1] = 1;
        targets[b] += inputs[(t * B + b) * 2];
      }
    }
    return { loss: 'mse', T, B, inputs, targets, lengths };
  },
};
