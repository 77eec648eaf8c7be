// The backward end of every GRU kernel: see gru_cell.wgsl for the equations. dhTotal keeps the total
// dL/dh_t of each step (the diagnostics, and the direct path of the step before).


// dh_u ⊙ z_u of unit j, row b: the direct path from step u (the one after t in forward order) to t.
fn gru_direct_path(u: u32, b: u32, j: u32) -> f32 {
  return dhTotal[diag_at(u, b) + j] * f32(gates[gru_gates_at(u, b) + seq_H + j]);
}

// Unit j of row b at step t, given the total gradient dh reaching h_t: writes dhTotal, da and dah.
fn gru_cell_backward(t: u32, b: u32, j: u32, dh: f32) {
  let H = seq_H;
  let row = gate_row(t, b);
  let g = gru_gates_at(t, b);
  let r = f32(gates[g + j]);
  let z = f32(gates[g + H + j]);
  let n = f32(gates[g + 2u * H + j]);
  let ahn = f32(gates[g + 3u * H + j]);
  let hPrev = h[state_at(seq_here.read, b) + j];
  let dan = dh * (1.0 - z) * (1.0 - n * n);
  let dar = dan * ahn * r * (1.0 - r);
  let daz = dh * (hPrev - n) * z * (1.0 - z);
  dhTotal[diag_at(t, b) + j] = dh;
  da[row + j] = dar;
  da[row + H + j] = daz;
  da[row + 2u * H + j] = dan;
  dah[row + j] = dar;
  dah[row + H + j] = daz;
  dah[row + 2u * H + j] = dan * r;
}

// A step that does not exist for row b: zero gradients.
fn gru_cell_backward_none(t: u32, b: u32, j: u32) {
  let H = seq_H;
  let row = gate_row(t, b);
  dhTotal[diag_at(t, b) + j] = 0.0;
  for (var q = 0u; q < 3u; q++) {
    da[row + q * H + j] = 0.0;
    dah[row + q * H + j] = 0.0;
  }
}
