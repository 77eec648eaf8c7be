// Bias gradients: out[n] = Σ_r A[r, n] over all T·B rows of da [R, N]. PyTorch's bias_ih and
// bias_hh receive the same gradient, so it is written to both places.

// Bindings, uniform struct and override constants: declared by its kernel description in src/kernels/columnSum.ts.

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
