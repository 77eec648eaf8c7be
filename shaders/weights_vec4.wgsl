// The parameter buffer read four values per load (`params` bound as array<vec4f>, or
// array<vec4<f16>> under precision 'f16', where a layer's W_hh rows start on 4-element boundaries:
// src/kernels/recurrentSteps.ts). Lavapipe pays about the same for a 4-float load as for a 1-float
// one (bench/NOTES.md, v8), so reading a row four floats at a time costs a quarter.

fn weight(i: u32) -> f32 { return f32(params[i / 4u][i % 4u]); }

// params[i..i+3]; i is a multiple of 4.
fn weight4(i: u32) -> vec4f { return vec4f(params[i / 4u]); }
