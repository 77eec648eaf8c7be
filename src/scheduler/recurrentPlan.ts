import type { Gpu } from '../gpu/runtime';
import type { Recorder } from '../gpu/recorder';
import { directions, gatesPerCell, layerInputSize, outputWidth, type RecurrentConfig } from '../config';
import { paramCount, type ParamLayout } from '../model/paramLayout';
import { GemmKernel, gemmFlops, gemmGrid } from '../kernels/gemm';
import { columnSumKernel } from '../kernels/columnSum';
import { backwardStepKernel, forwardStepKernel, stepShapes, type StepRecorder } from '../kernels/recurrentSteps';
import { workSplit, type WorkSplit } from '../kernels/rowSharing';
import { backwardSequenceKernel, forwardSequenceKernel, persistentFits } from '../kernels/recurrentSequence';
import type { SteppedKernel } from '../kernels/stepped';
import { Dropout } from '../kernels/dropout';
import { CastF16 } from '../kernels/castF16';
import { halfFloats, type Precision } from './precision';

/**
 * Fails before any allocation when a (T, B) shape cannot run on this device, naming the limit and
 * the size asked for: the largest buffer against maxStorageBufferBindingSize, and the widest grid
 * against maxComputeWorkgroupsPerDimension (under the device's work split, workSplit).
 */
export function checkPlanLimits(limits: GPUSupportedLimits, cfg: RecurrentConfig, T: number, B: number, split: WorkSplit = 'gpu'): void {
  const H = cfg.hiddenSize;
  const D = directions(cfg);
  const GH = gatesPerCell(cfg.cell) * H;
  const buffers: [string, number][] = [
    ['gate pre-activations [T,B,D·G·H]', T * B * D * GH],
    ['hidden states [D][T+1,B,H]', D * (T + 1) * B * H],
    ['input x [T,B,I]', T * B * cfg.inputSize],
    ['weights W_hh [G·H,H] (all parameters)', paramCount(cfg)],
  ];
  const maxBytes = Math.min(limits.maxStorageBufferBindingSize, limits.maxBufferSize);
  for (const [what, floats] of buffers) {
    if (floats * 4 > maxBytes) {
      throw new RangeError(`T=${T}, B=${B}: the ${what} buffer needs ${floats * 4} bytes, over this device's maxStorageBufferBindingSize of ${maxBytes}`);
    }
  }
  const grids: [string, number][] = [
    ['per-step kernels (batch rows)', Math.max(...Object.values(stepShapes(cfg.cell, B, H, split)).map((shape) => shape.grid[1]))],
    ['projection GEMM (T·B rows)', gemmGrid(split, T * B, GH, cfg.inputSize)[1]],
  ];
  for (const [what, groups] of grids) {
    if (groups > limits.maxComputeWorkgroupsPerDimension) {
      throw new RangeError(`T=${T}, B=${B}: the ${what} need ${groups} workgroups, over this device's maxComputeWorkgroupsPerDimension of ${limits.maxComputeWorkgroupsPerDimension}`);
    }
  }
}

/** One layer's activations and gradients for a (T, B) shape (D directions; slots: shaders/sequence_place.wgsl). */
interface LayerBuffers {
  xproj: GPUBuffer; // [T,B,D·GH]  x·W_ihᵀ + b_ih
  h: GPUBuffer; // [D][T+1,B,R] hidden states (R: H, or the projection's size)
  c?: GPUBuffer; // [D][T+1,B,H] LSTM cell states
  gates?: GPUBuffer; // [T,B,D·4H] LSTM activated gates; GRU r, z, n, W_hn·h + b_hn
  dah?: GPUBuffer; // [T,B,D·3H] GRU: the recurrent-side gate gradients (dW_hh, db_hh)
  out: GPUBuffer; // [T,B,D·R] the layer's output: h, 0 past a row's length
  next?: GPUBuffer; // [T,B,D·R] with dropout: what the layer above reads (out after dropout)
  m?: GPUBuffer; // [D][T,B,H] with a projection: m = o ⊙ ψ(s), which W_hr projects to h
  da?: GPUBuffer; // [T,B,D·GH] gradient of the pre-activations
  ds?: GPUBuffer; // [D][T,B,H] LSTM total dL/ds_t
  dhTotal?: GPUBuffer; // [D][T,B,R] total dL/dh_t
  dH?: GPUBuffer; // [T,B,D·R] gradient of the layer's output, from the layer above (the top layer uses dOutput)
}

