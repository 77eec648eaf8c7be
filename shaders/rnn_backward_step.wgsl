// One vanilla-RNN step of backpropagation through time, for all batch rows:
//   dh_t = dH_t [+ dh_N at t = T-1] + W_hhᵀ·da_{t+1};   da_t = dh_t ⊙ act'(h_t)
// ∂h_t/∂h_{t-1} = D(act'(h_t))·W_hh is not diagonal: this is why RNN gradients vanish or explode.
// The FINAL pass (after t = 0) writes dh_{-1} = W_hhᵀ·da_0.
// Legend: B batch, T time, H hidden.

override WG: u32 = 64u;

struct Step {
  t: u32,
  T: u32,
  B: u32,
  H: u32,
  offWhh: u32,
  offStateGrad: u32,
  isFinal: u32,
  _p0: u32,
}

@group(0) @binding(0) var<storage, read_write> da: array<f32>;      // [T,B,H]
@group(0) @binding(1) var<storage, read_write> dhTotal: array<f32>; // [T,B,H] total dL/dh_t
@group(0) @binding(2) var<storage, read_write> dh0: array<f32>;     // [L,B,H]
@group(0) @binding(3) var<storage, read> dH: array<f32>;            // [T,B,H]
@group(0) @binding(4) var<storage, read> dhN: array<f32>;           // [L,B,H]
@group(0) @binding(5) var<storage, read> h: array<f32>;             // [T+1,B,H]
@group(0) @binding(6) var<storage, read> params: array<f32>;
@group(0) @binding(7) var<uniform> step: Step;

fn recurrent_grad(t: u32, b: u32, j: u32) -> f32 {
  let B = step.B;
  let H = step.H;
  let row = (t * B + b) * H;
  var sum = 0.0;
  for (var r = 0u; r < H; r++) {
    sum += params[step.offWhh + r * H + j] * da[row + r];
  }
  return sum;
}

@compute @workgroup_size(WG)
fn main(@builtin(global_invocation_id) gid: vec3u) {
  let B = step.B;
  let H = step.H;
  if (gid.x >= B * H) { return; }
  let b = gid.x / H;
  let j = gid.x % H;
  let state = step.offStateGrad + b * H + j;
  if (step.isFinal == 1u) {
    dh0[state] = recurrent_grad(0u, b, j);
    return;
  }
  let t = step.t;
  let bh = (t * B + b) * H + j;
  var dh = dH[bh];
  if (t == step.T - 1u) {
    dh += dhN[state];
  } else {
    dh += recurrent_grad(t + 1u, b, j);
  }
  dhTotal[bh] = dh;
  da[bh] = dh * cell_act_grad(h[((t + 1u) * B + b) * H + j]);
}
