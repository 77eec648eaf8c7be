// GEMM operand B read four floats per load along its rows (B bound as array<vec4f>, or array<vec4<f16>> under precision 'f16'): B [K,N] (B_KN = 1) with N a multiple of 4,
// or B [N,K] with K a multiple of 4, the offset a multiple of 4 either way (src/kernels/gemm.ts
// checks). See gemm_a_vec4.wgsl for why.

fn loadB(k: u32, n: u32) -> f32 { let i = indexB(k, n); return f32(B[i / 4u][i % 4u]); }

// B[k, n..n+3] (n a multiple of 4, below N): one load where B is [K,N].
fn loadB4n(k: u32, n: u32) -> vec4f {
  if (B_KN == 1u) { return vec4f(B[indexB(k, n) / 4u]); }
  return vec4f(loadB(k, n), loadB(k, n + 1u), loadB(k, n + 2u), loadB(k, n + 3u));
}

// B[k..k+3, n] (k a multiple of 4): one load where B is [N,K].
fn loadB4k(k: u32, n: u32) -> vec4f {
  if (B_KN == 0u) { return vec4f(B[indexB(k, n) / 4u]); }
  return vec4f(loadB(k, n), loadB(k + 1u, n), loadB(k + 2u, n), loadB(k + 3u, n));
}