/**
 * How the recurrence is scheduled. 'per-step': one dispatch per time step per layer (any shape).
 * 'persistent': one dispatch per layer per direction, a workgroup per batch row looping over time
 * (needs its state in workgroup memory). 'auto' picks persistent where it fits.
 */
export type Strategy = 'per-step' | 'persistent';
/** A Strategy, or 'auto': the scheduler picks per adapter and shape. */
export type StrategyChoice = Strategy | 'auto';

/**
 * Up to this many batch·hidden units, and hidden units per row, a CPU-emulated adapter runs the
 * persistent kernels faster (the sequence is latency-bound: ~20 µs per dispatch saved); above, the
 * per-step kernels win there, since they spread each step over all threads and share loads across
 * rows. Measured on lavapipe: bench/NOTES.md, v7.
 */
export const CPU_PERSISTENT_MAX_UNITS = 64;
export const CPU_PERSISTENT_MAX_HIDDEN = 32;

/**
 * The strategy `choice` resolves to for this device and shape; asking for persistent where it cannot
 * run is an error. 'auto': persistent wherever it fits on a GPU; on a CPU-emulated adapter only for
 * small shapes (see CPU_PERSISTENT_MAX_UNITS).
 */
export function resolveStrategy(limits: GPUSupportedLimits, cfg: RecurrentConfig, choice: StrategyChoice, B = 1, cpuAdapter = false): Strategy {
  // The projection (LSTMP) has per-step kernels only: a second product per step.
  if (cfg.projSize) {
    if (choice === 'persistent') throw new RangeError(`strategy 'persistent' has no projection (projSize ${cfg.projSize}): an LSTMP runs per step; use 'per-step' or 'auto'`);
    return 'per-step';
  }
  const fits = persistentFits(limits, cfg.cell, cfg.hiddenSize);
  if (choice === 'persistent' && !fits) {
    throw new RangeError(`strategy 'persistent' needs hiddenSize ${cfg.hiddenSize} in workgroup memory, over this device's maxComputeWorkgroupStorageSize of ${limits.maxComputeWorkgroupStorageSize}; use 'per-step' or 'auto'`);
  }
  if (choice !== 'auto') return choice;
  if (!fits) return 'per-step';
  const small = B * cfg.hiddenSize <= CPU_PERSISTENT_MAX_UNITS && cfg.hiddenSize <= CPU_PERSISTENT_MAX_HIDDEN;
  return cpuAdapter && !small ? 'per-step' : 'persistent';
}

interface LayerKernels {
  projection: GemmKernel;
  /** Per-step strategy: variant t is step t. Persistent: one variant, the whole sequence. */
  forwardStep: StepRecorder;
  backwardStep?: StepRecorder;
  dWeightIh?: GemmKernel;
  /** One per direction. */
  dWeightHh?: GemmKernel[];
  /** With a projection, one per direction: dW_hr = Σ dh_t·m_tᵀ. */
  dWeightHr?: GemmKernel[];
  /** bias_ih and bias_hh (the same sum, except the GRU's, whose b_hn gradient is scaled by r). */
  dBias?: SteppedKernel[];
  dInput?: GemmKernel;
  /** Between this layer and the next (training: a mask; evaluation: a copy). */
  dropout?: Dropout;
}

/**
 * Everything a stacked LSTM/RNN needs on the GPU for one (T, B) shape: buffers, kernels and bind
 * groups, built once and reused. `encodeForward`/`encodeBackward` record all T steps of all
 * layers into the caller's recorder with no read-back in between.
 *
 * Dispatches (per-step): forward L·(1 + T); backward L·(T + 1 + 3) + (L − 1) + 1 with the input gradient.
 * Dispatches (persistent): forward 2L; backward 4L + (L − 1) + 1 — independent of T.
 */
