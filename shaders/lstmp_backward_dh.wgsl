// The first half of an LSTM backward step with a projection (LSTMP): the gradient reaching h_t, which
// is R = projSize wide, before lstm_backward_step_coalesced.wgsl (its .proj variant) takes it through
// W_hr to m_t and the cell:
//   dh_t = dH_t [+ dh_N at the row's last step] + W_hhᵀ·da_next      (W_hh [4H,R])
// stored in dhTotal ([D][T,B,R]); zero where the step does not exist. The FINAL pass writes
// dh_{-1} = W_hhᵀ·da_first into the dh0 section of stateGrads. Invocation r of workgroup (x, b, d)
// handles unit x·WG + r of row b in direction d (places: sequence_place.wgsl).

// Bindings, uniform struct and override constants: declared by its kernel description in src/kernels/recurrentSteps.ts.

// (W_hhᵀ·da)[r] for da of row b at time u.
fn recurrent_dh(u: u32, b: u32, r: u32) -> f32 {
  let w = step.offWhh + seq_dir * step.whhStride + r;
  let row = gate_row(u, b);
  var sum = 0.0;
  for (var g = 0u; g < seq_G; g++) { sum = fma(weight(w + g * step.R), da[row + g], sum); }
  return sum;
}

@compute @workgroup_size(WG)
fn main(@builtin(workgroup_id) wid: vec3u, @builtin(local_invocation_index) lane: u32) {
  let H = step.H;
  let R = step.R;
  enter(wid.z, step.t, step.T, step.D, step.B, H, 4u * H);
  project_to(R);
  let t = seq_here.t;
  let b = wid.y;
  let r = wid.x * WG + lane;
  if (r >= R) { return; }
  let state = step.offStateGradR + (seq_dir * step.B + b) * R + r;
  if (step.isFinal == 1u) {
    stateGrads[state] = recurrent_dh(first_step(b), b, r);
    return;
  }
  let at = diag_r_at(t, b) + r;
  if (!step_exists(t, b)) {
    dhTotal[at] = 0.0;
    return;
  }
  var dh = dH[out_at(t, b) + r];
  if (is_last_step(t, b)) {
    dh += stateGrads[2u * step.section + state];
  } else {
    dh += recurrent_dh(next_step(t), b, r);
  }
  dhTotal[at] = dh;
}
