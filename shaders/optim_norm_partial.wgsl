// Global gradient norm, stage 1 of 2: workgroup w writes partials[w] = Σ grads[i]² over its
// grid-stride share of the flat gradient buffer (P = hyper.count floats). The grid size depends on P
// only and every sum runs in a fixed order, so the result is bit-identical from run to run.

// Bindings, uniform struct and override constants: declared by its kernel description in src/kernels/gradNorm.ts.

var<workgroup> scratch: array<f32, WG>;

@compute @workgroup_size(WG)
fn main(@builtin(workgroup_id) wid: vec3u, @builtin(local_invocation_index) lid: u32, @builtin(num_workgroups) groups: vec3u) {
  // A NaN or Inf grad makes the sum NaN or Inf, which the final pass detects.
  var sum = 0.0;
  let stride = groups.x * WG;
  for (var i = wid.x * WG + lid; i < hyper.count; i += stride) {
    let g = grads[i];
    sum += g * g;
  }
  scratch[lid] = sum;
  for (var s = WG / 2u; s > 0u; s = s / 2u) {
    workgroupBarrier();
    if (lid < s) { scratch[lid] += scratch[lid + s]; }
  }
  if (lid == 0u) { partials[wid.x] = scratch[0]; }
}