export class RecurrentPlan {
  readonly x: GPUBuffer; // [T,B,I]
  readonly h0: GPUBuffer; // [L·D,B,H]
  readonly c0?: GPUBuffer; // [L·D,B,H]
  /** [B] u32: each row's steps (T for all unless setLengths gave others). */
  readonly lengths: GPUBuffer;
  /** With dropout: [seed, call] as u32, written before each training forward pass. */
  private readonly dropoutState?: GPUBuffer;
  readonly dOutput?: GPUBuffer; // [T,B,D·H]
  readonly dhN?: GPUBuffer; // [L·D,B,H]
  readonly dcN?: GPUBuffer; // [L·D,B,H]
  readonly dx?: GPUBuffer; // [T,B,I]
  readonly dh0?: GPUBuffer; // [L·D,B,H]
  readonly dc0?: GPUBuffer; // [L·D,B,H]
  /**
   * LSTM: dh0, dc0, dhN, dcN as the sections of one buffer for the kernels (copied in and out around
   * BPTT), then the row lengths as floats (the LSTM backward kernels have no binding left for them).
   */
  private readonly stateGrads?: GPUBuffer; // [4,L·D,B,H] + [B]
  readonly layers: LayerBuffers[] = [];
  private readonly kernels: LayerKernels[] = [];
  private readonly owned: GPUBuffer[] = [];
  readonly strategy: Strategy;
  /** Precision 'f16': the f16 copy of the weights, remade from the f32 ones at the start of each forward pass. */
  private readonly weights16?: GPUBuffer;
  private readonly castWeights?: CastF16;

  constructor(
    private readonly gpu: Gpu,
    readonly cfg: RecurrentConfig,
    layout: ParamLayout,
    params: GPUBuffer,
    grads: GPUBuffer | null,
    readonly T: number,
    readonly B: number,
    strategy: StrategyChoice = 'auto',
    /** Seeds the dropout masks (src/dropout.ts). */
    private readonly dropoutSeed = 0,
    /** 'f16': weights, gate pre-activations and saved gates stored in f16 (src/scheduler/precision.ts). */
    readonly precision: Precision = 'f32',
  ) {
    const { hiddenSize: H, numLayers: L, cell, cellActivation: activation } = cfg;
    const lstm = cell === 'lstm';
    const gru = cell === 'gru';
    const D = directions(cfg);
    const R = outputWidth(cfg);
    const proj = R !== H;
    const GH = gatesPerCell(cell) * H;
    const TB = T * B;
    const backward = grads !== null;
    checkPlanLimits(gpu.limits, cfg, T, B, workSplit(gpu));
    this.strategy = resolveStrategy(gpu.limits, cfg, strategy, B, gpu.cpuAdapter);
    const alloc = (floats: number, label: string): GPUBuffer => {
      const b = gpu.storage(floats, label);
      this.owned.push(b);
      return b;
    };
    const half = precision === 'f16';
    // The tensors precision 'f16' stores in f16 (HALF_STORAGE): values, allocated as halves.
    const allocStored = (values: number, label: string): GPUBuffer => (half ? alloc(halfFloats(values), `${label} (f16)`) : alloc(values, label));
    try {
      if (half) {
        this.weights16 = alloc(halfFloats(layout.total), 'params (f16)');
        this.castWeights = new CastF16(gpu, { count: layout.total, src: params, dst: this.weights16, label: 'params to f16' });
      }
      this.x = alloc(TB * cfg.inputSize, 'x');
      this.h0 = alloc(L * D * B * R, 'h0');
      if (lstm) this.c0 = alloc(L * D * B * H, 'c0');
      this.lengths = alloc(B, 'lengths');
      const dropping = (cfg.dropout ?? 0) > 0 && L > 1;
      if (dropping) this.dropoutState = alloc(2, 'dropout state');
      if (backward) {
        const states = L * D * B * H;
        this.dOutput = alloc(TB * D * R, 'dOutput');
        this.dhN = alloc(L * D * B * R, 'dhN');
        this.dx = alloc(TB * cfg.inputSize, 'dx');
        this.dh0 = alloc(L * D * B * R, 'dh0');
        if (lstm) {
          this.dcN = alloc(states, 'dcN');
          this.dc0 = alloc(states, 'dc0');
        }
        if (lstm || gru) this.stateGrads = alloc(4 * states + B, 'state gradients');
      }
      for (let l = 0; l < L; l++) {
        const buf: LayerBuffers = {
          xproj: allocStored(TB * D * GH, `xproj l${l}`),
          h: alloc(D * (T + 1) * B * R, `h l${l}`),
          out: alloc(TB * D * R, `out l${l}`),
        };
        if (proj) buf.m = alloc(D * TB * H, `m l${l}`);
        if (lstm) {
          buf.c = alloc(D * (T + 1) * B * H, `c l${l}`);
          buf.gates = allocStored(TB * D * GH, `gates l${l}`);
        }
        if (gru) buf.gates = allocStored(TB * D * 4 * H, `gates l${l}`);
        if (dropping && l < L - 1) buf.next = alloc(TB * D * R, `dropout l${l}`);
        if (backward) {
          buf.da = alloc(TB * D * GH, `da l${l}`);
          buf.dhTotal = alloc(D * TB * R, `dhTotal l${l}`);
          if (lstm) buf.ds = alloc(D * TB * H, `ds l${l}`);
          if (gru) buf.dah = alloc(TB * D * GH, `dah l${l}`);
          buf.dH = l === L - 1 ? this.dOutput : alloc(TB * D * R, `dH l${l}`);
        }
        this.layers.push(buf);
      }
      this.setLengths(null);
      for (let l = 0; l < L; l++) this.kernels.push(this.buildLayer(l, layout, this.weights16 ?? params, grads, H, GH, activation));
    } catch (err) {
      this.dispose();
      throw err;
    }
  }

