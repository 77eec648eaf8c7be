// GEMM operand A read four floats per load along its rows (A bound as array<vec4f>, or array<vec4<f16>> under precision 'f16'): A [M,K] (A_KM = 0) with K a multiple of 4,
// or A [K,M] with M a multiple of 4, the offset a multiple of 4 either way (src/kernels/gemm.ts
// checks): lavapipe pays far less per float for a 4-float load than for four 1-float ones
// (bench/NOTES.md, v8).

fn loadA(m: u32, k: u32) -> f32 { let i = indexA(m, k); return f32(A[i / 4u][i % 4u]); }

// A[m, k..k+3] (k a multiple of 4): one load where A is [M,K].
fn loadA4(m: u32, k: u32) -> vec4f {
  if (A_KM == 0u) { return vec4f(A[indexA(m, k) / 4u]); }
  return vec4f(loadA(m, k), loadA(m, k + 1u), loadA(m, k + 2u), loadA(m, k + 3u));
}

// A[m..m+3, k] (m a multiple of 4, below M): one load where A is [K,M].
fn loadA4m(k: u32, m: u32) -> vec4f {
  if (A_KM == 1u) { return vec4f(A[indexA(m, k) / 4u]); }
  return vec4f(loadA(m, k), loadA(m + 1u, k), loadA(m + 2u, k), loadA(m + 3u, k));
}
