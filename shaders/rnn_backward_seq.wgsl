// Backpropagation through time for one vanilla-RNN layer in ONE dispatch (persistent strategy):
// each workgroup owns one batch row and walks t from T-1 down to 0 with da_{t+1} in workgroup memory.
//   dh_t = dH_t [+ dh_N at t = T-1] + W_hhᵀ·da_{t+1};   da_t = dh_t ⊙ act'(h_t);   finally dh_{-1} = W_hhᵀ·da_0
// Legend: B batch, T time, H hidden.

// Bindings, uniform struct and override constants: declared by its kernel description in src/kernels/recurrentSequence.ts.

var<workgroup> daNext: array<f32, MAX_H>;

fn recurrent_grad(j: u32) -> f32 {
  let H = dims.H;
  var sum = 0.0;
  for (var r = 0u; r < H; r++) {
    sum += params[dims.offWhh + r * H + j] * daNext[r];
  }
  return sum;
}

@compute @workgroup_size(WG)
fn main(@builtin(workgroup_id) wid: vec3u, @builtin(local_invocation_index) lid: u32) {
  let b = wid.x;
  let B = dims.B;
  let H = dims.H;
  let T = dims.T;
  for (var tt = 0u; tt < T; tt++) {
    let t = T - 1u - tt;
    let row = (t * B + b) * H;
    for (var j = lid; j < H; j += WG) {
      var dh = dH[row + j];
      if (t == T - 1u) {
        dh += dhN[dims.offStateGrad + b * H + j];
      } else {
        dh += recurrent_grad(j);
      }
      dhTotal[row + j] = dh;
      da[row + j] = dh * cell_act_grad(h[((t + 1u) * B + b) * H + j]);
    }
    storageBarrier();
    workgroupBarrier();
    for (var r = lid; r < H; r += WG) { daNext[r] = da[row + r]; }
    workgroupBarrier();
  }
  for (var j = lid; j < H; j += WG) {
    dh0[dims.offStateGrad + b * H + j] = recurrent_grad(j);
  }
}