  /** `params`: the weights the kernels read (the f16 copy under precision 'f16'). */
  private buildLayer(l: number, layout: ParamLayout, params: GPUBuffer, grads: GPUBuffer | null, H: number, GH: number, activation: RecurrentConfig['cellActivation']): LayerKernels {
    const { T, B, cfg } = this;
    const TB = T * B;
    const D = directions(cfg);
    const In = layerInputSize(cfg, l);
    const p = layout.layers[l * D];
    const stacked = layout.stacked[l];
    const buf = this.layers[l];
    // Layer l's input: x, or the layer below's output (after dropout, where there is dropout).
    const below = this.layers[l - 1];
    const input = l === 0 ? { buffer: this.x, offset: 0 } : { buffer: below.next ?? below.out, offset: 0 };
    const whhStride = D > 1 ? layout.layers[l * D + 1].weightHh.offset - p.weightHh.offset : 0;
    const R = outputWidth(cfg);
    const offWhr = p.weightHr?.offset ?? 0;
    const whrStride = D > 1 && p.weightHr ? layout.layers[l * D + 1].weightHr!.offset - offWhr : 0;
    const dims = {
      cell: cfg.cell, activation, T, B, H, D, R, offWhh: p.weightHh.offset, offBhh: stacked.biasHh.offset, whhStride, offWhr, whrStride,
      offState: l * D * B * H, offStateR: l * D * B * R, stateSection: cfg.numLayers * D * B * H, precision: this.precision,
    };
    // Under precision 'f16' the GEMMs read the weights and write the pre-activations in f16.
    const half = (names: ('B' | 'bias' | 'C')[]) => (this.precision === 'f16' ? { half: names } : {});
    const k: LayerKernels = {
      // One GEMM projects the input for every direction: their W_ih and b_ih are stacked.
      projection: new GemmKernel(this.gpu, {
        M: TB, N: D * GH, K: In, aLayout: 'MK', bLayout: 'NK',
        a: input, b: { buffer: params, offset: stacked.weightIh.offset }, c: { buffer: buf.xproj }, bias: { buffer: params, offset: stacked.biasIh.offset }, ...half(['B', 'bias', 'C']),
      }),
      forwardStep: (this.persistent ? forwardSequenceKernel : forwardStepKernel)(this.gpu, dims, {
        gates: buf.gates, c: buf.c, h: buf.h, xproj: buf.xproj, params, out: buf.out, lengths: this.lengths, m: buf.m,
      }),
    };
    if (buf.next) {
      k.dropout = new Dropout(this.gpu, { count: TB * D * R, layer: l, p: cfg.dropout!, out: buf.out, next: buf.next, grad: grads ? buf.dH! : null, state: this.dropoutState! });
    }
    if (!grads) return k;
    k.backwardStep = (this.persistent ? backwardSequenceKernel : backwardStepKernel)(this.gpu, dims, {
      da: buf.da!, ds: buf.ds, stateGrads: this.stateGrads, gates: buf.gates, c: buf.c, h: buf.h,
      dhTotal: buf.dhTotal!, dh0: this.dh0, dH: buf.dH!, dhN: this.dhN, params, lengths: this.lengths, dah: buf.dah,
    });
    // Over all T·B rows at once, every direction in one product where their tensors are stacked:
    // dW_ih = Σ_rows daᵀ·input, db = Σ_rows da; per direction dW_hh = Σ_rows da_dᵀ·(the state its
    // step read): slots 0..T−1 forward, 1..T reverse. A step that does not exist has da = 0.
    k.dWeightIh = new GemmKernel(this.gpu, { M: D * GH, N: In, K: TB, aLayout: 'KM', bLayout: 'KN', a: { buffer: buf.da! }, b: input, c: { buffer: grads, offset: stacked.weightIh.offset } });
    // The GRU's recurrent side has its own gradients (dah: the candidate's scaled by r).
    const recurrentDa = buf.dah ?? buf.da!;
    k.dWeightHh = Array.from({ length: D }, (_, d) => new GemmKernel(this.gpu, {
      M: GH, N: R, K: TB, aLayout: 'KM', bLayout: 'KN', a: { buffer: recurrentDa, offset: d * GH }, lda: D * GH,
      b: { buffer: buf.h, offset: (d * (T + 1) + d) * B * R }, c: { buffer: grads, offset: layout.layers[l * D + d].weightHh.offset },
    }));
    // With a projection, per direction: dW_hr = Σ_rows dh_tᵀ·m_t (dh: [T·B,R], m: [T·B,H], this direction's sections).
    if (buf.m) {
      k.dWeightHr = Array.from({ length: D }, (_, d) => new GemmKernel(this.gpu, {
        M: R, N: H, K: TB, aLayout: 'KM', bLayout: 'KN', a: { buffer: buf.dhTotal!, offset: d * TB * R },
        b: { buffer: buf.m!, offset: d * TB * H }, c: { buffer: grads, offset: layout.layers[l * D + d].weightHr!.offset },
      }));
    }
    k.dBias = buf.dah
      ? [
          columnSumKernel(this.gpu, { R: TB, N: D * GH, A: buf.da!, out: grads, offOut1: stacked.biasIh.offset, offOut2: stacked.biasIh.offset }),
          columnSumKernel(this.gpu, { R: TB, N: D * GH, A: buf.dah, out: grads, offOut1: stacked.biasHh.offset, offOut2: stacked.biasHh.offset }),
        ]
      : [columnSumKernel(this.gpu, { R: TB, N: D * GH, A: buf.da!, out: grads, offOut1: stacked.biasIh.offset, offOut2: stacked.biasHh.offset })];
    // dInput = da·W_ih, summed over the directions: the layer below's dH, or dx for layer 0.
    const dInput = l === 0 ? this.dx! : this.layers[l - 1].dH!;
    k.dInput = new GemmKernel(this.gpu, { M: TB, N: In, K: D * GH, aLayout: 'MK', bLayout: 'KN', a: { buffer: buf.da! }, b: { buffer: params, offset: stacked.weightIh.offset }, c: { buffer: dInput }, ...half(['B']) });
    return k;
  }

