// Legend (the same in TS and WGSL): B batch, H hidden size, In the layer's input size, R = H (a GRU
// has no projection). GRU gate order r, z, n: rows [0,H) reset, [H,2H) update, [2H,3H) candidate
// (PyTorch's nn.GRU, "reset after": r multiplies the recurrent product including its bias).
//
// One GRU time step for all B batch rows, forward and backward:
//   a_i = W_ih x + b_ih   a_h = W_hh hPrev + b_hh             (each [B,3H], kept apart for n)
//   r = σ(a_i,r + a_h,r)   z = σ(a_i,z + a_h,z)   n = tanh(a_i,n + r ⊙ a_h,n)
//   h = (1 − z) ⊙ n + z ⊙ hPrev
// ∂h/∂hPrev = D(z) + (terms through W_hh): z plays the forget gate's part on the direct path.
// Accumulation rule: parameter gradients use +=, activation gradients use =.
import type { LayerParams } from '../config';
import { sigmoid } from './activation';

/** a [B,G] = W [G,K] · v [B,K] + bias, row by row. */
function affine(a: Float64Array, W: Float64Array, bias: Float64Array, v: Float64Array, B: number, K: number, G: number): void {
  for (let b = 0; b < B; b++) {
    for (let r = 0; r < G; r++) {
      let s = bias[r];
      for (let k = 0; k < K; k++) s += W[r * K + k] * v[b * K + k];
      a[b * G + r] = s;
    }
  }
}

/**
 * Outputs h [B,H] and gates [B,4H]: r, z, n and a_h,n = (W_hn hPrev + b_hn), which backward needs
 * (the candidate's recurrent part, before the reset gate scales it).
 */
export function gruCellForward(h: Float64Array, gates: Float64Array, x: Float64Array, hPrev: Float64Array, p: LayerParams, B: number, In: number, H: number): void {
  const G = 3 * H;
  const ai = new Float64Array(B * G);
  const ah = new Float64Array(B * G);
  affine(ai, p.weightIh, p.biasIh, x, B, In, G);
  affine(ah, p.weightHh, p.biasHh, hPrev, B, H, G);
  for (let b = 0; b < B; b++) {
    for (let j = 0; j < H; j++) {
      const r = sigmoid(ai[b * G + j] + ah[b * G + j]);
      const z = sigmoid(ai[b * G + H + j] + ah[b * G + H + j]);
      const hn = ah[b * G + 2 * H + j];
      const n = Math.tanh(ai[b * G + 2 * H + j] + r * hn);
      h[b * H + j] = (1 - z) * n + z * hPrev[b * H + j];
      gates[b * 4 * H + j] = r;
      gates[b * 4 * H + H + j] = z;
      gates[b * 4 * H + 2 * H + j] = n;
      gates[b * 4 * H + 3 * H + j] = hn;
    }
  }
}

/**
 * dh [B,H] is the total gradient reaching h.
 *   dn = dh ⊙ (1 − z)   dz = dh ⊙ (hPrev − n)   da_n = dn ⊙ (1 − n²)
 *   dr = da_n ⊙ a_h,n   da_r = dr ⊙ r(1 − r)     da_z = dz ⊙ z(1 − z)
 *   da_i = [da_r, da_z, da_n]   da_h = [da_r, da_z, da_n ⊙ r]
 *   dx = W_ihᵀ da_i   dhPrev = W_hhᵀ da_h + dh ⊙ z   dW_ih += da_i xᵀ   dW_hh += da_h hPrevᵀ   db += da
 * Outputs dx [B,In] and dhPrev [B,H]; parameter gradients accumulate.
 */
export function gruCellBackward(
  dx: Float64Array, dhPrev: Float64Array, grads: LayerParams,
  dh: Float64Array, x: Float64Array, hPrev: Float64Array, gates: Float64Array,
  p: LayerParams, B: number, In: number, H: number,
): void {
  const G = 3 * H;
  const dai = new Float64Array(B * G);
  const dah = new Float64Array(B * G);
  for (let b = 0; b < B; b++) {
    for (let j = 0; j < H; j++) {
      const r = gates[b * 4 * H + j];
      const z = gates[b * 4 * H + H + j];
      const n = gates[b * 4 * H + 2 * H + j];
      const hn = gates[b * 4 * H + 3 * H + j];
      const d = dh[b * H + j];
      const dan = d * (1 - z) * (1 - n * n);
      const dar = dan * hn * r * (1 - r);
      const daz = d * (hPrev[b * H + j] - n) * z * (1 - z);
      dai[b * G + j] = dar;
      dai[b * G + H + j] = daz;
      dai[b * G + 2 * H + j] = dan;
      dah[b * G + j] = dar;
      dah[b * G + H + j] = daz;
      dah[b * G + 2 * H + j] = dan * r;
    }
  }
  for (let b = 0; b < B; b++) {
    for (let k = 0; k < In; k++) {
      let s = 0;
      for (let r = 0; r < G; r++) s += p.weightIh[r * In + k] * dai[b * G + r];
      dx[b * In + k] = s;
    }
    for (let k = 0; k < H; k++) {
      let s = dh[b * H + k] * gates[b * 4 * H + H + k];
      for (let r = 0; r < G; r++) s += p.weightHh[r * H + k] * dah[b * G + r];
      dhPrev[b * H + k] = s;
    }
    for (let r = 0; r < G; r++) {
      const di = dai[b * G + r];
      const dhh = dah[b * G + r];
      for (let k = 0; k < In; k++) grads.weightIh[r * In + k] += di * x[b * In + k];
      for (let k = 0; k < H; k++) grads.weightHh[r * H + k] += dhh * hPrev[b * H + k];
      grads.biasIh[r] += di;
      grads.biasHh[r] += dhh;
    }
  }
}
