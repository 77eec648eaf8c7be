// The per-unit end of a GRU backward step, shared by gru_backward_step.wgsl (GPUs) and
// gru_backward_step_rows.wgsl (CPU adapters), as lstm_cell_backward.wgsl is for the LSTM's. `carried`
// is the gradient reaching h_t from the step after t in this direction's forward order
// (W_hhᵀ·dah_next + dh_next ⊙ z_next); in the final pass, the gradient reaching h_{-1}.

// Unit j of row b at step t: the final pass writes dh_{-1} into the dh0 section of stateGrads; a step
// the row does not have gets zero gradients; any other adds the gradient from above (dH_t) and dh_N
// at the row's last step, or `carried` before it, and runs the cell backward.
fn gru_step_backward(t: u32, b: u32, j: u32, carried: f32, finalPass: bool) {
  let state = step.offStateGrad + (seq_dir * step.B + b) * step.H + j;
  if (finalPass) {
    stateGrads[state] = carried;
    return;
  }
  if (!step_exists(t, b)) {
    gru_cell_backward_none(t, b, j);
    return;
  }
  var dh = dH[out_at(t, b) + j];
  if (is_last_step(t, b)) {
    dh += stateGrads[2u * step.section + state];  // dh_N
  } else {
    dh += carried;
  }
  gru_cell_backward(t, b, j, dh);
}
