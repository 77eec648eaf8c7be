// Global gradient norm, stage 2 of 2 (one workgroup): sums the partials, then decides the step.
//   gradNorm = √(Σ partials)                      before clipping (torch's return value)
//   clipCoefRaw = clipNorm / (gradNorm + 1e-6)    torch 1.13, note the + 1e-6
//   clipCoef = min(clipCoefRaw, 1)                applied even when 1, as torch does
//   applied = gradNorm finite ∧ loss finite ∧ ¬(gradNorm > maxGradNorm)
// `step` counts applied updates only, so Adam's bias correction ignores skipped steps.

// Bindings, uniform struct and override constants: declared by its kernel description in src/kernels/gradNorm.ts.

var<workgroup> scratch: array<f32, WG>;

// Tested on the bits: compilers may assume floats are finite and fold `x != x` away.
fn isFinite(x: f32) -> bool {
  return (bitcast<u32>(x) & 0x7f800000u) != 0x7f800000u;
}

@compute @workgroup_size(WG)
fn main(@builtin(local_invocation_index) lid: u32) {
  scratch[lid] = select(0.0, partials[lid], lid < hyper.numGroups);
  for (var s = WG / 2u; s > 0u; s = s / 2u) {
    workgroupBarrier();
    if (lid < s) { scratch[lid] += scratch[lid + s]; }
  }
  if (lid != 0u) { return; }

  let norm = sqrt(scratch[0]);
  var flags = 0u;
  if (!isFinite(norm)) { flags |= SKIP_GRAD_NONFINITE; }
  var lossValue = 0.0;
  if (HAS_LOSS == 1u) {
    lossValue = loss[hyper.lossOffset];
    if (!isFinite(lossValue)) { flags |= SKIP_LOSS_NONFINITE; }
  }
  if (HAS_GUARD == 1u && flags == 0u && norm > hyper.maxGradNorm) { flags |= SKIP_OVER_MAX_NORM; }
  var coefRaw = 1.0;
  if (HAS_CLIP_NORM == 1u && flags == 0u) { coefRaw = hyper.clipNorm / (norm + 1e-6); }
  let applied = select(0u, 1u, flags == 0u);

  status.gradNorm = norm;
  status.clipCoef = min(coefRaw, 1.0);
  status.clipCoefRaw = coefRaw;
  status.loss = lossValue;
  status.applied = applied;
  status.flags = flags;
  status.step = status.step + applied;
  status.skipped = status.skipped + (1u - applied);
}
