// Wrappers of the per-step recurrent kernels: their descriptions (bindings, uniforms, constants),
// the work split per adapter, and the encode-only kernels built from them.
import lstmForwardWgsl from '../../shaders/lstm_forward_step.wgsl?raw';
import lstmForwardCoalescedWgsl from '../../shaders/lstm_forward_step_coalesced.wgsl?raw';
import lstmBackwardWgsl from '../../shaders/lstm_backward_step.wgsl?raw';
import lstmBackwardCoalescedWgsl from '../../shaders/lstm_backward_step_coalesced.wgsl?raw';
import rnnForwardWgsl from '../../shaders/rnn_forward_step.wgsl?raw';
import rnnForwardCoalescedWgsl from '../../shaders/rnn_forward_step_coalesced.wgsl?raw';
import rnnBackwardWgsl from '../../shaders/rnn_backward_step.wgsl?raw';
import lstmCellBackwardOnlyWgsl from '../../shaders/lstm_cell_backward.wgsl?raw';
import lstmCellUpdateOnlyWgsl from '../../shaders/lstm_cell_update.wgsl?raw';
import lstmCellStepWgsl from '../../shaders/lstm_cell_step.wgsl?raw';
import lstmCellGradsWgsl from '../../shaders/lstm_cell_grads.wgsl?raw';
import rnnCellUpdateWgsl from '../../shaders/rnn_cell_update.wgsl?raw';
import lstmpCellUpdateOnlyWgsl from '../../shaders/lstmp_cell_update.wgsl?raw';
import lstmpCellBackwardOnlyWgsl from '../../shaders/lstmp_cell_backward.wgsl?raw';
import lstmpProjectStepWgsl from '../../shaders/lstmp_project_step.wgsl?raw';
import lstmpBackwardDhWgsl from '../../shaders/lstmp_backward_dh.wgsl?raw';
import gruForwardWgsl from '../../shaders/gru_forward_step.wgsl?raw';
import gruBackwardWgsl from '../../shaders/gru_backward_step.wgsl?raw';
import gruForwardRowsWgsl from '../../shaders/gru_forward_step_rows.wgsl?raw';
import gruBackwardRowsWgsl from '../../shaders/gru_backward_step_rows.wgsl?raw';
import gruGatesWgsl from '../../shaders/gru_gates.wgsl?raw';
import gruCellWgsl from '../../shaders/gru_cell.wgsl?raw';
import gruCellBackwardWgsl from '../../shaders/gru_cell_backward.wgsl?raw';
import gruStepBackwardWgsl from '../../shaders/gru_step_backward.wgsl?raw';
import hRowsWgsl from '../../shaders/h_rows.wgsl?raw';
import lstmDaScalarWgsl from '../../shaders/lstm_da_scalar.wgsl?raw';
import lstmDaVec4Wgsl from '../../shaders/lstm_da_vec4.wgsl?raw';
import weightsScalarWgsl from '../../shaders/weights_scalar.wgsl?raw';
import weightsVec4Wgsl from '../../shaders/weights_vec4.wgsl?raw';
import type { Gpu } from '../gpu/runtime';
import type { Recorder } from '../gpu/recorder';
import type { CellActivation, CellKind } from '../config';
import { SteppedKernel } from './stepped';
import { ACTIVATION_CONSTANTS, ACTIVATIONS_WGSL, activationConstant } from './activations';
import { cpuMaxRows, rowSharing, sharesRows, workSplit, type WorkSplit } from './rowSharing';
import { halfPrecision, kernelVariant, type Kernel, type KernelDesc, type WgslStruct } from './kernel';
import { HALF_STORAGE, type Precision } from '../scheduler/precision';
import { LENGTHS_BINDING, SEQUENCE_PLACE_STATE_GRADS_WGSL, SEQUENCE_PLACE_WGSL } from './sequencePlace';

/** The per-unit ends of the GRU kernels (both work splits and the persistent kernels): gru_cell*.wgsl. */
export const GRU_CELL_WGSL = [gruGatesWgsl, gruCellWgsl].join('\n');
export const GRU_CELL_BACKWARD_WGSL = [gruGatesWgsl, gruCellBackwardWgsl].join('\n');
/** The per-unit end of both GRU backward step kernels (gru_step_backward.wgsl). */
const GRU_STEP_BACKWARD_WGSL = [GRU_CELL_BACKWARD_WGSL, gruStepBackwardWgsl].join('\n');

/** The cell ends of the LSTM kernels: the shared cell (lstm_cell_step.wgsl, lstm_cell_grads.wgsl) with what each stores. */
export const LSTM_CELL_UPDATE_WGSL = [lstmCellStepWgsl, lstmCellUpdateOnlyWgsl].join('\n');
const lstmpCellUpdateWgsl = [lstmCellStepWgsl, lstmpCellUpdateOnlyWgsl].join('\n');
const lstmCellBackwardWgsl = [lstmCellGradsWgsl, lstmCellBackwardOnlyWgsl].join('\n');
const lstmpCellBackwardWgsl = [lstmCellGradsWgsl, lstmpCellBackwardOnlyWgsl].join('\n');
const lstmCellUpdateWgsl = LSTM_CELL_UPDATE_WGSL;

/** The most batch rows one per-step RNN workgroup takes (its accumulator arrays). */
const RNN_MAX_ROWS = 8;
/** CPU adapters: the fewest workgroups per step that keep lavapipe's two worker threads busy. */
const MIN_STEP_WORKGROUPS = 2;
// Hidden units per backward LSTM invocation on CPU adapters (GPUs: gpuBackwardShape): each unit costs 1 weight
// load per gate row, so more units and rows per invocation mean fewer loads per multiply-add, which
// is what bounds lavapipe (bench/NOTES.md, v7): 32 rows × 4 units measured best (v8), as 32 rows × 4
// columns did for the GEMM. The forward kernel takes 1 unit (4 gate columns) and up to 32 rows.
const CPU_BACKWARD_UNITS = 4;

