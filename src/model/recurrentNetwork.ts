import type { Gpu } from '../gpu/runtime';
import { formatAdapter } from '../gpu/device';
import { directions, gatesPerCell, outputWidth, type CellActivation, type CellKind, type LayerParams, type RecurrentConfig } from '../config';
import { ParamLayout } from './paramLayout';
import { RecurrentPlan, type StrategyChoice } from '../scheduler/recurrentPlan';
import { checkPrecision, type Precision } from '../scheduler/precision';
import { checkKnownKeys, checkLengths, checkPositiveInt, checkTensor } from '../validate';
import { initialWeights } from './init';
import { checkDropout } from '../dropout';
import { swapLeadingAxes } from '../sequenceLayout';

/** The options of a RecurrentNetwork; any other key is an error. */
export interface RecurrentOptions {
  cell?: CellKind;
  inputSize: number;
  hiddenSize: number;
  numLayers?: number;
  /** LSTM: φ = ψ (tanh standard, sigmoid the reference article's); RNN: its nonlinearity. */
  cellActivation?: CellActivation;
  /** Size of a linear head on top of the last layer (nn.Linear: head.weight [O,H], head.bias [O]); 0 = none. */
  outputSize?: number;
  /** How the recurrence is scheduled (see Strategy); 'auto' by default. */
  strategy?: StrategyChoice;
  /**
   * 'f16' (mixed precision, where the device has shader-f16): the kernels read f16 copies of the
   * weights and store the gate tensors in f16, computing in f32; master weights, gradients, states
   * and outputs stay f32 (src/scheduler/precision.ts). Default 'f32'.
   */
  precision?: Precision;
  /** Seed of the initial weights: PyTorch's init (initialWeights), seed 0 unless given; setWeights replaces them. */
  seed?: number;
  /**
   * Two directions per layer (PyTorch's bidirectional): the output is [T,B,2H], forward then reverse
   * halves, and layers above read both.
   */
  bidirectional?: boolean;
  /**
   * Dropout between stacked layers, p in [0, 1) (PyTorch's dropout): in training passes each element
   * of a layer's output reaches the next layer as 0 with probability p, else scaled by 1/(1−p); masks
   * drawn on the GPU from the seed and the call (src/dropout.ts); evaluation passes are unchanged.
   */
  dropout?: number;
  /**
   * LSTM only: a projection h = W_hr (o ⊙ ψ(c)), h projSize wide, in [1, hiddenSize) (PyTorch's
   * proj_size, LSTMP): outputs and h states are projSize wide, c stays hiddenSize; weight_hr_l{k}
   * [projSize, hiddenSize]. Runs with the per-step strategy.
   */
  projSize?: number;
  /**
   * Sequences [B,T,*] instead of [T,B,*] in forward, backward and training batches (PyTorch's
   * batch_first): x, output, dOutput, dx, and a training head's per-step targets, masks and
   * predictions; states stay [L·D,B,H]. Converted at the call, on the host.
   */
  batchFirst?: boolean;
}

const OPTION_KEYS = ['cell', 'inputSize', 'hiddenSize', 'numLayers', 'cellActivation', 'outputSize', 'strategy', 'precision', 'seed', 'bidirectional', 'dropout', 'batchFirst', 'projSize'] as const;

/** A batch of sequences for RecurrentNetwork.forward, time-major, with optional initial states. */
export interface SequenceInput {
  /** [T,B,I], time-major. */
  x: ArrayLike<number>;
  T: number;
  B: number;
  /** [L·D,B,H] (index layer·D + direction); zeros when absent. */
  h0?: ArrayLike<number>;
  /** [L·D,B,H], LSTM only; zeros when absent. */
  c0?: ArrayLike<number>;
  /**
   * Steps of each batch row, 1 ≤ length ≤ T, any order; absent: T for every row. A row's steps past
   * its length do not exist (PyTorch's packed sequences): output 0 there, final states from its last
   * step, the reverse direction starting at it.
   */
  lengths?: ArrayLike<number>;
}

