// One LSTM time step for all batch rows: the recurrent product for all four gates in one pass
// over W_hh, plus the precomputed input projection (which already holds b_ih) and b_hh, then
// the activations, the cell update and the hidden update. Gate activations are kept for backward.
// Legend: B batch, T time, H hidden; gate order i, f, g, o (rows [0,H) i, [H,2H) f, [2H,3H) g, [3H,4H) o).
//   a = xproj_t + b_hh + W_hh·h_{t-1};  i,f,o = σ(a_i,a_f,a_o);  g = φ(a_g)
//   s_t = f ⊙ s_{t-1} + i ⊙ g;  h_t = o ⊙ ψ(s_t)        (φ = ψ = tanh, or σ when ACT_SIGMOID)
// Invocation j of workgroup (x, y) computes hidden unit x·WG + j for the ROWS batch rows y·ROWS...:
// each W_hh value it loads serves ROWS rows, and h_{t-1}[b, k] is the same for the whole workgroup
// (shared through subgroups on CPU adapters, a broadcast on GPUs).

override WG: u32 = 64u;
override ROWS: u32 = 1u;  // batch rows per workgroup, 1..32

struct Step {
  t: u32,        // time step
  B: u32,
  H: u32,
  offWhh: u32,   // W_hh [4H,H] inside params
  offBhh: u32,   // b_hh [4H] inside params
  _p0: u32, _p1: u32, _p2: u32,
}

@group(0) @binding(0) var<storage, read_write> gates: array<f32>;  // [T,B,4H] activated i, f, g, o
@group(0) @binding(1) var<storage, read_write> c: array<f32>;      // [T+1,B,H], slot 0 = s_{-1}
@group(0) @binding(2) var<storage, read_write> h: array<f32>;      // [T+1,B,H], slot 0 = h_{-1}
@group(0) @binding(3) var<storage, read> xproj: array<f32>;        // [T,B,4H] = x·W_ihᵀ + b_ih
@group(0) @binding(4) var<storage, read> params: array<f32>;
@group(0) @binding(5) var<uniform> step: Step;

// Pre-activations of the 4 gates of unit j for rows b0..b0+ROWS-1 start from xproj + b_hh.
fn start(a: ptr<function, array<vec4f, 32>>, b0: u32, j: u32) {
  let B = step.B;
  let H = step.H;
  let bh = step.offBhh;
  let bias = vec4f(params[bh + j], params[bh + H + j], params[bh + 2u * H + j], params[bh + 3u * H + j]);
  for (var r = 0u; r < ROWS; r++) {
    let xrow = (step.t * B + min(b0 + r, B - 1u)) * 4u * H;
    (*a)[r] = bias + vec4f(xproj[xrow + j], xproj[xrow + H + j], xproj[xrow + 2u * H + j], xproj[xrow + 3u * H + j]);
  }
}

// The activations, the cell update and the hidden update of unit j, rows b0..b0+ROWS-1.
fn finish(a: ptr<function, array<vec4f, 32>>, b0: u32, j: u32) {
  let B = step.B;
  let H = step.H;
  let t = step.t;
  // A loop bound known only at run time keeps this tail from being unrolled ROWS times (compile time).
  for (var r = 0u; r < min(ROWS, B - b0); r++) {
    let b = b0 + r;
    let ig = sigmoid((*a)[r].x);
    let fg = sigmoid((*a)[r].y);
    let gg = cell_act((*a)[r].z);
    let og = sigmoid((*a)[r].w);
    let prev = (t * B + b) * H + j;
    let s = fg * c[prev] + ig * gg;
    let next = ((t + 1u) * B + b) * H + j;
    c[next] = s;
    h[next] = og * cell_act(s);
    let xrow = (t * B + b) * 4u * H;
    gates[xrow + j] = ig;
    gates[xrow + H + j] = fg;
    gates[xrow + 2u * H + j] = gg;
    gates[xrow + 3u * H + j] = og;
  }
}

@compute @workgroup_size(WG)
fn main(@builtin(workgroup_id) wid: vec3u, @builtin(local_invocation_index) lane: u32) {
  let B = step.B;
  let H = step.H;
  let t = step.t;
  let subLane = share_lane();
  let j = wid.x * WG + lane;
  let jj = min(j, H - 1u);  // lanes past H compute a clamped copy and write nothing
  let b0 = wid.y * ROWS;
  var a: array<vec4f, 32>;
  start(&a, b0, jj);
  let w = step.offWhh;
  for (var k = 0u; k < H; k++) {
    let wk = vec4f(params[w + jj * H + k], params[w + (H + jj) * H + k], params[w + (2u * H + jj) * H + k], params[w + (3u * H + jj) * H + k]);
    // h_{t-1}[b, k] of the rows: one load per lane per 8 rows, handed out by shuffles (SHARE_ROWS),
    // or one load per row.
    var mine = vec4f(0.0);
    if (SHARE_ROWS) {
      mine.x = h[(t * B + min(b0 + subLane, B - 1u)) * H + k];
      if (ROWS > 8u) { mine.y = h[(t * B + min(b0 + 8u + subLane, B - 1u)) * H + k]; }
      if (ROWS > 16u) { mine.z = h[(t * B + min(b0 + 16u + subLane, B - 1u)) * H + k]; }
      if (ROWS > 24u) { mine.w = h[(t * B + min(b0 + 24u + subLane, B - 1u)) * H + k]; }
    }
    for (var r = 0u; r < ROWS; r++) {
      var hv: f32;
      if (SHARE_ROWS) { hv = shared_row(mine, r); } else { hv = h[(t * B + min(b0 + r, B - 1u)) * H + k]; }
      a[r] = fma(vec4f(hv), wk, a[r]);
    }
  }
  if (j < H) { finish(&a, b0, j); }
}