/**
 * Work split of the per-step kernels: `lanes` invocations per workgroup (a power of two from 8, the
 * CPU adapters' SIMD width, to 64), `units` hidden units per invocation and `rows` batch rows per
 * workgroup. GPUs take one row per workgroup: their forward kernels (*_forward_step_coalesced.wgsl)
 * have the lanes split the inner dimension, `units` being the workgroup's (gpuForwardShape), and the
 * LSTM backward kernel splits 16 units × 4 slices of the gate rows (gpuBackwardShape). CPU adapters
 * take several rows: each weight loaded then serves all of them, and a row's h or da value is the
 * same for the whole workgroup.
 */
interface StepShape {
  lanes: number;
  rows: number;
  units: number;
  grid: [number, number];
}

function stepShape(B: number, H: number, cpuAdapter: boolean, units: number, maxRows: number): StepShape {
  let lanes = Math.min(64, Math.max(8, 2 ** Math.ceil(Math.log2(Math.ceil(H / units)))));
  // Rows rounded up to a power of two: one module serves several batch sizes (the rows past B are
  // clamped loads, never written), so a newcomer's lavapipe compiles few of them.
  let rows = cpuAdapter ? Math.min(maxRows, 2 ** Math.ceil(Math.log2(B))) : 1;
  const groups = () => Math.ceil(H / (lanes * units)) * Math.ceil(B / rows);
  // Narrower workgroups, then fewer rows, where there would be too few workgroups to keep the CPU's
  // threads busy.
  while (cpuAdapter && groups() < MIN_STEP_WORKGROUPS && (lanes > 8 || rows > 1)) {
    if (lanes > 8) lanes /= 2;
    else rows = Math.ceil(rows / 2);
  }
  return { lanes, rows, units, grid: [Math.ceil(H / (lanes * units)), Math.ceil(B / rows)] };
}

/** Lanes of the GPU forward kernels: they split k, WG columns (four floats each for the LSTM) at a time. */
const GPU_FORWARD_LANES = 64;
/** GPUs want this many workgroups per step at least, to fill their compute units (an H100 has 132). */
const GPU_MIN_STEP_WORKGROUPS = 128;

/**
 * GPUs, forward: one batch row and `units` hidden units (4 for the LSTM, 16 for the RNN, fewer where
 * that leaves under GPU_MIN_STEP_WORKGROUPS workgroups) per workgroup of GPU_FORWARD_LANES lanes.
 */
function gpuForwardShape(B: number, H: number, maxUnits: number): StepShape {
  let units = maxUnits;
  while (units > 1 && Math.ceil(H / units) * B < GPU_MIN_STEP_WORKGROUPS) units /= 2;
  return { lanes: GPU_FORWARD_LANES, rows: 1, units, grid: [Math.ceil(H / units), B] };
}

/** GPUs, LSTM backward (lstm_backward_step_coalesced.wgsl): 16 units × 4 slices of the gate rows per workgroup of 64 lanes, one batch row. */
const GPU_BACKWARD_UNITS = 16;
const gpuBackwardShape = (B: number, H: number): StepShape => ({ lanes: 64, rows: 1, units: GPU_BACKWARD_UNITS, grid: [Math.ceil(H / GPU_BACKWARD_UNITS), B] });

/** The work split of a layer's forward and backward step kernels for this shape and adapter. */
export function stepShapes(cell: CellKind, B: number, H: number, split: WorkSplit): { forward: StepShape; backward: StepShape } {
  const lstm = cell === 'lstm';
  const cpuAdapter = split !== 'gpu';
  // The LSTM kernels take up to 32 rows (forward: 1 hidden unit per invocation, backward: 4), 8
  // without row sharing (cpuMaxRows); the RNN kernels up to 8.
  const maxRows = lstm && cpuAdapter ? cpuMaxRows(split) : RNN_MAX_ROWS;
  // The GRU's GPU kernels split like the LSTM's (4 units forward, 16 × 4 slices backward); on CPU
  // adapters its forward kernel takes rows like the LSTM's, its backward kernel like the RNN's.
  if (cell === 'gru') {
    if (!cpuAdapter) return { forward: gpuForwardShape(B, H, 4), backward: gpuBackwardShape(B, H) };
    // Backward: 4 units per invocation where W_hh's rows are read four floats at a time (H % 4 = 0).
    return { forward: stepShape(B, H, true, 1, cpuMaxRows(split)), backward: stepShape(B, H, true, H % 4 === 0 ? CPU_BACKWARD_UNITS : 1, cpuMaxRows(split)) };
  }
  return {
    forward: cpuAdapter ? stepShape(B, H, cpuAdapter, 1, maxRows) : gpuForwardShape(B, H, lstm ? 4 : 16),
    backward: lstm && !cpuAdapter ? gpuBackwardShape(B, H) : stepShape(B, H, cpuAdapter, lstm ? CPU_BACKWARD_UNITS : 1, maxRows),
  };
}

