// GEMM operand A read one float per load (see gemm_common.wgsl for the layouts).

@group(0) @binding(1) var<storage, read> A: array<f32>;

fn loadA(m: u32, k: u32) -> f32 { return A[indexA(m, k)]; }

// A[m, k..k+3].
fn loadA4(m: u32, k: u32) -> vec4f { return vec4f(loadA(m, k), loadA(m, k + 1u), loadA(m, k + 2u), loadA(m, k + 3u)); }
