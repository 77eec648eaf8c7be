// Wrappers of the loss kernels: each writes the mean loss to one float and the gradient of the
// predictions, in a single one-workgroup dispatch (deterministic reduction order).
import mseWgsl from '../../shaders/mse_loss.wgsl?raw';
import xentWgsl from '../../shaders/softmax_cross_entropy.wgsl?raw';
import lossCommonWgsl from '../../shaders/loss_common.wgsl?raw';
import type { Gpu } from '../gpu/runtime';
import type { BufferSlice } from './gemm';
import { defineKernel } from './kernel';
import { SteppedKernel } from './stepped';

/** Invocations of the one workgroup (a const: it sizes the workgroup arrays of the reduction). */
const LOSS_WG = 256;

export const MSE_LOSS = defineKernel({
  name: 'mse_loss',
  code: [lossCommonWgsl, mseWgsl],
  storage: {
    dpred: { access: 'read_write', doc: 'dL/dpred, like pred from offset 0' },
    lossOut: { access: 'read_write', doc: 'the mean loss at offLoss' },
    pred: { access: 'read', doc: 'predictions from offPred' },
    targets: { access: 'read', doc: 'f32, like pred' },
    mask: { access: 'read', doc: '0/1 per element (read only with HAS_MASK)' },
  },
  uniform: {
    name: 'dims',
    struct: {
      name: 'Dims',
      fields: [
        ['count', 'u32', 'elements of pred'],
        ['offPred', 'u32', 'pred inside its buffer'],
        ['offLoss', 'u32', 'where the loss scalar goes'],
      ],
    },
  },
  consts: { WG: LOSS_WG },
  constants: { HAS_MASK: 0 },
});

export const SOFTMAX_CROSS_ENTROPY = defineKernel({
  name: 'softmax_cross_entropy',
  code: [lossCommonWgsl, xentWgsl],
  storage: {
    dlogits: { access: 'read_write', doc: '[N,C] dL/dlogits from offset 0' },
    lossOut: { access: 'read_write', doc: 'the mean loss at offLoss, the accuracy after it' },
    logits: { access: 'read', doc: '[N,C] from offLogits' },
    targets: { access: 'read', type: 'array<i32>', doc: '[N] class ids' },
    mask: { access: 'read', doc: '0/1 per row (read only with HAS_MASK)' },
  },
  uniform: {
    name: 'dims',
    struct: {
      name: 'Dims',
      fields: [
        ['N', 'u32', 'rows'],
        ['C', 'u32', 'classes'],
        ['offLogits', 'u32', 'logits inside their buffer'],
        ['offLoss', 'u32', 'where the loss scalar goes'],
      ],
    },
  },
  consts: { WG: LOSS_WG },
  constants: { HAS_MASK: 0 },
});

interface LossBuffers {
  /** Predictions (MSE) or logits (cross-entropy), at an offset. */
  pred: BufferSlice;
  /** Gradient of the loss with respect to `pred`, same layout, from offset 0. */
  dpred: GPUBuffer;
  /** MSE: f32 targets like pred. Cross-entropy: i32 class ids, one per row. */
  target: GPUBuffer;
  /** Optional 0/1 weights: per element (MSE) or per row (cross-entropy). */
  mask?: GPUBuffer;
  /** The mean loss is written at loss.offset (cross-entropy: the accuracy after it, so two floats). */
  loss: BufferSlice;
}

/** loss = mean over counted elements of (pred − target)². */
export function mseLossKernel(gpu: Gpu, count: number, b: LossBuffers): SteppedKernel<typeof MSE_LOSS.desc> {
  return new SteppedKernel(gpu, {
    kernel: MSE_LOSS,
    constants: { HAS_MASK: b.mask ? 1 : 0 },
    // Without a mask the binding still needs a buffer; the targets serve (never read as a mask).
    buffers: { dpred: b.dpred, lossOut: b.loss.buffer, pred: b.pred.buffer, targets: b.target, mask: b.mask ?? b.target },
    variants: [{ count, offPred: b.pred.offset ?? 0, offLoss: b.loss.offset ?? 0 }],
    grid: [1, 1],
    label: 'mse loss',
  });
}

/** loss = mean over counted rows of −log softmax(logits)[target]; logits [N,C]. */
export function softmaxCrossEntropyKernel(gpu: Gpu, N: number, C: number, b: LossBuffers): SteppedKernel<typeof SOFTMAX_CROSS_ENTROPY.desc> {
  return new SteppedKernel(gpu, {
    kernel: SOFTMAX_CROSS_ENTROPY,
    constants: { HAS_MASK: b.mask ? 1 : 0 },
    buffers: { dlogits: b.dpred, lossOut: b.loss.buffer, logits: b.pred.buffer, targets: b.target, mask: b.mask ?? b.target },
    variants: [{ N, C, offLogits: b.pred.offset ?? 0, offLoss: b.loss.offset ?? 0 }],
    grid: [1, 1],
    label: 'softmax cross-entropy',
  });
}