const STEP_FIELDS = {
  t: ['t', 'u32', 'time step (forward kernels: the step index; the reverse direction runs time T−1−t)'],
  D: ['D', 'u32', 'directions of the layer (1, or 2 when bidirectional)'],
  whhStride: ['whhStride', 'u32', 'floats from one direction\'s W_hh to the next\'s'],
  R: ['R', 'u32', 'the width of h: H, or the projection size'],
  offWhr: ['offWhr', 'u32', 'the first direction\'s W_hr [R,H] inside params (projection)'],
  whrStride: ['whrStride', 'u32', 'floats from one direction\'s W_hr to the next\'s'],
  offStateGradR: ['offStateGradR', 'u32', "this layer's [D,B,R] block in the dh sections of stateGrads"],
  T: ['T', 'u32', 'steps'],
  B: ['B', 'u32', 'batch rows'],
  H: ['H', 'u32', 'hidden units'],
  offWhh: ['offWhh', 'u32', 'W_hh [G·H,H] inside params'],
  offBhh: ['offBhh', 'u32', 'b_hh [G·H] inside params'],
  offStateGrad: ['offStateGrad', 'u32', "this layer's [D,B,H] block in each state-gradient section"],
  isFinal: ['isFinal', 'u32', '1: write dh0 (and dc0) instead of a time step'],
  section: ['section', 'u32', 'L·D·B·H: the stride between the sections of stateGrads'],
} as const;
const F = STEP_FIELDS;
const FORWARD_STEP: WgslStruct = { name: 'Step', fields: [F.t, F.T, F.D, F.B, F.H, F.R, F.offWhh, F.offBhh, F.whhStride] };
const LSTM_BACKWARD_STEP: WgslStruct = { name: 'Step', fields: [F.t, F.T, F.D, F.B, F.H, F.R, F.offWhh, F.whhStride, F.offWhr, F.whrStride, F.offStateGrad, F.isFinal, F.section] };
const PROJECT_STEP: WgslStruct = { name: 'Step', fields: [F.t, F.T, F.D, F.B, F.H, F.R, F.offWhr, F.whrStride] };
const LSTMP_BACKWARD_DH_STEP: WgslStruct = { name: 'Step', fields: [F.t, F.T, F.D, F.B, F.H, F.R, F.offWhh, F.whhStride, F.offStateGradR, F.isFinal, F.section] };
const RNN_BACKWARD_STEP: WgslStruct = { name: 'Step', fields: [F.t, F.T, F.D, F.B, F.H, F.offWhh, F.whhStride, F.offStateGrad, F.isFinal] };

const paramsBinding = (weights4: boolean, doc: string) => ({ access: 'read', type: weights4 ? 'array<vec4f>' : 'array<f32>', doc }) as const;

/** The layer's output, which the next layer and the loss read: h where a step exists, 0 past a row's length. */
const OUT_BINDING = { access: 'read_write', doc: '[T,B,D·H] the layer output' } as const;

/** The bindings of the LSTM forward step kernels (both work splits). */
const lstmForwardStorage = (weights4: boolean) =>
  ({
    params: paramsBinding(weights4, 'the flat parameters (W_hh, b_hh at offWhh, offBhh)'),
    gates: { access: 'read_write', doc: '[T,B,D·4H] activated i, f, g, o', elemAlias: true },
    c: { access: 'read_write', doc: '[D][T+1,B,H] cell states (sequence_place.wgsl: the slots)' },
    h: { access: 'read_write', doc: '[D][T+1,B,H] hidden states' },
    xproj: { access: 'read', doc: '[T,B,D·4H] = x·W_ihᵀ + b_ih' },
    out: OUT_BINDING,
    lengths: LENGTHS_BINDING,
  }) as const;


/**
 * The LSTM backward kernels' state gradients and row lengths in one buffer (WebGPU promises only 8
 * storage buffers per stage): sections dh0, dc0 (written), dhN, dcN (read), [L,D,B,H] each, then the
 * B row lengths as floats.
 */
export const STATE_GRADS_BINDING = { access: 'read_write', doc: '[4,L·D,B,H] dh0, dc0 (written), dhN, dcN (read), then [B] row lengths' } as const;

/** The bindings of the LSTM backward step kernels (both work splits). */
const lstmBackwardStorage = (weights4: boolean, da4: boolean) =>
  ({
    params: paramsBinding(weights4, 'the flat parameters (W_hh at offWhh)'),
    da: { access: 'read_write', type: da4 ? 'array<vec4f>' : 'array<f32>', doc: '[T,B,D·4H] dL/d(pre-activations)' },
    ds: { access: 'read_write', doc: '[D][T,B,H] total dL/ds_t' },
    dhTotal: { access: 'read_write', doc: '[D][T,B,H] total dL/dh_t' },
    stateGrads: STATE_GRADS_BINDING,
    dH: { access: 'read', doc: '[T,B,D·H] from the loss or the layer above' },
    gates: { access: 'read', doc: '[T,B,D·4H] activated i, f, g, o' },
    c: { access: 'read', doc: '[D][T+1,B,H] cell states (sequence_place.wgsl: the slots)' },
  }) as const;

/** Choices that make a per-step kernel's module: rows per workgroup, 4-float loads, row sharing. */
export interface StepVariant {
  /** Batch rows per workgroup (a module const, so its loops unroll). */
  rows: number;
  /** LSTM: W_hh read four floats per load (its rows 16-byte aligned). */
  weights4?: boolean;
  /** LSTM backward: da read and written four floats per access. */
  da4?: boolean;
  /** Rows shared through 8-lane subgroup shuffles (CPU adapters). */
  share?: boolean;
}

const checkRows = (rows: number): void => {
  if (!Number.isInteger(rows) || rows < 1 || rows > 32) throw new RangeError(`rows must be an integer in 1..32, got ${rows}`);
};

/** The LSTM forward step kernel of a variant. */
export function lstmForwardStep(v: StepVariant) {
  checkRows(v.rows);
  const sharing = rowSharing(!!v.share);
  return kernelVariant({
    name: `lstm_forward_step.r${v.rows}${v.weights4 ? '.w4' : ''}${sharing.suffix}`,
    enables: sharing.enables,
    code: [ACTIVATIONS_WGSL, SEQUENCE_PLACE_WGSL, sharing.code, hRowsWgsl, v.weights4 ? weightsVec4Wgsl : weightsScalarWgsl, lstmCellUpdateWgsl, lstmForwardWgsl],
    consts: { ROWS: v.rows },
    storage: lstmForwardStorage(!!v.weights4),
    uniform: { name: 'step', struct: FORWARD_STEP },
    constants: { WG: 64, ...ACTIVATION_CONSTANTS },
  });
}

