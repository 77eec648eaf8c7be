// Per-step gradient-flow statistics of one layer, one invocation per time step t (a deterministic
// reduction over the B·H elements of that step). Output record per t (STATS_STRIDE floats):
//   0 ‖dL/ds_t‖₂ (LSTM; the RNN has no cell, so ‖dL/dh_t‖₂ again)   1 ‖dL/dh_t‖₂
//   2 mean f_t                     3 mean Π_{t'=t+1}^{T-1} f_t'   4 max |o_{T-1} ψ'(s_{T-1}) Π f|  (direct-path term's 2-norm)
//   5 ‖D(act'(h_t))·W_hh‖_F averaged over the batch (RNN per-step Jacobian norm)   6, 7 unused
// and per sample: samples[(t·B + b)·2 + {0,1}] = ‖dL/ds_t[b]‖₂, ‖dL/dh_t[b]‖₂.

override WG: u32 = 64u;
override IS_LSTM: u32 = 1u;
const STATS_STRIDE: u32 = 8u;

struct Dims {
  T: u32,
  B: u32,
  H: u32,
  offWhh: u32,
  offStats: u32,   // this layer's records inside `stats`
  offSamples: u32, // this layer's per-sample norms inside `samples`
  _p0: u32, _p1: u32,
}

// Records and per-sample norms share one output buffer (one read-back brings both).
@group(0) @binding(0) var<storage, read_write> results: array<f32>;
@group(0) @binding(1) var<storage, read> ds: array<f32>;       // [T,B,H] (RNN: dhTotal)
@group(0) @binding(2) var<storage, read> dhTotal: array<f32>;  // [T,B,H]
@group(0) @binding(3) var<storage, read> gates: array<f32>;    // LSTM [T,B,4H]; RNN: h [T+1,B,H]
@group(0) @binding(4) var<storage, read> prod: array<f32>;     // LSTM [T,B,H] forget products
@group(0) @binding(5) var<storage, read> direct: array<f32>;   // LSTM [T,B,H] direct-path diagonal
@group(0) @binding(6) var<storage, read> params: array<f32>;
@group(0) @binding(7) var<uniform> dims: Dims;

@compute @workgroup_size(WG)
fn main(@builtin(global_invocation_id) gid: vec3u) {
  let t = gid.x;
  let T = dims.T;
  let B = dims.B;
  let H = dims.H;
  if (t >= T) { return; }
  var sumS = 0.0;
  var sumH = 0.0;
  var sumF = 0.0;
  var sumP = 0.0;
  var maxD = 0.0;
  var jac = 0.0;
  for (var b = 0u; b < B; b++) {
    var sampleS = 0.0;
    var sampleH = 0.0;
    var sampleJ = 0.0;
    for (var j = 0u; j < H; j++) {
      let e = (t * B + b) * H + j;
      sampleS += ds[e] * ds[e];
      sampleH += dhTotal[e] * dhTotal[e];
      if (IS_LSTM == 1u) {
        sumF += gates[(t * B + b) * 4u * H + H + j];
        sumP += prod[e];
        maxD = max(maxD, abs(direct[e]));
      } else {
        // ‖D(a')W‖_F² = Σ_j a'_j² Σ_k W_jk²
        var row = 0.0;
        for (var k = 0u; k < H; k++) {
          let w = params[dims.offWhh + j * H + k];
          row += w * w;
        }
        let a = cell_act_grad(gates[((t + 1u) * B + b) * H + j]);
        sampleJ += a * a * row;
      }
    }
    results[dims.offSamples + (t * B + b) * 2u] = sqrt(sampleS);
    results[dims.offSamples + (t * B + b) * 2u + 1u] = sqrt(sampleH);
    sumS += sampleS;
    sumH += sampleH;
    jac += sqrt(sampleJ);
  }
  let o = dims.offStats + t * STATS_STRIDE;
  let n = f32(B * H);
  results[o] = sqrt(sumS);
  results[o + 1u] = sqrt(sumH);
  results[o + 2u] = sumF / n;
  results[o + 3u] = sumP / n;
  results[o + 4u] = maxD;
  results[o + 5u] = jac / f32(B);
  results[o + 6u] = 0.0;
  results[o + 7u] = 0.0;
}
