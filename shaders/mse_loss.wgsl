// Mean squared error and its gradient, in one workgroup (a deterministic reduction order):
//   loss = (1/n) Σ m (pred − target)²,  dpred = (2/n) m (pred − target),  n = Σ m (all elements without a mask).
// With nothing counted the loss and gradient are 0.

// Bindings, uniform struct and override constants: declared by its kernel description in src/kernels/losses.ts.

fn weight(k: u32) -> f32 {
  if (HAS_MASK == 1u) { return mask[k]; }
  return 1.0;
}

@compute @workgroup_size(WG)
fn main(@builtin(local_invocation_index) lid: u32) {
  var sum = 0.0;
  var n = 0.0;
  for (var k = lid; k < dims.count; k += WG) {
    let d = pred[dims.offPred + k] - targets[k];
    let m = weight(k);
    sum += m * d * d;
    n += m;
  }
  partial[lid] = sum;
  counted[lid] = n;
  reduce(lid);
  let total = counted[0];
  let scale = select(0.0, 2.0 / total, total > 0.0);
  for (var k = lid; k < dims.count; k += WG) {
    dpred[k] = scale * weight(k) * (pred[dims.offPred + k] - targets[k]);
  }
  if (lid == 0u) {
    lossOut[dims.offLoss] = select(0.0, partial[0] / total, total > 0.0);
  }
}
