// The loss mask of a head on every step when sequences have per-row lengths, shared by the GPU trainer
// (src/train/batch.ts) and the CPU reference model (src/cpu/model.ts) so both count the same steps.

/**
 * The given mask (or all ones), with 0 on the steps past each row's length: `perRow` values per
 * (t, b) row (MSE: the O outputs; cross-entropy: 1). Rows are time-major, row (t, b) at t·B + b.
 */
export function maskPastLengths<A extends Float32Array | Float64Array>(mask: A | null, lengths: ArrayLike<number>, T: number, B: number, perRow: number, make: (n: number) => A): A {
  const out = mask ?? make(T * B * perRow);
  if (!mask) out.fill(1);
  for (let t = 0; t < T; t++) for (let b = 0; b < B; b++) if (t >= lengths[b]) out.fill(0, (t * B + b) * perRow, (t * B + b + 1) * perRow);
  return out;
}
