// Dropout between layers (src/dropout.ts has the definition and the same hash in TS):
//   FORWARD (mode 0): next[i] = out[i] · keep(i) / (1 − p)
//   BACKWARD (mode 1): grad[i] = grad[i] · keep(i) / (1 − p)   (in place: the gradient reaching out)
// keep(i) = hash(seed, call, layer, i) >> 8 ≥ threshold (= ⌈p·2^24⌉); `state` holds seed and call,
// written before each training step, so forward and backward of one step draw the same mask.

// Bindings, uniform struct and override constants: declared by its kernel description in src/kernels/dropout.ts.

fn dropout_hash(i: u32) -> u32 {
  var h = state[0] ^ (state[1] * 0x9e3779b1u) ^ ((dims.layer + 1u) * 0x85ebca6bu);
  h = h + i * 0xc2b2ae35u;
  h = (h ^ (h >> 16u)) * 0x7feb352du;
  h = (h ^ (h >> 15u)) * 0x846ca68bu;
  return h ^ (h >> 16u);
}

@compute @workgroup_size(WG)
fn main(@builtin(global_invocation_id) gid: vec3u, @builtin(num_workgroups) groups: vec3u) {
  for (var i = gid.x; i < dims.count; i += groups.x * WG) {
    let keep = (dropout_hash(i) >> 8u) >= dims.threshold;
    let scale = select(0.0, dims.scale, keep);
    if (dims.mode == 0u) {
      next[i] = src[i] * scale;
    } else {
      next[i] = next[i] * scale;
    }
  }
}
