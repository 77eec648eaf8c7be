// Backpropagation through time for one GRU layer in ONE dispatch (persistent strategy): workgroup
// (b, 0, d) owns row b in direction d and walks its steps in the reverse of their forward order,
// keeping the recurrent-side gradients dah of the step it did last (3H floats) in workgroup memory.
// Same math and outputs as gru_backward_step.wgsl (see it for the sums and the final pass,
// gru_cell.wgsl for the equations). The code pieces before this one: sequence_place.wgsl with
// lengths_in_state_grads.wgsl, gru_gates.wgsl, gru_cell_backward.wgsl.

var<workgroup> dahNext: array<f32, MAX_G>;

// (W_hhᵀ·dahNext)[j], plus the direct path dh_u ⊙ z_u of the step u those gradients came from.
fn carried(w: u32, j: u32, u: u32, b: u32) -> f32 {
  let H = dims.H;
  var sum = gru_direct_path(u, b, j);
  for (var r = 0u; r < 3u * H; r++) { sum += weight(w + r * H + j) * dahNext[r]; }
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
    let exists = step_exists(t, b);
    let last = is_last_step(t, b);
    for (var j = lid; j < H; j += WG) {
      if (!exists) {
        gru_cell_backward_none(t, b, j);
        continue;
      }
      var dh = dH[out_at(t, b) + j];
      if (last) {
        dh += stateGrads[2u * dims.section + dims.offStateGrad + (wid.z * B + b) * H + j];
      } else {
        dh += carried(w, j, next_step(t), b);
      }
      gru_cell_backward(t, b, j, dh);
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
