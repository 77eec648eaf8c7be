// C = A·Bᵀ (+ bias): the CPU check for the GPU gemm kernel.
// A [M,K], B [N,K] (both row-major, so each output is a dot product of two rows), bias [N], C [M,N].

export function matmulABt(A: Float64Array, B: Float64Array, M: number, N: number, K: number, bias?: Float64Array): Float64Array {
  if (A.length !== M * K) throw new Error(`A: expected length ${M * K} ([M,K]), got ${A.length}`);
  if (B.length !== N * K) throw new Error(`B: expected length ${N * K} ([N,K]), got ${B.length}`);
  if (bias && bias.length !== N) throw new Error(`bias: expected length ${N} ([N]), got ${bias.length}`);
  const C = new Float64Array(M * N);
  for (let m = 0; m < M; m++) {
    for (let n = 0; n < N; n++) {
      let s = bias ? bias[n] : 0;
      for (let k = 0; k < K; k++) s += A[m * K + k] * B[n * K + k];
      C[m * N + n] = s;
    }
  }
  return C;
}
