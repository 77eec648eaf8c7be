// The affine part every recurrent cell shares, for one time step and all B rows:
//   a = W_ih x + b_ih + W_hh hPrev + b_hh        a [B,G], x [B,In], hPrev [B,H]
// with weight_ih [G, In], weight_hh [G, H], biases [G]; G = 4H for the LSTM, H for the RNN.
// Accumulation rule: parameter gradients use +=, activation gradients use =.
import type { LayerParams } from './types';

export function preactivationForward(
  a: Float64Array,
  x: Float64Array, hPrev: Float64Array,
  p: LayerParams, B: number, In: number, H: number, G: number,
): void {
  for (let b = 0; b < B; b++) {
    for (let r = 0; r < G; r++) {
      let s = p.biasIh[r] + p.biasHh[r];
      for (let k = 0; k < In; k++) s += p.weightIh[r * In + k] * x[b * In + k];
      for (let k = 0; k < H; k++) s += p.weightHh[r * H + k] * hPrev[b * H + k];
      a[b * G + r] = s;
    }
  }
}

/** dx = W_ihᵀ da, dhPrev = W_hhᵀ da; dW_ih += da xᵀ, dW_hh += da hPrevᵀ, db_ih += da, db_hh += da. */
export function preactivationBackward(
  dx: Float64Array, dhPrev: Float64Array, grads: LayerParams,
  da: Float64Array, x: Float64Array, hPrev: Float64Array,
  p: LayerParams, B: number, In: number, H: number, G: number,
): void {
  for (let b = 0; b < B; b++) {
    for (let k = 0; k < In; k++) {
      let s = 0;
      for (let r = 0; r < G; r++) s += p.weightIh[r * In + k] * da[b * G + r];
      dx[b * In + k] = s;
    }
    for (let k = 0; k < H; k++) {
      let s = 0;
      for (let r = 0; r < G; r++) s += p.weightHh[r * H + k] * da[b * G + r];
      dhPrev[b * H + k] = s;
    }
  }
  for (let b = 0; b < B; b++) {
    for (let r = 0; r < G; r++) {
      const d = da[b * G + r];
      for (let k = 0; k < In; k++) grads.weightIh[r * In + k] += d * x[b * In + k];
      for (let k = 0; k < H; k++) grads.weightHh[r * H + k] += d * hPrev[b * H + k];
      grads.biasIh[r] += d;
      grads.biasHh[r] += d;
    }
  }
}