/**
 * The LSTM forward step kernel for GPUs (lstm_forward_step_coalesced.wgsl): lanes split the inner
 * dimension so that a warp's loads of W_hh and h_{t-1} are consecutive; `weights4` as above.
 */
export function lstmForwardStepCoalesced(v: { weights4: boolean }) {
  return kernelVariant({
    name: `lstm_forward_step_coalesced${v.weights4 ? '.w4' : ''}`,
    code: [ACTIVATIONS_WGSL, SEQUENCE_PLACE_WGSL, v.weights4 ? weightsVec4Wgsl : weightsScalarWgsl, lstmCellUpdateWgsl, lstmForwardCoalescedWgsl],
    consts: { WG: GPU_FORWARD_LANES },
    storage: lstmForwardStorage(v.weights4),
    uniform: { name: 'step', struct: FORWARD_STEP },
    // UNITS: hidden units per workgroup, 1..4 (its partial sums are arrays of 16 = 4 gates × 4 units).
    constants: { UNITS: 4, ...ACTIVATION_CONSTANTS },
  });
}

/**
 * The same kernel for an LSTM with a projection (LSTMP): it stores m = o ⊙ ψ(s) instead of h and the
 * output, which lstmp_project_step.wgsl then writes (h = W_hr·m).
 */
export function lstmpForwardStep(v: { weights4: boolean }) {
  const { out: _out, ...storage } = lstmForwardStorage(v.weights4);
  return kernelVariant({
    name: `lstm_forward_step_coalesced${v.weights4 ? '.w4' : ''}.proj`,
    code: [ACTIVATIONS_WGSL, SEQUENCE_PLACE_WGSL, v.weights4 ? weightsVec4Wgsl : weightsScalarWgsl, lstmpCellUpdateWgsl, lstmForwardCoalescedWgsl],
    consts: { WG: GPU_FORWARD_LANES },
    storage: { ...storage, m: { access: 'read_write', doc: '[D][T,B,H] m = o ⊙ ψ(s), before the projection' } },
    uniform: { name: 'step', struct: FORWARD_STEP },
    // UNITS: hidden units per workgroup, 1..4 (its partial sums are arrays of 16 = 4 gates × 4 units).
    constants: { UNITS: 4, ...ACTIVATION_CONSTANTS },
  });
}

/** The LSTM backward step kernel of a variant. */
export function lstmBackwardStep(v: StepVariant) {
  checkRows(v.rows);
  const sharing = rowSharing(!!v.share);
  return kernelVariant({
    name: `lstm_backward_step.r${v.rows}${v.weights4 ? '.w4' : ''}${v.da4 ? '.da4' : ''}${sharing.suffix}`,
    enables: sharing.enables,
    code: [ACTIVATIONS_WGSL, SEQUENCE_PLACE_STATE_GRADS_WGSL, sharing.code, v.weights4 ? weightsVec4Wgsl : weightsScalarWgsl, v.da4 ? lstmDaVec4Wgsl : lstmDaScalarWgsl, lstmCellBackwardWgsl, lstmBackwardWgsl],
    consts: { ROWS: v.rows },
    storage: lstmBackwardStorage(!!v.weights4, !!v.da4),
    uniform: { name: 'step', struct: LSTM_BACKWARD_STEP },
    // UNITS: hidden units per invocation, 1 (GPUs) or 4 (CPU adapters).
    constants: { WG: 64, UNITS: 1, ...ACTIVATION_CONSTANTS },
  });
}

/**
 * The LSTM backward step kernel for GPUs (lstm_backward_step_coalesced.wgsl): 16 units and 4 slices
 * of the gate rows per workgroup, so a warp's W_hh loads are consecutive and a step has ⌈H/16⌉·B
 * workgroups.
 */
export const LSTM_BACKWARD_STEP_COALESCED = kernelVariant({
  name: 'lstm_backward_step_coalesced',
  code: [ACTIVATIONS_WGSL, SEQUENCE_PLACE_STATE_GRADS_WGSL, weightsScalarWgsl, lstmCellBackwardWgsl, lstmBackwardCoalescedWgsl],
  consts: { PROJ: false },
  storage: lstmBackwardStorage(false, false),
  uniform: { name: 'step', struct: LSTM_BACKWARD_STEP },
  constants: { ...ACTIVATION_CONSTANTS },
});

/**
 * The same kernel for an LSTM with a projection (LSTMP): dh_t comes from lstmp_backward_dh.wgsl
 * (through dhTotal, R wide) and goes through W_hr to m_t; the row lengths have their own binding.
 */
const { dH: _dH, ...LSTMP_BACKWARD_STORAGE } = lstmBackwardStorage(false, false);
export const LSTMP_BACKWARD_STEP = kernelVariant({
  name: 'lstm_backward_step_coalesced.proj',
  code: [ACTIVATIONS_WGSL, SEQUENCE_PLACE_WGSL, weightsScalarWgsl, lstmpCellBackwardWgsl, lstmBackwardCoalescedWgsl],
  consts: { PROJ: true },
  storage: { ...LSTMP_BACKWARD_STORAGE, dhTotal: { access: 'read', doc: '[D][T,B,R] dL/dh_t from lstmp_backward_dh.wgsl' }, lengths: LENGTHS_BINDING },
  uniform: { name: 'step', struct: LSTM_BACKWARD_STEP },
  constants: { ...ACTIVATION_CONSTANTS },
});

