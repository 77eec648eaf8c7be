// Wrappers of the per-step recurrent kernels: they bind buffers and encode, nothing else.
import lstmForwardWgsl from '../../shaders/lstm_forward_step.wgsl?raw';
import lstmBackwardWgsl from '../../shaders/lstm_backward_step.wgsl?raw';
import rnnForwardWgsl from '../../shaders/rnn_forward_step.wgsl?raw';
import rnnBackwardWgsl from '../../shaders/rnn_backward_step.wgsl?raw';
import lstmDaScalarWgsl from '../../shaders/lstm_da_scalar.wgsl?raw';
import lstmDaVec4Wgsl from '../../shaders/lstm_da_vec4.wgsl?raw';
import type { Gpu } from '../gpu/runtime';
import type { CellActivation, CellKind } from '../cpu/types';
import { SteppedKernel } from './stepped';
import { activationConstant, withActivations } from './activations';
import { cpuMaxRows, sharesRows, withRowSharing, workSplit, type WorkSplit } from './rowSharing';
import { weightRowsAligned, weightsPrelude, type Prelude } from './weights';
import { withRows } from './rowsConstant';

/** The most batch rows one per-step RNN workgroup takes (its accumulator arrays). */
const RNN_MAX_ROWS = 8;
/** CPU adapters: the fewest workgroups per step that keep lavapipe's two worker threads busy. */
const MIN_STEP_WORKGROUPS = 2;
// Hidden units per backward LSTM invocation on CPU adapters (GPUs take 1): each unit costs 1 weight
// load per gate row, so more units and rows per invocation mean fewer loads per multiply-add, which
// is what bounds lavapipe (bench/NOTES.md, v7): 32 rows × 4 units measured best (v8), as 32 rows × 4
// columns did for the GEMM. The forward kernel takes 1 unit (4 gate columns) and up to 32 rows.
const CPU_BACKWARD_UNITS = 4;

/**
 * Work split of the per-step kernels: `lanes` invocations per workgroup (a power of two from 8, the
 * CPU adapters' SIMD width, to 64), `units` hidden units per invocation and `rows` batch rows per
 * workgroup. GPUs take one unit and one row (the most parallelism for a latency-bound step). CPU
 * adapters take several: each weight loaded then serves all the rows, and a row's h or da value is
 * the same for the whole workgroup.
 */
interface StepShape {
  lanes: number;
  rows: number;
  units: number;
  grid: [number, number];
}

function stepShape(B: number, H: number, cpuAdapter: boolean, units: number, maxRows: number): StepShape {
  let lanes = Math.min(64, Math.max(8, 2 ** Math.ceil(Math.log2(Math.ceil(H / units)))));
  let rows = cpuAdapter ? Math.min(maxRows, B) : 1;
  const groups = () => Math.ceil(H / (lanes * units)) * Math.ceil(B / rows);
  // Narrower workgroups, then fewer rows, where there would be too few workgroups to keep the CPU's
  // threads busy.
  while (cpuAdapter && groups() < MIN_STEP_WORKGROUPS && (lanes > 8 || rows > 1)) {
    if (lanes > 8) lanes /= 2;
    else rows = Math.ceil(rows / 2);
  }
  return { lanes, rows, units, grid: [Math.ceil(H / (lanes * units)), Math.ceil(B / rows)] };
}

/** The work split of a layer's forward and backward step kernels for this shape and adapter. */
export function stepShapes(cell: CellKind, B: number, H: number, split: WorkSplit): { forward: StepShape; backward: StepShape } {
  const lstm = cell === 'lstm';
  const cpuAdapter = split !== 'gpu';
  // The LSTM kernels take up to 32 rows (forward: 1 hidden unit per invocation, backward: 4), 8
  // without row sharing (cpuMaxRows); the RNN kernels up to 8.
  const maxRows = lstm && cpuAdapter ? cpuMaxRows(split) : RNN_MAX_ROWS;
  return {
    forward: stepShape(B, H, cpuAdapter, 1, maxRows),
    backward: stepShape(B, H, cpuAdapter, cpuAdapter && lstm ? CPU_BACKWARD_UNITS : 1, maxRows),
  };
}

/**
 * A per-step kernel's name and WGSL: the activations and `preludes` in front, ROWS as a const
 * (withRows), and the row-sharing prelude first of all (it may hold an `enable` directive).
 */
