// The parameter buffer read four floats per load (prepended by src/kernels/weights.ts where a layer's
// W_hh rows start on 16-byte boundaries). Lavapipe pays about the same for a 4-float load as for a
// 1-float one (bench/NOTES.md, v8), so reading a row four floats at a time costs a quarter.

@group(0) @binding(0) var<storage, read> params4: array<vec4f>;

fn weight(i: u32) -> f32 { return params4[i / 4u][i % 4u]; }

// params[i..i+3]; i is a multiple of 4.
fn weight4(i: u32) -> vec4f { return params4[i / 4u]; }
