// The per-unit part of an LSTM backward step, shared by lstm_backward_step.wgsl (which has the
// equations) and lstm_backward_step_coalesced.wgsl. `carried` is (W_hhᵀ·da)[b, j] of the step
// after t (in the final pass, of step 0).

// The final pass (after t = 0): dh_{-1} = W_hhᵀ·da_0 and ds_{-1} = ds_0 ⊙ f_0, into the dh0 and dc0
// sections of stateGrads.
fn write_initial_state_grads(b: u32, j: u32, carried: f32) {
  let H = step.H;
  let state = step.offStateGrad + b * H + j;
  stateGrads[state] = carried;
  stateGrads[step.section + state] = ds[b * H + j] * gates[b * 4u * H + H + j];
}

// Unit j of row b at step t: writes ds_t and dhTotal_t, returns da_t for the gates (i, f, g, o).
fn cell_backward(t: u32, b: u32, j: u32, carried: f32) -> vec4f {
  let B = step.B;
  let H = step.H;
  let G = 4u * H;
  let state = step.offStateGrad + b * H + j;
  let bh = (t * B + b) * H + j;
  var dh = dH[bh];
  var carry: f32;
  if (t == step.T - 1u) {
    dh += stateGrads[2u * step.section + state];  // dh_N
    carry = stateGrads[3u * step.section + state];  // ds_N
  } else {
    dh += carried;
    carry = ds[((t + 1u) * B + b) * H + j] * gates[((t + 1u) * B + b) * G + H + j];
  }
  let row = (t * B + b) * G;
  let ig = gates[row + j];
  let fg = gates[row + H + j];
  let gg = gates[row + 2u * H + j];
  let og = gates[row + 3u * H + j];
  let s = c[((t + 1u) * B + b) * H + j];
  let sPrev = c[bh];
  let psi = cell_act(s);
  let dsTotal = dh * og * cell_act_grad(psi) + carry;
  ds[bh] = dsTotal;
  dhTotal[bh] = dh;
  return vec4f(dsTotal * gg * ig * (1.0 - ig), dsTotal * sPrev * fg * (1.0 - fg), dsTotal * ig * cell_act_grad(gg), dh * psi * og * (1.0 - og));
}
