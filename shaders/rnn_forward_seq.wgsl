// The whole vanilla-RNN sequence for one layer in ONE dispatch (persistent strategy): each workgroup
// owns one batch row and loops over time with h_{t-1} in workgroup memory.
//   h_t = cell_act(xproj_t + b_hh + W_hh·h_{t-1})      (same outputs as rnn_forward_step.wgsl)
// Legend: B batch, T time, H hidden.

// Bindings, uniform struct and override constants: declared by its kernel description in src/kernels/recurrentSequence.ts.

var<workgroup> hPrev: array<f32, MAX_H>;

@compute @workgroup_size(WG)
fn main(@builtin(workgroup_id) wid: vec3u, @builtin(local_invocation_index) lid: u32) {
  let b = wid.x;
  let B = dims.B;
  let H = dims.H;
  for (var j = lid; j < H; j += WG) { hPrev[j] = h[b * H + j]; }
  workgroupBarrier();
  for (var t = 0u; t < dims.T; t++) {
    let row = (t * B + b) * H;
    let next = ((t + 1u) * B + b) * H;
    for (var j = lid; j < H; j += WG) {
      var a = xproj[row + j] + params[dims.offBhh + j];
      for (var k = 0u; k < H; k++) {
        a += params[dims.offWhh + j * H + k] * hPrev[k];
      }
      h[next + j] = cell_act(a);
    }
    storageBarrier();
    workgroupBarrier();
    for (var j = lid; j < H; j += WG) { hPrev[j] = h[next + j]; }
    workgroupBarrier();
  }
}