  /**
   * Each row's number of steps (1 ≤ length ≤ T; checked by the caller), or null for T everywhere:
   * written to the GPU for the next recorded forward pass.
   */
  setLengths(lengths: Uint32Array<ArrayBuffer> | null): void {
    const rows = lengths ?? new Uint32Array(this.B).fill(this.T);
    this.gpu.write(this.lengths, rows);
    if (this.stateGrads) this.gpu.write(this.stateGrads, Float32Array.from(rows), 4 * this.cfg.numLayers * directions(this.cfg) * this.B * this.cfg.hiddenSize);
  }

  /**
   * Records the forward pass of every layer over all T steps. `dropoutCall`: a training pass, whose
   * dropout masks are those of this call index (written to the GPU now, for the submission that
   * follows, and read again by its backward pass); null (the default): evaluation, no dropout.
   */
  encodeForward(rec: Recorder, dropoutCall: number | null = null): void {
    if (this.dropoutState && dropoutCall !== null) this.gpu.write(this.dropoutState, new Uint32Array([this.dropoutSeed >>> 0, dropoutCall >>> 0]));
    const { T, B } = this;
    const D = directions(this.cfg);
    const hBytes = B * outputWidth(this.cfg) * 4;
    const cBytes = B * this.cfg.hiddenSize * 4;
    this.castWeights?.record(rec);
    this.layers.forEach((buf, l) => {
      for (let d = 0; d < D; d++) {
        // Direction d's initial state goes to its first slot: 0 forward, T reverse.
        const slot = d * (T + 1) + (d === 0 ? 0 : T);
        rec.copy(this.h0, (l * D + d) * hBytes, buf.h, slot * hBytes, hBytes);
        if (buf.c) rec.copy(this.c0!, (l * D + d) * cBytes, buf.c, slot * cBytes, cBytes);
      }
    });
    this.kernels.forEach((k, l) => {
      k.projection.record(rec);
      this.recordForwardSteps(rec, k);
      const next = this.layers[l].next;
      if (k.dropout && next) {
        if (dropoutCall !== null) k.dropout.recordForward(rec);
        else rec.copy(this.layers[l].out, 0, next, 0, this.T * this.B * directions(this.cfg) * outputWidth(this.cfg) * 4);
      }
    });
  }

