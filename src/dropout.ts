// Dropout between stacked layers (PyTorch's `dropout` of nn.LSTM): in training, each element of a
// layer's output reaches the next layer scaled by 1/(1−p) with probability 1−p and as 0 otherwise;
// in evaluation it passes unchanged. The masks are a hash of (seed, call, layer, element), computed the
// same way here (for the CPU reference and tests) and on the GPU (shaders/dropout.wgsl), in u32
// arithmetic, so both draw exactly the same mask and the GPU needs no mask buffer or random state.

/** Keep an element when its 24-bit hash is at least this (p·2^24, rounded up): the same test in TS and WGSL. */
export const dropoutThreshold = (p: number): number => Math.ceil(p * 2 ** 24);

/** The hash of element `i` of layer `layer`'s output in call `call` (a PCG-style integer hash). */
export function dropoutHash(seed: number, call: number, layer: number, i: number): number {
  let h = (seed ^ Math.imul(call, 0x9e3779b1) ^ Math.imul(layer + 1, 0x85ebca6b)) >>> 0;
  h = (h + Math.imul(i, 0xc2b2ae35)) >>> 0;
  h = Math.imul(h ^ (h >>> 16), 0x7feb352d) >>> 0;
  h = Math.imul(h ^ (h >>> 15), 0x846ca68b) >>> 0;
  return (h ^ (h >>> 16)) >>> 0;
}

/** The mask [count] (0 or 1/(1−p)) that call `call` applies to layer `layer`'s output. */
export function dropoutMask(seed: number, call: number, layer: number, count: number, p: number): Float64Array {
  const threshold = dropoutThreshold(p);
  const scale = 1 / (1 - p);
  return Float64Array.from({ length: count }, (_, i) => ((dropoutHash(seed, call, layer, i) >>> 8) >= threshold ? scale : 0));
}

/** Checks a dropout probability: a number in [0, 1). */
export function checkDropout(p: unknown): number {
  if (typeof p !== 'number' || !Number.isFinite(p) || p < 0 || p >= 1) throw new RangeError(`dropout must be a number in [0, 1), got ${String(p)}`);
  return p;
}
