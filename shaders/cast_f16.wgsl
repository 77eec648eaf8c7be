// Precision 'f16': the f16 copy of an f32 buffer: the weights every recurrent kernel and GEMM reads,
// made from the f32 master weights (which the optimizer updates) at the start of each forward pass.
// Values beyond f16's range are clamped to ±65504 (WGSL leaves the conversion of such values open).

// Bindings, uniform struct and override constants: declared by its kernel description in src/kernels/castF16.ts.

@compute @workgroup_size(WG)
fn main(@builtin(global_invocation_id) gid: vec3u, @builtin(num_workgroups) groups: vec3u) {
  for (var i = gid.x; i < dims.count; i += groups.x * WG) {
    dst[i] = f16(clamp(src[i], -65504.0, 65504.0));
  }
}