const GRU_FORWARD_STORAGE = {
  params: { access: 'read', doc: 'the flat parameters (W_hh, b_hh at offWhh, offBhh)' },
  gates: { access: 'read_write', doc: '[T,B,D·4H] r, z, n, W_hn·h + b_hn', elemAlias: true },
  h: { access: 'read_write', doc: '[D][T+1,B,H] hidden states (sequence_place.wgsl: the slots)' },
  xproj: { access: 'read', doc: '[T,B,D·3H] = x·W_ihᵀ + b_ih' },
  out: OUT_BINDING,
  lengths: LENGTHS_BINDING,
} as const;

const GRU_BACKWARD_STORAGE = {
  params: { access: 'read', doc: 'the flat parameters (W_hh at offWhh)' },
  da: { access: 'read_write', doc: '[T,B,D·3H] input-side gradients [da_r, da_z, da_n]' },
  dah: { access: 'read_write', doc: '[T,B,D·3H] recurrent-side gradients [da_r, da_z, da_n ⊙ r]' },
  dhTotal: { access: 'read_write', doc: '[D][T,B,H] total dL/dh_t' },
  stateGrads: STATE_GRADS_BINDING,
  dH: { access: 'read', doc: '[T,B,D·H] from the loss or the layer above' },
  gates: { access: 'read', doc: '[T,B,D·4H] r, z, n, W_hn·h + b_hn' },
  h: { access: 'read', doc: '[D][T+1,B,H] hidden states' },
} as const;

/** The GRU forward step for GPUs (gru_forward_step.wgsl): the coalesced work split. */
export const GRU_FORWARD_STEP = kernelVariant({
  name: 'gru_forward_step',
  code: [ACTIVATIONS_WGSL, SEQUENCE_PLACE_WGSL, weightsScalarWgsl, GRU_CELL_WGSL, gruForwardWgsl],
  consts: { WG: GPU_FORWARD_LANES },
  storage: GRU_FORWARD_STORAGE,
  uniform: { name: 'step', struct: FORWARD_STEP },
  // UNITS: hidden units per workgroup, 1..4 (its partial sums are arrays of 12 = 3 gates × 4 units).
  constants: { UNITS: 4, ...ACTIVATION_CONSTANTS },
});

/** The GRU backward step for GPUs (gru_backward_step.wgsl): 16 units × 4 slices of the gate rows per workgroup. */
export const GRU_BACKWARD_STEP = kernelVariant({
  name: 'gru_backward_step',
  code: [SEQUENCE_PLACE_STATE_GRADS_WGSL, weightsScalarWgsl, GRU_STEP_BACKWARD_WGSL, gruBackwardWgsl],
  storage: GRU_BACKWARD_STORAGE,
  uniform: { name: 'step', struct: LSTM_BACKWARD_STEP },
});

/** The GRU forward step for CPU adapters (gru_forward_step_rows.wgsl): a unit per invocation, `rows` rows per workgroup. */
export function gruForwardStepRows(v: StepVariant) {
  checkRows(v.rows);
  const sharing = rowSharing(!!v.share);
  return kernelVariant({
    name: `gru_forward_step_rows.r${v.rows}${v.weights4 ? '.w4' : ''}${sharing.suffix}`,
    enables: sharing.enables,
    code: [ACTIVATIONS_WGSL, SEQUENCE_PLACE_WGSL, sharing.code, hRowsWgsl, v.weights4 ? weightsVec4Wgsl : weightsScalarWgsl, GRU_CELL_WGSL, gruForwardRowsWgsl],
    consts: { ROWS: v.rows },
    storage: { ...GRU_FORWARD_STORAGE, params: paramsBinding(!!v.weights4, 'the flat parameters (W_hh, b_hh at offWhh, offBhh)') },
    uniform: { name: 'step', struct: FORWARD_STEP },
    constants: { WG: 64, ...ACTIVATION_CONSTANTS },
  });
}

/** The GRU backward step for CPU adapters (gru_backward_step_rows.wgsl): UNITS units per invocation, `rows` rows per workgroup. */
export function gruBackwardStepRows(v: StepVariant) {
  checkRows(v.rows);
  const sharing = rowSharing(!!v.share);
  return kernelVariant({
    name: `gru_backward_step_rows.r${v.rows}${v.weights4 ? '.w4' : ''}${sharing.suffix}`,
    enables: sharing.enables,
    code: [SEQUENCE_PLACE_STATE_GRADS_WGSL, sharing.code, v.weights4 ? weightsVec4Wgsl : weightsScalarWgsl, GRU_STEP_BACKWARD_WGSL, gruBackwardRowsWgsl],
    consts: { ROWS: v.rows },
    storage: { ...GRU_BACKWARD_STORAGE, params: paramsBinding(!!v.weights4, 'the flat parameters (W_hh at offWhh)') },
    uniform: { name: 'step', struct: LSTM_BACKWARD_STEP },
    // UNITS: hidden units per invocation, 1 or 4 (four where W_hh's rows are read four floats at a time).
    constants: { WG: 64, UNITS: 1 },
  });
}

/** The projection of an LSTMP step (lstmp_project_step.wgsl): h_t = W_hr·m_t. */
export const LSTMP_PROJECT_STEP = kernelVariant({
  name: 'lstmp_project_step',
  code: [SEQUENCE_PLACE_WGSL, weightsScalarWgsl, lstmpProjectStepWgsl],
  storage: {
    h: { access: 'read_write', doc: '[D][T+1,B,R] hidden states' },
    out: OUT_BINDING,
    m: { access: 'read', doc: '[D][T,B,H] m = o ⊙ ψ(s)' },
    params: { access: 'read', doc: 'the flat parameters (W_hr at offWhr)' },
    lengths: LENGTHS_BINDING,
  },
  uniform: { name: 'step', struct: PROJECT_STEP },
  constants: { WG: 64 },
});

