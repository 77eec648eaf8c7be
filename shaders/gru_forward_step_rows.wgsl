// One GRU time step for all batch rows (gru_cell.wgsl has the equations), the work split of the
// CPU adapters (as lstm_forward_step.wgsl): invocation j of workgroup (x, y) computes hidden unit
// x·WG + j for the ROWS batch rows y·ROWS..., so each W_hh value it loads serves ROWS rows, and
// h_{t-1}[b, k] is the same for the whole workgroup (shared through subgroups: h_rows.wgsl). The
// code pieces before this one: activations.wgsl, sequence_place.wgsl with lengths_binding.wgsl,
// row sharing (row_sharing_*.wgsl, h_rows.wgsl), the weights (weight, weight4: weights_*.wgsl),
// gru_gates.wgsl, gru_cell.wgsl.
// ROWS, the batch rows per workgroup (1..32), is a module const (fixed per module, so its loops unroll).

@compute @workgroup_size(WG)
fn main(@builtin(workgroup_id) wid: vec3u, @builtin(local_invocation_index) lane: u32) {
  let B = step.B;
  let H = step.H;
  enter(wid.z, step.t, step.T, step.D, B, H, 3u * H);
  let subLane = share_lane();
  let j = wid.x * WG + lane;
  let jj = min(j, H - 1u);  // lanes past H compute a clamped copy and write nothing
  let b0 = wid.y * ROWS;
  // The rows of W_hh for unit jj's three gates.
  let wr = step.offWhh + seq_dir * step.whhStride + jj * H;
  let wz = wr + H * H;
  let wn = wz + H * H;
  let bh = step.offBhh + seq_dir * 3u * H;
  var a: array<vec3f, ROWS>;
  let bias = vec3f(weight(bh + jj), weight(bh + H + jj), weight(bh + 2u * H + jj));
  for (var r = 0u; r < ROWS; r++) { a[r] = bias; }
  // Four k per pass: three loads of W_hh (one per gate, four k each) and each a[r] updated once.
  let H4 = H - H % 4u;
  for (var k = 0u; k < H4; k += 4u) {
    let gr = weight4(wr + k);
    let gz = weight4(wz + k);
    let gn = weight4(wn + k);
    let w0 = vec3f(gr.x, gz.x, gn.x);
    let w1 = vec3f(gr.y, gz.y, gn.y);
    let w2 = vec3f(gr.z, gz.z, gn.z);
    let w3 = vec3f(gr.w, gz.w, gn.w);
    let m0 = h_mine(b0, subLane, k);
    let m1 = h_mine(b0, subLane, k + 1u);
    let m2 = h_mine(b0, subLane, k + 2u);
    let m3 = h_mine(b0, subLane, k + 3u);
    for (var r = 0u; r < ROWS; r++) {
      a[r] = fma(h_prev(m3, b0, r, k + 3u).xyz, w3, fma(h_prev(m2, b0, r, k + 2u).xyz, w2,
             fma(h_prev(m1, b0, r, k + 1u).xyz, w1, fma(h_prev(m0, b0, r, k).xyz, w0, a[r]))));
    }
  }
  for (var k = H4; k < H; k++) {  // the last H % 4 k
    let wk = vec3f(weight(wr + k), weight(wz + k), weight(wn + k));
    let m = h_mine(b0, subLane, k);
    for (var r = 0u; r < ROWS; r++) { a[r] = fma(h_prev(m, b0, r, k).xyz, wk, a[r]); }
  }
  if (j >= H) { return; }
  // A loop bound known only at run time keeps the tail from being unrolled ROWS times (compile time).
  for (var r = 0u; r < min(ROWS, B - b0); r++) { gru_cell_update(seq_here.t, b0 + r, j, a[r]); }
}
