// One LSTM time step for all batch rows, for GPUs: the same math as lstm_forward_step.wgsl
//   a = xproj_t + b_hh + W_hh·h_{t-1};  i,f,o = σ(a_i,a_f,a_o);  g = φ(a_g)
//   s_t = f ⊙ s_{t-1} + i ⊙ g;  h_t = o ⊙ ψ(s_t)
// Legend: B batch, T time, H hidden; gate order i, f, g, o (rows [0,H) i, [H,2H) f, [2H,3H) g, [3H,4H) o).
// Work split: workgroup (x, y) computes the UNITS hidden units from x·UNITS for batch row y, so a
// step has ⌈H/UNITS⌉·B workgroups (a GPU fills up even at B = 1). Its WG lanes split the inner
// dimension k: lane l reads W_hh[r, 4l .. 4l+3], then the next 4·WG columns, so a warp reads whole
// consecutive stretches of each W_hh row and of h_{t-1} (coalesced), where one lane per unit would
// read rows H floats apart. The 4·UNITS partial sums per lane are then added in workgroup memory
// in a fixed order (deterministic), and the first UNITS lanes finish their unit's cell update.
// The code pieces before this one: activations.wgsl, the addressing of directions, state slots and
// lengths (sequence_place.wgsl: workgroup z is the direction, step.t the step index), the weights
// (weight, weight4: weights_*.wgsl) and the cell update (lstm_cell_update.wgsl).

// partials[l][q]: lane l's partial sum of gate row q = gate·UNITS + u (lanes q read consecutive
// words when they add them up); totals[q]: their sum.
var<workgroup> partials: array<array<f32, 16>, WG>;
var<workgroup> totals: array<f32, 16>;

@compute @workgroup_size(WG)
fn main(@builtin(workgroup_id) wid: vec3u, @builtin(local_invocation_index) lane: u32) {
  let B = step.B;
  let H = step.H;
  enter(wid.z, step.t, step.T, step.D, B, H, 4u * H);
  project_to(step.R);  // h is R wide (R = H without a projection): W_hh [4H,R]
  let R = step.R;
  let t = seq_here.t;
  let b = wid.y;
  let j0 = wid.x * UNITS;
  let hPrev = h_at(seq_here.read, b);  // h_{t-1} of row b
  // The W_hh row of gate g, unit j0 + u (units past H read row j0's: never written).
  var rows: array<u32, 16>;
  for (var q = 0u; q < 4u * UNITS; q++) {
    let u = q % UNITS;
    let j = select(j0, j0 + u, j0 + u < H);
    rows[q] = step.offWhh + seq_dir * step.whhStride + ((q / UNITS) * H + j) * R;
  }
  var acc: array<f32, 16>;
  let R4 = R - R % 4u;
  for (var k = 4u * lane; k < R4; k += 4u * WG) {
    let hv = vec4f(h[hPrev + k], h[hPrev + k + 1u], h[hPrev + k + 2u], h[hPrev + k + 3u]);
    for (var q = 0u; q < 4u * UNITS; q++) { acc[q] += dot(weight4(rows[q] + k), hv); }
  }
  for (var k = R4 + lane; k < R; k += WG) {  // the last R % 4 columns
    let hk = h[hPrev + k];
    for (var q = 0u; q < 4u * UNITS; q++) { acc[q] = fma(weight(rows[q] + k), hk, acc[q]); }
  }
  for (var q = 0u; q < 4u * UNITS; q++) { partials[lane][q] = acc[q]; }
  // Two barriers, not a tree of six: each costs a coroutine split on CPU adapters (lavapipe), whose
  // shader compile time grows with them, and a GPU adds WG numbers in a few hundred cycles.
  workgroupBarrier();
  if (lane < 4u * UNITS) {
    var total = 0.0;
    for (var l = 0u; l < WG; l++) { total += partials[l][lane]; }
    totals[lane] = total;
  }
  workgroupBarrier();
  let j = j0 + lane;
  if (lane >= UNITS || j >= H) { return; }
  let xrow = gate_row(t, b);
  let bh = step.offBhh + seq_dir * 4u * H;
  let bias = vec4f(weight(bh + j), weight(bh + H + j), weight(bh + 2u * H + j), weight(bh + 3u * H + j));
  let x = vec4f(f32(xproj[xrow + j]), f32(xproj[xrow + H + j]), f32(xproj[xrow + 2u * H + j]), f32(xproj[xrow + 3u * H + j]));
  lstm_cell_update(x + bias + vec4f(totals[lane], totals[UNITS + lane], totals[2u * UNITS + lane], totals[3u * UNITS + lane]), t, b, j);
}