function stepShader(gpu: Gpu, name: string, wgsl: string, rows: number, preludes: Prelude[] = []): { shader: string; code: string } {
  const code = [...preludes.map((p) => p.code), withActivations(wgsl)].join('\n');
  const kernel = withRows({ name: name + preludes.map((p) => p.suffix).join(''), code }, rows);
  const sharing = withRowSharing(gpu, kernel.code);
  return { shader: kernel.name + sharing.suffix, code: sharing.code };
}

export interface StepDims {
  cell: CellKind;
  activation: CellActivation;
  T: number;
  B: number;
  H: number;
  /** Offsets (floats) of this layer's W_hh and b_hh in the parameter buffer. */
  offWhh: number;
  offBhh: number;
  /** Offset of this layer's [B,H] slice in the [L,B,H] state buffers (h0, c0, dhN, dcN, dh0, dc0). */
  offState: number;
  /** L·B·H: the stride between the sections (dh0, dc0, dhN, dcN) of the LSTM's stateGrads buffer. */
  stateSection: number;
}

export interface ForwardStepBuffers {
  /** LSTM only: activated gates [T,B,4H] and cell states [T+1,B,H]. */
  gates?: GPUBuffer;
  c?: GPUBuffer;
  h: GPUBuffer;
  xproj: GPUBuffer;
  params: GPUBuffer;
}

/** Forward step kernel: variant t computes step t. */
export function forwardStepKernel(gpu: Gpu, d: StepDims, buf: ForwardStepBuffers): SteppedKernel {
  const lstm = d.cell === 'lstm';
  const shape = stepShapes(d.cell, d.B, d.H, workSplit(gpu)).forward;
  const variants = Array.from({ length: d.T }, (_, t) => new Uint32Array([t, d.B, d.H, d.offWhh, d.offBhh, 0, 0, 0]));
  return new SteppedKernel(gpu, {
    ...(lstm
      ? stepShader(gpu, 'lstm_forward_step', lstmForwardWgsl, shape.rows, [weightsPrelude(weightRowsAligned(d.H, d.offWhh))])
      : stepShader(gpu, 'rnn_forward_step', rnnForwardWgsl, shape.rows)),
    constants: activationConstant(d.activation),
    buffers: lstm ? [buf.params, buf.gates!, buf.c!, buf.h, buf.xproj] : [buf.h, buf.xproj, buf.params],
    variants,
    grid: shape.grid,
    workgroupSize: shape.lanes,
    label: `${d.cell} forward step`,
  });
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
  /** RNN only: hidden states [T+1,B,H]. */
  h?: GPUBuffer;
  params: GPUBuffer;
}

/**
 * The LSTM backward kernel's da prelude: da read and written four floats per access where row sharing
 * is on, each invocation owns whole 4-unit groups and H % 4 = 0 (lstm_da_vec4.wgsl), else one float
 * per access.
 */
function lstmDaPrelude(gpu: Gpu, H: number, units: number): Prelude {
  const vec4 = sharesRows(gpu) && units % 4 === 0 && H % 4 === 0;
  return vec4 ? { code: lstmDaVec4Wgsl, suffix: '+da4' } : { code: lstmDaScalarWgsl, suffix: '' };
}

/** Backward step kernel: variant t (0..T-1) is step t; variant T is the final pass writing dh0 (and dc0). */
export function backwardStepKernel(gpu: Gpu, d: StepDims, buf: BackwardStepBuffers): SteppedKernel {
  const lstm = d.cell === 'lstm';
  const shape = stepShapes(d.cell, d.B, d.H, workSplit(gpu)).backward;
  const variants = Array.from({ length: d.T + 1 }, (_, t) =>
    new Uint32Array([Math.min(t, d.T - 1), d.T, d.B, d.H, d.offWhh, d.offState, t === d.T ? 1 : 0, d.stateSection]),
  );
  return new SteppedKernel(gpu, {
    ...(lstm
      ? stepShader(gpu, 'lstm_backward_step', lstmBackwardWgsl, shape.rows, [lstmDaPrelude(gpu, d.H, shape.units), weightsPrelude(weightRowsAligned(d.H, d.offWhh))])
      : stepShader(gpu, 'rnn_backward_step', rnnBackwardWgsl, shape.rows)),
    constants: { ...(lstm ? { UNITS: shape.units } : {}), ...activationConstant(d.activation) },
    buffers: lstm
      ? [buf.params, buf.da, buf.ds!, buf.dhTotal, buf.stateGrads!, buf.dH, buf.gates!, buf.c!]
      : [buf.da, buf.dhTotal, buf.dh0!, buf.dH, buf.dhN!, buf.h!, buf.params],
    variants,
    grid: shape.grid,
    workgroupSize: shape.lanes,
    label: `${d.cell} backward step`,
  });
}
