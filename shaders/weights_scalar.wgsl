// The parameter buffer read one value per load (see weights_vec4.wgsl, used where rows are aligned).
// `params` holds f32, or f16 under precision 'f16' (src/kernels/kernel.ts, halfPrecision): the
// conversions are identities in f32, and the arithmetic is f32 either way.

fn weight(i: u32) -> f32 { return f32(params[i]); }

// params[i..i+3].
fn weight4(i: u32) -> vec4f { return vec4f(weight(i), weight(i + 1u), weight(i + 2u), weight(i + 3u)); }
