// The whole GRU sequence for one layer in ONE dispatch (the "persistent" strategy): workgroup
// (b, 0, d) owns row b in direction d and loops over its steps with h_{t-1} in workgroup memory.
// Same math and outputs as gru_forward_step.wgsl:
//   r = σ(xproj_r + W_hr·h + b_hr)   z = σ(xproj_z + W_hz·h + b_hz)   n = tanh(xproj_n + r ⊙ (W_hn·h + b_hn))
//   h_t = (1 − z) ⊙ n + z ⊙ h_{t-1}      gates [T,B,D·4H] = r, z, n, W_hn·h + b_hn
// Places, directions and lengths: sequence_place.wgsl. Legend: B batch, T time, H hidden.

var<workgroup> hPrev: array<f32, MAX_H>;

fn gru_gates_at(t: u32, b: u32) -> u32 { return (t * seq_B + b) * seq_D * 4u * seq_H + seq_dir * 4u * seq_H; }

@compute @workgroup_size(WG)
fn main(@builtin(workgroup_id) wid: vec3u, @builtin(local_invocation_index) lid: u32) {
  let b = wid.x;
  let B = dims.B;
  let H = dims.H;
  let G = 3u * H;
  let w = dims.offWhh + wid.z * dims.whhStride;
  let bh = dims.offBhh + wid.z * G;
  enter(wid.z, 0u, dims.T, dims.D, B, H, G);
  let first = state_at(seq_here.read, b);
  for (var j = lid; j < H; j += WG) { hPrev[j] = h[first + j]; }
  workgroupBarrier();
  for (var s = 0u; s < dims.T; s++) {
    enter(wid.z, s, dims.T, dims.D, B, H, G);
    let t = seq_here.t;
    let next = state_at(seq_here.write, b);
    let x = gate_row(t, b);
    let g = gru_gates_at(t, b);
    let exists = step_exists(t, b);
    for (var j = lid; j < H; j += WG) {
      if (!exists) {
        h[next + j] = hPrev[j];
        out[out_at(t, b) + j] = 0.0;
        gates[g + j] = 0.0;
        gates[g + H + j] = 0.0;
        gates[g + 2u * H + j] = 0.0;
        gates[g + 3u * H + j] = 0.0;
        continue;
      }
      var a = vec3f(params[bh + j], params[bh + H + j], params[bh + 2u * H + j]);
      for (var k = 0u; k < H; k++) {
        a += hPrev[k] * vec3f(params[w + j * H + k], params[w + (H + j) * H + k], params[w + (2u * H + j) * H + k]);
      }
      let r = sigmoid(xproj[x + j] + a.x);
      let z = sigmoid(xproj[x + H + j] + a.y);
      let n = tanh(clamp(xproj[x + 2u * H + j] + r * a.z, -15.0, 15.0));
      let hv = (1.0 - z) * n + z * hPrev[j];
      h[next + j] = hv;
      out[out_at(t, b) + j] = hv;
      gates[g + j] = r;
      gates[g + H + j] = z;
      gates[g + 2u * H + j] = n;
      gates[g + 3u * H + j] = a.z;
    }
    // Everyone has read h_{t-1}, and h_t is in storage (storageBarrier makes it visible to the workgroup).
    storageBarrier();
    workgroupBarrier();
    for (var j = lid; j < H; j += WG) { hPrev[j] = h[next + j]; }
    workgroupBarrier();
  }
}
