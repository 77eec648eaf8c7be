// GEMM operand A read four floats per load, for A stored [M,K] with K and its offset multiples of 4
// (src/kernels/gemm.ts checks): lavapipe pays about the same for a 4-float load as for a 1-float one
// (bench/NOTES.md, v8).

@group(0) @binding(1) var<storage, read> A4: array<vec4f>;

fn loadA(m: u32, k: u32) -> f32 { let i = indexA(m, k); return A4[i / 4u][i % 4u]; }

// A[m, k..k+3]; k is a multiple of 4.
fn loadA4(m: u32, k: u32) -> vec4f { return A4[indexA(m, k) / 4u]; }
