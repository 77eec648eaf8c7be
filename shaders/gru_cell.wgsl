// The per-unit ends of every GRU kernel (PyTorch's nn.GRU, "reset after"; rows r, z, n), shared by
// the per-step kernels of both work splits and the persistent ones. Legend: B batch, T time, H hidden.
// Forward, with a_h = W_hh·h_{t-1} + b_hh and xproj = W_ih·x + b_ih:
//   r = σ(xproj_r + a_h,r)   z = σ(xproj_z + a_h,z)   n = tanh(xproj_n + r ⊙ a_h,n)
//   h_t = (1 − z) ⊙ n + z ⊙ h_{t-1}          stored for backward: gates [T,B,D·4H] = r, z, n, a_h,n
// Backward, with dh the total gradient reaching h_t:
//   da_n = dh ⊙ (1 − z) ⊙ (1 − n²)   da_r = da_n ⊙ a_h,n ⊙ r(1 − r)   da_z = dh ⊙ (h_{t-1} − n) ⊙ z(1 − z)
//   da  = [da_r, da_z, da_n]          (input side: dW_ih, db_ih, dx)
//   dah = [da_r, da_z, da_n ⊙ r]      (recurrent side: dW_hh, db_hh, and W_hhᵀ·dah to the step before)
// ∂h_t/∂h_{t-1} = D(z) + (terms through W_hh): the direct path dh_next ⊙ z_next (gru_direct_path) is
// where z plays the LSTM forget gate's part. Places, directions and lengths: sequence_place.wgsl
// (a step past a row's length carries h over, outputs 0, stores zero gates and zero gradients).


// Unit j of row b at step t, given a = a_h (r, z, n): writes h_t, the layer output and the gate record.
fn gru_cell_update(t: u32, b: u32, j: u32, a: vec3f) {
  let H = seq_H;
  let hPrev = h[state_at(seq_here.read, b) + j];
  let next = state_at(seq_here.write, b) + j;
  let g = gru_gates_at(t, b);
  if (!step_exists(t, b)) {
    h[next] = hPrev;
    out[out_at(t, b) + j] = 0.0;
    gates[g + j] = gates_elem(0.0);
    gates[g + H + j] = gates_elem(0.0);
    gates[g + 2u * H + j] = gates_elem(0.0);
    gates[g + 3u * H + j] = gates_elem(0.0);
    return;
  }
  let x = gate_row(t, b);
  let r = sigmoid(f32(xproj[x + j]) + a.x);
  let z = sigmoid(f32(xproj[x + H + j]) + a.y);
  let n = tanh(clamp(f32(xproj[x + 2u * H + j]) + r * a.z, -15.0, 15.0));
  let hv = (1.0 - z) * n + z * hPrev;
  h[next] = hv;
  out[out_at(t, b) + j] = hv;
  gates[g + j] = gates_elem(r);
  gates[g + H + j] = gates_elem(z);
  gates[g + 2u * H + j] = gates_elem(n);
  gates[g + 3u * H + j] = gates_elem(a.z);
}
