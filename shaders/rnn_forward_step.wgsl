// One vanilla-RNN time step for all batch rows (torch.nn.RNN):
//   h_t = cell_act(xproj_t + b_hh + W_hh·h_{t-1}),  xproj_t = x_t·W_ihᵀ + b_ih,  act = tanh (or σ when ACT_SIGMOID).
// Legend: B batch, T time, H hidden.
// Invocation j of workgroup (x, y) computes hidden unit x·WG + j for the ROWS batch rows y·ROWS...
// (see lstm_forward_step.wgsl: each W_hh load serves ROWS rows; h_{t-1}[b, k] is workgroup-uniform).
// The code pieces before this one: activations.wgsl, the addressing of directions, state slots and
// lengths (sequence_place.wgsl: workgroup z is the direction, step.t the step index) and the cell
// update (rnn_cell_update.wgsl).

// Bindings, uniform struct and override constants: declared by its kernel description in src/kernels/recurrentSteps.ts.
// ROWS, the batch rows per workgroup (1..8), is a module const (fixed per module, so its loops unroll).

@compute @workgroup_size(WG)
fn main(@builtin(workgroup_id) wid: vec3u, @builtin(local_invocation_index) lane: u32) {
  let B = step.B;
  let H = step.H;
  enter(wid.z, step.t, step.T, step.D, B, H, H);
  let t = seq_here.t;
  let j = wid.x * WG + lane;
  let jj = min(j, H - 1u);  // lanes past H compute a clamped copy and write nothing
  let b0 = wid.y * ROWS;
  let w0 = step.offWhh + seq_dir * step.whhStride;
  var a: array<f32, ROWS>;
  for (var r = 0u; r < ROWS; r++) {
    a[r] = f32(xproj[gate_row(t, min(b0 + r, B - 1u)) + jj]) + weight(step.offBhh + seq_dir * H + jj);
  }
  for (var k = 0u; k < H; k++) {
    let w = weight(w0 + jj * H + k);
    for (var r = 0u; r < ROWS; r++) {
      a[r] = fma(w, h[state_at(seq_here.read, min(b0 + r, B - 1u)) + k], a[r]);
    }
  }
  if (j >= H) { return; }
  for (var r = 0u; r < ROWS; r++) {
    let b = b0 + r;
    if (b >= B) { break; }
    rnn_cell_update(a[r], t, b, j);
  }
}
