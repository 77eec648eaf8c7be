// The interface every generated task implements. Legend as in src/cpu/types.ts: T time, B batch,
// I input size, O output size; everything time-major and flat: x[t][b][i] = x[(t*B + b)*I + i].
import type { Rng } from '../random';
import type { LossKind } from '../config';

/** A task asked for something it cannot give (bad sizes, a character outside the vocabulary). */
export class TaskError extends Error {
  override name = 'TaskError';
}

export type { LossKind } from '../config';
/** 'last': one target per sequence, after the last step. 'all': a target at every step (weighted by `mask` when given). */
export type LossAt = 'last' | 'all';

interface BatchCommon {
  T: number;
  B: number;
  /** Real-valued inputs `[T,B,I]`, or the one-hot encoding of `inputIds` for symbol tasks. */
  inputs: Float32Array;
  /** The input symbols `[T,B]`, for symbol tasks (copy, char-lm); feed these to an embedding instead of `inputs`. */
  inputIds?: Int32Array;
  /** [T,B] ('all') or [B] ('last'): 1 where the loss counts, 0 where it does not. Absent: it counts everywhere. */
  mask?: Float32Array;
  /** [B] steps of each sequence (1..T; inputs past a row's length are 0), for variable-length tasks. */
  lengths?: Int32Array;
}

/** A batch of a regression task: real-valued targets. */
export interface RegressionBatch extends BatchCommon {
  loss: 'mse';
  /** [B,O] when lossAt is 'last', [T,B,O] when 'all'. */
  targets: Float32Array;
}

/** A batch of a classification task: class ids as targets. */
export interface ClassificationBatch extends BatchCommon {
  loss: 'crossentropy';
  /** Class ids in [0, O): [B] when lossAt is 'last', [T,B] when 'all'. */
  targets: Int32Array;
}

/** A batch a task generates: regression or classification. */
export type TaskBatch = RegressionBatch | ClassificationBatch;

/** A generated task: sizes, its loss, its baseline, and batches from a seed. */
export interface Task {
  readonly name: string;
  readonly description: string;
  readonly inputSize: number;
  readonly outputSize: number;
  readonly loss: LossKind;
  readonly lossAt: LossAt;
  /**
   * The mean loss (over the counted targets) of the best predictor that ignores its inputs; nats for
   * cross-entropy. A model that does not beat it has learnt nothing about the sequence.
   */
  readonly baseline: number;
  /** One line on where the baseline comes from. */
  readonly baselineDerivation: string;
  /** Smallest sequence length batch() accepts. */
  readonly minSteps: number;
  /** A sequence length that makes the task worth training on. */
  readonly defaultSteps: number;
  /** B fresh sequences of length T; the same rng state gives the same batch. */
  batch(rng: Rng, T: number, B: number): TaskBatch;
}

/** Throws a TaskError unless T and B are integers with T ≥ minSteps and B ≥ 1. */
export function checkBatchSize(task: Pick<Task, 'name' | 'minSteps'>, T: number, B: number): void {
  if (!(Number.isInteger(T) && T >= task.minSteps)) throw new TaskError(`${task.name}: T must be an integer ≥ ${task.minSteps}, got ${T}`);
  if (!(Number.isInteger(B) && B >= 1)) throw new TaskError(`${task.name}: B must be a positive integer, got ${B}`);
}

/** One-hot rows for symbol ids: out[k*V + ids[k]] = 1. */
export function oneHot(ids: Int32Array, V: number): Float32Array {
  const out = new Float32Array(ids.length * V);
  for (let k = 0; k < ids.length; k++) out[k * V + ids[k]] = 1;
  return out;
}
