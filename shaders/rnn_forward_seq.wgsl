// The whole vanilla-RNN sequence for one layer in ONE dispatch (persistent strategy): each workgroup
// owns one batch row and loops over time with h_{t-1} in workgroup memory.
//   h_t = cell_act(xproj_t + b_hh + W_hh·h_{t-1})      (same outputs as rnn_forward_step.wgsl)
// Legend: B batch, T time, H hidden.

override WG: u32 = 64u;
override MAX_H: u32 = 1024u;

struct Dims {
  T: u32,
  B: u32,
  H: u32,
  offWhh: u32,
  offBhh: u32,
  _p0: u32, _p1: u32, _p2: u32,
}

@group(0) @binding(0) var<storage, read_write> h: array<f32>;  // [T+1,B,H]
@group(0) @binding(1) var<storage, read> xproj: array<f32>;    // [T,B,H]
@group(0) @binding(2) var<storage, read> params: array<f32>;
@group(0) @binding(3) var<uniform> dims: Dims;

var<workgroup> hPrev: array<f32, MAX_H>;

@compute @workgroup_size(WG)
fn main(@builtin(workgroup_id) wid: vec3u, @builtin(local_invocation_index) lid: u32) {
  let b = wid.x;
  let B = dims.B;
  let H = dims.H;
  for (var j = lid; j < H; j += WG) { hPrev[j] = h[b * H + j]; }
  workgroupBarrier();
  for (var t = 0u; t < dims.T; t++) {
    let row = (t * B + b) * H;
    let next = ((t + 1u) * B + b) * H;
    for (var j = lid; j < H; j += WG) {
      var a = xproj[row + j] + params[dims.offBhh + j];
      for (var k = 0u; k < H; k++) {
        a += params[dims.offWhh + j * H + k] * hPrev[k];
      }
      h[next + j] = cell_act(a);
    }
    storageBarrier();
    workgroupBarrier();
    for (var j = lid; j < H; j += WG) { hPrev[j] = h[next + j]; }
    workgroupBarrier();
  }
}
