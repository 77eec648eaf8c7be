// GEMM operand A read one value per load (see gemm_common.wgsl for the layouts); f32, or f16 under
// precision 'f16' (the conversion is an identity in f32).

fn loadA(m: u32, k: u32) -> f32 { return f32(A[indexA(m, k)]); }

// A[m, k..k+3].
fn loadA4(m: u32, k: u32) -> vec4f { return vec4f(loadA(m, k), loadA(m, k + 1u), loadA(m, k + 2u), loadA(m, k + 3u)); }

// A[m..m+3, k], rows past M clamped to the last one (their results are never written).
fn loadA4m(k: u32, m: u32) -> vec4f {
  let last = dims.M - 1u;
  return vec4f(loadA(min(m, last), k), loadA(min(m + 1u, last), k), loadA(min(m + 2u, last), k), loadA(min(m + 3u, last), k));
}
