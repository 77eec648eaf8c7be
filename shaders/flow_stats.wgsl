// Per-step gradient-flow statistics of one layer and direction (workgroup z; places:
// sequence_place.wgsl), one invocation per time step t (a deterministic reduction over the B·H
// elements of that step); "last" is the last step in the direction's forward order. GATED: the LSTM's
// forget gate or the GRU's update gate (both at rows [H, 2H) of the 4H gate records) and their
// products; otherwise (the RNN) the per-step Jacobian norm. Output record per t (STATS_STRIDE floats):
//   0 ‖dL/ds_t‖₂ (LSTM; the RNN has no cell, so ‖dL/dh_t‖₂ again)   1 ‖dL/dh_t‖₂
//   2 mean f_t                     3 mean Π_{t'=t+1}^{T-1} f_t'   4 max |o_{T-1} ψ'(s_{T-1}) Π f|  (direct-path term's 2-norm)
//   5 ‖D(act'(h_t))·W_hh‖_F averaged over the batch (RNN per-step Jacobian norm)   6, 7 unused
// and per sample: samples[(t·B + b)·2 + {0,1}] = ‖dL/ds_t[b]‖₂, ‖dL/dh_t[b]‖₂.

// Bindings, uniform struct and override constants: declared by its kernel description in src/diagnostics/gradientFlow.ts.

// Records and per-sample norms share one output buffer (one read-back brings both).

@compute @workgroup_size(WG)
fn main(@builtin(global_invocation_id) gid: vec3u) {
  let t = gid.x;
  let T = dims.T;
  let B = dims.B;
  let H = dims.H;
  enter(gid.z, 0u, T, dims.D, B, H, select(H, 4u * H, GATED == 1u));
  if (t >= T) { return; }
  let written = at_time(t).write;
  let offWhh = dims.offWhh + gid.z * dims.whhStride;
  let offStats = dims.offStats + gid.z * T * STATS_STRIDE;
  let offSamples = dims.offSamples + gid.z * T * B * 2u;
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
      let e = diag_at(t, b) + j;
      sampleS += ds[e] * ds[e];
      sampleH += dhTotal[e] * dhTotal[e];
      if (GATED == 1u) {
        sumF += gates[gate_row(t, b) + H + j];
        sumP += prod[e];
        maxD = max(maxD, abs(direct[e]));
      } else {
        // ‖D(a')W‖_F² = Σ_j a'_j² Σ_k W_jk²
        var row = 0.0;
        for (var k = 0u; k < H; k++) {
          let w = params[offWhh + j * H + k];
          row += w * w;
        }
        let a = cell_act_grad(gates[state_at(written, b) + j]);  // the RNN binds h here
        sampleJ += a * a * row;
      }
    }
    results[offSamples + (t * B + b) * 2u] = sqrt(sampleS);
    results[offSamples + (t * B + b) * 2u + 1u] = sqrt(sampleH);
    sumS += sampleS;
    sumH += sampleH;
    jac += sqrt(sampleJ);
  }
  let o = offStats + t * STATS_STRIDE;
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