  private recordForwardSteps(rec: Recorder, k: LayerKernels): void {
    if (this.persistent) k.forwardStep.record(rec, 0);
    else for (let t = 0; t < this.T; t++) k.forwardStep.record(rec, t);
  }

  private recordBackwardSteps(rec: Recorder, k: LayerKernels): void {
    if (this.persistent) {
      k.backwardStep!.record(rec, 0); // all steps and the final dh0, dc0
    } else {
      for (let t = this.T - 1; t >= 0; t--) k.backwardStep!.record(rec, t);
      k.backwardStep!.record(rec, this.T); // final pass: dh0, dc0
    }
  }

  /**
   * The kernels of a forward and backward pass in groups that can be recorded on their own, with
   * the FLOPs of their matrix products: for profiling (bench/kernelProfile.ts). Recording a group
   * alone computes on whatever its input buffers hold.
   */
  kernelGroups(): { name: string; flops: number; record: (rec: Recorder) => void }[] {
    const H = this.cfg.hiddenSize;
    const GH = gatesPerCell(this.cfg.cell) * H;
    const TB = this.T * this.B;
    // The recurrent products (W_hh·h forward, W_hhᵀ·da backward) are a [TB, GH]×[GH, H] product in total.
    const recurrent = gemmFlops(TB, GH, H);
    return this.kernels.flatMap((k, l) => {
      const groups = [
        { name: `projection l${l}`, flops: k.projection.flops, record: (rec: Recorder) => k.projection.record(rec) },
        { name: `forward steps l${l}`, flops: recurrent, record: (rec: Recorder) => this.recordForwardSteps(rec, k) },
      ];
      if (!k.backwardStep) return groups;
      return [
        ...groups,
        { name: `backward steps l${l}`, flops: recurrent, record: (rec: Recorder) => this.recordBackwardSteps(rec, k) },
        { name: `dW_ih l${l}`, flops: k.dWeightIh!.flops, record: (rec: Recorder) => k.dWeightIh!.record(rec) },
        { name: `dW_hh l${l}`, flops: k.dWeightHh!.reduce((f, g) => f + g.flops, 0), record: (rec: Recorder) => k.dWeightHh!.forEach((g) => g.record(rec)) },
        { name: `db l${l}`, flops: 0, record: (rec: Recorder) => k.dBias!.forEach((s) => s.record(rec)) },
        { name: `dx l${l}`, flops: k.dInput!.flops, record: (rec: Recorder) => k.dInput!.record(rec) },
      ];
    });
  }

