import type { Gpu } from '../gpu/runtime';
import type { RecurrentNetwork } from '../model/recurrentNetwork';
import type { HeadAt, LossKind, TrainPlan } from '../scheduler/trainPlan';
import { checkKnownKeys, checkLengths, checkPositiveInt, checkTensor } from '../validate';
import { directions, outputWidth } from '../config';
import { maskPastLengths } from '../lengthMask';
import { swapLeadingAxes } from '../sequenceLayout';

/** One batch of a task: inputs [T,B,I] and targets for the head's rows (all steps or the last). */
export interface Batch {
  x: ArrayLike<number>;
  T: number;
  B: number;
  /** MSE: [N,O] values; cross-entropy: [N] class ids (N = T·B for 'all', B for 'last'). */
  target: ArrayLike<number>;
  /** MSE: per element; cross-entropy: per row. 0/1. */
  mask?: ArrayLike<number>;
  /**
   * Steps of each sequence, 1 ≤ length ≤ T (packed-sequence semantics, RecurrentNetwork's `lengths`).
   * A head on every step counts only the steps that exist; a head on the last reads each row's last.
   */
  lengths?: ArrayLike<number>;
}

/** A batch that passed checkBatch: every array converted, sized and checked, ready to upload. */
export interface CheckedBatch {
  x: Float32Array<ArrayBuffer>;
  T: number;
  B: number;
  target: Float32Array<ArrayBuffer> | Int32Array<ArrayBuffer>;
  mask: Float32Array<ArrayBuffer> | null;
  lengths: Uint32Array<ArrayBuffer> | null;
}

/**
 * Checks a batch against the network and the loss (shapes, finiteness, class ids, mask values) without
 * touching the GPU, so a bad batch fails before any plan is built or buffer written.
 */
export function checkBatch(net: RecurrentNetwork, lossKind: LossKind, headAt: HeadAt, batch: Batch): CheckedBatch {
  if (typeof batch !== 'object' || batch === null) throw new TypeError(`batch must be an object {x, T, B, target, mask?, lengths?}, got ${batch === null ? 'null' : typeof batch}`);
  checkKnownKeys('batch', batch, ['x', 'T', 'B', 'target', 'mask', 'lengths']);
  const T = checkPositiveInt('batch.T (sequence length)', batch.T);
  const B = checkPositiveInt('batch.B (batch size)', batch.B);
  // A batch-first network takes [B,T,*] sequences and per-step targets: made time-major here, once.
  if (net.batchFirst) batch = batchFirstToTimeMajor(net, lossKind, headAt, batch, T, B);
  const x = checkTensor('x', batch.x, [T, B, net.cfg.inputSize], '[T,B,I]');
  const lengths = batch.lengths === undefined ? null : checkLengths(batch.lengths, T, B);
  const N = headAt === 'all' ? T * B : B;
  const O = net.layout.head ? net.layout.outputSize : directions(net.cfg) * outputWidth(net.cfg);
  const rows = headAt === 'all' ? '[T·B' : '[B';
  let target: Float32Array<ArrayBuffer> | Int32Array<ArrayBuffer>;
  if (lossKind === 'mse') {
    target = checkTensor('target', batch.target, [N, O], `${rows},O]`);
  } else {
    const ids = batch.target;
    if (!ids || typeof ids.length !== 'number') throw new TypeError(`target must be an array of ${N} class ids (${rows}] rows), got ${typeof ids}`);
    if (ids.length !== N) throw new RangeError(`target has ${ids.length} class ids but ${rows}] = ${N} rows need ${N}`);
    const out = new Int32Array(N);
    for (let r = 0; r < N; r++) {
      const y = ids[r];
      if (!Number.isInteger(y) || y < 0 || y >= O) throw new RangeError(`target[${r}] = ${y} is not a class id in [0, ${O})`);
      out[r] = y;
    }
    target = out;
  }
  let mask: Float32Array<ArrayBuffer> | null = null;
  if (batch.mask !== undefined && batch.mask !== null) {
    const count = lossKind === 'mse' ? N * O : N;
    mask = checkTensor('mask', batch.mask, [count], lossKind === 'mse' ? `${rows},O]` : `${rows}]`);
    const bad = mask.findIndex((m) => m !== 0 && m !== 1);
    if (bad >= 0) throw new RangeError(`mask[${bad}] = ${mask[bad]}: mask values must be 0 or 1`);
  }
  // A head on every step counts only the steps that exist.
  if (lengths && headAt === 'all') mask = maskPastLengths(mask, lengths, T, B, lossKind === 'mse' ? O : 1, (n) => new Float32Array(n));
  return { x, T, B, target, mask, lengths };
}

/** A batch of a batch-first network, its sequences made time-major (targets and mask too, for a head on every step). */
function batchFirstToTimeMajor(net: RecurrentNetwork, lossKind: LossKind, headAt: HeadAt, batch: Batch, T: number, B: number): Batch {
  const O = net.layout.head ? net.layout.outputSize : directions(net.cfg) * outputWidth(net.cfg);
  const perRow = lossKind === 'mse' ? O : 1;
  const out: Batch = { ...batch, x: net.timeMajor('x', batch.x, T, B, net.cfg.inputSize) };
  if (headAt === 'all') {
    out.target = lossKind === 'mse' ? net.timeMajor('target', batch.target, T, B, O) : swapLeadingAxes(checkIds(batch.target, B * T), B, T, 1);
    if (batch.mask !== undefined && batch.mask !== null) out.mask = net.timeMajor('mask', batch.mask, T, B, perRow);
  }
  return out;
}

/** Class ids as an Int32Array of `n` (their values are checked later, with the time-major batch). */
function checkIds(ids: ArrayLike<number>, n: number): Int32Array {
  if (!ids || typeof ids.length !== 'number' || ids.length !== n) throw new RangeError(`target must hold ${n} class ids ([B·T] rows, batchFirst), got ${ids?.length}`);
  return Int32Array.from(ids);
}

/** Uploads a checked batch into a plan built for its shape (and mask). */
export function uploadBatch(gpu: Gpu, net: RecurrentNetwork, plan: TrainPlan, batch: CheckedBatch): void {
  if (plan.recurrent.T !== batch.T || plan.recurrent.B !== batch.B) throw new Error(`batch is T=${batch.T}, B=${batch.B} but the plan was built for T=${plan.recurrent.T}, B=${plan.recurrent.B}`);
  if (!!plan.mask !== !!batch.mask) throw new Error(batch.mask ? 'mask given but the plan was built without one' : 'the plan was built for a mask but the batch has none');
  net.writeInputs(plan.recurrent, { x: batch.x, T: batch.T, B: batch.B, ...(batch.lengths ? { lengths: batch.lengths } : {}) });
  gpu.write(plan.target, batch.target);
  if (plan.mask && batch.mask) gpu.write(plan.mask, batch.mask);
}

/** Checks a batch against the plan's shapes (before any GPU work) and uploads it. */
export function writeBatch(gpu: Gpu, net: RecurrentNetwork, plan: TrainPlan, batch: Batch): void {
  uploadBatch(gpu, net, plan, checkBatch(net, plan.lossKind, plan.headAt, batch));
}
