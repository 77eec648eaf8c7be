// Softmax cross-entropy with integer targets and a per-row mask, in one workgroup:
//   loss_r = logsumexp(z_r) − z_r[y_r]  (computed as log Σ exp(z − max) + max, so large logits do not overflow)
//   loss = (1/n) Σ m_r loss_r,  dz_r = m_r (softmax(z_r) − onehot(y_r)) / n,  n = Σ m_r.
// It also writes the accuracy, (1/n) Σ m_r [argmax z_r = y_r] (the first index of the maximum), after the loss.
// Legend: N rows, C classes.

// Bindings, uniform struct and override constants: declared by its kernel description in src/kernels/losses.ts.

fn weight(r: u32) -> f32 {
  if (HAS_MASK == 1u) { return mask[r]; }
  return 1.0;
}

struct RowStats { lse: f32, argmax: u32 }

fn row_stats(row: u32) -> RowStats {
  var mx = logits[row];
  var arg = 0u;
  for (var k = 1u; k < dims.C; k++) {
    if (logits[row + k] > mx) { mx = logits[row + k]; arg = k; }
  }
  var z = 0.0;
  for (var k = 0u; k < dims.C; k++) { z += exp(logits[row + k] - mx); }
  return RowStats(log(z) + mx, arg);
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
  var correct = 0.0;
  for (var r = lid; r < dims.N; r += WG) {
    let row = dims.offLogits + r * dims.C;
    let m = weight(r);
    let stats = row_stats(row);
    let lse = stats.lse;
    let y = u32(targets[r]);
    sum += m * (lse - logits[row + y]);
    correct += select(0.0, m, stats.argmax == y);
    for (var k = 0u; k < dims.C; k++) {
      let p = exp(logits[row + k] - lse);
      dlogits[r * dims.C + k] = m * inv * (p - select(0.0, 1.0, k == y));
    }
  }
  // The second reduction sums the loss and the correct rows (counted is free again).
  partial[lid] = sum;
  counted[lid] = correct;
  reduce(lid);
  if (lid == 0u) {
    lossOut[dims.offLoss] = partial[0] * inv;
    lossOut[dims.offLoss + 1u] = counted[0] * inv;
  }
}
