// One GRU step of backpropagation through time for all batch rows (gru_cell.wgsl has the equations;
// gru_backward_step.wgsl the sums), the work split of the CPU adapters (as rnn_backward_step.wgsl):
// invocation j of workgroup (x, y) handles hidden unit x·WG + j for the ROWS batch rows y·ROWS...,
// so each W_hh value it loads serves ROWS rows. The code pieces before this one: sequence_place.wgsl
// with lengths_in_state_grads.wgsl, gru_gates.wgsl, gru_cell_backward.wgsl.
// ROWS, the batch rows per workgroup (1..8), is a module const (fixed per module, so its loops unroll).

// (W_hhᵀ·dah)[b, j] + dh ⊙ z of step u (the step after t, or in the final pass each row's first
// step) for rows b0..b0+ROWS-1. A row with no step u reads the zeros that step wrote.
fn carried_grad(u: u32, finalPass: bool, b0: u32, j: u32) -> array<f32, ROWS> {
  let B = step.B;
  let H = step.H;
  let w0 = step.offWhh + seq_dir * step.whhStride;
  var rowAt: array<u32, ROWS>;
  var sum: array<f32, ROWS>;
  for (var i = 0u; i < ROWS; i++) {
    let b = min(b0 + i, B - 1u);
    let src = select(u, first_step(b), finalPass);
    rowAt[i] = gate_row(src, b);
    sum[i] = gru_direct_path(src, b, j);
  }
  for (var r = 0u; r < 3u * H; r++) {
    let w = params[w0 + r * H + j];
    for (var i = 0u; i < ROWS; i++) {
      sum[i] = fma(w, dah[rowAt[i] + r], sum[i]);
    }
  }
  return sum;
}

@compute @workgroup_size(WG)
fn main(@builtin(workgroup_id) wid: vec3u, @builtin(local_invocation_index) lane: u32) {
  let B = step.B;
  let H = step.H;
  enter(wid.z, step.t, step.T, step.D, B, H, 3u * H);
  set_length_section(4u * step.section);
  let t = seq_here.t;
  let j = wid.x * WG + lane;
  let jj = min(j, H - 1u);  // lanes past H compute a clamped copy and write nothing
  let b0 = wid.y * ROWS;
  let finalPass = step.isFinal == 1u;
  // No step follows the last time of this direction's forward order (step.t = T−1 either way).
  let lastTime = step.t + 1u == step.T;
  var carried: array<f32, ROWS>;
  if (finalPass || !lastTime) {
    carried = carried_grad(select(next_step(t), 0u, lastTime), finalPass, b0, jj);
  }
  if (j >= H) { return; }
  for (var i = 0u; i < min(ROWS, B - b0); i++) {
    let b = b0 + i;
    let state = step.offStateGrad + (seq_dir * B + b) * H + j;
    if (finalPass) {
      stateGrads[state] = carried[i];
      continue;
    }
    if (!step_exists(t, b)) {
      gru_cell_backward_none(t, b, j);
      continue;
    }
    var dh = dH[out_at(t, b) + j];
    if (is_last_step(t, b)) {
      dh += stateGrads[2u * step.section + state];  // dh_N
    } else {
      dh += carried[i];
    }
    gru_cell_backward(t, b, j, dh);
  }
}
