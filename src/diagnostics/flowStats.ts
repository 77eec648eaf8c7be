// The record layout of the gradient-flow statistics, shared by the GPU kernels and the CPU reference.

import type { CellKind } from '../config';

/** Floats per time step in the stats buffer (see shaders/flow_stats.wgsl). */
export const STATS_STRIDE = 8;

export const STAT = {
  cellGradNorm: 0,
  hiddenGradNorm: 1,
  forgetMean: 2,
  forgetProduct: 3,
  directPath: 4,
  jacobianNorm: 5,
} as const;

/** Per layer, per time step k (k = 0..T-1). LSTM-only fields are absent for an RNN. */
export interface LayerFlow {
  /** ‖∂L/∂s_k‖₂ over all B·H elements (LSTM). */
  cellGradNorms?: number[];
  /** ‖∂L/∂h_k‖₂ over all B·H elements: everything that reaches h_k. */
  hiddenGradNorms: number[];
  /** Mean forget gate f_k over the batch and units (LSTM); the GRU's mean update gate z_k. */
  forgetMean?: number[];
  /** Mean over (b, j) of Π_{t=k+1}^{T-1} f_t: the direct cell path from s_k to the last step (LSTM); of z_t for the GRU (h_k to h_last). */
  forgetProduct?: number[];
  /** ‖D(o_{T-1} ⊙ ψ'(s_{T-1})) · D(f_{T-1} ⊙ … ⊙ f_{k+1})‖₂ (largest diagonal entry over the batch) (LSTM); ‖D(z_{T-1} ⊙ … ⊙ z_{k+1})‖₂ (GRU). */
  directPath?: number[];
  /** ‖D(act'(h_k)) · W_hh‖_F, the per-step Jacobian ∂h_k/∂h_{k-1}, averaged over the batch (RNN). */
  jacobianNorm?: number[];
  /** Per sample [k][b], when asked for. */
  perSample?: { cellGradNorms?: number[][]; hiddenGradNorms: number[][] };
}

/** Unpacks one layer's records (T × STATS_STRIDE floats) and per-sample norms (T × B × 2). */
export function unpackLayerFlow(stats: ArrayLike<number>, samples: ArrayLike<number> | null, T: number, B: number, cell: CellKind): LayerFlow {
  const lstm = cell === 'lstm';
  const column = (k: number) => Array.from({ length: T }, (_, t) => stats[t * STATS_STRIDE + k]);
  const flow: LayerFlow = { hiddenGradNorms: column(STAT.hiddenGradNorm) };
  if (lstm) flow.cellGradNorms = column(STAT.cellGradNorm);
  if (cell !== 'rnn') {
    flow.forgetMean = column(STAT.forgetMean);
    flow.forgetProduct = column(STAT.forgetProduct);
    flow.directPath = column(STAT.directPath);
  } else {
    flow.jacobianNorm = column(STAT.jacobianNorm);
  }
  if (samples) {
    const per = (k: number) => Array.from({ length: T }, (_, t) => Array.from({ length: B }, (_, b) => samples[(t * B + b) * 2 + k]));
    flow.perSample = { hiddenGradNorms: per(1), ...(lstm ? { cellGradNorms: per(0) } : {}) };
  }
  return flow;
}
