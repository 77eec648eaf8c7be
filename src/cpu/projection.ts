// The LSTM's output projection (PyTorch's proj_size, LSTMP) for one time step and all B rows:
//   h = W_hr m,  m = o ⊙ ψ(c) [B,H],  W_hr [R,H],  h [B,R]
// Backward: dm = W_hrᵀ dh, dW_hr += dh mᵀ. Accumulation rule as in the cells: parameter gradients
// use +=, activation gradients use =.

export function projectionForward(h: Float64Array, m: Float64Array, weightHr: Float64Array, B: number, H: number, R: number): void {
  for (let b = 0; b < B; b++) {
    for (let r = 0; r < R; r++) {
      let s = 0;
      for (let j = 0; j < H; j++) s += weightHr[r * H + j] * m[b * H + j];
      h[b * R + r] = s;
    }
  }
}

export function projectionBackward(
  dm: Float64Array, gradHr: Float64Array,
  dh: Float64Array, m: Float64Array, weightHr: Float64Array, B: number, H: number, R: number,
): void {
  for (let b = 0; b < B; b++) {
    for (let j = 0; j < H; j++) {
      let s = 0;
      for (let r = 0; r < R; r++) s += weightHr[r * H + j] * dh[b * R + r];
      dm[b * H + j] = s;
    }
    for (let r = 0; r < R; r++) {
      const d = dh[b * R + r];
      for (let j = 0; j < H; j++) gradHr[r * H + j] += d * m[b * H + j];
    }
  }
}
