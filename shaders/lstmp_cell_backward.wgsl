// The per-unit part of an LSTM backward step with a projection (LSTMP), for the .proj variant of
// lstm_backward_step_coalesced.wgsl: `carried` is (W_hrᵀ·dh_t)[b, j], the gradient reaching m_t, with
// dh_t from lstmp_backward_dh.wgsl (which holds dH, dh_N and the recurrent term already). The rest is
// lstm_cell_grads.wgsl's math, as in lstm_cell_backward.wgsl; ds is [D][T,B,H], the c state gradients H wide.

// The final pass: ds_{-1} = ds_first ⊙ f_first into the dc0 section (dh0 came from lstmp_backward_dh.wgsl).
fn write_initial_state_grads(b: u32, j: u32, carried: f32) {
  let H = step.H;
  let state = step.offStateGrad + (seq_dir * step.B + b) * H + j;
  let first = first_step(b);
  stateGrads[step.section + state] = ds[diag_at(first, b) + j] * f32(gates[gate_row(first, b) + H + j]);
}

fn cell_backward(t: u32, b: u32, j: u32, carried: f32) -> vec4f {
  let state = step.offStateGrad + (seq_dir * step.B + b) * step.H + j;
  if (!step_exists(t, b)) {
    ds[diag_at(t, b) + j] = 0.0;
    return vec4f(0.0);
  }
  return cell_grads(t, b, j, carried, carry_from_next(t, b, j, state));
}
