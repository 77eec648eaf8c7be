// The per-unit end of an LSTM forward step with a projection (LSTMP), for
// lstm_forward_step_coalesced.wgsl: as lstm_cell_update.wgsl, but what it stores is m_t = o ⊙ ψ(s_t)
// ([D][T,B,H], this direction's section), which lstmp_project_step.wgsl then projects to h_t = W_hr·m_t.
// Where the step does not exist for the row, s is carried over and the gates and m are 0.
fn lstm_cell_update(a: vec4f, t: u32, b: u32, j: u32) {
  let H = seq_H;
  let prev = state_at(seq_here.read, b) + j;
  let next = state_at(seq_here.write, b) + j;
  let xrow = gate_row(t, b);
  let mi = diag_at(t, b) + j;
  if (!step_exists(t, b)) {
    c[next] = c[prev];
    gates[xrow + j] = 0.0;
    gates[xrow + H + j] = 0.0;
    gates[xrow + 2u * H + j] = 0.0;
    gates[xrow + 3u * H + j] = 0.0;
    m[mi] = 0.0;
    return;
  }
  let ig = sigmoid(a.x);
  let fg = sigmoid(a.y);
  let gg = cell_act(a.z);
  let og = sigmoid(a.w);
  let s = fg * c[prev] + ig * gg;
  c[next] = s;
  m[mi] = og * cell_act(s);
  gates[xrow + j] = ig;
  gates[xrow + H + j] = fg;
  gates[xrow + 2u * H + j] = gg;
  gates[xrow + 3u * H + j] = og;
}
