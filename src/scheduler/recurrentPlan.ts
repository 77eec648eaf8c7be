import type { Gpu } from '../gpu/runtime';
import type { Recorder } from '../gpu/recorder';
import { gatesPerCell, layerInputSize, type RecurrentConfig } from '../config';
import { paramCount, type ParamLayout } from '../model/paramLayout';
import { GemmKernel, gemmFlops, gemmGrid } from '../kernels/gemm';
import { columnSumKernel } from '../kernels/columnSum';
import { backwardStepKernel, forwardStepKernel, stepShapes } from '../kernels/recurrentSteps';
import { workSplit, type WorkSplit } from '../kernels/rowSharing';
import { backwardSequenceKernel, forwardSequenceKernel, persistentFits } from '../kernels/recurrentSequence';
import type { SteppedKernel } from '../kernels/stepped';

/**
 * Fails before any allocation when a (T, B) shape cannot run on this device, naming the limit and
 * the size asked for: the largest buffer against maxStorageBufferBindingSize, and the widest grid
 * against maxComputeWorkgroupsPerDimension (under the device's work split, workSplit).
 */
export function checkPlanLimits(limits: GPUSupportedLimits, cfg: RecurrentConfig, T: number, B: number, split: WorkSplit = 'gpu'): void {
  const H = cfg.hiddenSize;
  const GH = gatesPerCell(cfg.cell) * H;
  const buffers: [string, number][] = [
    ['gate pre-activations [T,B,G·H]', T * B * GH],
    ['hidden states [T+1,B,H]', (T + 1) * B * H],
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

/** One layer's activations and gradients for a (T, B) shape. */
interface LayerBuffers {
  xproj: GPUBuffer; // [T,B,GH]  x·W_ihᵀ + b_ih
  h: GPUBuffer; // [T+1,B,H] slot 0 = h0
  c?: GPUBuffer; // [T+1,B,H] LSTM cell states, slot 0 = c0
  gates?: GPUBuffer; // [T,B,4H] LSTM activated gates
  da?: GPUBuffer; // [T,B,GH] gradient of the pre-activations
  ds?: GPUBuffer; // [T,B,H] LSTM total dL/ds_t
  dhTotal?: GPUBuffer; // [T,B,H] total dL/dh_t
  dH?: GPUBuffer; // [T,B,H] gradient arriving from the layer above (the top layer uses dOutput)
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
  forwardStep: SteppedKernel;
  backwardStep?: SteppedKernel;
  dWeightIh?: GemmKernel;
  dWeightHh?: GemmKernel;
  dBias?: SteppedKernel;
  dInput?: GemmKernel;
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
  readonly h0: GPUBuffer; // [L,B,H]
  readonly c0?: GPUBuffer; // [L,B,H]
  readonly dOutput?: GPUBuffer; // [T,B,H]
  readonly dhN?: GPUBuffer; // [L,B,H]
  readonly dcN?: GPUBuffer; // [L,B,H]
  readonly dx?: GPUBuffer; // [T,B,I]
  readonly dh0?: GPUBuffer; // [L,B,H]
  readonly dc0?: GPUBuffer; // [L,B,H]
  /** LSTM: dh0, dc0, dhN, dcN as the sections of one buffer for the kernels (copied in and out around BPTT). */
  private readonly stateGrads?: GPUBuffer; // [4,L,B,H]
  readonly layers: LayerBuffers[] = [];
  private readonly kernels: LayerKernels[] = [];
  private readonly owned: GPUBuffer[] = [];
  readonly strategy: Strategy;

  constructor(
    private readonly gpu: Gpu,
    readonly cfg: RecurrentConfig,
    layout: ParamLayout,
    params: GPUBuffer,
    grads: GPUBuffer | null,
    readonly T: number,
    readonly B: number,
    strategy: StrategyChoice = 'auto',
  ) {
    const { hiddenSize: H, numLayers: L, cell, cellActivation: activation } = cfg;
    const lstm = cell === 'lstm';
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
    try {
      this.x = alloc(TB * cfg.inputSize, 'x');
      this.h0 = alloc(L * B * H, 'h0');
      if (lstm) this.c0 = alloc(L * B * H, 'c0');
      if (backward) {
        this.dOutput = alloc(TB * H, 'dOutput');
        this.dhN = alloc(L * B * H, 'dhN');
        this.dx = alloc(TB * cfg.inputSize, 'dx');
        this.dh0 = alloc(L * B * H, 'dh0');
        if (lstm) {
          this.dcN = alloc(L * B * H, 'dcN');
          this.dc0 = alloc(L * B * H, 'dc0');
          this.stateGrads = alloc(4 * L * B * H, 'state gradients');
        }
      }
      for (let l = 0; l < L; l++) {
        const buf: LayerBuffers = {
          xproj: alloc(TB * GH, `xproj l${l}`),
          h: alloc((T + 1) * B * H, `h l${l}`),
        };
        if (lstm) {
          buf.c = alloc((T + 1) * B * H, `c l${l}`);
          buf.gates = alloc(TB * GH, `gates l${l}`);
        }
        if (backward) {
          buf.da = alloc(TB * GH, `da l${l}`);
          buf.dhTotal = alloc(TB * H, `dhTotal l${l}`);
          if (lstm) buf.ds = alloc(TB * H, `ds l${l}`);
          buf.dH = l === L - 1 ? this.dOutput : alloc(TB * H, `dH l${l}`);
        }
        this.layers.push(buf);
      }
      for (let l = 0; l < L; l++) this.kernels.push(this.buildLayer(l, layout, params, grads, H, GH, activation));
    } catch (err) {
      this.dispose();
      throw err;
    }
  }

  private buildLayer(l: number, layout: ParamLayout, params: GPUBuffer, grads: GPUBuffer | null, H: number, GH: number, activation: RecurrentConfig['cellActivation']): LayerKernels {
    const { T, B, cfg } = this;
    const TB = T * B;
    const In = layerInputSize(cfg, l);
    const p = layout.layers[l];
    const buf = this.layers[l];
    // Layer l's input: x, or the layer below's hidden states h_0..h_{T-1} (slots 1..T).
    const input = l === 0 ? { buffer: this.x, offset: 0 } : { buffer: this.layers[l - 1].h, offset: B * H };
    const dims = { cell: cfg.cell, activation, T, B, H, offWhh: p.weightHh.offset, offBhh: p.biasHh.offset, offState: l * B * H, stateSection: cfg.numLayers * B * H };
    const k: LayerKernels = {
      projection: new GemmKernel(this.gpu, {
        M: TB, N: GH, K: In, aLayout: 'MK', bLayout: 'NK',
        a: input, b: { buffer: params, offset: p.weightIh.offset }, c: { buffer: buf.xproj }, bias: { buffer: params, offset: p.biasIh.offset },
      }),
      forwardStep: (this.persistent ? forwardSequenceKernel : forwardStepKernel)(this.gpu, dims, { gates: buf.gates, c: buf.c, h: buf.h, xproj: buf.xproj, params }),
    };
    if (!grads) return k;
    k.backwardStep = (this.persistent ? backwardSequenceKernel : backwardStepKernel)(this.gpu, dims, {
      da: buf.da!, ds: buf.ds, stateGrads: this.stateGrads, gates: buf.gates, c: buf.c, h: buf.h,
      dhTotal: buf.dhTotal!, dh0: this.dh0, dH: buf.dH!, dhN: this.dhN, params,
    });
    // dW_ih = Σ_rows daᵀ·input, dW_hh = Σ_rows daᵀ·h_{t-1}, db = Σ_rows da, over all T·B rows at once.
    k.dWeightIh = new GemmKernel(this.gpu, { M: GH, N: In, K: TB, aLayout: 'KM', bLayout: 'KN', a: { buffer: buf.da! }, b: input, c: { buffer: grads, offset: p.weightIh.offset } });
    k.dWeightHh = new GemmKernel(this.gpu, { M: GH, N: H, K: TB, aLayout: 'KM', bLayout: 'KN', a: { buffer: buf.da! }, b: { buffer: buf.h, offset: 0 }, c: { buffer: grads, offset: p.weightHh.offset } });
    k.dBias = columnSumKernel(this.gpu, { R: TB, N: GH, A: buf.da!, out: grads, offOut1: p.biasIh.offset, offOut2: p.biasHh.offset });
    // dInput = da·W_ih: the layer below's dH, or dx for layer 0.
    const dInput = l === 0 ? this.dx! : this.layers[l - 1].dH!;
    k.dInput = new GemmKernel(this.gpu, { M: TB, N: In, K: GH, aLayout: 'MK', bLayout: 'KN', a: { buffer: buf.da! }, b: { buffer: params, offset: p.weightIh.offset }, c: { buffer: dInput } });
    return k;
  }

  /** Records the forward pass of every layer over all T steps. */
  encodeForward(rec: Recorder): void {
    const stateBytes = this.B * this.cfg.hiddenSize * 4;
    this.layers.forEach((buf, l) => {
      rec.copy(this.h0, l * stateBytes, buf.h, 0, stateBytes);
      if (buf.c) rec.copy(this.c0!, l * stateBytes, buf.c, 0, stateBytes);
    });
    this.kernels.forEach((k) => {
      k.projection.record(rec);
      this.recordForwardSteps(rec, k);
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
        { name: `dW_hh l${l}`, flops: k.dWeightHh!.flops, record: (rec: Recorder) => k.dWeightHh!.record(rec) },
        { name: `db l${l}`, flops: 0, record: (rec: Recorder) => k.dBias!.record(rec) },
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
    const section = this.cfg.numLayers * this.B * this.cfg.hiddenSize * 4;
    if (this.stateGrads) {
      rec.copy(this.dhN!, 0, this.stateGrads, 2 * section, section);
      rec.copy(this.dcN!, 0, this.stateGrads, 3 * section, section);
    }
    for (let l = this.cfg.numLayers - 1; l >= 0; l--) {
      const k = this.kernels[l];
      this.recordBackwardSteps(rec, k);
      k.dWeightIh!.record(rec);
      k.dWeightHh!.record(rec);
      k.dBias!.record(rec);
      if (l > 0 || inputGradient) k.dInput!.record(rec);
    }
    if (this.stateGrads) {
      rec.copy(this.stateGrads, 0, this.dh0!, 0, section);
      rec.copy(this.stateGrads, section, this.dc0!, 0, section);
    }
  }

  private get persistent(): boolean {
    return this.strategy === 'persistent';
  }

  /** Where the top layer's outputs h_0..h_{T-1} are: [T,B,H] from this float offset. */
  get output(): { buffer: GPUBuffer; offset: number } {
    return { buffer: this.layers[this.cfg.numLayers - 1].h, offset: this.B * this.cfg.hiddenSize };
  }

  dispose(): void {
    for (const k of this.kernels) {
      for (const kernel of Object.values(k)) kernel?.dispose();
    }
    this.kernels.length = 0;
    for (const b of this.owned) this.gpu.pool.release(b);
    this.owned.length = 0;
  }
}
