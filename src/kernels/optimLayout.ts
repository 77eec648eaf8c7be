// The two small structs every optimizer kernel shares, declared once here: the kernel descriptions
// (src/kernels/optimizers.ts, gradNorm.ts) declare them in WGSL from these tables, so TS packing and
// decoding and the shaders cannot drift apart. All fields are 4-byte scalars (f32 or u32), so word i
// is field i.
import type { Field, WgslStruct } from './kernel';

/**
 * The step status: a 32-byte storage buffer written by the norm pass's final workgroup each step and
 * read by the update kernels (no read-back). `step` and `skipped` persist across steps; the rest is
 * rewritten every step.
 */
export const STATUS_FIELDS = [
  ['gradNorm', 'f32', '‖grads‖₂ before clipping (what torch clip_grad_norm_ returns); NaN/Inf when a grad is'],
  ['clipCoef', 'f32', 'factor the grads are multiplied by: min(clipNorm / (gradNorm + 1e-6), 1); 1 without clipNorm or when skipped'],
  ['clipCoefRaw', 'f32', 'clipNorm / (gradNorm + 1e-6) before the clamp (torch clip_coef); 1 without clipNorm or when skipped'],
  ['loss', 'f32', 'the loss value checked for finiteness; 0 without a loss input'],
  ['applied', 'u32', '1: the update was applied; 0: skipped, params and optimizer state untouched'],
  ['flags', 'u32', 'why skipped, a bit set: SKIP_GRAD_NONFINITE | SKIP_LOSS_NONFINITE | SKIP_OVER_MAX_NORM'],
  ['step', 'u32', 'updates applied so far, this one included (Adam t); persistent'],
  ['skipped', 'u32', 'updates skipped so far; persistent'],
] as const satisfies readonly Field[];

/** Bits of Status.flags. */
export const SKIP_GRAD_NONFINITE = 1;
export const SKIP_LOSS_NONFINITE = 2;
export const SKIP_OVER_MAX_NORM = 4;

/**
 * Hyperparameters and sizes: one uniform buffer per optimizer, written at construction and again by
 * setLearningRate (queue.writeBuffer, ordered before the next submit). Differences such as 1 − β are
 * computed in f64 and then rounded: 1 − f32(β) would carry β's rounding error (1.3e-5 relative for
 * β = 0.999).
 */
export const HYPER_FIELDS = [
  ['count', 'u32', 'P: floats in params and grads, all updated'],
  ['numGroups', 'u32', 'workgroups of the partial-sum pass (≤ NORM_WORKGROUP)'],
  ['lossOffset', 'u32', 'float index of the loss value inside its buffer'],
  ['lr', 'f32', 'learning rate'],
  ['beta1', 'f32', 'Adam β1'],
  ['beta2', 'f32', 'Adam β2'],
  ['oneMinusBeta1', 'f32', 'Adam 1 − β1'],
  ['oneMinusBeta2', 'f32', 'Adam 1 − β2'],
  ['logBeta1', 'f32', 'ln β1: the bias correction is 1 − β1^t = −expm1(t·ln β1), with no cancellation'],
  ['logBeta2', 'f32', 'ln β2'],
  ['eps', 'f32', 'Adam ε, added after the bias-corrected square root'],
  ['weightDecay', 'f32', 'L2 penalty: d = g + weightDecay·p'],
  ['momentum', 'f32', 'SGD momentum'],
  ['oneMinusDampening', 'f32', 'SGD 1 − dampening'],
  ['clipNorm', 'f32', 'max total norm (clip by global norm)'],
  ['clipValue', 'f32', 'each grad clamped into [−clipValue, clipValue]'],
  ['maxGradNorm', 'f32', 'guard: skip the update when gradNorm > maxGradNorm'],
  ['_pad0', 'u32', ''],
  ['_pad1', 'u32', ''],
  ['_pad2', 'u32', ''],
] as const satisfies readonly Field[];

export type StatusField = (typeof STATUS_FIELDS)[number][0];
export type HyperField = Exclude<(typeof HYPER_FIELDS)[number][0], `_${string}`>;

export const STATUS_WORDS = STATUS_FIELDS.length;
export const HYPER_WORDS = HYPER_FIELDS.length;

const indexOf = <F extends readonly Field[]>(fields: F, name: string): number => fields.findIndex((f) => f[0] === name);
export const statusIndex = (name: StatusField): number => indexOf(STATUS_FIELDS, name);
export const hyperIndex = (name: HyperField): number => indexOf(HYPER_FIELDS, name);

/** Packs named values into the words of a struct (f32 fields as float bits), zeros elsewhere. */
function pack(fields: readonly Field[], values: Partial<Record<string, number>>): Uint32Array<ArrayBuffer> {
  const words = new Uint32Array(fields.length);
  const floats = new Float32Array(words.buffer);
  fields.forEach(([name, type], i) => {
    const v = values[name] ?? 0;
    if (type === 'u32') words[i] = v;
    else floats[i] = v;
  });
  return words;
}

export const packHyper = (values: Record<HyperField, number>): Uint32Array<ArrayBuffer> => pack(HYPER_FIELDS, values);
export const packStatus = (values: Partial<Record<StatusField, number>>): Uint32Array<ArrayBuffer> => pack(STATUS_FIELDS, values);

/** Reads a struct's words back by name (f32 or u32 per field). */
export function unpackStatus(words: Float32Array): Record<StatusField, number> {
  const u32 = new Uint32Array(words.buffer, words.byteOffset, STATUS_WORDS);
  const out = {} as Record<StatusField, number>;
  STATUS_FIELDS.forEach(([name, type], i) => {
    out[name] = type === 'u32' ? u32[i] : words[i];
  });
  return out;
}

export const STATUS_STRUCT: WgslStruct = { name: 'Status', fields: STATUS_FIELDS };
export const HYPER_STRUCT: WgslStruct = { name: 'Hyper', fields: HYPER_FIELDS };

/** The skip bits as WGSL consts, for the kernels that set or test them. */
export const SKIP_CONSTS = { SKIP_GRAD_NONFINITE, SKIP_LOSS_NONFINITE, SKIP_OVER_MAX_NORM } as const;
