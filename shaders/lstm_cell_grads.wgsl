// The LSTM cell's part of a backward step for unit j of row b at time t, shared by
// lstm_cell_backward.wgsl and lstmp_cell_backward.wgsl (places: sequence_place.wgsl).

// dL/ds_t arriving from the step after t: ds_N at the row's last step, else ds_next ⊙ f_next
// (∂s_next/∂s_t = D(f_next): the direct cell path). `state` indexes this unit in the dcN section.
fn carry_from_next(t: u32, b: u32, j: u32, state: u32) -> f32 {
  if (is_last_step(t, b)) { return stateGrads[3u * step.section + state]; }
  let n = next_step(t);
  return ds[diag_at(n, b) + j] * f32(gates[gate_row(n, b) + seq_H + j]);
}

// From dh (the gradient reaching o ⊙ ψ(s_t)) and carry: stores ds_t, returns da_t (i, f, g, o).
fn cell_grads(t: u32, b: u32, j: u32, dh: f32, carry: f32) -> vec4f {
  let H = seq_H;
  let row = gate_row(t, b);
  let ig = f32(gates[row + j]);
  let fg = f32(gates[row + H + j]);
  let gg = f32(gates[row + 2u * H + j]);
  let og = f32(gates[row + 3u * H + j]);
  let s = c[state_at(seq_here.write, b) + j];
  let sPrev = c[state_at(seq_here.read, b) + j];
  let psi = cell_act(s);
  let dsTotal = dh * og * cell_act_grad(psi) + carry;
  ds[diag_at(t, b) + j] = dsTotal;
  return vec4f(dsTotal * gg * ig * (1.0 - ig), dsTotal * sPrev * fg * (1.0 - fg), dsTotal * ig * cell_act_grad(gg), dh * psi * og * (1.0 - og));
}
