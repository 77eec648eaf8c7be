// Legend (the same in TS and WGSL): B batch, T time, I input size, H hidden size, L layers,
// G gates per cell (4 for the LSTM, 1 for the vanilla RNN). LSTM gate order i, f, g, o:
// rows [0,H) input gate, [H,2H) forget gate, [2H,3H) candidate, [3H,4H) output gate (PyTorch's).
// All sequences are time-major and flat, row-major: x[t][b][i] = x[(t*B + b)*I + i].
//
// The affine part every recurrent cell shares, for one time step and all B rows:
//   a = W_ih x + b_ih + W_hh hPrev + b_hh        a [B,GH], x [B,In], hPrev [B,H]
// with GH = G·H rows: weight_ih [GH,In], weight_hh [GH,H], biases [GH]. In is the layer's input
// size (I for layer 0, D·R above it); the `H` parameter is hPrev's width (R under a projection).
// Accumulation rule: parameter gradients use +=, activation gradients use =.
import type { LayerParams } from '../config';

export function preactivationForward(
  a: Float64Array,
  x: Float64Array, hPrev: Float64Array,
  p: LayerParams, B: number, In: number, H: number, GH: number,
): void {
  for (let b = 0; b < B; b++) {
    for (let r = 0; r < GH; r++) {
      let s = p.biasIh[r] + p.biasHh[r];
      for (let k = 0; k < In; k++) s += p.weightIh[r * In + k] * x[b * In + k];
      for (let k = 0; k < H; k++) s += p.weightHh[r * H + k] * hPrev[b * H + k];
      a[b * GH + r] = s;
    }
  }
}

/** dx = W_ihᵀ da, dhPrev = W_hhᵀ da; dW_ih += da xᵀ, dW_hh += da hPrevᵀ, db_ih += da, db_hh += da. */
export function preactivationBackward(
  dx: Float64Array, dhPrev: Float64Array, grads: LayerParams,
  da: Float64Array, x: Float64Array, hPrev: Float64Array,
  p: LayerParams, B: number, In: number, H: number, GH: number,
): void {
  for (let b = 0; b < B; b++) {
    for (let k = 0; k < In; k++) {
      let s = 0;
      for (let r = 0; r < GH; r++) s += p.weightIh[r * In + k] * da[b * GH + r];
      dx[b * In + k] = s;
    }
    for (let k = 0; k < H; k++) {
      let s = 0;
      for (let r = 0; r < GH; r++) s += p.weightHh[r * H + k] * da[b * GH + r];
      dhPrev[b * H + k] = s;
    }
  }
  for (let b = 0; b < B; b++) {
    for (let r = 0; r < GH; r++) {
      const d = da[b * GH + r];
      for (let k = 0; k < In; k++) grads.weightIh[r * In + k] += d * x[b * In + k];
      for (let k = 0; k < H; k++) grads.weightHh[r * H + k] += d * hPrev[b * H + k];
      grads.biasIh[r] += d;
      grads.biasHh[r] += d;
    }
  }
}
