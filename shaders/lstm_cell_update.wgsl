// The per-unit end of an LSTM forward step, shared by lstm_forward_step.wgsl (which has the
// equations) and lstm_forward_step_coalesced.wgsl: from unit j's four pre-activations a (i, f, g, o)
// of row b at time t, the gates, s_t and h_t, stored at this direction's places (sequence_place.wgsl);
// where the step does not exist for the row, its state is carried over and its gates and output are 0.
fn lstm_cell_update(a: vec4f, t: u32, b: u32, j: u32) {
  let H = seq_H;
  let prev = state_at(seq_here.read, b) + j;
  let next = state_at(seq_here.write, b) + j;
  let xrow = gate_row(t, b);
  if (!step_exists(t, b)) {
    c[next] = c[prev];
    h[next] = h[prev];
    gates[xrow + j] = 0.0;
    gates[xrow + H + j] = 0.0;
    gates[xrow + 2u * H + j] = 0.0;
    gates[xrow + 3u * H + j] = 0.0;
    out[out_at(t, b) + j] = 0.0;
    return;
  }
  let ig = sigmoid(a.x);
  let fg = sigmoid(a.y);
  let gg = cell_act(a.z);
  let og = sigmoid(a.w);
  let s = fg * c[prev] + ig * gg;
  let hv = og * cell_act(s);
  c[next] = s;
  h[next] = hv;
  out[out_at(t, b) + j] = hv;
  gates[xrow + j] = ig;
  gates[xrow + H + j] = fg;
  gates[xrow + 2u * H + j] = gg;
  gates[xrow + 3u * H + j] = og;
}
