// The LSTM cell of one forward step for unit j of row b at time t, shared by lstm_cell_update.wgsl
// and lstmp_cell_update.wgsl (places: sequence_place.wgsl).

// From the pre-activations a (i, f, g, o): stores the gates and s_t, returns o ⊙ ψ(s_t).
fn lstm_step(a: vec4f, t: u32, b: u32, j: u32) -> f32 {
  let H = seq_H;
  let xrow = gate_row(t, b);
  let ig = sigmoid(a.x);
  let fg = sigmoid(a.y);
  let gg = cell_act(a.z);
  let og = sigmoid(a.w);
  let s = fg * c[state_at(seq_here.read, b) + j] + ig * gg;
  c[state_at(seq_here.write, b) + j] = s;
  gates[xrow + j] = gates_elem(ig);
  gates[xrow + H + j] = gates_elem(fg);
  gates[xrow + 2u * H + j] = gates_elem(gg);
  gates[xrow + 3u * H + j] = gates_elem(og);
  return og * cell_act(s);
}

// Where the step does not exist for the row: s carried over, the gates 0.
fn lstm_no_step(t: u32, b: u32, j: u32) {
  let H = seq_H;
  let xrow = gate_row(t, b);
  c[state_at(seq_here.write, b) + j] = c[state_at(seq_here.read, b) + j];
  gates[xrow + j] = gates_elem(0.0);
  gates[xrow + H + j] = gates_elem(0.0);
  gates[xrow + 2u * H + j] = gates_elem(0.0);
  gates[xrow + 3u * H + j] = gates_elem(0.0);
}
