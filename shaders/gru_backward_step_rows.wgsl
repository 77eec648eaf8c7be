// One GRU step of backpropagation through time for all batch rows (gru_cell.wgsl has the equations;
// gru_backward_step.wgsl the sums), the work split of the CPU adapters (as lstm_backward_step.wgsl):
// invocation j of workgroup (x, y) handles the UNITS hidden units from (x·WG + j)·UNITS for the ROWS
// batch rows y·ROWS..., so each W_hh value it loads serves ROWS rows and each dah value UNITS units;
// a row's dah values are the same for the whole workgroup (shared through subgroups). The code
// pieces before this one: sequence_place.wgsl with lengths_in_state_grads.wgsl, row sharing
// (row_sharing_*.wgsl), the weights (weight, weight4: weights_*.wgsl), gru_gates.wgsl,
// gru_cell_backward.wgsl, gru_step_backward.wgsl.
// ROWS, the batch rows per workgroup (1..32), is a module const (fixed per module, so its loops unroll).

// Whose dah the recurrent product reads: the step after t in this direction's forward order, or in
// the final pass each row's first step (which differs per row in the reverse direction).
var<private> carried_final: bool;
var<private> carried_t: u32;

fn carried_step(b: u32) -> u32 { return select(carried_t, first_step(b), carried_final); }

// dah[b, r] of the rows b0 + 8q + share_lane(), q = 0..3, as row sharing hands them out (zero where
// the rows are not shared: then dah_row loads each row itself).
fn dah_mine(b0: u32, subLane: u32, r: u32) -> vec4f {
  var mine = vec4f(0.0);
  if (SHARE_ROWS) {
    let B = step.B;
    var b = min(b0 + subLane, B - 1u);
    mine.x = dah[gate_row(carried_step(b), b) + r];
    if (ROWS > 8u) { b = min(b0 + 8u + subLane, B - 1u); mine.y = dah[gate_row(carried_step(b), b) + r]; }
    if (ROWS > 16u) { b = min(b0 + 16u + subLane, B - 1u); mine.z = dah[gate_row(carried_step(b), b) + r]; }
    if (ROWS > 24u) { b = min(b0 + 24u + subLane, B - 1u); mine.w = dah[gate_row(carried_step(b), b) + r]; }
  }
  return mine;
}

// dah[b0 + i, r], given dah_mine(b0, subLane, r).
fn dah_row(mine: vec4f, b0: u32, i: u32, r: u32) -> vec4f {
  if (SHARE_ROWS) { return vec4f(shared_row(mine, i)); }
  let b = min(b0 + i, step.B - 1u);
  return vec4f(dah[gate_row(carried_step(b), b) + r]);
}

// W_hh[r, j..j+3] from the row starting at `row` (only .x where UNITS = 1).
fn unit_weights(row: u32, j: u32) -> vec4f {
  if (UNITS == 1u) { return vec4f(weight(row + j), 0.0, 0.0, 0.0); }
  return weight4(row + j);
}

// (W_hhᵀ·dah)[b, j..j+UNITS-1] over the 3H gate rows, for rows b0..b0+ROWS-1.
fn recurrent_grad(b0: u32, subLane: u32, j: u32, sum: ptr<function, array<vec4f, ROWS>>) {
  let H = step.H;
  let w0 = step.offWhh + seq_dir * step.whhStride;
  for (var r = 0u; r < 3u * H; r++) {
    let w = unit_weights(w0 + r * H, j);
    let m = dah_mine(b0, subLane, r);
    for (var i = 0u; i < ROWS; i++) { (*sum)[i] = fma(dah_row(m, b0, i, r), w, (*sum)[i]); }
  }
}

@compute @workgroup_size(WG)
fn main(@builtin(workgroup_id) wid: vec3u, @builtin(local_invocation_index) lane: u32) {
  let B = step.B;
  let H = step.H;
  enter(wid.z, step.t, step.T, step.D, B, H, 3u * H);
  set_length_section(4u * step.section);
  let t = seq_here.t;
  let subLane = share_lane();
  let j0 = (wid.x * WG + lane) * UNITS;
  let b0 = wid.y * ROWS;
  let finalPass = step.isFinal == 1u;
  // No step follows the last time of this direction's forward order (step.t = T−1 either way). A row
  // whose last step is t reads the zeros its nonexistent next step wrote, and the tail ignores them.
  let lastTime = step.t + 1u == step.T;
  carried_final = finalPass;
  carried_t = select(next_step(t), 0u, lastTime);
  var carried: array<vec4f, ROWS>;
  if (finalPass || !lastTime) {
    // Lanes whose units all lie past H load unit 0's weights and write nothing.
    recurrent_grad(b0, subLane, select(j0, 0u, j0 >= H), &carried);
  }
  for (var i = 0u; i < min(ROWS, B - b0); i++) {
    let b = b0 + i;
    for (var u = 0u; u < UNITS; u++) {
      let j = j0 + u;
      if (j >= H) { break; }
      let through = carried[i][u] + select(0.0, gru_direct_path(carried_step(b), b, j), finalPass || !lastTime);
      gru_step_backward(t, b, j, through, finalPass);
    }
  }
}
