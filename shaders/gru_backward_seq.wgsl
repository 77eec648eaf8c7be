// Backpropagation through time for one GRU layer in ONE dispatch (persistent strategy): workgroup
// (b, 0, d) owns row b in direction d and walks its steps in the reverse of their forward order,
// keeping the recurrent-side gradients dah of the step it did last (3H floats) in workgroup memory.
// Same math and outputs as gru_backward_step.wgsl (see it for the equations and the final pass).
// Places, directions and lengths: sequence_place.wgsl, lengths_in_state_grads.wgsl.

var<workgroup> dahNext: array<f32, MAX_G>;

fn gru_gates_at(t: u32, b: u32) -> u32 { return (t * seq_B + b) * seq_D * 4u * seq_H + seq_dir * 4u * seq_H; }

// (W_hhᵀ·dahNext)[j], plus the direct path dh_u ⊙ z_u of the step u those gradients came from.
fn carried(w: u32, j: u32, u: u32, b: u32) -> f32 {
  let H = dims.H;
  var sum = dhTotal[diag_at(u, b) + j] * gates[gru_gates_at(u, b) + H + j];
  for (var r = 0u; r < 3u * H; r++) { sum += params[w + r * H + j] * dahNext[r]; }
  return sum;
}

@compute @workgroup_size(WG)
fn main(@builtin(workgroup_id) wid: vec3u, @builtin(local_invocation_index) lid: u32) {
  let b = wid.x;
  let B = dims.B;
  let H = dims.H;
  let G = 3u * H;
  let T = dims.T;
  let w = dims.offWhh + wid.z * dims.whhStride;
  set_length_section(4u * dims.section);
  for (var s = 0u; s < T; s++) {
    enter(wid.z, T - 1u - s, T, dims.D, B, H, G);
    let t = seq_here.t;
    let row = gate_row(t, b);
    let g = gru_gates_at(t, b);
    let exists = step_exists(t, b);
    let last = is_last_step(t, b);
    for (var j = lid; j < H; j += WG) {
      let bh = diag_at(t, b) + j;
      if (!exists) {
        dhTotal[bh] = 0.0;
        da[row + j] = 0.0;
        da[row + H + j] = 0.0;
        da[row + 2u * H + j] = 0.0;
        dah[row + j] = 0.0;
        dah[row + H + j] = 0.0;
        dah[row + 2u * H + j] = 0.0;
        continue;
      }
      var dh = dH[out_at(t, b) + j];
      if (last) {
        dh += stateGrads[2u * dims.section + dims.offStateGrad + (wid.z * B + b) * H + j];
      } else {
        dh += carried(w, j, next_step(t), b);
      }
      let r = gates[g + j];
      let z = gates[g + H + j];
      let n = gates[g + 2u * H + j];
      let ahn = gates[g + 3u * H + j];
      let hp = h[state_at(seq_here.read, b) + j];
      let dan = dh * (1.0 - z) * (1.0 - n * n);
      let dar = dan * ahn * r * (1.0 - r);
      let daz = dh * (hp - n) * z * (1.0 - z);
      dhTotal[bh] = dh;
      da[row + j] = dar;
      da[row + H + j] = daz;
      da[row + 2u * H + j] = dan;
      dah[row + j] = dar;
      dah[row + H + j] = daz;
      dah[row + 2u * H + j] = dan * r;
    }
    // Everyone has read the old dah, and this step's is in storage.
    storageBarrier();
    workgroupBarrier();
    for (var q = lid; q < G; q += WG) { dahNext[q] = dah[row + q]; }
    workgroupBarrier();
  }
  // The initial state was read by the row's first step in forward order.
  enter(wid.z, 0u, T, dims.D, B, H, G);
  let first = first_step(b);
  for (var q = lid; q < G; q += WG) { dahNext[q] = dah[gate_row(first, b) + q]; }
  workgroupBarrier();
  for (var j = lid; j < H; j += WG) {
    stateGrads[dims.offStateGrad + (wid.z * B + b) * H + j] = carried(w, j, first, b);
  }
}
