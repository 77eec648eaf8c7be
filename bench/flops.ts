// Napkin math for one LSTM layer (the floor every version of the kernels is judged against).
//
// FLOPs: only the matrix products count (a multiply and an add each); the elementwise gate math,
// the loss and the SGD update are O(T·B·H) and left out. One step of the recurrence multiplies the
// 4H×(I+H) stacked weights [W_ih | W_hh] with [x_t; h_{t-1}] for every batch row:
//
//   forward  (a = W_ih·x + W_hh·h)          2·T·B·4H·(I+H)
//   backward (dx = W_ihᵀ·da, dh = W_hhᵀ·da)  2·T·B·4H·(I+H)
//   weights  (dW_ih = da·xᵀ, dW_hh = da·hᵀ)  2·T·B·4H·(I+H)
//
//   training step = 3 × 2·T·B·4H·(I+H);   inference pass = 2·T·B·4H·(I+H)
//
// dx is counted even though no contender needs it (x is data): the same count for every contender,
// so GFLOP/s compares equal work. Bytes: see minBytes.
import type { BenchConfig } from './configs';

export const FLOPS_FORMULA = 'train step = 3 × 2·T·B·4H·(I+H) (forward, dx/dh, dW matrix products); inference = 2·T·B·4H·(I+H)';

export const inferFlops = (c: BenchConfig): number => 2 * c.T * c.B * 4 * c.H * (c.I + c.H);
export const trainFlops = (c: BenchConfig): number => 3 * inferFlops(c);

/** Parameters of one LSTM layer in PyTorch's layout (both biases). */
export const paramCount = (c: BenchConfig): number => 4 * c.H * (c.I + c.H + 2);

/**
 * Minimum bytes a training step must move (f32), two floors:
 * - compulsory: read x and the target once, read and write every parameter once (and read the gradient
 *   the optimizer consumes, if it is not fused): (T·B·I + T·B·H + 2P)·4.
 * - withActivations: also write in the forward pass and read back in BPTT what the backward needs per
 *   step (gates 4H, cell state H, hidden state H per row): + 2·T·B·6H·4. That is what a
 *   non-persistent implementation (activations in global memory) cannot avoid.
 */
export function minBytes(c: BenchConfig): { compulsory: number; withActivations: number } {
  const compulsory = (c.T * c.B * c.I + c.T * c.B * c.H + 2 * paramCount(c)) * 4;
  return { compulsory, withActivations: compulsory + 2 * c.T * c.B * 6 * c.H * 4 };
}