/** What RecurrentNetwork.forward returns: the top layer's h at every step and the final states. */
export interface ForwardOutput {
  output: Float32Array; // [T,B,D·H]: forward then reverse halves
  hN: Float32Array; // [L·D,B,H]
  cN: Float32Array | null; // [L·D,B,H], LSTM only
}

/** The gradients of the loss with respect to what forward returned, for RecurrentNetwork.backward; dhN and dcN are zeros when absent. */
export interface OutputGradients {
  dOutput: ArrayLike<number>; // [T,B,D·H]
  dhN?: ArrayLike<number>; // [L·D,B,H]
  dcN?: ArrayLike<number>; // [L·D,B,H]
}

/** What RecurrentNetwork.backward returns: gradients of the inputs, the initial states and every parameter. */
export interface BackwardOutput {
  dx: Float32Array; // [T,B,I]
  dh0: Float32Array; // [L·D,B,H]
  dc0: Float32Array | null;
  grads: LayerParams<Float32Array>[];
}

const PLAN_CACHE_SIZE = 4;

/**
 * A stacked LSTM or vanilla RNN living on the GPU, parameters in PyTorch's layout and order.
 * Plans (buffers + kernels for one (T, B) shape) are cached, so repeated calls allocate nothing.
 */
export class RecurrentNetwork {
  readonly cfg: RecurrentConfig;
  readonly layout: ParamLayout;
  readonly params: GPUBuffer;
  readonly grads: GPUBuffer;
  readonly strategy: StrategyChoice;
  readonly precision: Precision;
  /** Seeds the dropout masks (the network's seed). */
  readonly dropoutSeed: number;
  /** Sequences are [B,T,*] at this network's calls (RecurrentOptions.batchFirst). */
  readonly batchFirst: boolean;
  /** Training forward passes so far: the call index of the next one's dropout masks. */
  private dropoutCalls = 0;
  /** Dispatches recorded by the last forward and backward calls. */
  readonly lastDispatches = { forward: 0, backward: 0 };
  private readonly plans = new Map<string, RecurrentPlan>();
  private lastForward: RecurrentPlan | null = null;
  private disposed = false;

