// Wrappers of the persistent whole-sequence kernels: one dispatch per layer per direction, one
// workgroup per batch row looping over time (see shaders/*_seq.wgsl).
import lstmForwardSeqWgsl from '../../shaders/lstm_forward_seq.wgsl?raw';
import lstmBackwardSeqWgsl from '../../shaders/lstm_backward_seq.wgsl?raw';
import rnnForwardSeqWgsl from '../../shaders/rnn_forward_seq.wgsl?raw';
import rnnBackwardSeqWgsl from '../../shaders/rnn_backward_seq.wgsl?raw';
import gruForwardSeqWgsl from '../../shaders/gru_forward_seq.wgsl?raw';
import gruBackwardSeqWgsl from '../../shaders/gru_backward_seq.wgsl?raw';
import type { Gpu } from '../gpu/runtime';
import type { CellKind } from '../config';
import { SteppedKernel } from './stepped';
import { ACTIVATION_CONSTANTS, ACTIVATIONS_WGSL, activationConstant } from './activations';
import { defineKernel, type WgslStruct } from './kernel';
import { LENGTHS_BINDING, SEQUENCE_PLACE_STATE_GRADS_WGSL, SEQUENCE_PLACE_WGSL } from './sequencePlace';
import { GRU_CELL_BACKWARD_WGSL, GRU_CELL_WGSL, LSTM_CELL_UPDATE_WGSL, STATE_GRADS_BINDING, storedIn } from './recurrentSteps';
import rnnCellUpdateWgsl from '../../shaders/rnn_cell_update.wgsl?raw';
import weightsScalarWgsl from '../../shaders/weights_scalar.wgsl?raw';
import type { BackwardStepBuffers, ForwardStepBuffers, StepDims } from './recurrentSteps';

const FORWARD_DIMS: WgslStruct = {
  name: 'Dims',
  fields: [
    ['T', 'u32', ''], ['D', 'u32', 'directions'], ['B', 'u32', ''], ['H', 'u32', ''], ['offWhh', 'u32', 'the first direction\'s W_hh inside params'],
    ['offBhh', 'u32', 'the stacked b_hh inside params'], ['whhStride', 'u32', 'floats from one direction\'s W_hh to the next\'s'],
  ],
};
const BACKWARD_DIMS: WgslStruct = {
  name: 'Dims',
  fields: [
    ['T', 'u32', ''], ['D', 'u32', 'directions'], ['B', 'u32', ''], ['H', 'u32', ''], ['offWhh', 'u32', 'the first direction\'s W_hh inside params'],
    ['whhStride', 'u32', 'floats from one direction\'s W_hh to the next\'s'],
    ['offStateGrad', 'u32', "this layer's [D,B,H] block in each state-gradient section"],
    ['section', 'u32', 'L·D·B·H: the stride between the sections of stateGrads (LSTM)'],
  ],
};
const params = { access: 'read', doc: 'the flat parameters' } as const;

export const LSTM_FORWARD_SEQ = defineKernel({
  name: 'lstm_forward_seq',
  code: [ACTIVATIONS_WGSL, SEQUENCE_PLACE_WGSL, weightsScalarWgsl, LSTM_CELL_UPDATE_WGSL, lstmForwardSeqWgsl],
  storage: {
    gates: { access: 'read_write', doc: '[T,B,D·4H] activated i, f, g, o', elemAlias: true },
    c: { access: 'read_write', doc: '[D][T+1,B,H] cell states (sequence_place.wgsl: the slots)' },
    h: { access: 'read_write', doc: '[D][T+1,B,H] hidden states' },
    xproj: { access: 'read', doc: '[T,B,D·4H] = x·W_ihᵀ + b_ih' },
    params,
    out: { access: 'read_write', doc: '[T,B,D·H] the layer output' },
    lengths: LENGTHS_BINDING,
  },
  uniform: { name: 'dims', struct: FORWARD_DIMS },
  // MAX_H: workgroup memory holds h for up to MAX_H units.
  constants: { WG: 64, MAX_H: 1024, ...ACTIVATION_CONSTANTS },
});

