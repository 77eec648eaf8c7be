// The per-unit end of an LSTM forward step, shared by lstm_forward_step.wgsl (which has the
// equations), lstm_forward_step_coalesced.wgsl and lstm_forward_seq.wgsl: the cell (lstm_cell_step.wgsl),
// then h_t, stored at this direction's places (sequence_place.wgsl); where the step does not exist
// for the row, its state is carried over and its gates and output are 0.
fn lstm_cell_update(a: vec4f, t: u32, b: u32, j: u32) {
  if (!step_exists(t, b)) {
    lstm_no_step(t, b, j);
    h[state_at(seq_here.write, b) + j] = h[state_at(seq_here.read, b) + j];
    out[out_at(t, b) + j] = 0.0;
    return;
  }
  let hv = lstm_step(a, t, b, j);
  h[state_at(seq_here.write, b) + j] = hv;
  out[out_at(t, b) + j] = hv;
}
