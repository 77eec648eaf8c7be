// The per-unit part of an LSTM backward step, shared by lstm_backward_step.wgsl (which has the
// equations) and lstm_backward_step_coalesced.wgsl. `carried` is (W_hhᵀ·da)[b, j] of the step after t
// in this direction's forward order (in the final pass, of the row's first step). Places, directions
// and lengths: sequence_place.wgsl (the state gradients of layer l, direction d are the [B,H] block
// offStateGrad + d·B·H of each section).

// The final pass: dh_{-1} = W_hhᵀ·da_first and ds_{-1} = ds_first ⊙ f_first, into the dh0 and dc0
// sections of stateGrads.
fn write_initial_state_grads(b: u32, j: u32, carried: f32) {
  let H = step.H;
  let state = step.offStateGrad + (seq_dir * step.B + b) * H + j;
  let first = first_step(b);
  stateGrads[state] = carried;
  stateGrads[step.section + state] = ds[diag_at(first, b) + j] * f32(gates[gate_row(first, b) + H + j]);
}

// Unit j of row b at step t: writes ds_t and dhTotal_t, returns da_t for the gates (i, f, g, o); all
// zero where the step does not exist for the row.
fn cell_backward(t: u32, b: u32, j: u32, carried: f32) -> vec4f {
  let state = step.offStateGrad + (seq_dir * step.B + b) * step.H + j;
  let bh = diag_at(t, b) + j;
  if (!step_exists(t, b)) {
    ds[bh] = 0.0;
    dhTotal[bh] = 0.0;
    return vec4f(0.0);
  }
  var dh = dH[out_at(t, b) + j];
  if (is_last_step(t, b)) {
    dh += stateGrads[2u * step.section + state];  // dh_N
  } else {
    dh += carried;
  }
  dhTotal[bh] = dh;
  return cell_grads(t, b, j, dh, carry_from_next(t, b, j, state));
}
