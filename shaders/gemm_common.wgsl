// What the GEMM variants share (gemm.wgsl, gemm_rows.wgsl, gemm_tiled.wgsl; put together with an
// operand piece for A and for B, gemm_{a,b}_{scalar,vec4}.wgsl, by src/kernels/gemm.ts):
// C = A·B (+ bias), with either operand stored transposed:
//   A is [M,K] row-major (A_KM = 0) or [K,M] (A_KM = 1);
//   B is [N,K] row-major (B_KN = 0, i.e. C = A·Bᵀ) or [K,N] (B_KN = 1).
// The LSTM uses three forms: input projection X·W_ihᵀ (0,0), weight gradient daᵀ·X (1,1),
// and dx = da·W_ih (0,1). Element offsets let one buffer hold several tensors, and A's row stride
// (lda) lets it be a block of columns of a wider matrix (one direction's share of the gate gradients).

// Bindings, uniform struct and override constants: declared by its kernel description in src/kernels/gemm.ts.

// Element index of A[m, k] and B[k, n] in their buffers.
fn indexA(m: u32, k: u32) -> u32 {
  if (A_KM == 1u) { return dims.offA + k * dims.lda + m; }
  return dims.offA + m * dims.lda + k;
}

fn indexB(k: u32, n: u32) -> u32 {
  if (B_KN == 1u) { return dims.offB + k * dims.N + n; }
  return dims.offB + n * dims.K + k;
}
