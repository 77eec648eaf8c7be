// One GRU time step for all batch rows (gru_cell.wgsl has the equations), the work split of the
// CPU adapters (as rnn_forward_step.wgsl): invocation j of workgroup (x, y) computes hidden unit
// x·WG + j for the ROWS batch rows y·ROWS..., so each W_hh value it loads serves ROWS rows, and
// h_{t-1}[b, k] is the same for the whole workgroup. The code pieces before this one:
// activations.wgsl, sequence_place.wgsl with lengths_binding.wgsl, gru_gates.wgsl, gru_cell.wgsl.
// ROWS, the batch rows per workgroup (1..8), is a module const (fixed per module, so its loops unroll).

@compute @workgroup_size(WG)
fn main(@builtin(workgroup_id) wid: vec3u, @builtin(local_invocation_index) lane: u32) {
  let B = step.B;
  let H = step.H;
  enter(wid.z, step.t, step.T, step.D, B, H, 3u * H);
  let j = wid.x * WG + lane;
  let jj = min(j, H - 1u);  // lanes past H compute a clamped copy and write nothing
  let b0 = wid.y * ROWS;
  // Row jj of W_hr; W_hz and W_hn follow H·H floats apart.
  let w = step.offWhh + seq_dir * step.whhStride + jj * H;
  let bh = step.offBhh + seq_dir * 3u * H;
  var a: array<vec3f, ROWS>;
  for (var r = 0u; r < ROWS; r++) { a[r] = vec3f(params[bh + jj], params[bh + H + jj], params[bh + 2u * H + jj]); }
  for (var k = 0u; k < H; k++) {
    let wk = vec3f(params[w + k], params[w + H * H + k], params[w + 2u * H * H + k]);
    for (var r = 0u; r < ROWS; r++) {
      a[r] = fma(vec3f(h[state_at(seq_here.read, min(b0 + r, B - 1u)) + k]), wk, a[r]);
    }
  }
  if (j >= H) { return; }
  // A loop bound known only at run time keeps the tail from being unrolled ROWS times (compile time).
  for (var r = 0u; r < min(ROWS, B - b0); r++) { gru_cell_update(seq_here.t, b0 + r, j, a[r]); }
}
