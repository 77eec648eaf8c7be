// One vanilla-RNN step of backpropagation through time, for all batch rows:
//   dh_t = dH_t [+ dh_N at t = T-1] + W_hhᵀ·da_{t+1};   da_t = dh_t ⊙ act'(h_t)
// ∂h_t/∂h_{t-1} = D(act'(h_t))·W_hh is not diagonal: this is why RNN gradients vanish or explode.
// The FINAL pass (after t = 0) writes dh_{-1} = W_hhᵀ·da_0.
// Legend: B batch, T time, H hidden.
// Invocation j of workgroup (x, y) handles hidden unit x·WG + j for the ROWS batch rows y·ROWS...
// (see lstm_backward_step.wgsl).

// Bindings, uniform struct and override constants: declared by its kernel description in src/kernels/recurrentSteps.ts.
// ROWS, the batch rows per workgroup (1..8), is a module const (fixed per module, so its loops unroll).

// (W_hhᵀ · da_t)[b, j] for rows b0..b0+ROWS-1.
fn recurrent_grad(t: u32, b0: u32, j: u32) -> array<f32, ROWS> {
  let B = step.B;
  let H = step.H;
  var sum: array<f32, ROWS>;
  for (var r = 0u; r < H; r++) {
    let w = params[step.offWhh + r * H + j];
    for (var i = 0u; i < ROWS; i++) {
      sum[i] = fma(w, da[(t * B + min(b0 + i, B - 1u)) * H + r], sum[i]);
    }
  }
  return sum;
}

@compute @workgroup_size(WG)
fn main(@builtin(workgroup_id) wid: vec3u, @builtin(local_invocation_index) lane: u32) {
  let B = step.B;
  let H = step.H;
  let t = step.t;
  let j = wid.x * WG + lane;
  let jj = min(j, H - 1u);  // lanes past H compute a clamped copy and write nothing
  let b0 = wid.y * ROWS;
  let last = t == step.T - 1u;
  var carried: array<f32, ROWS>;
  if (step.isFinal == 1u || !last) {
    carried = recurrent_grad(select(t + 1u, 0u, step.isFinal == 1u), b0, jj);
  }
  if (j >= H) { return; }
  for (var i = 0u; i < ROWS; i++) {
    let b = b0 + i;
    if (b >= B) { break; }
    let state = step.offStateGrad + b * H + j;
    if (step.isFinal == 1u) {
      dh0[state] = carried[i];
      continue;
    }
    let bh = (t * B + b) * H + j;
    var dh = dH[bh];
    if (last) {
      dh += dhN[state];
    } else {
      dh += carried[i];
    }
    dhTotal[bh] = dh;
    da[bh] = dh * cell_act_grad(h[((t + 1u) * B + b) * H + j]);
  }
}