export const LSTM_BACKWARD_SEQ = defineKernel({
  name: 'lstm_backward_seq',
  code: [ACTIVATIONS_WGSL, SEQUENCE_PLACE_STATE_GRADS_WGSL, weightsScalarWgsl, lstmBackwardSeqWgsl],
  storage: {
    da: { access: 'read_write', doc: '[T,B,D·4H]' },
    ds: { access: 'read_write', doc: '[D][T,B,H]' },
    dhTotal: { access: 'read_write', doc: '[D][T,B,H]' },
    stateGrads: STATE_GRADS_BINDING,
    dH: { access: 'read', doc: '[T,B,D·H]' },
    gates: { access: 'read', doc: '[T,B,D·4H]' },
    c: { access: 'read', doc: '[D][T+1,B,H]' },
    params,
  },
  uniform: { name: 'dims', struct: BACKWARD_DIMS },
  // MAX_G: workgroup memory holds da for up to MAX_G = 4·MAX_H gate rows.
  constants: { WG: 64, MAX_G: 4096, ...ACTIVATION_CONSTANTS },
});

export const RNN_FORWARD_SEQ = defineKernel({
  name: 'rnn_forward_seq',
  code: [ACTIVATIONS_WGSL, SEQUENCE_PLACE_WGSL, weightsScalarWgsl, rnnCellUpdateWgsl, rnnForwardSeqWgsl],
  storage: {
    h: { access: 'read_write', doc: '[D][T+1,B,H] hidden states (sequence_place.wgsl: the slots)' },
    xproj: { access: 'read', doc: '[T,B,D·H]' },
    params,
    out: { access: 'read_write', doc: '[T,B,D·H] the layer output' },
    lengths: LENGTHS_BINDING,
  },
  uniform: { name: 'dims', struct: FORWARD_DIMS },
  constants: { WG: 64, MAX_H: 1024, ...ACTIVATION_CONSTANTS },
});

export const RNN_BACKWARD_SEQ = defineKernel({
  name: 'rnn_backward_seq',
  code: [ACTIVATIONS_WGSL, SEQUENCE_PLACE_WGSL, weightsScalarWgsl, rnnBackwardSeqWgsl],
  storage: {
    da: { access: 'read_write', doc: '[T,B,D·H]' },
    dhTotal: { access: 'read_write', doc: '[D][T,B,H]' },
    dh0: { access: 'read_write', doc: '[L·D,B,H]' },
    dH: { access: 'read', doc: '[T,B,D·H]' },
    dhN: { access: 'read', doc: '[L·D,B,H]' },
    h: { access: 'read', doc: '[D][T+1,B,H]' },
    params,
    lengths: LENGTHS_BINDING,
  },
  uniform: { name: 'dims', struct: BACKWARD_DIMS },
  constants: { WG: 64, MAX_H: 1024, ...ACTIVATION_CONSTANTS },
});

export const GRU_FORWARD_SEQ = defineKernel({
  name: 'gru_forward_seq',
  code: [ACTIVATIONS_WGSL, SEQUENCE_PLACE_WGSL, weightsScalarWgsl, GRU_CELL_WGSL, gruForwardSeqWgsl],
  storage: {
    gates: { access: 'read_write', doc: '[T,B,D·4H] r, z, n, W_hn·h + b_hn', elemAlias: true },
    h: { access: 'read_write', doc: '[D][T+1,B,H] hidden states (sequence_place.wgsl: the slots)' },
    xproj: { access: 'read', doc: '[T,B,D·3H] = x·W_ihᵀ + b_ih' },
    params,
    out: { access: 'read_write', doc: '[T,B,D·H] the layer output' },
    lengths: LENGTHS_BINDING,
  },
  uniform: { name: 'dims', struct: FORWARD_DIMS },
  constants: { WG: 64, MAX_H: 1024, ...ACTIVATION_CONSTANTS },
});

export const GRU_BACKWARD_SEQ = defineKernel({
  name: 'gru_backward_seq',
  code: [SEQUENCE_PLACE_STATE_GRADS_WGSL, weightsScalarWgsl, GRU_CELL_BACKWARD_WGSL, gruBackwardSeqWgsl],
  storage: {
    da: { access: 'read_write', doc: '[T,B,D·3H] input-side gradients' },
    dah: { access: 'read_write', doc: '[T,B,D·3H] recurrent-side gradients' },
    dhTotal: { access: 'read_write', doc: '[D][T,B,H]' },
    stateGrads: STATE_GRADS_BINDING,
    dH: { access: 'read', doc: '[T,B,D·H]' },
    gates: { access: 'read', doc: '[T,B,D·4H] r, z, n, W_hn·h + b_hn' },
    h: { access: 'read', doc: '[D][T+1,B,H]' },
    params,
  },
  uniform: { name: 'dims', struct: BACKWARD_DIMS },
  // MAX_G: workgroup memory holds dah for up to MAX_G = 3·MAX_H gate rows.
  constants: { WG: 64, MAX_G: 3072 },
});

