// Backpropagation through time for one vanilla-RNN layer in ONE dispatch (persistent strategy): each
// workgroup owns one batch row in one direction (workgroup (b, 0, d)) and walks its steps in the
// reverse of their forward order with the last da in workgroup memory.
//   dh_t = dH_t [+ dh_N at the row's last step] + W_hhᵀ·da_next;   da_t = dh_t ⊙ act'(h_t);   finally dh_{-1} = W_hhᵀ·da_first
// Places, directions and lengths as in sequence_place.wgsl (with lengths_binding.wgsl).
// Legend: B batch, T time, H hidden.

// Bindings, uniform struct and override constants: declared by its kernel description in src/kernels/recurrentSequence.ts.

var<workgroup> daNext: array<f32, MAX_H>;

fn recurrent_grad(w: u32, j: u32) -> f32 {
  let H = dims.H;
  var sum = 0.0;
  for (var r = 0u; r < H; r++) {
    sum += weight(w + r * H + j) * daNext[r];
  }
  return sum;
}

@compute @workgroup_size(WG)
fn main(@builtin(workgroup_id) wid: vec3u, @builtin(local_invocation_index) lid: u32) {
  let b = wid.x;
  let B = dims.B;
  let H = dims.H;
  let T = dims.T;
  let w = dims.offWhh + wid.z * dims.whhStride;
  for (var s = 0u; s < T; s++) {
    enter(wid.z, T - 1u - s, T, dims.D, B, H, H);
    let t = seq_here.t;
    let row = gate_row(t, b);
    for (var j = lid; j < H; j += WG) {
      let bh = diag_at(t, b) + j;
      if (!step_exists(t, b)) {
        dhTotal[bh] = 0.0;
        da[row + j] = 0.0;
        continue;
      }
      var dh = dH[out_at(t, b) + j];
      if (is_last_step(t, b)) {
        dh += dhN[dims.offStateGrad + (wid.z * B + b) * H + j];
      } else {
        dh += recurrent_grad(w, j);
      }
      dhTotal[bh] = dh;
      da[row + j] = dh * cell_act_grad(h[state_at(seq_here.write, b) + j]);
    }
    storageBarrier();
    workgroupBarrier();
    for (var r = lid; r < H; r += WG) { daNext[r] = da[row + r]; }
    workgroupBarrier();
  }
  let first = first_step(b);
  for (var r = lid; r < H; r += WG) { daNext[r] = da[gate_row(first, b) + r]; }
  workgroupBarrier();
  for (var j = lid; j < H; j += WG) {
    dh0[dims.offStateGrad + (wid.z * B + b) * H + j] = recurrent_grad(w, j);
  }
}
