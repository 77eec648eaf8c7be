// The whole trainable model on the CPU: stacked LSTM/RNN → linear head (every step or the last) → loss.
// The reference the GPU training step is checked against. Legend: B batch, T time, H hidden, O outputs,
// N head rows (T·B for 'all', B for 'last').
import { denseBackward, denseForward } from './dense';
import { mseLoss, softmaxCrossEntropy } from './loss';
import { recurrentBackward, recurrentForward, type BackwardResult, type ForwardResult } from './recurrent';
import type { LayerParams, RecurrentConfig } from '../config';

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

export function modelLossAndGradients(m: CpuModel, batch: ModelBatch): ModelGradients {
  const { T, B } = batch;
  const H = m.cfg.hiddenSize;
  const hasHead = m.outputSize > 0;
  const O = hasHead ? m.outputSize : H;
  const fwd = recurrentForward(m.cfg, m.layers, Float64Array.from(batch.x), T, B);
  // The head's input rows: all steps, or the last step's B rows.
  const N = m.headAt === 'all' ? T * B : B;
  const first = m.headAt === 'all' ? 0 : (T - 1) * B * H;
  const hs = fwd.output.slice(first, first + N * H);
  const logits = hasHead ? denseForward(hs, m.headWeight, m.headBias, N, H, O) : hs;
  const mask = batch.mask ? Float64Array.from(batch.mask) : undefined;
  const l = m.loss === 'mse'
    ? mseLoss(logits, Float64Array.from(batch.target), mask)
    : softmaxCrossEntropy(logits, Int32Array.from(batch.target), O, mask);
  const head = hasHead ? denseBackward(l.grad, hs, m.headWeight, N, H, O) : { dx: l.grad, dW: new Float64Array(0), db: new Float64Array(0) };
  const dOutput = new Float64Array(T * B * H);
  dOutput.set(head.dx, first);
  const bwd = recurrentBackward(m.cfg, m.layers, fwd, dOutput);
  return { loss: l.loss, logits, layers: bwd.grads, headWeight: head.dW, headBias: head.db, forward: fwd, backward: bwd };
}

/** The model's tensors in the flat order of ParamLayout (recurrent layers in PyTorch order, then the head). */
export function flattenModel(layers: LayerParams[], headWeight: ArrayLike<number>, headBias: ArrayLike<number>): Float64Array[] {
  return [...layers.flatMap((p) => [p.weightIh, p.weightHh, p.biasIh, p.biasHh]), Float64Array.from(headWeight), Float64Array.from(headBias)];
}
