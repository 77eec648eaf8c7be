// One LSTM time step for all batch rows: the recurrent product for all four gates in one pass
// over W_hh, plus the precomputed input projection (which already holds b_ih) and b_hh, then
// the activations, the cell update and the hidden update. Gate activations are kept for backward.
// Legend: B batch, T time, H hidden; gate order i, f, g, o (rows [0,H) i, [H,2H) f, [2H,3H) g, [3H,4H) o).
//   a = xproj_t + b_hh + W_hh·h_{t-1};  i,f,o = σ(a_i,a_f,a_o);  g = φ(a_g)
//   s_t = f ⊙ s_{t-1} + i ⊙ g;  h_t = o ⊙ ψ(s_t)        (φ = ψ = tanh, or σ when ACT_SIGMOID)
// Invocation j of workgroup (x, y) computes hidden unit x·WG + j for the ROWS batch rows y·ROWS...:
// each W_hh value it loads serves ROWS rows, and h_{t-1}[b, k] is the same for the whole workgroup
// (shared through subgroups on CPU adapters, a broadcast on GPUs). The code pieces before this one
// (src/kernels/recurrentSteps.ts, lstmForwardStep): activations.wgsl, the addressing of directions,
// state slots and lengths (sequence_place.wgsl: workgroup z is the direction, step.t the step index),
// row sharing (row_sharing_*.wgsl) with h_{t-1} of the row block (h_rows.wgsl) and the weights
// (weight, weight4: weights_*.wgsl).
// `gateflow shaders --out DIR` writes the whole module.

// Bindings, uniform struct and override constants: declared by its kernel description in src/kernels/recurrentSteps.ts.
// ROWS, the batch rows per workgroup (1..32), is a module const (fixed per module, so its loops unroll).


// Pre-activations of the 4 gates of unit j for rows b0..b0+ROWS-1 start from xproj + b_hh.
fn start(a: ptr<function, array<vec4f, ROWS>>, b0: u32, j: u32) {
  let B = step.B;
  let H = step.H;
  let bh = step.offBhh + seq_dir * 4u * H;
  let bias = vec4f(weight(bh + j), weight(bh + H + j), weight(bh + 2u * H + j), weight(bh + 3u * H + j));
  for (var r = 0u; r < ROWS; r++) {
    let xrow = gate_row(seq_here.t, min(b0 + r, B - 1u));
    (*a)[r] = bias + vec4f(f32(xproj[xrow + j]), f32(xproj[xrow + H + j]), f32(xproj[xrow + 2u * H + j]), f32(xproj[xrow + 3u * H + j]));
  }
}

// The activations, the cell update and the hidden update of unit j, rows b0..b0+ROWS-1.
fn finish(a: ptr<function, array<vec4f, ROWS>>, b0: u32, j: u32) {
  let B = step.B;
  let H = step.H;
  let t = seq_here.t;
  // A loop bound known only at run time keeps this tail from being unrolled ROWS times (compile time).
  for (var r = 0u; r < min(ROWS, B - b0); r++) {
    let b = b0 + r;
    lstm_cell_update((*a)[r], t, b, j);
  }
}

@compute @workgroup_size(WG)
fn main(@builtin(workgroup_id) wid: vec3u, @builtin(local_invocation_index) lane: u32) {
  let H = step.H;
  enter(wid.z, step.t, step.T, step.D, step.B, H, 4u * H);
  let subLane = share_lane();
  let j = wid.x * WG + lane;
  let jj = min(j, H - 1u);  // lanes past H compute a clamped copy and write nothing
  let b0 = wid.y * ROWS;
  var a: array<vec4f, ROWS>;
  start(&a, b0, jj);
  // The rows of W_hh for unit jj's four gates.
  let wi = step.offWhh + seq_dir * step.whhStride + jj * H;
  let wf = wi + H * H;
  let wg = wf + H * H;
  let wo = wg + H * H;
  // Four k per pass: four loads of W_hh (one per gate, four k each) and each a[r] updated once.
  // Lavapipe masks every store to a loop variable, so fewer updates per multiply-add pay (bench/NOTES.md, v8).
  let H4 = H - H % 4u;
  for (var k = 0u; k < H4; k += 4u) {
    let gi = weight4(wi + k);
    let gf = weight4(wf + k);
    let gg = weight4(wg + k);
    let go = weight4(wo + k);
    let w0 = vec4f(gi.x, gf.x, gg.x, go.x);
    let w1 = vec4f(gi.y, gf.y, gg.y, go.y);
    let w2 = vec4f(gi.z, gf.z, gg.z, go.z);
    let w3 = vec4f(gi.w, gf.w, gg.w, go.w);
    let m0 = h_mine(b0, subLane, k);
    let m1 = h_mine(b0, subLane, k + 1u);
    let m2 = h_mine(b0, subLane, k + 2u);
    let m3 = h_mine(b0, subLane, k + 3u);
    for (var r = 0u; r < ROWS; r++) {
      a[r] = fma(h_prev(m3, b0, r, k + 3u), w3, fma(h_prev(m2, b0, r, k + 2u), w2,
             fma(h_prev(m1, b0, r, k + 1u), w1, fma(h_prev(m0, b0, r, k), w0, a[r]))));
    }
  }
  for (var k = H4; k < H; k++) {  // the last H % 4 k
    let wk = vec4f(weight(wi + k), weight(wf + k), weight(wg + k), weight(wo + k));
    let m = h_mine(b0, subLane, k);
    for (var r = 0u; r < ROWS; r++) { a[r] = fma(h_prev(m, b0, r, k), wk, a[r]); }
  }
  if (j < H) { finish(&a, b0, j); }
}
