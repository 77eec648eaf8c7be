// Shared pieces of the reliability suite. GATEFLOW_LONG=1 runs the long tests at their full length.
import { runInNewContext } from 'node:vm';
import { setFlagsFromString } from 'node:v8';
import type { ModelConfig } from '../../src/train/session';
import type { Batch } from '../../src/train/batch';
import { stepRng } from '../../src/train/resilient';
import { addingTask } from '../../src/tasks/adding';

export { LONG } from '../helpers/long';
import { LONG } from '../helpers/long';

/** `short` in CI, `long` with GATEFLOW_LONG=1. */
export const sized = (short: number, long: number): number => (LONG ? long : short);

/** The small model the long-running tests use: fast enough for thousands of steps on lavapipe. */
export const SMALL: ModelConfig = { cell: 'lstm', cellActivation: 'tanh', inputSize: 2, hiddenSize: 8, numLayers: 1, outputSize: 1, headAt: 'last', loss: 'mse' };

/** Batch `index` of the adding task (T, B fixed), indexed by step: a pure function of (seed, index). */
export function addingBatch(seed: number, index: number, T = 5, B = 2): Batch {
  const b = addingTask.batch(stepRng(seed, index), T, B);
  return { x: b.inputs, T: b.T, B: b.B, target: b.targets };
}

/** The raw bits of a float array, for bit-for-bit comparisons. */
export const bits = (a: Float32Array | number[]): Uint32Array => {
  const f = a instanceof Float32Array ? a : Float32Array.from(a);
  return new Uint32Array(f.buffer, f.byteOffset, f.length);
};

/** Index of the first differing element of two bit arrays, -1 when identical. */
export function firstDifference(a: Uint32Array, b: Uint32Array): number {
  if (a.length !== b.length) return Math.min(a.length, b.length);
  return a.findIndex((v, i) => v !== b[i]);
}

/**
 * A full garbage collection when the runtime allows one (--expose-gc, or V8's flag set at run time);
 * null when it cannot, and heap bounds must then be generous.
 */
export const gc: (() => void) | null = (() => {
  const g = (globalThis as { gc?: () => void }).gc;
  if (g) return g;
  try {
    setFlagsFromString('--expose-gc');
    return runInNewContext('gc') as () => void;
  } catch {
    return null;
  }
})();

/** heapUsed after a full collection (when one is possible), in bytes. */
export async function heapUsed(): Promise<number> {
  if (gc) {
    // Twice, with a turn of the event loop between: finalizers of native wrappers run in between.
    gc();
    await new Promise((r) => setTimeout(r, 0));
    gc();
  }
  return process.memoryUsage().heapUsed;
}

export const MiB = 1024 * 1024;
