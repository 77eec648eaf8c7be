// Bias gradients: out[n] = Σ_r A[r, n] over all T·B rows of da [R, N]. PyTorch's bias_ih and
// bias_hh receive the same gradient, so it is written to both places.

override WG: u32 = 64u;

struct Dims {
  R: u32,
  N: u32,
  offA: u32,
  offOut1: u32,
  offOut2: u32,
  _p0: u32, _p1: u32, _p2: u32,
}

@group(0) @binding(0) var<storage, read_write> out: array<f32>;
@group(0) @binding(1) var<storage, read> A: array<f32>;
@group(0) @binding(2) var<uniform> dims: Dims;

@compute @workgroup_size(WG)
fn main(@builtin(global_invocation_id) gid: vec3u) {
  let n = gid.x;
  if (n >= dims.N) { return; }
  var sum = 0.0;
  for (var r = 0u; r < dims.R; r++) {
    sum += A[dims.offA + r * dims.N + n];
  }
  out[dims.offOut1 + n] = sum;
  out[dims.offOut2 + n] = sum;
}
