// One GRU step of backpropagation through time for all batch rows, the work split of
// lstm_backward_step_coalesced.wgsl (16 units × 4 slices of the 3H gate rows per workgroup, one row
// b, direction d). With dh the total gradient reaching h_t:
//   dh   = dH_t [+ dh_N at the row's last step] + W_hhᵀ·dah_next + dh_next ⊙ z_next
//   dn = dh ⊙ (1 − z)   da_n = dn ⊙ (1 − n²)   da_r = da_n ⊙ a_h,n ⊙ r(1 − r)   da_z = dh ⊙ (h_{t-1} − n) ⊙ z(1 − z)
//   da  = [da_r, da_z, da_n]           (input side: dW_ih, db_ih, dx)
//   dah = [da_r, da_z, da_n ⊙ r]       (recurrent side: dW_hh, db_hh, and the step before)
// ∂h_t/∂h_{t-1} = D(z) + (terms through W_hh): z_next ⊙ dh_next is the direct path, z playing the
// LSTM forget gate's part. The FINAL pass writes dh_{-1} = W_hhᵀ·dah_first + dh_first ⊙ z_first into
// the dh0 section of stateGrads. "Next", "last" and "first" follow the direction's forward order;
// a step that does not exist gets zero gradients (sequence_place.wgsl, lengths_in_state_grads.wgsl).

const UNITS = 16u;
const SLICES = 4u;

var<workgroup> partial: array<f32, 64>;

fn gru_gates_at(t: u32, b: u32) -> u32 { return (t * seq_B + b) * seq_D * 4u * seq_H + seq_dir * 4u * seq_H; }

@compute @workgroup_size(64)
fn main(@builtin(workgroup_id) wid: vec3u, @builtin(local_invocation_index) lane: u32) {
  let B = step.B;
  let H = step.H;
  let G = 3u * H;
  enter(wid.z, step.t, step.T, step.D, B, H, G);
  set_length_section(4u * step.section);
  let t = seq_here.t;
  let b = wid.y;
  let u = lane % UNITS;
  let slice = lane / UNITS;
  let j = wid.x * UNITS + u;
  let jj = min(j, H - 1u);
  let finalPass = step.isFinal == 1u;
  // The step whose gradients flow into this one: the next in forward order, or the row's first.
  let src = select(next_step(t), first_step(b), finalPass);
  let carries = finalPass || (step_exists(t, b) && !is_last_step(t, b));
  var sum = 0.0;
  if (carries) {
    let row = gate_row(src, b);
    let w0 = step.offWhh + seq_dir * step.whhStride;
    for (var r = slice; r < G; r += SLICES) {
      sum = fma(params[w0 + r * H + jj], dah[row + r], sum);
    }
  }
  partial[lane] = sum;
  workgroupBarrier();
  if (slice != 0u || j >= H) { return; }
  var carried = (partial[u] + partial[UNITS + u]) + (partial[2u * UNITS + u] + partial[3u * UNITS + u]);
  if (carries) {
    // The direct path: dh of that step times its update gate.
    carried += dhTotal[diag_at(src, b) + j] * gates[gru_gates_at(src, b) + H + j];
  }
  let state = step.offStateGrad + (seq_dir * B + b) * H + j;
  if (finalPass) {
    stateGrads[state] = carried;
    return;
  }
  let row = gate_row(t, b);
  let bh = diag_at(t, b) + j;
  if (!step_exists(t, b)) {
    dhTotal[bh] = 0.0;
    da[row + j] = 0.0;
    da[row + H + j] = 0.0;
    da[row + 2u * H + j] = 0.0;
    dah[row + j] = 0.0;
    dah[row + H + j] = 0.0;
    dah[row + 2u * H + j] = 0.0;
    return;
  }
  var dh = dH[out_at(t, b) + j];
  if (is_last_step(t, b)) {
    dh += stateGrads[2u * step.section + state];  // dh_N
  } else {
    dh += carried;
  }
  let g = gru_gates_at(t, b);
  let r = gates[g + j];
  let z = gates[g + H + j];
  let n = gates[g + 2u * H + j];
  let ahn = gates[g + 3u * H + j];
  let hPrev = h[state_at(seq_here.read, b) + j];
  let dan = dh * (1.0 - z) * (1.0 - n * n);
  let dar = dan * ahn * r * (1.0 - r);
  let daz = dh * (hPrev - n) * z * (1.0 - z);
  dhTotal[bh] = dh;
  da[row + j] = dar;
  da[row + H + j] = daz;
  da[row + 2u * H + j] = dan;
  dah[row + j] = dar;
  dah[row + H + j] = daz;
  dah[row + 2u * H + j] = dan * r;
}
