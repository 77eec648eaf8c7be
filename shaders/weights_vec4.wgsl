// The parameter buffer read four floats per load (`params` bound as array<vec4f>, where a layer's
// W_hh rows start on 16-byte boundaries: src/kernels/recurrentSteps.ts). Lavapipe pays about the same for a 4-float load as for a
// 1-float one (bench/NOTES.md, v8), so reading a row four floats at a time costs a quarter.

fn weight(i: u32) -> f32 { return params[i / 4u][i % 4u]; }

// params[i..i+3]; i is a multiple of 4.
fn weight4(i: u32) -> vec4f { return params[i / 4u]; }
