// One vanilla-RNN step of backpropagation through time, for all batch rows:
//   dh_t = dH_t [+ dh_N at the row's last step] + W_hhᵀ·da_next;   da_t = dh_t ⊙ act'(h_t)
// ∂h_t/∂h_{t-1} = D(act'(h_t))·W_hh is not diagonal: this is why RNN gradients vanish or explode.
// The FINAL pass writes dh_{-1} = W_hhᵀ·da_first. "Next", "last" and "first" follow this direction's
// forward order, and a step that does not exist for a row gets zero gradients (sequence_place.wgsl,
// with lengths_binding.wgsl: workgroup z is the direction; step.t is time for the forward direction,
// T−1−t for the reverse).
// Legend: B batch, T time, H hidden.
// Invocation j of workgroup (x, y) handles hidden unit x·WG + j for the ROWS batch rows y·ROWS...
// (see lstm_backward_step.wgsl).

// Bindings, uniform struct and override constants: declared by its kernel description in src/kernels/recurrentSteps.ts.
// ROWS, the batch rows per workgroup (1..8), is a module const (fixed per module, so its loops unroll).

// (W_hhᵀ · da)[b, j] for rows b0..b0+ROWS-1, with da of the step after t (or, in the final pass, of
// each row's first step).
fn recurrent_grad(t: u32, finalPass: bool, b0: u32, j: u32) -> array<f32, ROWS> {
  let B = step.B;
  let H = step.H;
  let w0 = step.offWhh + seq_dir * step.whhStride;
  var rowAt: array<u32, ROWS>;
  for (var i = 0u; i < ROWS; i++) {
    let b = min(b0 + i, B - 1u);
    rowAt[i] = gate_row(select(t, first_step(b), finalPass), b);
  }
  var sum: array<f32, ROWS>;
  for (var r = 0u; r < H; r++) {
    let w = weight(w0 + r * H + j);
    for (var i = 0u; i < ROWS; i++) {
      sum[i] = fma(w, da[rowAt[i] + r], sum[i]);
    }
  }
  return sum;
}

@compute @workgroup_size(WG)
fn main(@builtin(workgroup_id) wid: vec3u, @builtin(local_invocation_index) lane: u32) {
  let B = step.B;
  let H = step.H;
  enter(wid.z, step.t, step.T, step.D, B, H, H);
  let t = seq_here.t;
  let j = wid.x * WG + lane;
  let jj = min(j, H - 1u);  // lanes past H compute a clamped copy and write nothing
  let b0 = wid.y * ROWS;
  let finalPass = step.isFinal == 1u;
  // No step follows the last time of this direction's forward order (T−1 forward, 0 reverse:
  // step.t = T−1 either way).
  let lastTime = step.t + 1u == step.T;
  var carried: array<f32, ROWS>;
  if (finalPass || !lastTime) {
    carried = recurrent_grad(select(next_step(t), 0u, lastTime), finalPass, b0, jj);
  }
  if (j >= H) { return; }
  for (var i = 0u; i < ROWS; i++) {
    let b = b0 + i;
    if (b >= B) { break; }
    let state = step.offStateGrad + (seq_dir * B + b) * H + j;
    if (finalPass) {
      dh0[state] = carried[i];
      continue;
    }
    let bh = diag_at(t, b) + j;
    let row = gate_row(t, b) + j;
    if (!step_exists(t, b)) {
      dhTotal[bh] = 0.0;
      da[row] = 0.0;
      continue;
    }
    var dh = dH[out_at(t, b) + j];
    if (is_last_step(t, b)) {
      dh += dhN[state];
    } else {
      dh += carried[i];
    }
    dhTotal[bh] = dh;
    da[row] = dh * cell_act_grad(h[state_at(seq_here.write, b) + j]);
  }
}
