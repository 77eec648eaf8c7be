// Adam (torch.optim.Adam 1.13, amsgrad off) over the flat parameter buffer, with the clipping fused
// in. Per element i, when status.applied (otherwise nothing is written at all):
//   g = clamp(grads[i] · clipCoef, ±clipValue)     clamp only with HAS_CLIP_VALUE
//   d = g + weightDecay·p                           L2 penalty, not AdamW
//   m = β1·m + (1 − β1)·d ;  v = β2·v + (1 − β2)·d²
//   p = p − (lr / bc1) · m / (√v / √bc2 + ε)        ε after the bias correction
// with bc = 1 − β^t and t = status.step (already counting this step).

// Bindings, uniform struct and override constants: declared by its kernel description in src/kernels/optimizers.ts.

// eˣ − 1 without the cancellation of exp(x) − 1 near 0 (WGSL has no expm1): 1 − β2^t for
// β2 = 0.999, t = 1 would otherwise lose about half its digits.
fn expm1(x: f32) -> f32 {
  if (abs(x) < 0.5) {
    var term = x;
    var sum = x;
    for (var k = 2.0; k <= 12.0; k += 1.0) {
      term *= x / k;
      sum += term;
    }
    return sum;
  }
  return exp(x) - 1.0;
}

@compute @workgroup_size(WG)
fn main(@builtin(global_invocation_id) gid: vec3u, @builtin(num_workgroups) groups: vec3u) {
  if (status.applied == 0u) { return; }
  let t = f32(status.step);
  let stepSize = hyper.lr / -expm1(t * hyper.logBeta1);
  let bc2Sqrt = sqrt(-expm1(t * hyper.logBeta2));
  let coef = status.clipCoef;
  let stride = groups.x * WG;
  for (var i = gid.x; i < hyper.count; i += stride) {
    var g = grads[i] * coef;
    if (HAS_CLIP_VALUE == 1u) { g = clamp(g, -hyper.clipValue, hyper.clipValue); }
    let p = params[i];
    let d = g + hyper.weightDecay * p;
    let m = hyper.beta1 * expAvg[i] + hyper.oneMinusBeta1 * d;
    let v = hyper.beta2 * expAvgSq[i] + hyper.oneMinusBeta2 * (d * d);
    expAvg[i] = m;
    expAvgSq[i] = v;
    params[i] = p - stepSize * (m / (sqrt(v) / bc2Sqrt + hyper.eps));
  }
}
