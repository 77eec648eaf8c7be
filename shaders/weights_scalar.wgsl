// The parameter buffer read one float per load (see weights_vec4.wgsl, used where rows are aligned).

fn weight(i: u32) -> f32 { return params[i]; }

// params[i..i+3].
fn weight4(i: u32) -> vec4f { return vec4f(params[i], params[i + 1u], params[i + 2u], params[i + 3u]); }
