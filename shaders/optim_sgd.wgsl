// SGD (torch.optim.SGD 1.13) over the flat parameter buffer, with the clipping fused in.
// Per element i, when status.applied (otherwise nothing is written at all):
//   g = clamp(grads[i] · clipCoef, ±clipValue)     clamp only with HAS_CLIP_VALUE
//   d = g + weightDecay·p
//   buf = d                                         at t = 1 (torch clones d, no dampening)
//   buf = momentum·buf + (1 − dampening)·d          at t > 1
//   d = d + momentum·buf (NESTEROV)  or  d = buf    (momentum only with HAS_MOMENTUM)
//   p = p − lr·d
// with t = status.step (already counting this step).

// Bindings, uniform struct and override constants: declared by its kernel description in src/kernels/optimizers.ts.

@compute @workgroup_size(WG)
fn main(@builtin(global_invocation_id) gid: vec3u, @builtin(num_workgroups) groups: vec3u) {
  if (status.applied == 0u) { return; }
  let first = status.step == 1u;
  let coef = status.clipCoef;
  let stride = groups.x * WG;
  for (var i = gid.x; i < hyper.count; i += stride) {
    var g = grads[i] * coef;
    if (HAS_CLIP_VALUE == 1u) { g = clamp(g, -hyper.clipValue, hyper.clipValue); }
    let p = params[i];
    var d = g + hyper.weightDecay * p;
    if (HAS_MOMENTUM == 1u) {
      let buf = select(hyper.momentum * momentumBuffer[i] + hyper.oneMinusDampening * d, d, first);
      momentumBuffer[i] = buf;
      d = select(buf, d + hyper.momentum * buf, NESTEROV == 1u);
    }
    params[i] = p - hyper.lr * d;
  }
}
