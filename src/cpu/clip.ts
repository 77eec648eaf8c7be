// Gradient clipping with PyTorch 1.13 semantics (torch.nn.utils.clip_grad_norm_ / clip_grad_value_).
// Both scale the gradients in place.

export interface ClipResult {
  /** ‖all grads concatenated‖₂ before clipping (what clip_grad_norm_ returns). */
  totalNorm: number;
  /** maxNorm / (totalNorm + 1e-6). */
  clipCoef: number;
  /** min(clipCoef, 1): the factor every gradient was multiplied by. */
  clipCoefClamped: number;
  /** Whether the gradients were actually shrunk (clipCoef < 1). */
  clipped: boolean;
}

const l2 = (a: Float64Array): number => {
  let s = 0;
  for (let n = 0; n < a.length; n++) s += a[n] * a[n];
  return Math.sqrt(s);
};

/**
 * Rescales all gradients together when their joint L2 norm exceeds maxNorm, keeping the direction.
 * Like torch 1.13: total = ‖[‖g_0‖, ‖g_1‖, …]‖ (a norm of per-tensor norms), coef = maxNorm/(total + 1e-6),
 * the + 1e-6 leaving the clipped norm just below maxNorm, and the multiply happens even when coef is 1.
 */
export function clipGradNorm(grads: Float64Array[], maxNorm: number): ClipResult {
  const norms = new Float64Array(grads.length);
  for (let j = 0; j < grads.length; j++) norms[j] = l2(grads[j]);
  const totalNorm = l2(norms);
  const clipCoef = maxNorm / (totalNorm + 1e-6);
  const clipCoefClamped = Math.min(clipCoef, 1);
  for (const g of grads) for (let n = 0; n < g.length; n++) g[n] *= clipCoefClamped;
  return { totalNorm, clipCoef, clipCoefClamped, clipped: clipCoef < 1 };
}

/** Clamps every gradient element into [−clipValue, clipValue]. */
export function clipGradValue(grads: Float64Array[], clipValue: number): void {
  if (!(clipValue >= 0)) throw new Error(`clipValue: must be ≥ 0, got ${clipValue}`);
  for (const g of grads) for (let n = 0; n < g.length; n++) g[n] = Math.min(Math.max(g[n], -clipValue), clipValue);
}