/** The first half of an LSTMP backward step (lstmp_backward_dh.wgsl): dh_t, R wide, and dh_{-1}. */
export const LSTMP_BACKWARD_DH = kernelVariant({
  name: 'lstmp_backward_dh',
  code: [SEQUENCE_PLACE_WGSL, weightsScalarWgsl, lstmpBackwardDhWgsl],
  storage: {
    dhTotal: { access: 'read_write', doc: '[D][T,B,R] dL/dh_t' },
    stateGrads: { access: 'read_write', doc: '[4,L·D,B,H] sections: dh0 written, dhN read ([L·D,B,R] at their start)' },
    dH: { access: 'read', doc: '[T,B,D·R] from the loss or the layer above' },
    da: { access: 'read', doc: '[T,B,D·4H]' },
    params: { access: 'read', doc: 'the flat parameters (W_hh at offWhh)' },
    lengths: LENGTHS_BINDING,
  },
  uniform: { name: 'step', struct: LSTMP_BACKWARD_DH_STEP },
  constants: { WG: 64 },
});

/** The bindings of the RNN forward step kernels (both work splits). */
const RNN_FORWARD_STORAGE = {
  h: { access: 'read_write', doc: '[D][T+1,B,H] hidden states (sequence_place.wgsl: the slots)' },
  xproj: { access: 'read', doc: '[T,B,D·H] = x·W_ihᵀ + b_ih' },
  params: { access: 'read', doc: 'the flat parameters (W_hh, b_hh at offWhh, offBhh)' },
  out: OUT_BINDING,
  lengths: LENGTHS_BINDING,
} as const;

/** The RNN forward step kernel for `rows` rows per workgroup. */
export function rnnForwardStep(rows: number) {
  checkRows(rows);
  return kernelVariant({
    name: `rnn_forward_step.r${rows}`,
    code: [ACTIVATIONS_WGSL, SEQUENCE_PLACE_WGSL, weightsScalarWgsl, rnnCellUpdateWgsl, rnnForwardWgsl],
    consts: { ROWS: rows },
    storage: RNN_FORWARD_STORAGE,
    uniform: { name: 'step', struct: FORWARD_STEP },
    constants: { WG: 64, ...ACTIVATION_CONSTANTS },
  });
}

/** The RNN forward step kernel for GPUs (rnn_forward_step_coalesced.wgsl): lanes split k, as in the LSTM's. */
export const RNN_FORWARD_STEP_COALESCED = kernelVariant({
  name: 'rnn_forward_step_coalesced',
  code: [ACTIVATIONS_WGSL, SEQUENCE_PLACE_WGSL, weightsScalarWgsl, rnnCellUpdateWgsl, rnnForwardCoalescedWgsl],
  consts: { WG: GPU_FORWARD_LANES },
  storage: RNN_FORWARD_STORAGE,
  uniform: { name: 'step', struct: FORWARD_STEP },
  // UNITS: hidden units per workgroup, 1..16.
  constants: { UNITS: 16, ...ACTIVATION_CONSTANTS },
});

/** The RNN backward step kernel for `rows` rows per workgroup. */
export function rnnBackwardStep(rows: number) {
  checkRows(rows);
  return kernelVariant({
    name: `rnn_backward_step.r${rows}`,
    code: [ACTIVATIONS_WGSL, SEQUENCE_PLACE_WGSL, weightsScalarWgsl, rnnBackwardWgsl],
    consts: { ROWS: rows },
    storage: {
      da: { access: 'read_write', doc: '[T,B,D·H] dL/d(pre-activations)' },
      dhTotal: { access: 'read_write', doc: '[D][T,B,H] total dL/dh_t' },
      dh0: { access: 'read_write', doc: '[L·D,B,H]' },
      dH: { access: 'read', doc: '[T,B,D·H] from the loss or the layer above' },
      dhN: { access: 'read', doc: '[L·D,B,H]' },
      h: { access: 'read', doc: '[D][T+1,B,H]' },
      params: { access: 'read', doc: 'the flat parameters (W_hh at offWhh)' },
      lengths: LENGTHS_BINDING,
    },
    uniform: { name: 'step', struct: RNN_BACKWARD_STEP },
    constants: { WG: 64, ...ACTIVATION_CONSTANTS },
  });
}

/**
 * Whether every row of a layer's W_hh [4H,H] starts on a 16-byte boundary inside the parameter
 * buffer, so the kernels may read it four floats per load.
 */
export const weightRowsAligned = (H: number, offWhh: number): boolean => H % 4 === 0 && offWhh % 4 === 0;

export interface StepDims {
  cell: CellKind;
  activation: CellActivation;
  T: number;
  B: number;
  H: number;
  /** The width of h: H, or the LSTM projection's size (W_hr [R,H] at offWhr, whrStride apart per direction). */
  R: number;
  offWhr: number;
  whrStride: number;
  /** Offset of this layer's [D,B,R] block in the dh sections of stateGrads (= offState without a projection). */
  offStateR: number;
  /** Directions (1, or 2 when bidirectional): the forward kernels run them side by side (workgroup z). */
  D: number;
  /** Offsets (floats) of this layer's W_hh (the first direction's) and stacked b_hh in the parameter buffer. */
  offWhh: number;
  offBhh: number;
  /** Floats from one direction's W_hh to the next's. */
  whhStride: number;
  /** Offset of this layer's [B,H] slice in the [L,B,H] state buffers (h0, c0, dhN, dcN, dh0, dc0). */
  offState: number;
  /** L·B·H: the stride between the sections (dh0, dc0, dhN, dcN) of the LSTM's stateGrads buffer. */
  stateSection: number;
  /** 'f16': params, xproj and gates are bound as f16 (src/scheduler/precision.ts); default 'f32'. */
  precision?: Precision;
}

