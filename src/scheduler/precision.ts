// Precision 'f16' (mixed precision): what is stored in half precision, and what is not.
//
// Stored in f16: the weights every recurrent kernel and GEMM reads (a copy made from the f32 master
// weights at the start of each forward pass: the optimizer, the gradients and checkpoints stay f32),
// the gate pre-activations x·W_ihᵀ + b_ih and the saved gate activations: the [T,B,G·H] tensors, G
// times wider than the states. Arithmetic and accumulation stay f32 in every kernel. The states h
// and c, the layer outputs and all gradients stay f32: h and c are a quarter of the gate tensors'
// size, and the recurrence would compound their rounding over T steps. The kernels are the f32
// ones with their bindings retyped (halfPrecision, src/kernels/kernel.ts). Range: f16 ends at
// ±65504. The weight copy is clamped there; a pre-activation beyond it is stored as ±65504 or ±∞
// (WGSL lets the implementation choose), which the gates' sigmoid and tanh saturate as f32 would,
// and a non-finite gradient that follows is caught by the step guard (the update is skipped).

/** How activations and weights are stored on the GPU: 'f32', or 'f16' where the device has shader-f16. */
export type Precision = 'f32' | 'f16';

/** The bindings precision 'f16' stores in f16, by the names the recurrent kernels give them. */
export const HALF_STORAGE = ['params', 'xproj', 'gates'] as const;

/**
 * 32-bit words to allocate for `values` f16 values: whole 8-byte groups, so that a buffer read as
 * array<vec4<f16>> holds every value.
 */
export const halfFloats = (values: number): number => 2 * Math.ceil(values / 4);

/** Checks a precision option against the device: 'f16' needs the shader-f16 feature. */
export function checkPrecision(precision: unknown, device: { features: GPUSupportedFeatures }, adapter: string): Precision {
  if (precision !== 'f32' && precision !== 'f16') throw new RangeError(`precision must be 'f32' or 'f16', got ${String(precision)}`);
  if (precision === 'f16' && !device.features.has('shader-f16')) {
    throw new RangeError(`precision 'f16' needs the WebGPU feature 'shader-f16', which this adapter (${adapter}) does not offer; use 'f32'`);
  }
  return precision;
}
