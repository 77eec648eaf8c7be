// The whole GRU sequence for one layer in ONE dispatch (the "persistent" strategy): workgroup
// (b, 0, d) owns row b in direction d and loops over its steps with h_{t-1} in workgroup memory.
// Same math and outputs as the per-step kernels (gru_cell.wgsl). The code pieces before this one:
// activations.wgsl, sequence_place.wgsl with lengths_binding.wgsl, gru_gates.wgsl, gru_cell.wgsl.

var<workgroup> hPrev: array<f32, MAX_H>;

@compute @workgroup_size(WG)
fn main(@builtin(workgroup_id) wid: vec3u, @builtin(local_invocation_index) lid: u32) {
  let b = wid.x;
  let B = dims.B;
  let H = dims.H;
  let G = 3u * H;
  let w = dims.offWhh + wid.z * dims.whhStride;
  let bh = dims.offBhh + wid.z * G;
  enter(wid.z, 0u, dims.T, dims.D, B, H, G);
  let first = state_at(seq_here.read, b);
  for (var j = lid; j < H; j += WG) { hPrev[j] = h[first + j]; }
  workgroupBarrier();
  for (var s = 0u; s < dims.T; s++) {
    enter(wid.z, s, dims.T, dims.D, B, H, G);
    let t = seq_here.t;
    let next = state_at(seq_here.write, b);
    for (var j = lid; j < H; j += WG) {
      var a = vec3f(weight(bh + j), weight(bh + H + j), weight(bh + 2u * H + j));
      for (var k = 0u; k < H; k++) {
        a += hPrev[k] * vec3f(weight(w + j * H + k), weight(w + (H + j) * H + k), weight(w + (2u * H + j) * H + k));
      }
      gru_cell_update(t, b, j, a);
    }
    // Everyone has read h_{t-1}, and h_t is in storage (storageBarrier makes it visible to the workgroup).
    storageBarrier();
    workgroupBarrier();
    for (var j = lid; j < H; j += WG) { hPrev[j] = h[next + j]; }
    workgroupBarrier();
  }
}
