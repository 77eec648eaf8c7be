// The per-unit part of an LSTM backward step with a projection (LSTMP), for the .proj variant of
// lstm_backward_step_coalesced.wgsl: `carried` is (W_hrᵀ·dh_t)[b, j], the gradient reaching m_t, with
// dh_t from lstmp_backward_dh.wgsl (which holds dH, dh_N and the recurrent term already). The rest is
// lstm_cell_backward.wgsl's math; ds is [D][T,B,H], the c state gradients H wide.

// The final pass: ds_{-1} = ds_first ⊙ f_first into the dc0 section (dh0 came from lstmp_backward_dh.wgsl).
fn write_initial_state_grads(b: u32, j: u32, carried: f32) {
  let H = step.H;
  let state = step.offStateGrad + (seq_dir * step.B + b) * H + j;
  let first = first_step(b);
  stateGrads[step.section + state] = ds[diag_at(first, b) + j] * gates[gate_row(first, b) + H + j];
}

fn cell_backward(t: u32, b: u32, j: u32, carried: f32) -> vec4f {
  let H = step.H;
  let state = step.offStateGrad + (seq_dir * step.B + b) * H + j;
  let bh = diag_at(t, b) + j;
  if (!step_exists(t, b)) {
    ds[bh] = 0.0;
    return vec4f(0.0);
  }
  let dh = carried;
  var carry: f32;
  if (is_last_step(t, b)) {
    carry = stateGrads[3u * step.section + state];  // ds_N
  } else {
    let n = next_step(t);
    carry = ds[diag_at(n, b) + j] * gates[gate_row(n, b) + H + j];
  }
  let row = gate_row(t, b);
  let ig = gates[row + j];
  let fg = gates[row + H + j];
  let gg = gates[row + 2u * H + j];
  let og = gates[row + 3u * H + j];
  let s = c[state_at(seq_here.write, b) + j];
  let sPrev = c[state_at(seq_here.read, b) + j];
  let psi = cell_act(s);
  let dsTotal = dh * og * cell_act_grad(psi) + carry;
  ds[bh] = dsTotal;
  return vec4f(dsTotal * gg * ig * (1.0 - ig), dsTotal * sPrev * fg * (1.0 - fg), dsTotal * ig * cell_act_grad(gg), dh * psi * og * (1.0 - og));
}