  /**
   * Records backpropagation through time, top layer first. Needs the forward pass of the same
   * inputs recorded earlier, and dOutput/dhN/dcN written. `inputGradient: false` skips dx.
   */
  encodeBackward(rec: Recorder, inputGradient = true): void {
    if (!this.dOutput) throw new Error('this plan was built for inference only (no gradient buffers)');
    // Sections of L·D·B·H floats; dh0 and dhN (R wide under a projection) fill the start of theirs.
    const section = this.cfg.numLayers * directions(this.cfg) * this.B * this.cfg.hiddenSize * 4;
    const hSection = (section / this.cfg.hiddenSize) * outputWidth(this.cfg);
    if (this.stateGrads) {
      rec.copy(this.dhN!, 0, this.stateGrads, 2 * section, hSection);
      if (this.dcN) rec.copy(this.dcN, 0, this.stateGrads, 3 * section, section);
    }
    for (let l = this.cfg.numLayers - 1; l >= 0; l--) {
      const k = this.kernels[l];
      // The gradient the layer above sent reaches this layer's output through its dropout mask.
      k.dropout?.recordBackward(rec);
      this.recordBackwardSteps(rec, k);
      k.dWeightIh!.record(rec);
      for (const g of k.dWeightHh!) g.record(rec);
      for (const g of k.dWeightHr ?? []) g.record(rec);
      for (const s of k.dBias!) s.record(rec);
      if (l > 0 || inputGradient) k.dInput!.record(rec);
    }
    if (this.stateGrads) {
      rec.copy(this.stateGrads, 0, this.dh0!, 0, hSection);
      if (this.dc0) rec.copy(this.stateGrads, section, this.dc0, 0, section);
    }
  }

  private get persistent(): boolean {
    return this.strategy === 'persistent';
  }

  /** Where the top layer's outputs are: [T,B,D·H] from this float offset (0 past a row's length). */
  get output(): { buffer: GPUBuffer; offset: number } {
    return { buffer: this.layers[this.cfg.numLayers - 1].out, offset: 0 };
  }

  /** Where direction `d` of layer `l` keeps its final states: [B,R] of h and [B,H] of c, from these float offsets. */
  finalState(l: number, d: number): { h: GPUBuffer; c: GPUBuffer | null; hOffset: number; cOffset: number } {
    const { T, B } = this;
    const buf = this.layers[l];
    const slot = d * (T + 1) + (d === 0 ? T : 0);
    return { h: buf.h, c: buf.c ?? null, hOffset: slot * B * outputWidth(this.cfg), cOffset: slot * B * this.cfg.hiddenSize };
  }

  dispose(): void {
    for (const k of this.kernels) {
      for (const kernel of Object.values(k).flat()) kernel?.dispose();
    }
    this.kernels.length = 0;
    this.castWeights?.dispose();
    for (const b of this.owned) this.gpu.pool.release(b);
    this.owned.length = 0;
  }
}