const nextPow2 = (n: number): number => 2 ** Math.ceil(Math.log2(Math.max(1, n)));

/** Floats of workgroup memory the persistent kernels keep per workgroup (h for forward, da for backward). */
function workgroupFloats(cell: CellKind, H: number): { forward: number; backward: number } {
  const h = Math.max(64, nextPow2(H));
  return { forward: h, backward: cell === 'lstm' ? 4 * h : cell === 'gru' ? 3 * h : h };
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
  const stored = storedIn(d.precision);
  const common = {
    variants: [{ T: d.T, D: d.D, B: d.B, H: d.H, offWhh: d.offWhh, offBhh: d.offBhh, whhStride: d.whhStride }],
    grid: [d.B, 1, d.D] as [number, number, number],
    label: `${d.cell} forward sequence`,
  };
  const place = { out: buf.out, lengths: buf.lengths };
  const constants = { WG: workgroupSize(gpu.limits, d.H), MAX_H: workgroupFloats(d.cell, d.H).forward, ...activationConstant(d.activation) };
  if (d.cell === 'gru') {
    return new SteppedKernel(gpu, { ...common, kernel: stored(GRU_FORWARD_SEQ), constants, buffers: { gates: buf.gates!, h: buf.h, xproj: buf.xproj, params: buf.params, ...place } });
  }
  if (d.cell === 'lstm') {
    return new SteppedKernel(gpu, { ...common, kernel: stored(LSTM_FORWARD_SEQ), constants, buffers: { gates: buf.gates!, c: buf.c!, h: buf.h, xproj: buf.xproj, params: buf.params, ...place } });
  }
  return new SteppedKernel(gpu, { ...common, kernel: stored(RNN_FORWARD_SEQ), constants, buffers: { h: buf.h, xproj: buf.xproj, params: buf.params, ...place } });
}

export function backwardSequenceKernel(gpu: Gpu, d: StepDims, buf: BackwardStepBuffers): SteppedKernel {
  const stored = storedIn(d.precision);
  const floats = workgroupFloats(d.cell, d.H).backward;
  const common = {
    variants: [{ T: d.T, D: d.D, B: d.B, H: d.H, offWhh: d.offWhh, whhStride: d.whhStride, offStateGrad: d.offState, section: d.stateSection }],
    grid: [d.B, 1, d.D] as [number, number, number],
    label: `${d.cell} backward sequence`,
  };
  const constants = { WG: workgroupSize(gpu.limits, d.H), ...activationConstant(d.activation) };
  if (d.cell === 'gru') {
    return new SteppedKernel(gpu, {
      ...common,
      kernel: stored(GRU_BACKWARD_SEQ),
      constants: { WG: constants.WG, MAX_G: floats },
      buffers: { da: buf.da, dah: buf.dah!, dhTotal: buf.dhTotal, stateGrads: buf.stateGrads!, dH: buf.dH, gates: buf.gates!, h: buf.h!, params: buf.params },
    });
  }
  if (d.cell === 'lstm') {
    return new SteppedKernel(gpu, {
      ...common,
      kernel: stored(LSTM_BACKWARD_SEQ),
      constants: { ...constants, MAX_G: floats },
      buffers: { da: buf.da, ds: buf.ds!, dhTotal: buf.dhTotal, stateGrads: buf.stateGrads!, dH: buf.dH, gates: buf.gates!, c: buf.c!, params: buf.params },
    });
  }
  return new SteppedKernel(gpu, {
    ...common,
    kernel: stored(RNN_BACKWARD_SEQ),
    constants: { ...constants, MAX_H: floats },
    buffers: { da: buf.da, dhTotal: buf.dhTotal, dh0: buf.dh0!, dH: buf.dH, dhN: buf.dhN!, h: buf.h!, params: buf.params, lengths: buf.lengths },
  });
}
