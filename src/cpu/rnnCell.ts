// Legend (the same in TS and WGSL): B batch, T time, I input size, H hidden size, L layers,
// G gates per cell (4 for the LSTM, 1 for the vanilla RNN). LSTM gate order i, f, g, o:
// rows [0,H) input gate, [H,2H) forget gate, [2H,3H) candidate, [3H,4H) output gate (PyTorch's).
// All sequences are time-major and flat, row-major: x[t][b][i] = x[(t*B + b)*I + i].
//
// One vanilla RNN time step for all B batch rows (torch.nn.RNN with nonlinearity `act`):
//   h = act(W_ih x + b_ih + W_hh hPrev + b_hh)
// In is the layer's input size (I for layer 0, H above it); weight_ih [H,In], weight_hh [H,H].
// Accumulation rule: parameter gradients use +=, activation gradients use =.
import { activate, activateGrad } from './activation';
import { preactivationBackward, preactivationForward } from './preactivation';
import type { CellActivation, LayerParams } from '../config';

/** Output h [B,H]. */
export function rnnCellForward(
  h: Float64Array,
  x: Float64Array, hPrev: Float64Array,
  p: LayerParams, B: number, In: number, H: number, act: CellActivation,
): void {
  const a = new Float64Array(B * H);
  preactivationForward(a, x, hPrev, p, B, In, H, H);
  for (let n = 0; n < B * H; n++) h[n] = activate(act, a[n]);
}

/**
 * dh [B,H] is the total gradient reaching h.  da = dh ⊙ act'(a), then dx = W_ihᵀ da, dhPrev = W_hhᵀ da:
 * ∂h/∂hPrev = D(act'(a)) W_hh is a full matrix, not diagonal as on the LSTM's cell path.
 */
export function rnnCellBackward(
  dx: Float64Array, dhPrev: Float64Array, grads: LayerParams,
  dh: Float64Array,
  x: Float64Array, hPrev: Float64Array, h: Float64Array,
  p: LayerParams, B: number, In: number, H: number, act: CellActivation,
): void {
  const da = new Float64Array(B * H);
  for (let n = 0; n < B * H; n++) da[n] = dh[n] * activateGrad(act, h[n]);
  preactivationBackward(dx, dhPrev, grads, da, x, hPrev, p, B, In, H, H);
}
