// The step status as the CPU sees it, decoded from the status buffer (layout: STATUS_FIELDS in
// ../kernels/optimLayout). Reading it is the caller's choice, after the step's submit.
import type { Gpu } from '../gpu/runtime';
import {
  SKIP_GRAD_NONFINITE, SKIP_LOSS_NONFINITE, SKIP_OVER_MAX_NORM, STATUS_WORDS, unpackStatus,
} from '../kernels/optimLayout';

/** The GPU's decision about one update, as read back: norms, clip factor, whether it applied and why not. */
export interface StepStatus {
  /** ‖grads‖₂ before clipping (torch clip_grad_norm_'s return value); NaN/Inf when a grad is. */
  gradNorm: number;
  /** The factor grads were scaled by: min(clipNorm / (gradNorm + 1e-6), 1); 1 without clipNorm or when skipped. */
  clipCoef: number;
  /** clipNorm / (gradNorm + 1e-6) before the clamp (torch's clip_coef); 1 without clipNorm or when skipped. */
  clipCoefRaw: number;
  /** The loss value that was checked; 0 without a loss input. */
  loss: number;
  /** Whether the update was applied; when false, params and optimizer state are bit-for-bit unchanged. */
  applied: boolean;
  /** Why it was skipped (all false when applied). */
  gradNonFinite: boolean;
  lossNonFinite: boolean;
  overMaxGradNorm: boolean;
  /** Updates applied so far, and skipped so far. */
  step: number;
  skipped: number;
}

export function decodeStatus(words: Float32Array): StepStatus {
  const s = unpackStatus(words);
  return {
    gradNorm: s.gradNorm,
    clipCoef: s.clipCoef,
    clipCoefRaw: s.clipCoefRaw,
    loss: s.loss,
    applied: s.applied === 1,
    gradNonFinite: (s.flags & SKIP_GRAD_NONFINITE) !== 0,
    lossNonFinite: (s.flags & SKIP_LOSS_NONFINITE) !== 0,
    overMaxGradNorm: (s.flags & SKIP_OVER_MAX_NORM) !== 0,
    step: s.step,
    skipped: s.skipped,
  };
}

/** Reads and decodes a status buffer (one small copy and map, after everything submitted so far). */
export async function readStatus(gpu: Gpu, status: GPUBuffer): Promise<StepStatus> {
  return decodeStatus(await gpu.read(status, STATUS_WORDS));
}
