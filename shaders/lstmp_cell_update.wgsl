// The per-unit end of an LSTM forward step with a projection (LSTMP), for
// lstm_forward_step_coalesced.wgsl: the cell (lstm_cell_step.wgsl), then m_t = o ⊙ ψ(s_t) ([D][T,B,H],
// this direction's section), which lstmp_project_step.wgsl projects to h_t = W_hr·m_t. Where the step
// does not exist for the row, s is carried over and the gates and m are 0.
fn lstm_cell_update(a: vec4f, t: u32, b: u32, j: u32) {
  if (!step_exists(t, b)) {
    lstm_no_step(t, b, j);
    m[diag_at(t, b) + j] = 0.0;
    return;
  }
  m[diag_at(t, b) + j] = lstm_step(a, t, b, j);
}