/** The kernel as it reads the buffers of this precision: under 'f16' its HALF_STORAGE bindings retyped (halfPrecision). */
export const storedIn = (precision: Precision = 'f32') => <const D extends KernelDesc>(kernel: Kernel<D>): Kernel<D> =>
  precision === 'f16' ? halfPrecision(kernel, HALF_STORAGE) : kernel;

export interface ForwardStepBuffers {
  /** LSTM only: activated gates [T,B,D·4H] and cell states [D][T+1,B,H]. */
  gates?: GPUBuffer;
  c?: GPUBuffer;
  /** LSTM with a projection: m = o ⊙ ψ(s), [D][T,B,H]. */
  m?: GPUBuffer;
  h: GPUBuffer;
  xproj: GPUBuffer;
  params: GPUBuffer;
  /** [T,B,D·H] the layer's output. */
  out: GPUBuffer;
  /** [B] u32 steps per row. */
  lengths: GPUBuffer;
}

/** Forward step kernel: variant t computes step t. */
/** What a layer's step kernels are to the scheduler: variant t records step t (or the whole sequence). */
export interface StepRecorder {
  record(rec: Recorder, variant?: number): void;
  dispose(): void;
}

/** Two kernels recorded one after the other for each variant: an LSTMP step's cell and projection halves. */
class StepPair implements StepRecorder {
  constructor(private readonly first: SteppedKernel, private readonly second: SteppedKernel) {}

  record(rec: Recorder, variant = 0): void {
    this.first.record(rec, variant);
    this.second.record(rec, variant);
  }

  dispose(): void {
    this.first.dispose();
    this.second.dispose();
  }
}

/**
 * Forward step kernel: variant t computes step t. With a projection (R < H) each step is the
 * coalesced cell kernel (on every adapter class: the rows kernels have no projection) and then the
 * projection h = W_hr·m.
 */
export function forwardStepKernel(gpu: Gpu, d: StepDims, buf: ForwardStepBuffers): StepRecorder {
  const stored = storedIn(d.precision);
  const proj = d.R !== d.H;
  const split = proj ? 'gpu' : workSplit(gpu);
  const shape = stepShapes(d.cell, d.B, d.H, split).forward;
  const variants = Array.from({ length: d.T }, (_, t) => ({ t, T: d.T, D: d.D, B: d.B, H: d.H, R: d.R, offWhh: d.offWhh, offBhh: d.offBhh, whhStride: d.whhStride }));
  const grid: [number, number, number] = [shape.grid[0], shape.grid[1], d.D];
  const common = { constants: { WG: shape.lanes, ...activationConstant(d.activation) }, variants, grid, label: `${d.cell} forward step` };
  const place = { out: buf.out, lengths: buf.lengths };
  if (d.cell === 'gru') {
    const buffers = { params: buf.params, gates: buf.gates!, h: buf.h, xproj: buf.xproj, ...place };
    if (split !== 'gpu') {
      const weights4 = weightRowsAligned(d.H, d.offWhh) && d.whhStride % 4 === 0;
      return new SteppedKernel(gpu, { ...common, kernel: stored(gruForwardStepRows({ rows: shape.rows, weights4, share: sharesRows(gpu) })), buffers });
    }
    return new SteppedKernel(gpu, { ...common, constants: { UNITS: shape.units, ...activationConstant(d.activation) }, kernel: stored(GRU_FORWARD_STEP), buffers });
  }
  if (d.cell === 'lstm') {
    const weights4 = weightRowsAligned(d.R, d.offWhh) && d.whhStride % 4 === 0;
    const buffers = { params: buf.params, gates: buf.gates!, c: buf.c!, h: buf.h, xproj: buf.xproj, ...place };
    const constants = { UNITS: shape.units, ...activationConstant(d.activation) };
    if (proj) {
      const cell = new SteppedKernel(gpu, { ...common, constants, kernel: stored(lstmpForwardStep({ weights4 })), buffers: { params: buf.params, gates: buf.gates!, c: buf.c!, h: buf.h, xproj: buf.xproj, m: buf.m!, lengths: buf.lengths } });
      const projection = new SteppedKernel(gpu, {
        kernel: stored(LSTMP_PROJECT_STEP), constants: {}, label: 'lstm projection step',
        buffers: { h: buf.h, out: buf.out, m: buf.m!, params: buf.params, lengths: buf.lengths },
        variants: variants.map((v) => ({ t: v.t, T: d.T, D: d.D, B: d.B, H: d.H, R: d.R, offWhr: d.offWhr, whrStride: d.whrStride })),
        grid: [Math.ceil(d.R / 64), d.B, d.D],
      });
      return new StepPair(cell, projection);
    }
    if (split === 'gpu') return new SteppedKernel(gpu, { ...common, constants, kernel: stored(lstmForwardStepCoalesced({ weights4 })), buffers });
    return new SteppedKernel(gpu, { ...common, kernel: stored(lstmForwardStep({ rows: shape.rows, weights4, share: sharesRows(gpu) })), buffers });
  }
  const buffers = { h: buf.h, xproj: buf.xproj, params: buf.params, ...place };
  if (split === 'gpu') {
    return new SteppedKernel(gpu, { ...common, constants: { UNITS: shape.units, ...activationConstant(d.activation) }, kernel: stored(RNN_FORWARD_STEP_COALESCED), buffers });
  }
  return new SteppedKernel(gpu, { ...common, kernel: stored(rnnForwardStep(shape.rows)), buffers });
}

