// Backpropagation through time for one LSTM layer in ONE dispatch (the "persistent" strategy): each
// workgroup owns one batch row and walks t from T-1 down to 0, keeping da_{t+1} (4H floats) in
// workgroup memory for the recurrent product W_hhᵀ·da_{t+1}. Same math and outputs as
// lstm_backward_step.wgsl (see it for the equations), including the final dh_{-1}, ds_{-1}.
// Legend: B batch, T time, H hidden; gate order i, f, g, o.

// Bindings, uniform struct and override constants: declared by its kernel description in src/kernels/recurrentSequence.ts.

// Sections dh0 (written), dc0 (written), dhN (read), dcN (read): one buffer, as in lstm_backward_step.wgsl.

var<workgroup> daNext: array<f32, MAX_G>;

// (W_hhᵀ · da_{t+1})[j] from workgroup memory.
fn recurrent_grad(j: u32) -> f32 {
  let H = dims.H;
  var sum = 0.0;
  for (var r = 0u; r < 4u * H; r++) {
    sum += params[dims.offWhh + r * H + j] * daNext[r];
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
  for (var tt = 0u; tt < T; tt++) {
    let t = T - 1u - tt;
    let row = (t * B + b) * G;
    for (var j = lid; j < H; j += WG) {
      let bh = (t * B + b) * H + j;
      let state = dims.offStateGrad + b * H + j;
      var dh = dH[bh];
      var carry: f32;
      if (t == T - 1u) {
        dh += stateGrads[2u * dims.section + state];
        carry = stateGrads[3u * dims.section + state];
      } else {
        dh += recurrent_grad(j);
        carry = ds[((t + 1u) * B + b) * H + j] * gates[((t + 1u) * B + b) * G + H + j];
      }
      let ig = gates[row + j];
      let fg = gates[row + H + j];
      let gg = gates[row + 2u * H + j];
      let og = gates[row + 3u * H + j];
      let s = c[((t + 1u) * B + b) * H + j];
      let psi = cell_act(s);
      let dsTotal = dh * og * cell_act_grad(psi) + carry;
      ds[bh] = dsTotal;
      dhTotal[bh] = dh;
      da[row + j] = dsTotal * gg * ig * (1.0 - ig);
      da[row + H + j] = dsTotal * c[bh] * fg * (1.0 - fg);
      da[row + 2u * H + j] = dsTotal * ig * cell_act_grad(gg);
      da[row + 3u * H + j] = dh * psi * og * (1.0 - og);
    }
    // Everyone has read da_{t+1}, and da_t is in storage (storageBarrier makes it visible to the workgroup).
    storageBarrier();
    workgroupBarrier();
    for (var r = lid; r < G; r += WG) { daNext[r] = da[row + r]; }
    workgroupBarrier();
  }
  for (var j = lid; j < H; j += WG) {
    let state = dims.offStateGrad + b * H + j;
    stateGrads[state] = recurrent_grad(j);
    stateGrads[dims.section + state] = ds[b * H + j] * gates[b * G + H + j];
  }
}