  constructor(private readonly gpu: Gpu, opts: RecurrentOptions) {
    // An option this network does not have (bidirectional, dropout, ...) is an error, never ignored.
    checkKnownKeys('RecurrentNetwork options', opts, OPTION_KEYS);
    const seed = opts.seed ?? 0;
    if (!Number.isInteger(seed) || seed < 0 || seed > 0xffffffff) throw new RangeError(`seed must be an integer in [0, 2^32), got ${seed}`);
    const cell = opts.cell ?? 'lstm';
    if (cell !== 'lstm' && cell !== 'rnn' && cell !== 'gru') throw new RangeError(`cell must be 'lstm', 'rnn' or 'gru', got ${String(cell)}`);
    const cellActivation = opts.cellActivation ?? 'tanh';
    if (cellActivation !== 'tanh' && cellActivation !== 'sigmoid') throw new RangeError(`cellActivation must be 'tanh' or 'sigmoid', got ${String(cellActivation)}`);
    this.cfg = {
      cell,
      inputSize: checkPositiveInt('inputSize', opts.inputSize),
      hiddenSize: checkPositiveInt('hiddenSize', opts.hiddenSize),
      numLayers: checkPositiveInt('numLayers', opts.numLayers ?? 1),
      cellActivation,
      ...(opts.bidirectional ? { bidirectional: true } : {}),
      ...(opts.dropout ? { dropout: checkDropout(opts.dropout) } : {}),
      ...(opts.projSize ? { projSize: opts.projSize } : {}),
    };
    if (opts.projSize !== undefined && opts.projSize !== 0) {
      if (cell !== 'lstm') throw new RangeError(`projSize is for the LSTM only (cell '${cell}')`);
      if (!Number.isInteger(opts.projSize) || opts.projSize < 1 || opts.projSize >= this.cfg.hiddenSize) {
        throw new RangeError(`projSize must be an integer in [1, hiddenSize = ${this.cfg.hiddenSize}), got ${String(opts.projSize)}`);
      }
    }
    if (opts.dropout !== undefined) checkDropout(opts.dropout);
    this.dropoutSeed = seed;
    if (opts.batchFirst !== undefined && typeof opts.batchFirst !== 'boolean') throw new TypeError(`batchFirst must be true or false, got ${String(opts.batchFirst)}`);
    this.batchFirst = !!opts.batchFirst;
    if (opts.bidirectional !== undefined && typeof opts.bidirectional !== 'boolean') throw new TypeError(`bidirectional must be true or false, got ${String(opts.bidirectional)}`);
    this.strategy = opts.strategy ?? 'auto';
    if (!['auto', 'per-step', 'persistent'].includes(this.strategy)) throw new RangeError(`strategy must be 'auto', 'per-step' or 'persistent', got ${String(this.strategy)}`);
    this.precision = checkPrecision(opts.precision ?? 'f32', gpu.device, formatAdapter(gpu.info));
    const outputSize = opts.outputSize === undefined || opts.outputSize === 0 ? 0 : checkPositiveInt('outputSize', opts.outputSize);
    this.layout = new ParamLayout(this.cfg, outputSize);
    const maxBytes = Math.min(gpu.limits.maxStorageBufferBindingSize, gpu.limits.maxBufferSize);
    if (this.layout.total * 4 > maxBytes) {
      const { inputSize, hiddenSize, numLayers } = this.cfg;
      throw new RangeError(`inputSize=${inputSize}, hiddenSize=${hiddenSize}, numLayers=${numLayers}, outputSize=${outputSize}: the ${this.layout.total} parameters need ${this.layout.total * 4} bytes, over this device's maxStorageBufferBindingSize of ${maxBytes}`);
    }
    this.params = gpu.storage(this.layout.total, 'params');
    try {
      this.grads = gpu.storage(this.layout.total, 'grads');
    } catch (err) {
      gpu.pool.release(this.params);
      throw err;
    }
    this.gpu.write(this.params, initialWeights(this.layout, { seed }));
  }

  /** Uploads the recurrent layers' weights (PyTorch layout per layer); every length and value is checked first. */
  setWeights(layers: LayerParams<ArrayLike<number>>[]): void {
    const flat = this.layout.pack(layers);
    this.gpu.write(this.params, flat.subarray(0, this.layout.head?.weight.offset ?? flat.length));
  }

  /** Uploads every parameter (recurrent layers and head) from one flat array in the layout's order. */
  setFlatWeights(flat: Float32Array): void {
    if (flat.length !== this.layout.total) throw new RangeError(`weights: expected ${this.layout.total} values, got ${flat.length}`);
    const bad = flat.findIndex((v) => !Number.isFinite(v));
    if (bad >= 0) throw new RangeError(`weights: value at index ${bad} is ${flat[bad]} (weights must be finite)`);
    this.gpu.write(this.params, flat);
  }

  async getFlatWeights(): Promise<Float32Array> {
    return this.gpu.read(this.params, this.layout.total);
  }

  async getWeights(): Promise<LayerParams<Float32Array>[]> {
    return this.layout.unpack(await this.gpu.read(this.params, this.layout.total));
  }

  async getGradients(): Promise<LayerParams<Float32Array>[]> {
    return this.layout.unpack(await this.gpu.read(this.grads, this.layout.total));
  }

  /** The cached plan for (T, B); `training` plans also hold the buffers of the backward pass. */
  plan(T: number, B: number, training: boolean): RecurrentPlan {
    if (this.disposed) throw new Error('this RecurrentNetwork was disposed');
    checkPositiveInt('T (sequence length)', T);
    checkPositiveInt('B (batch size)', B);
    const key = `${T}x${B}${training ? ':train' : ''}`;
    let plan = this.plans.get(key);
    if (plan) {
      this.plans.delete(key); // re-insert: the Map's order is the LRU order
    } else {
      plan = new RecurrentPlan(this.gpu, this.cfg, this.layout, this.params, training ? this.grads : null, T, B, this.strategy, this.dropoutSeed, this.precision);
    }
    this.plans.set(key, plan);
    while (this.plans.size > PLAN_CACHE_SIZE) {
      const [oldKey, old] = this.plans.entries().next().value!;
      if (old === this.lastForward) this.lastForward = null;
      old.dispose();
      this.plans.delete(oldKey);
    }
    return plan;
  }

