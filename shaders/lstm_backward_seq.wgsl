// Backpropagation through time for one LSTM layer in ONE dispatch (the "persistent" strategy): each
// workgroup owns one batch row in one direction (workgroup (b, 0, d)) and walks its steps in the
// reverse of their forward order, keeping da of the step it did last (4H floats) in workgroup memory
// for the recurrent product W_hhᵀ·da. Same math and outputs as lstm_backward_step.wgsl (see it for
// the equations), including the final dh_{-1}, ds_{-1}; places, directions and lengths as in
// sequence_place.wgsl (with lengths_in_state_grads.wgsl).
// Legend: B batch, T time, H hidden; gate order i, f, g, o.

// Bindings, uniform struct and override constants: declared by its kernel description in src/kernels/recurrentSequence.ts.

// Sections dh0 (written), dc0 (written), dhN (read), dcN (read), then the row lengths: one buffer, as
// in lstm_backward_step.wgsl.

var<workgroup> daNext: array<f32, MAX_G>;

// (W_hhᵀ · daNext)[j], W_hh from w.
fn recurrent_grad(w: u32, j: u32) -> f32 {
  let H = dims.H;
  var sum = 0.0;
  for (var r = 0u; r < 4u * H; r++) {
    sum += weight(w + r * H + j) * daNext[r];
  }
  return sum;
}

@compute @workgroup_size(WG)
fn main(@builtin(workgroup_id) wid: vec3u, @builtin(local_invocation_index) lid: u32) {
  let b = wid.x;
  let B = dims.B;
  let H = dims.H;
  let G = 4u * H;
  let T = dims.T;
  let w = dims.offWhh + wid.z * dims.whhStride;
  set_length_section(4u * dims.section);
  for (var s = 0u; s < T; s++) {
    enter(wid.z, T - 1u - s, T, dims.D, B, H, G);
    let t = seq_here.t;
    let row = gate_row(t, b);
    for (var j = lid; j < H; j += WG) {
      let bh = diag_at(t, b) + j;
      if (!step_exists(t, b)) {
        ds[bh] = 0.0;
        dhTotal[bh] = 0.0;
        da[row + j] = 0.0;
        da[row + H + j] = 0.0;
        da[row + 2u * H + j] = 0.0;
        da[row + 3u * H + j] = 0.0;
        continue;
      }
      let state = dims.offStateGrad + (wid.z * B + b) * H + j;
      var dh = dH[out_at(t, b) + j];
      var carry: f32;
      if (is_last_step(t, b)) {
        dh += stateGrads[2u * dims.section + state];
        carry = stateGrads[3u * dims.section + state];
      } else {
        dh += recurrent_grad(w, j);
        let n = next_step(t);
        carry = ds[diag_at(n, b) + j] * f32(gates[gate_row(n, b) + H + j]);
      }
      let ig = f32(gates[row + j]);
      let fg = f32(gates[row + H + j]);
      let gg = f32(gates[row + 2u * H + j]);
      let og = f32(gates[row + 3u * H + j]);
      let sNow = c[state_at(seq_here.write, b) + j];
      let psi = cell_act(sNow);
      let dsTotal = dh * og * cell_act_grad(psi) + carry;
      ds[bh] = dsTotal;
      dhTotal[bh] = dh;
      da[row + j] = dsTotal * gg * ig * (1.0 - ig);
      da[row + H + j] = dsTotal * c[state_at(seq_here.read, b) + j] * fg * (1.0 - fg);
      da[row + 2u * H + j] = dsTotal * ig * cell_act_grad(gg);
      da[row + 3u * H + j] = dh * psi * og * (1.0 - og);
    }
    // Everyone has read the old da, and this step's is in storage (storageBarrier makes it visible to the workgroup).
    storageBarrier();
    workgroupBarrier();
    for (var r = lid; r < G; r += WG) { daNext[r] = da[row + r]; }
    workgroupBarrier();
  }
  // The initial state was read by the row's first step in forward order (0 forward; its length − 1 reverse).
  let first = first_step(b);
  for (var r = lid; r < G; r += WG) { daNext[r] = da[gate_row(first, b) + r]; }
  workgroupBarrier();
  for (var j = lid; j < H; j += WG) {
    let state = dims.offStateGrad + (wid.z * B + b) * H + j;
    stateGrads[state] = recurrent_grad(w, j);
    stateGrads[dims.section + state] = ds[diag_at(first, b) + j] * f32(gates[gate_row(first, b) + H + j]);
  }
}
