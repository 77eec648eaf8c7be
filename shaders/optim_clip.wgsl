// Standalone gradient clipping, in place: grads[i] = clamp(grads[i] · clipCoef, ±clipValue), the
// clamp only with HAS_CLIP_VALUE. Like the update kernels it writes nothing unless status.applied,
// so non-finite gradients are left as they were for inspection.

// Bindings, uniform struct and override constants: declared by its kernel description in src/kernels/optimizers.ts.

@compute @workgroup_size(WG)
fn main(@builtin(global_invocation_id) gid: vec3u, @builtin(num_workgroups) groups: vec3u) {
  if (status.applied == 0u) { return; }
  let coef = status.clipCoef;
  let stride = groups.x * WG;
  for (var i = gid.x; i < hyper.count; i += stride) {
    var g = grads[i] * coef;
    if (HAS_CLIP_VALUE == 1u) { g = clamp(g, -hyper.clipValue, hyper.clipValue); }
    grads[i] = g;
  }
}
