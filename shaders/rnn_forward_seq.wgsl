// The whole vanilla-RNN sequence for one layer in ONE dispatch (persistent strategy): each workgroup
// owns one batch row and loops over time with h_{t-1} in workgroup memory.
//   h_t = cell_act(xproj_t + b_hh + W_hh·h_{t-1})      (same outputs as rnn_forward_step.wgsl)
// Legend: B batch, T time, H hidden. Workgroup (b, 0, d) runs row b in direction d; the code pieces
// before this one: activations.wgsl, the addressing of directions, state slots and lengths
// (sequence_place.wgsl) and the cell update (rnn_cell_update.wgsl).

// Bindings, uniform struct and override constants: declared by its kernel description in src/kernels/recurrentSequence.ts.

var<workgroup> hPrev: array<f32, MAX_H>;

@compute @workgroup_size(WG)
fn main(@builtin(workgroup_id) wid: vec3u, @builtin(local_invocation_index) lid: u32) {
  let b = wid.x;
  let B = dims.B;
  let H = dims.H;
  let w = dims.offWhh + wid.z * dims.whhStride;
  let bh = dims.offBhh + wid.z * H;
  enter(wid.z, 0u, dims.T, dims.D, B, H, H);
  let first = state_at(seq_here.read, b);
  for (var j = lid; j < H; j += WG) { hPrev[j] = h[first + j]; }
  workgroupBarrier();
  for (var s = 0u; s < dims.T; s++) {
    enter(wid.z, s, dims.T, dims.D, B, H, H);
    let t = seq_here.t;
    let row = gate_row(t, b);
    let next = state_at(seq_here.write, b);
    for (var j = lid; j < H; j += WG) {
      var a = f32(xproj[row + j]) + weight(bh + j);
      for (var k = 0u; k < H; k++) {
        a += weight(w + j * H + k) * hPrev[k];
      }
      rnn_cell_update(a, t, b, j);
    }
    storageBarrier();
    workgroupBarrier();
    for (var j = lid; j < H; j += WG) { hPrev[j] = h[next + j]; }
    workgroupBarrier();
  }
}
