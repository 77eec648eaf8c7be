// Softmax cross-entropy with integer targets and a per-row mask, in one workgroup:
//   loss_r = logsumexp(z_r) − z_r[y_r]  (computed as log Σ exp(z − max) + max, so large logits do not overflow)
//   loss = (1/n) Σ m_r loss_r,  dz_r = m_r (softmax(z_r) − onehot(y_r)) / n,  n = Σ m_r.
// Legend: N rows, C classes.

// Bindings, uniform struct and override constants: declared by its kernel description in src/kernels/losses.ts.

fn weight(r: u32) -> f32 {
  if (HAS_MASK == 1u) { return mask[r]; }
  return 1.0;
}

fn log_sum_exp(row: u32) -> f32 {
  var mx = logits[row];
  for (var k = 1u; k < dims.C; k++) { mx = max(mx, logits[row + k]); }
  var z = 0.0;
  for (var k = 0u; k < dims.C; k++) { z += exp(logits[row + k] - mx); }
  return log(z) + mx;
}

@compute @workgroup_size(WG)
fn main(@builtin(local_invocation_index) lid: u32) {
  var n = 0.0;
  for (var r = lid; r < dims.N; r += WG) { n += weight(r); }
  counted[lid] = n;
  partial[lid] = 0.0;
  reduce(lid);
  let total = counted[0];
  let inv = select(0.0, 1.0 / total, total > 0.0);
  workgroupBarrier();

  var sum = 0.0;
  for (var r = lid; r < dims.N; r += WG) {
    let row = dims.offLogits + r * dims.C;
    let m = weight(r);
    let lse = log_sum_exp(row);
    let y = u32(targets[r]);
    sum += m * (lse - logits[row + y]);
    for (var k = 0u; k < dims.C; k++) {
      let p = exp(logits[row + k] - lse);
      dlogits[r * dims.C + k] = m * inv * (p - select(0.0, 1.0, k == y));
    }
  }
  partial[lid] = sum;
  counted[lid] = 0.0;
  reduce(lid);
  if (lid == 0u) {
    lossOut[dims.offLoss] = partial[0] * inv;
  }
}
