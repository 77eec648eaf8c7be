// Wrappers of the persistent whole-sequence kernels: one dispatch per layer per direction, one
// workgroup per batch row looping over time (see shaders/*_seq.wgsl).
import lstmForwardSeqWgsl from '../../shaders/lstm_forward_seq.wgsl?raw';
import lstmBackwardSeqWgsl from '../../shaders/lstm_backward_seq.wgsl?raw';
import rnnForwardSeqWgsl from '../../shaders/rnn_forward_seq.wgsl?raw';
import rnnBackwardSeqWgsl from '../../shaders/rnn_backward_seq.wgsl?raw';
import type { Gpu } from '../gpu/runtime';
import type { CellKind } from '../cpu/types';
import { SteppedKernel } from './stepped';
import { activationConstant, withActivations } from './activations';
import type { BackwardStepBuffers, ForwardStepBuffers, StepDims } from './recurrentSteps';

const nextPow2 = (n: number): number => 2 ** Math.ceil(Math.log2(Math.max(1, n)));

/** Floats of workgroup memory the persistent kernels keep per workgroup (h for forward, da for backward). */
function workgroupFloats(cell: CellKind, H: number): { forward: number; backward: number } {
  const h = Math.max(64, nextPow2(H));
  return { forward: h, backward: cell === 'lstm' ? 4 * h : h };
}

/** Whether the persistent kernels fit this device: their workgroup memory within maxComputeWorkgroupStorageSize. */
export function persistentFits(limits: GPUSupportedLimits, cell: CellKind, H: number): boolean {
  const { forward, backward } = workgroupFloats(cell, H);
  return Math.max(forward, backward) * 4 <= limits.maxComputeWorkgroupStorageSize;
}

/** Invocations per workgroup: about one per hidden unit, within [32, 256] and the device's limit. */
function workgroupSize(limits: GPUSupportedLimits, H: number): number {
  return Math.max(32, Math.min(256, nextPow2(H), limits.maxComputeInvocationsPerWorkgroup));
}

export function forwardSequenceKernel(gpu: Gpu, d: StepDims, buf: ForwardStepBuffers): SteppedKernel {
  const lstm = d.cell === 'lstm';
  const wg = workgroupSize(gpu.limits, d.H);
  return new SteppedKernel(gpu, {
    shader: lstm ? 'lstm_forward_seq' : 'rnn_forward_seq',
    code: withActivations(lstm ? lstmForwardSeqWgsl : rnnForwardSeqWgsl),
    constants: { MAX_H: workgroupFloats(d.cell, d.H).forward, ...activationConstant(d.activation) },
    buffers: lstm ? [buf.gates!, buf.c!, buf.h, buf.xproj, buf.params] : [buf.h, buf.xproj, buf.params],
    variants: [new Uint32Array([d.T, d.B, d.H, d.offWhh, d.offBhh, 0, 0, 0])],
    grid: [d.B, 1],
    workgroupSize: wg,
    label: `${d.cell} forward sequence`,
  });
}

export function backwardSequenceKernel(gpu: Gpu, d: StepDims, buf: BackwardStepBuffers): SteppedKernel {
  const lstm = d.cell === 'lstm';
  const wg = workgroupSize(gpu.limits, d.H);
  const floats = workgroupFloats(d.cell, d.H).backward;
  return new SteppedKernel(gpu, {
    shader: lstm ? 'lstm_backward_seq' : 'rnn_backward_seq',
    code: withActivations(lstm ? lstmBackwardSeqWgsl : rnnBackwardSeqWgsl),
    constants: { ...(lstm ? { MAX_G: floats } : { MAX_H: floats }), ...activationConstant(d.activation) },
    buffers: lstm
      ? [buf.da, buf.ds!, buf.dhTotal, buf.stateGrads!, buf.dH, buf.gates!, buf.c!, buf.params]
      : [buf.da, buf.dhTotal, buf.dh0!, buf.dH, buf.dhN!, buf.h!, buf.params],
    variants: [new Uint32Array([d.T, d.B, d.H, d.offWhh, d.offState, d.stateSection, 0, 0])],
    grid: [d.B, 1],
    workgroupSize: wg,
    label: `${d.cell} backward sequence`,
  });
}
