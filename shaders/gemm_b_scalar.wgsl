// GEMM operand B read one value per load (see gemm_common.wgsl for the layouts); f32, or f16 under
// precision 'f16' (the conversion is an identity in f32).

fn loadB(k: u32, n: u32) -> f32 { return f32(B[indexB(k, n)]); }

// B[k, n..n+3], columns past N clamped to the last one (their results are never written).
fn loadB4n(k: u32, n: u32) -> vec4f {
  let last = dims.N - 1u;
  return vec4f(loadB(k, min(n, last)), loadB(k, min(n + 1u, last)), loadB(k, min(n + 2u, last)), loadB(k, min(n + 3u, last)));
}

// B[k..k+3, n].
fn loadB4k(k: u32, n: u32) -> vec4f { return vec4f(loadB(k, n), loadB(k + 1u, n), loadB(k + 2u, n), loadB(k + 3u, n)); }
