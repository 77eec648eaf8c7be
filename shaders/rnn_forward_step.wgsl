// One vanilla-RNN time step for all batch rows (torch.nn.RNN):
//   h_t = cell_act(xproj_t + b_hh + W_hh·h_{t-1}),  xproj_t = x_t·W_ihᵀ + b_ih,  act = tanh (or σ when ACT_SIGMOID).
// Legend: B batch, T time, H hidden.

override WG: u32 = 64u;

struct Step {
  t: u32,
  B: u32,
  H: u32,
  offWhh: u32,
  offBhh: u32,
  _p0: u32, _p1: u32, _p2: u32,
}

@group(0) @binding(0) var<storage, read_write> h: array<f32>;  // [T+1,B,H], slot 0 = h_{-1}
@group(0) @binding(1) var<storage, read> xproj: array<f32>;    // [T,B,H]
@group(0) @binding(2) var<storage, read> params: array<f32>;
@group(0) @binding(3) var<uniform> step: Step;

@compute @workgroup_size(WG)
fn main(@builtin(global_invocation_id) gid: vec3u) {
  let B = step.B;
  let H = step.H;
  if (gid.x >= B * H) { return; }
  let b = gid.x / H;
  let j = gid.x % H;
  let t = step.t;
  let prev = (t * B + b) * H;
  var a = xproj[prev + j] + params[step.offBhh + j];
  for (var k = 0u; k < H; k++) {
    a += params[step.offWhh + j * H + k] * h[prev + k];
  }
  h[((t + 1u) * B + b) * H + j] = cell_act(a);
}
