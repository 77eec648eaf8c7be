// One LSTM time step for all batch rows: the recurrent product for all four gates in one pass
// over W_hh, plus the precomputed input projection (which already holds b_ih) and b_hh, then
// the activations, the cell update and the hidden update. Gate activations are kept for backward.
// Legend: B batch, T time, H hidden; gate order i, f, g, o (rows [0,H) i, [H,2H) f, [2H,3H) g, [3H,4H) o).
//   a = xproj_t + b_hh + W_hh·h_{t-1};  i,f,o = σ(a_i,a_f,a_o);  g = φ(a_g)
//   s_t = f ⊙ s_{t-1} + i ⊙ g;  h_t = o ⊙ ψ(s_t)        (φ = ψ = tanh, or σ when ACT_SIGMOID)

override WG: u32 = 64u;

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

@compute @workgroup_size(WG)
fn main(@builtin(global_invocation_id) gid: vec3u) {
  let B = step.B;
  let H = step.H;
  if (gid.x >= B * H) { return; }
  let b = gid.x / H;
  let j = gid.x % H;
  let t = step.t;
  let G = 4u * H;
  let xrow = (t * B + b) * G;
  var a = vec4f(xproj[xrow + j], xproj[xrow + H + j], xproj[xrow + 2u * H + j], xproj[xrow + 3u * H + j]);
  let bh = step.offBhh;
  a += vec4f(params[bh + j], params[bh + H + j], params[bh + 2u * H + j], params[bh + 3u * H + j]);
  let hPrev = (t * B + b) * H;
  let w = step.offWhh;
  for (var k = 0u; k < H; k++) {
    let hk = h[hPrev + k];
    a += hk * vec4f(params[w + j * H + k], params[w + (H + j) * H + k], params[w + (2u * H + j) * H + k], params[w + (3u * H + j) * H + k]);
  }
  let ig = sigmoid(a.x);
  let fg = sigmoid(a.y);
  let gg = cell_act(a.z);
  let og = sigmoid(a.w);
  let sPrev = c[hPrev + j];
  let s = fg * sPrev + ig * gg;
  let next = ((t + 1u) * B + b) * H + j;
  c[next] = s;
  h[next] = og * cell_act(s);
  gates[xrow + j] = ig;
  gates[xrow + H + j] = fg;
  gates[xrow + 2u * H + j] = gg;
  gates[xrow + 3u * H + j] = og;
}
