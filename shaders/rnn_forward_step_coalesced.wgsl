// One vanilla-RNN time step for all batch rows, for GPUs: the same math as rnn_forward_step.wgsl,
//   h_t = cell_act(xproj_t + b_hh + W_hh·h_{t-1}),
// with the work split of lstm_forward_step_coalesced.wgsl: workgroup (x, y) computes the UNITS
// hidden units from x·UNITS for batch row y, its WG lanes splitting k so that a warp reads
// consecutive stretches of each W_hh row and of h_{t-1}; the partial sums are added in workgroup
// memory in a fixed order. The code pieces before this one: activations.wgsl, the addressing of
// directions, state slots and lengths (sequence_place.wgsl: workgroup z is the direction, step.t the
// step index) and the cell update (rnn_cell_update.wgsl).
// Legend: B batch, T time, H hidden.

var<workgroup> partials: array<array<f32, 16>, WG>;

@compute @workgroup_size(WG)
fn main(@builtin(workgroup_id) wid: vec3u, @builtin(local_invocation_index) lane: u32) {
  let B = step.B;
  let H = step.H;
  enter(wid.z, step.t, step.T, step.D, B, H, H);
  let t = seq_here.t;
  let b = wid.y;
  let j0 = wid.x * UNITS;
  let hPrev = state_at(seq_here.read, b);
  let w0 = step.offWhh + seq_dir * step.whhStride;
  var acc: array<f32, 16>;
  for (var k = lane; k < H; k += WG) {
    let hk = h[hPrev + k];
    for (var u = 0u; u < UNITS; u++) {
      let j = min(j0 + u, H - 1u);  // units past H sum row H-1's: never written
      acc[u] = fma(weight(w0 + j * H + k), hk, acc[u]);
    }
  }
  for (var u = 0u; u < UNITS; u++) { partials[lane][u] = acc[u]; }
  workgroupBarrier();
  let j = j0 + lane;
  if (lane >= UNITS || j >= H) { return; }
  var total = 0.0;
  for (var l = 0u; l < WG; l++) { total += partials[l][lane]; }
  rnn_cell_update(f32(xproj[gate_row(t, b) + j]) + weight(step.offBhh + seq_dir * H + j) + total, t, b, j);
}
