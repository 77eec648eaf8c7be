// One GRU time step for all batch rows (PyTorch's nn.GRU, "reset after"), the work split of
// lstm_forward_step_coalesced.wgsl: workgroup (x, b, d) computes the UNITS hidden units from x·UNITS
// of row b in direction d, its WG lanes splitting k so that a warp reads consecutive stretches of
// each W_hh row and of h_{t-1}; the partial sums are added in workgroup memory in a fixed order.
//   a_h = W_hh·h_{t-1} + b_hh      (rows r, z, n; xproj = W_ih·x + b_ih likewise)
//   r = σ(xproj_r + a_h,r)   z = σ(xproj_z + a_h,z)   n = tanh(xproj_n + r ⊙ a_h,n)
//   h_t = (1 − z) ⊙ n + z ⊙ h_{t-1}
// Stored for backward: gates [T,B,D·4H] = r, z, n, a_h,n. Places, directions and lengths:
// sequence_place.wgsl (a step past a row's length carries h over, outputs 0, stores zero gates).
// Legend: B batch, T time, H hidden. The code pieces before this one: sequence_place.wgsl with
// lengths_binding.wgsl.

var<workgroup> partials: array<array<f32, 12>, WG>;
var<workgroup> totals: array<f32, 12>;

// Row b's gate record at time t, this direction's: 4H floats r, z, n, a_h,n.
fn gru_gates_at(t: u32, b: u32) -> u32 { return (t * seq_B + b) * seq_D * 4u * seq_H + seq_dir * 4u * seq_H; }

@compute @workgroup_size(WG)
fn main(@builtin(workgroup_id) wid: vec3u, @builtin(local_invocation_index) lane: u32) {
  let B = step.B;
  let H = step.H;
  enter(wid.z, step.t, step.T, step.D, B, H, 3u * H);
  let t = seq_here.t;
  let b = wid.y;
  let j0 = wid.x * UNITS;
  let hPrev = state_at(seq_here.read, b);
  let w0 = step.offWhh + seq_dir * step.whhStride;
  var acc: array<f32, 12>;
  for (var k = lane; k < H; k += WG) {
    let hk = h[hPrev + k];
    for (var q = 0u; q < 3u * UNITS; q++) {
      let j = min(j0 + q % UNITS, H - 1u);  // units past H sum row H-1's: never written
      acc[q] = fma(params[w0 + ((q / UNITS) * H + j) * H + k], hk, acc[q]);
    }
  }
  for (var q = 0u; q < 3u * UNITS; q++) { partials[lane][q] = acc[q]; }
  workgroupBarrier();
  if (lane < 3u * UNITS) {
    var total = 0.0;
    for (var l = 0u; l < WG; l++) { total += partials[l][lane]; }
    totals[lane] = total;
  }
  workgroupBarrier();
  let j = j0 + lane;
  if (lane >= UNITS || j >= H) { return; }
  let next = state_at(seq_here.write, b) + j;
  let g = gru_gates_at(t, b);
  if (!step_exists(t, b)) {
    h[next] = h[hPrev + j];
    out[out_at(t, b) + j] = 0.0;
    gates[g + j] = 0.0;
    gates[g + H + j] = 0.0;
    gates[g + 2u * H + j] = 0.0;
    gates[g + 3u * H + j] = 0.0;
    return;
  }
  let x = gate_row(t, b);
  let bh = step.offBhh + seq_dir * 3u * H;
  let r = sigmoid(xproj[x + j] + totals[lane] + params[bh + j]);
  let z = sigmoid(xproj[x + H + j] + totals[UNITS + lane] + params[bh + H + j]);
  let ahn = totals[2u * UNITS + lane] + params[bh + 2u * H + j];
  let n = tanh(clamp(xproj[x + 2u * H + j] + r * ahn, -15.0, 15.0));
  let hv = (1.0 - z) * n + z * h[hPrev + j];
  h[next] = hv;
  out[out_at(t, b) + j] = hv;
  gates[g + j] = r;
  gates[g + H + j] = z;
  gates[g + 2u * H + j] = n;
  gates[g + 3u * H + j] = ahn;
}