  /** Checks T, B, x, h0, c0 and lengths (no GPU work) and returns them ready to upload. */
  checkInputs(input: SequenceInput): { x: Float32Array<ArrayBuffer>; h0: Float32Array<ArrayBuffer>; c0: Float32Array<ArrayBuffer>; lengths: Uint32Array<ArrayBuffer> | null } {
    checkKnownKeys('sequence input', input, ['x', 'T', 'B', 'h0', 'c0', 'lengths']);
    const T = checkPositiveInt('T (sequence length)', input.T);
    const B = checkPositiveInt('B (batch size)', input.B);
    const { inputSize: I, hiddenSize: H } = this.cfg;
    const R = outputWidth(this.cfg);
    const LD = this.cfg.numLayers * directions(this.cfg);
    const x = checkTensor('x', input.x, [T, B, I], '[T,B,I]');
    const h0 = input.h0 ? checkTensor('h0', input.h0, [LD, B, R], R === H ? '[L·D,B,H]' : '[L·D,B,R]') : new Float32Array(LD * B * R);
    if (input.c0 && this.cfg.cell !== 'lstm') throw new RangeError('c0 is only for LSTMs (an RNN has no cell state)');
    const c0 = input.c0 ? checkTensor('c0', input.c0, [LD, B, H], '[L·D,B,H]') : new Float32Array(LD * B * H);
    const lengths = input.lengths === undefined ? null : checkLengths(input.lengths, T, B);
    return { x, h0, c0, lengths };
  }

  /** Checks and uploads x, h0, c0 into a plan. */
  writeInputs(plan: RecurrentPlan, input: SequenceInput): void {
    this.uploadInputs(plan, this.checkInputs(input));
  }

  private uploadInputs(plan: RecurrentPlan, inputs: ReturnType<RecurrentNetwork['checkInputs']>): void {
    this.gpu.write(plan.x, inputs.x);
    this.gpu.write(plan.h0, inputs.h0);
    if (plan.c0) this.gpu.write(plan.c0, inputs.c0);
    plan.setLengths(inputs.lengths);
  }

  /** Runs all layers over the sequence. With `training`, the activations are kept for `backward`. */
  async forward(input: SequenceInput, opts: { training?: boolean } = {}): Promise<ForwardOutput> {
    const { T, B } = input;
    const training = opts.training ?? true;
    if (this.batchFirst) input = { ...input, x: this.timeMajor('x', input.x, input.T, input.B, this.cfg.inputSize) };
    const inputs = this.checkInputs(input); // before the plan: bad input builds nothing and evicts nothing
    const plan = this.plan(T, B, training);
    this.uploadInputs(plan, inputs);
    const rec = this.gpu.recorder('forward');
    plan.encodeForward(rec, training ? this.dropoutCalls++ : null);
    this.gpu.submit(rec);
    this.lastDispatches.forward = rec.dispatches;
    this.lastForward = training ? plan : null;
    const out = await this.readForward(plan);
    return this.batchFirst ? { ...out, output: swapLeadingAxes(out.output, T, B, out.output.length / (T * B)) } : out;
  }

  /** A batch-first [B,T,F] sequence, checked, as time-major [T,B,F]. */
  timeMajor(name: string, data: ArrayLike<number>, T: number, B: number, F: number): Float32Array<ArrayBuffer> {
    checkPositiveInt('T (sequence length)', T);
    checkPositiveInt('B (batch size)', B);
    return swapLeadingAxes(checkTensor(name, data, [B, T, F], '[B,T,*] (batchFirst)'), B, T, F);
  }