export interface BackwardStepBuffers {
  da: GPUBuffer;
  /** LSTM only: total dL/ds_t [T,B,H]; dh0, dc0, dhN, dcN as the four sections of one [4,L,B,H] buffer; gates; c. */
  ds?: GPUBuffer;
  stateGrads?: GPUBuffer;
  gates?: GPUBuffer;
  c?: GPUBuffer;
  dhTotal: GPUBuffer;
  /** RNN only: [L,B,H] each. */
  dh0?: GPUBuffer;
  dhN?: GPUBuffer;
  dH: GPUBuffer;
  /** RNN and GRU: hidden states [D][T+1,B,H]. */
  h?: GPUBuffer;
  /** GRU only: the recurrent-side gate gradients [T,B,D·3H]. */
  dah?: GPUBuffer;
  params: GPUBuffer;
  /** [B] u32 steps per row (the LSTM kernels read them from the end of stateGrads). */
  lengths: GPUBuffer;
}

/** Backward step kernel: variant t (0..T-1) is step t; variant T is the final pass writing dh0 (and dc0). */
/**
 * Backward step kernel: variant t (0..T-1) is step t; variant T is the final pass writing dh0 (and
 * dc0). With a projection each step is lstmp_backward_dh (dh_t, R wide) and then the coalesced cell
 * kernel's .proj variant (through W_hr to m_t and the cell), on every adapter class.
 */
export function backwardStepKernel(gpu: Gpu, d: StepDims, buf: BackwardStepBuffers): StepRecorder {
  const stored = storedIn(d.precision);
  const proj = d.R !== d.H;
  const split = proj ? 'gpu' : workSplit(gpu);
  const shape = stepShapes(d.cell, d.B, d.H, split).backward;
  const step = (t: number) => ({
    t: Math.min(t, d.T - 1), T: d.T, D: d.D, B: d.B, H: d.H, R: d.R, offWhh: d.offWhh, whhStride: d.whhStride,
    offWhr: d.offWhr, whrStride: d.whrStride, offStateGrad: d.offState, isFinal: t === d.T ? 1 : 0,
  });
  const steps = Array.from({ length: d.T + 1 }, (_, t) => step(t));
  const grid: [number, number, number] = [shape.grid[0], shape.grid[1], d.D];
  const label = `${d.cell} backward step`;
  if (d.cell === 'gru') {
    const common = {
      label, grid,
      buffers: { params: buf.params, da: buf.da, dah: buf.dah!, dhTotal: buf.dhTotal, stateGrads: buf.stateGrads!, dH: buf.dH, gates: buf.gates!, h: buf.h! },
      variants: steps.map((v) => ({ ...v, section: d.stateSection })),
    };
    if (split !== 'gpu') {
      const kernel = stored(gruBackwardStepRows({ rows: shape.rows, weights4: weightRowsAligned(d.H, d.offWhh) && d.whhStride % 4 === 0, share: sharesRows(gpu) }));
      return new SteppedKernel(gpu, { ...common, kernel, constants: { WG: shape.lanes, UNITS: shape.units } });
    }
    return new SteppedKernel(gpu, { ...common, kernel: stored(GRU_BACKWARD_STEP), constants: {} });
  }
  if (d.cell === 'lstm') {
    const variants = steps.map((v) => ({ ...v, section: d.stateSection }));
    if (proj) {
      const dh = new SteppedKernel(gpu, {
        kernel: stored(LSTMP_BACKWARD_DH), constants: {}, label: 'lstm projection backward',
        buffers: { dhTotal: buf.dhTotal, stateGrads: buf.stateGrads!, dH: buf.dH, da: buf.da, params: buf.params, lengths: buf.lengths },
        variants: variants.map((v) => ({ t: v.t, T: v.T, D: v.D, B: v.B, H: v.H, R: v.R, offWhh: v.offWhh, whhStride: v.whhStride, offStateGradR: d.offStateR, isFinal: v.isFinal, section: v.section })),
        grid: [Math.ceil(d.R / 64), d.B, d.D],
      });
      const cell = new SteppedKernel(gpu, {
        kernel: stored(LSTMP_BACKWARD_STEP), constants: activationConstant(d.activation), variants, grid, label,
        buffers: { params: buf.params, da: buf.da, ds: buf.ds!, dhTotal: buf.dhTotal, stateGrads: buf.stateGrads!, gates: buf.gates!, c: buf.c!, lengths: buf.lengths },
      });
      return new StepPair(dh, cell);
    }
    // da four floats per access where rows are shared, each invocation owns whole 4-unit groups and H % 4 = 0.
    const buffers = { params: buf.params, da: buf.da, ds: buf.ds!, dhTotal: buf.dhTotal, stateGrads: buf.stateGrads!, dH: buf.dH, gates: buf.gates!, c: buf.c! };
    if (split === 'gpu') {
      return new SteppedKernel(gpu, { kernel: stored(LSTM_BACKWARD_STEP_COALESCED), constants: activationConstant(d.activation), buffers, variants, grid, label });
    }
    const share = sharesRows(gpu);
    const kernel = stored(lstmBackwardStep({ rows: shape.rows, weights4: weightRowsAligned(d.H, d.offWhh), da4: share && shape.units % 4 === 0 && d.H % 4 === 0, share }));
    return new SteppedKernel(gpu, {
      kernel,
      constants: { WG: shape.lanes, UNITS: shape.units, ...activationConstant(d.activation) },
      buffers,
      variants,
      grid,
      label,
    });
  }
  return new SteppedKernel(gpu, {
    kernel: stored(rnnBackwardStep(shape.rows)),
    constants: { WG: shape.lanes, ...activationConstant(d.activation) },
    buffers: { da: buf.da, dhTotal: buf.dhTotal, dh0: buf.dh0!, dH: buf.dH, dhN: buf.dhN!, h: buf.h!, params: buf.params, lengths: buf.lengths },
    variants: steps.map(({ t, T, D, B, H, offWhh, whhStride, offStateGrad, isFinal }) => ({ t, T, D, B, H, offWhh, whhStride, offStateGrad, isFinal })),
    grid,
    label,
  });
}
