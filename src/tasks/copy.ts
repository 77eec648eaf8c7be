// The copy (memory) task (Hochreiter & Schmidhuber 1997; layout of Arjovsky et al. 2016). With K symbols
// from an alphabet of A and sequence length T ≥ 2K + 1:
//   step      0 .. K-1        K .. T-K-2     T-K-1        T-K .. T-1
//   input     s_0 .. s_{K-1}  blank          delimiter    blank
//   target    (not scored)    (not scored)   (not scored) s_0 .. s_{K-1}
// so the model must hold K symbols for T - K steps. Input ids: symbols 0..A-1, blank A, delimiter A+1
// (I = A + 2, one-hot); output classes: the A symbols. Cross-entropy with a mask: only the last K steps count.
//
// Baseline: the answer symbols are i.i.d. uniform over A, so a predictor that ignores the input can do no
// better than the uniform distribution q = 1/A (for any q, E[-log q(s)] = log A + KL(uniform ‖ q) ≥ log A),
// which scores exactly log A nats per answer step: log 8 ≈ 2.079 for the default alphabet.
import type { Rng } from '../random';
import { checkBatchSize, oneHot, TaskError, type ClassificationBatch, type Task } from './task';

/** Alphabet size and length of the copy task. */
export interface CopyOptions {
  /** Alphabet size A (default 8). */
  alphabet?: number;
  /** Symbols to copy K (default 10). */
  length?: number;
}

/** The copy task: remember K symbols across a delay and reproduce them (cross-entropy on the answer steps). */
export function copyTask(opts: CopyOptions = {}): Task {
  const A = opts.alphabet ?? 8;
  const K = opts.length ?? 10;
  if (!(Number.isInteger(A) && A >= 2)) throw new TaskError(`copy: alphabet must be an integer ≥ 2, got ${A}`);
  if (!(Number.isInteger(K) && K >= 1)) throw new TaskError(`copy: length must be a positive integer, got ${K}`);
  const blank = A;
  const delimiter = A + 1;
  const task: Task = {
    name: 'copy',
    description: `copy ${K} symbols (alphabet ${A}) after a delay; cross-entropy on the last ${K} steps only`,
    inputSize: A + 2,
    outputSize: A,
    loss: 'crossentropy',
    lossAt: 'all',
    baseline: Math.log(A),
    baselineDerivation: `answers are uniform over ${A} symbols: the best input-free guess is uniform, log ${A} nats`,
    minSteps: 2 * K + 1,
    defaultSteps: 2 * K + 100,
    batch(rng: Rng, T: number, B: number): ClassificationBatch {
      checkBatchSize(task, T, B);
      const inputIds = new Int32Array(T * B).fill(blank);
      const targets = new Int32Array(T * B);
      const mask = new Float32Array(T * B);
      for (let b = 0; b < B; b++) {
        for (let k = 0; k < K; k++) {
          const s = rng.int(A);
          inputIds[k * B + b] = s;
          targets[(T - K + k) * B + b] = s;
          mask[(T - K + k) * B + b] = 1;
        }
        inputIds[(T - K - 1) * B + b] = delimiter;
      }
      return { loss: 'crossentropy', T, B, inputs: oneHot(inputIds, A + 2), inputIds, targets, mask };
    },
  };
  return task;
}