  async readForward(plan: RecurrentPlan): Promise<ForwardOutput> {
    const { hiddenSize: H, numLayers: L } = this.cfg;
    const D = directions(this.cfg);
    const R = outputWidth(this.cfg);
    const { T, B } = plan;
    const out = plan.output;
    const output = await this.gpu.read(out.buffer, T * B * D * R, out.offset);
    const hN = new Float32Array(L * D * B * R);
    const cN = this.cfg.cell === 'lstm' ? new Float32Array(L * D * B * H) : null;
    for (let k = 0; k < L * D; k++) {
      const last = plan.finalState(Math.floor(k / D), k % D);
      hN.set(await this.gpu.read(last.h, B * R, last.hOffset), k * B * R);
      if (cN) cN.set(await this.gpu.read(last.c!, B * H, last.cOffset), k * B * H);
    }
    return { output, hN, cN };
  }

  /** Backpropagation through time for the last `forward` (which must have had `training`). */
  async backward(g: OutputGradients): Promise<BackwardOutput> {
    const plan = this.lastForward;
    if (!plan) throw new Error('backward needs a preceding forward with training: true on this network');
    const W = directions(this.cfg) * outputWidth(this.cfg);
    if (this.batchFirst && g && typeof g === 'object') g = { ...g, dOutput: this.timeMajor('dOutput', g.dOutput, plan.T, plan.B, W) };
    this.writeOutputGradients(plan, g);
    const rec = this.gpu.recorder('backward');
    plan.encodeBackward(rec);
    this.gpu.submit(rec);
    this.lastDispatches.backward = rec.dispatches;
    const grads = await this.readBackward(plan);
    return this.batchFirst ? { ...grads, dx: swapLeadingAxes(grads.dx, plan.T, plan.B, this.cfg.inputSize) } : grads;
  }

  writeOutputGradients(plan: RecurrentPlan, g: OutputGradients): void {
    const { hiddenSize: H } = this.cfg;
    const D = directions(this.cfg);
    const R = outputWidth(this.cfg);
    const LD = this.cfg.numLayers * D;
    const { T, B } = plan;
    // All checked before anything is written.
    checkKnownKeys('output gradients', g, ['dOutput', 'dhN', 'dcN']);
    const dOutput = checkTensor('dOutput', g.dOutput, [T, B, D * R], R === H ? '[T,B,D·H]' : '[T,B,D·R]');
    const dhN = g.dhN ? checkTensor('dhN', g.dhN, [LD, B, R], R === H ? '[L·D,B,H]' : '[L·D,B,R]') : new Float32Array(LD * B * R);
    if (g.dcN && this.cfg.cell !== 'lstm') throw new RangeError('dcN is only for LSTMs (an RNN has no cell state)');
    const dcN = g.dcN ? checkTensor('dcN', g.dcN, [LD, B, H], '[L·D,B,H]') : new Float32Array(LD * B * H);
    this.gpu.write(plan.dOutput!, dOutput);
    this.gpu.write(plan.dhN!, dhN);
    if (plan.dcN) this.gpu.write(plan.dcN, dcN);
  }

  async readBackward(plan: RecurrentPlan): Promise<BackwardOutput> {
    const { inputSize: I, hiddenSize: H } = this.cfg;
    const LD = this.cfg.numLayers * directions(this.cfg);
    const { T, B } = plan;
    return {
      dx: await this.gpu.read(plan.dx!, T * B * I),
      dh0: await this.gpu.read(plan.dh0!, LD * B * outputWidth(this.cfg)),
      dc0: plan.dc0 ? await this.gpu.read(plan.dc0, LD * B * H) : null,
      grads: await this.getGradients(),
    };
  }

  /** Floats of gate pre-activations per layer and step: 4H for an LSTM, H for an RNN. */
  get gateRows(): number {
    return gatesPerCell(this.cfg.cell) * this.cfg.hiddenSize;
  }

  /** Releases every GPU buffer this network owns (plans, parameters, gradients). */
  dispose(): void {
    if (this.disposed) return;
    this.disposed = true;
    for (const p of this.plans.values()) p.dispose();
    this.plans.clear();
    this.lastForward = null;
    this.gpu.pool.release(this.params);
    this.gpu.pool.release(this.grads);
  }
}
