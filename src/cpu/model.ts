// The whole trainable model on the CPU: stacked LSTM/RNN → linear head (every step or the last) → loss.
// The reference the GPU training step is checked against. Legend: B batch, T time, H hidden, O outputs,
// N head rows (T·B for 'all', B for 'last').
import { denseBackward, denseForward } from './dense';
import { mseLoss, softmaxCrossEntropy } from './loss';
import { recurrentBackward, recurrentForward, type BackwardResult, type ForwardResult } from './recurrent';
import { directions, outputWidth, type LayerParams, type RecurrentConfig } from '../config';
import { maskPastLengths } from '../lengthMask';

export interface CpuModel {
  cfg: RecurrentConfig;
  /** 0: no head, the loss reads the top layer's h directly (O = H). */
  outputSize: number;
  headAt: 'all' | 'last';
  loss: 'mse' | 'crossentropy';
  layers: LayerParams[];
  /** [O,H] and [O], nn.Linear layout. */
  headWeight: Float64Array;
  headBias: Float64Array;
}

export interface ModelBatch {
  x: ArrayLike<number>; // [T,B,I]
  T: number;
  B: number;
  /** MSE: [N,O] values; cross-entropy: [N] class ids. */
  target: ArrayLike<number>;
  /** MSE: per element; cross-entropy: per row. */
  mask?: ArrayLike<number>;
  /** Steps of each row (packed-sequence semantics); a head on every step counts only those. */
  lengths?: ArrayLike<number>;
}

export interface ModelGradients {
  loss: number;
  logits: Float64Array;
  layers: LayerParams[];
  headWeight: Float64Array;
  headBias: Float64Array;
  /** The recurrent passes, for diagnostics. */
  forward: ForwardResult;
  backward: BackwardResult;
}

/**
 * The head's input rows: every step [T·B, W], or one per sequence [B, W] — the output at step T−1,
 * or with two directions or lengths the forward half at each row's last step and the reverse half
 * at step 0 (the GPU's LastOutputs). `at[n]` is where row n sits in the [T·B, W] output.
 */
function headRows(headAt: 'all' | 'last', T: number, B: number, D: number, lengths: ArrayLike<number> | undefined): { rows: number; at: (n: number, d: number) => number } {
  if (headAt === 'all') return { rows: T * B, at: (n) => n };
  if (D === 1 && !lengths) return { rows: B, at: (b) => (T - 1) * B + b };
  return { rows: B, at: (b, d) => (d === 0 ? (lengths ? lengths[b] - 1 : T - 1) : 0) * B + b };
}

export function modelLossAndGradients(m: CpuModel, batch: ModelBatch): ModelGradients {
  const { T, B } = batch;
  const D = directions(m.cfg);
  const H = outputWidth(m.cfg); // each direction's output width
  const W = D * H;
  const hasHead = m.outputSize > 0;
  const O = hasHead ? m.outputSize : W;
  const fwd = recurrentForward(m.cfg, m.layers, Float64Array.from(batch.x), T, B, undefined, undefined, batch.lengths ? { lengths: batch.lengths } : {});
  const { rows: N, at } = headRows(m.headAt, T, B, D, batch.lengths);
  const hs = new Float64Array(N * W);
  for (let n = 0; n < N; n++) for (let d = 0; d < D; d++) hs.set(fwd.output.subarray(at(n, d) * W + d * H, at(n, d) * W + (d + 1) * H), n * W + d * H);
  const logits = hasHead ? denseForward(hs, m.headWeight, m.headBias, N, W, O) : hs;
  let mask = batch.mask ? Float64Array.from(batch.mask) : null;
  if (batch.lengths && m.headAt === 'all') mask = maskPastLengths(mask, batch.lengths, T, B, m.loss === 'mse' ? O : 1, (k) => new Float64Array(k));
  const l = m.loss === 'mse'
    ? mseLoss(logits, Float64Array.from(batch.target), mask ?? undefined)
    : softmaxCrossEntropy(logits, Int32Array.from(batch.target), O, mask ?? undefined);
  const head = hasHead ? denseBackward(l.grad, hs, m.headWeight, N, W, O) : { dx: l.grad, dW: new Float64Array(0), db: new Float64Array(0) };
  const dOutput = new Float64Array(T * B * W);
  for (let n = 0; n < N; n++) for (let d = 0; d < D; d++) dOutput.set(head.dx.subarray(n * W + d * H, n * W + (d + 1) * H), at(n, d) * W + d * H);
  const bwd = recurrentBackward(m.cfg, m.layers, fwd, dOutput);
  return { loss: l.loss, logits, layers: bwd.grads, headWeight: head.dW, headBias: head.db, forward: fwd, backward: bwd };
}

/** The model's tensors in the flat order of ParamLayout (recurrent layers in PyTorch order, then the head). */
export function flattenModel(layers: LayerParams[], headWeight: ArrayLike<number>, headBias: ArrayLike<number>): Float64Array[] {
  return [...layers.flatMap((p) => [p.weightIh, p.weightHh, p.biasIh, p.biasHh]), Float64Array.from(headWeight), Float64Array.from(headBias)];
}
