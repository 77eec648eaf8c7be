// One GRU time step for all batch rows (PyTorch's nn.GRU, "reset after"; gru_cell.wgsl has the
// equations), the work split of lstm_forward_step_coalesced.wgsl for GPUs: workgroup (x, b, d)
// computes the UNITS hidden units from x·UNITS of row b in direction d, its WG lanes splitting k so
// that a warp reads consecutive stretches of each W_hh row and of h_{t-1}; the partial sums are
// added in workgroup memory in a fixed order. The code pieces before this one: activations.wgsl,
// sequence_place.wgsl with lengths_binding.wgsl, gru_gates.wgsl, gru_cell.wgsl.

var<workgroup> partials: array<array<f32, 12>, WG>;
var<workgroup> totals: array<f32, 12>;

@compute @workgroup_size(WG)
fn main(@builtin(workgroup_id) wid: vec3u, @builtin(local_invocation_index) lane: u32) {
  let B = step.B;
  let H = step.H;
  enter(wid.z, step.t, step.T, step.D, B, H, 3u * H);
  let b = wid.y;
  let j0 = wid.x * UNITS;
  let hPrev = state_at(seq_here.read, b);
  let w0 = step.offWhh + seq_dir * step.whhStride;
  var acc: array<f32, 12>;
  for (var k = lane; k < H; k += WG) {
    let hk = h[hPrev + k];
    for (var q = 0u; q < 3u * UNITS; q++) {
      let j = min(j0 + q % UNITS, H - 1u);  // units past H sum row H-1's: never written
      acc[q] = fma(weight(w0 + ((q / UNITS) * H + j) * H + k), hk, acc[q]);
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
  let bh = step.offBhh + seq_dir * 3u * H;
  let a = vec3f(totals[lane], totals[UNITS + lane], totals[2u * UNITS + lane]) + vec3f(weight(bh + j), weight(bh + H + j), weight(bh + 2u * H + j));
  gru_cell_update(seq_here.t, b, j, a);
}
