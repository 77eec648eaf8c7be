// The whole LSTM sequence for one layer in ONE dispatch (the "persistent" strategy). Each workgroup
// owns one batch row and loops over time; h_{t-1} lives in workgroup memory, each invocation computes
// the units j it owns, and barriers separate reading h_{t-1} from replacing it with h_t.
// Batch rows are independent, so no grid-wide barrier is needed (WebGPU has none).
// Same math and outputs as lstm_forward_step.wgsl, for all t:
//   a = xproj_t + b_hh + W_hh·h_{t-1};  i,f,o = σ(a_i,a_f,a_o);  g = φ(a_g)
//   s_t = f ⊙ s_{t-1} + i ⊙ g;  h_t = o ⊙ ψ(s_t)
// Legend: B batch, T time, H hidden; gate order i, f, g, o. Workgroup (b, 0, d) runs row b in
// direction d; the code pieces before this one: activations.wgsl, the addressing of directions, state
// slots and lengths (sequence_place.wgsl) and the cell update (lstm_cell_update.wgsl).

// Bindings, uniform struct and override constants: declared by its kernel description in src/kernels/recurrentSequence.ts.

var<workgroup> hPrev: array<f32, MAX_H>;

@compute @workgroup_size(WG)
fn main(@builtin(workgroup_id) wid: vec3u, @builtin(local_invocation_index) lid: u32) {
  let b = wid.x;
  let B = dims.B;
  let H = dims.H;
  let G = 4u * H;
  let w = dims.offWhh + wid.z * dims.whhStride;
  let bh = dims.offBhh + wid.z * G;
  enter(wid.z, 0u, dims.T, dims.D, B, H, G);
  let first = state_at(seq_here.read, b);
  for (var j = lid; j < H; j += WG) { hPrev[j] = h[first + j]; }
  workgroupBarrier();
  for (var s = 0u; s < dims.T; s++) {
    enter(wid.z, s, dims.T, dims.D, B, H, G);
    let t = seq_here.t;
    let xrow = gate_row(t, b);
    let next = state_at(seq_here.write, b);
    for (var j = lid; j < H; j += WG) {
      var a = vec4f(f32(xproj[xrow + j]), f32(xproj[xrow + H + j]), f32(xproj[xrow + 2u * H + j]), f32(xproj[xrow + 3u * H + j]));
      a += vec4f(weight(bh + j), weight(bh + H + j), weight(bh + 2u * H + j), weight(bh + 3u * H + j));
      for (var k = 0u; k < H; k++) {
        let hk = hPrev[k];
        a += hk * vec4f(weight(w + j * H + k), weight(w + (H + j) * H + k), weight(w + (2u * H + j) * H + k), weight(w + (3u * H + j) * H + k));
      }
      lstm_cell_update(a, t, b, j);
    }
    // Everyone has read h_{t-1}, and h_t is in storage (storageBarrier makes it visible to the workgroup).
    storageBarrier();
    workgroupBarrier();
    for (var j = lid; j < H; j += WG) { hPrev[j] = h[next + j]; }
    workgroupBarrier();
  }
}
