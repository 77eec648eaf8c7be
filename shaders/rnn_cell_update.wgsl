// The per-unit end of a vanilla-RNN forward step, shared by rnn_forward_step.wgsl and
// rnn_forward_step_coalesced.wgsl: h_t = cell_act(a) for unit j of row b at time t, stored at this
// direction's places (sequence_place.wgsl); where the step does not exist for the row, its state is
// carried over and its output is 0.
fn rnn_cell_update(a: f32, t: u32, b: u32, j: u32) {
  let next = state_at(seq_here.write, b) + j;
  if (!step_exists(t, b)) {
    h[next] = h[state_at(seq_here.read, b) + j];
    out[out_at(t, b) + j] = 0.0;
    return;
  }
  let hv = cell_act(a);
  h[next] = hv;
  out[out_at(t, b) + j] = hv;
}
