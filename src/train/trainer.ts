import type { Gpu } from '../gpu/runtime';
import type { Recorder } from '../gpu/recorder';
import type { RecurrentPlan } from '../scheduler/recurrentPlan';
import type { RecurrentNetwork } from '../model/recurrentNetwork';
import { TrainPlan, type HeadAt, type LossKind } from '../scheduler/trainPlan';
import { GpuOptimizer } from '../optim/gpuOptimizer';
import type { GpuOptimizerOptions } from '../optim/options';
import { decodeStatus, type StepStatus } from '../optim/status';
import { STATUS_WORDS } from '../kernels/optimLayout';
import { checkBatch, uploadBatch, type Batch } from './batch';
import { checkKnownKeys, checkLengths, checkOneOf, checkPositiveInt, checkTensor } from '../validate';
import { directions, outputWidth } from '../config';
import { swapLeadingAxes } from '../sequenceLayout';

/** The loss, where the head reads, and the optimizer of a Trainer. */
export interface TrainerOptions {
  loss: LossKind;
  /** Where the head (and the loss) sits: every step, or the last. */
  headAt: HeadAt;
  optimizer: GpuOptimizerOptions;
}

/** What evaluate returns: the mean loss and, for cross-entropy, the fraction of counted rows whose largest logit is the target. */
export interface Evaluation {
  loss: number;
  accuracy?: number;
}

/** Options of a training step. */
export interface StepOptions {
  /** Read the step's report back (loss, gradient norm, whether it applied). */
  report?: boolean;
  /**
   * Start from the final states of the previous call with carryState (zeros the first time, or after
   * resetState) instead of zeros, and keep this call's for the next: consecutive chunks of long
   * sequences, per batch row, with no gradient across the boundary (truncated BPTT).
   */
  carryState?: boolean;
}

/** What predict takes: inputs [T,B,I], and optionally each row's length (RecurrentNetwork's `lengths`). */
export interface PredictInput {
  x: ArrayLike<number>;
  T: number;
  B: number;
  lengths?: ArrayLike<number>;
}

/** What a training step reports when asked: its StepStatus and which call it was. */
export interface StepReport extends StepStatus {
  /** 1-based index of the `step` call this report belongs to. */
  call: number;
}

/** A step whose loss or gradient norm was not finite (or over maxGradNorm): its update was not applied. */
export class SkippedStepError extends Error {
  override name = 'SkippedStepError';
  constructor(readonly report: StepReport, maxGradNorm?: number) {
    const why = report.lossNonFinite
      ? `loss is ${report.loss}`
      : report.gradNonFinite
        ? `gradient norm is ${report.gradNorm}`
        : `gradient norm ${report.gradNorm} is over maxGradNorm${maxGradNorm !== undefined ? ` ${maxGradNorm}` : ''}`;
    super(`step ${report.call}: ${why}; the update was skipped and the weights and optimizer state are unchanged`);
  }
}

/** Throws SkippedStepError when the report's update was not applied; returns the report otherwise. */
export function expectApplied(report: StepReport, maxGradNorm?: number): StepReport {
  if (!report.applied) throw new SkippedStepError(report, maxGradNorm);
  return report;
}

const CLIP_KEYS = ['clipNorm', 'clipValue', 'maxGradNorm'] as const;
const OPTIMIZER_KEYS = {
  sgd: ['kind', 'lr', 'momentum', 'dampening', 'weightDecay', 'nesterov', ...CLIP_KEYS],
  adam: ['kind', 'lr', 'beta1', 'beta2', 'eps', 'weightDecay', ...CLIP_KEYS],
} as const;

/**
 * Checks trainer options without touching the GPU: known keys only (a misspelt `clipnorm` is an error,
 * not a silently unclipped run), loss and headAt values, and a head where the loss needs one.
 */
export function checkTrainerOptions(opts: TrainerOptions, hasHead: boolean): void {
  checkKnownKeys('trainer options', opts, ['loss', 'headAt', 'optimizer']);
  const loss = checkOneOf('loss', opts.loss, ['mse', 'crossentropy'] as const);
  const headAt = checkOneOf('headAt', opts.headAt, ['all', 'last'] as const);
  if (loss === 'crossentropy' && !hasHead) throw new RangeError("loss 'crossentropy' needs a head (outputSize > 0) to produce logits");
  if (headAt === 'last' && !hasHead) throw new RangeError("headAt 'last' needs a head (outputSize > 0); a network without one trains on every step (headAt 'all')");
  const kind = checkOneOf('optimizer.kind', (opts.optimizer as { kind?: unknown } | undefined)?.kind, ['sgd', 'adam'] as const);
  checkKnownKeys(`${kind} optimizer options`, opts.optimizer, OPTIMIZER_KEYS[kind]);
}

const PLAN_CACHE_SIZE = 4;
const MAP_READ = 0x01;
const COPY_DST = 0x08;

/**
 * Trains a RecurrentNetwork on the GPU. Each `step` is ONE queue submission — forward, loss, backward,
 * gradient norm, clipping, update — and reads nothing back unless asked: with `report: true` the
 * step's status (loss, pre-clip norm, whether it applied) is copied aside and mapped asynchronously,
 * so training never waits on it. Whether a step applies is decided on the GPU.
 */
export class Trainer {
  readonly optimizer: GpuOptimizer;
  /** Dispatches the last step recorded. */
  dispatchesPerStep = 0;
  private readonly plans = new Map<string, TrainPlan>();
  private readonly loss: GPUBuffer;
  private carried: CarriedState | null = null;
  private callCount = 0;
  private disposed = false;

  constructor(private readonly gpu: Gpu, readonly net: RecurrentNetwork, readonly opts: TrainerOptions) {
    checkTrainerOptions(opts, net.layout.head !== null);
    this.loss = gpu.storage(2, 'loss'); // the loss, and the accuracy for cross-entropy
    try {
      this.optimizer = new GpuOptimizer(gpu, { params: net.params, grads: net.grads, count: net.layout.total, loss: { buffer: this.loss } }, opts.optimizer);
    } catch (err) {
      gpu.pool.release(this.loss);
      throw err;
    }
  }

  private plan(T: number, B: number, withMask: boolean, withLengths = false): TrainPlan {
    const key = `${T}x${B}${withMask ? ':mask' : ''}${withLengths ? ':lengths' : ''}`;
    let plan = this.plans.get(key);
    if (plan) this.plans.delete(key);
    else plan = new TrainPlan(this.gpu, this.net, T, B, this.opts.loss, this.opts.headAt, withMask, { lossBuffer: this.loss, withLengths });
    this.plans.set(key, plan);
    while (this.plans.size > PLAN_CACHE_SIZE) {
      const [oldKey, old] = this.plans.entries().next().value!;
      old.dispose();
      this.plans.delete(oldKey);
    }
    return plan;
  }

  /** The states carried from call to call (truncated BPTT), made zero for B rows on first use. */
  private carriedState(B: number): CarriedState {
    if (this.carried && this.carried.B !== B) {
      throw new RangeError(`carryState: the carried states are for B = ${this.carried.B} rows, this batch has ${B}; call resetState() to start over`);
    }
    this.carried ??= new CarriedState(this.gpu, this.net, B);
    return this.carried;
  }

  /**
   * Zeroes the carried states of the given batch rows (all of them by default, which also forgets
   * their batch size): where a row's text or series ends and the next one begins.
   */
  resetState(rows?: readonly number[]): void {
    if (!this.carried) return;
    if (rows === undefined) {
      this.carried.dispose();
      this.carried = null;
      return;
    }
    this.carried.reset(rows);
  }

  /** Step calls so far (the `call` of the last report). */
  get calls(): number {
    return this.callCount;
  }

  /**
   * Checks the batch (before any GPU work: no plan is built, nothing written), then encodes and submits
   * one training step. Returns the step's report when `report` is set (a promise that resolves once
   * the GPU has finished it; it rejects with DeviceLostError if the device is lost first), else null.
   */
  step(batch: Batch, opts: StepOptions & { report: true }): Promise<StepReport>;
  step(batch: Batch, opts?: StepOptions & { report?: false }): null;
  step(batch: Batch, opts?: StepOptions): Promise<StepReport> | null;
  step(batch: Batch, opts: StepOptions = {}): Promise<StepReport> | null {
    if (this.disposed) throw new Error('this Trainer was disposed');
    checkKnownKeys('step options', opts, ['report', 'carryState']);
    const checked = checkBatch(this.net, this.opts.loss, this.opts.headAt, batch);
    const carried = opts.carryState ? this.carriedState(checked.B) : null;
    const plan = this.plan(checked.T, checked.B, checked.mask !== null, checked.lengths !== null);
    uploadBatch(this.gpu, this.net, plan, checked);
    const rec = this.gpu.recorder('train step');
    carried?.load(rec, plan.recurrent);
    const call = ++this.callCount;
    plan.encode(rec, this.optimizer, call);
    carried?.keep(rec, plan.recurrent);
    let staging: GPUBuffer | null = null;
    if (opts.report) {
      staging = this.gpu.pool.acquire(STATUS_WORDS * 4, MAP_READ | COPY_DST, 'step report');
      rec.copy(this.optimizer.statusBuffer, 0, staging, 0, STATUS_WORDS * 4);
    }
    this.dispatchesPerStep = rec.dispatches;
    this.gpu.submit(rec);
    if (!staging) return null;
    const buffer = staging;
    return buffer.mapAsync(MAP_READ, 0, STATUS_WORDS * 4).then(
      () => {
        const words = new Float32Array(buffer.getMappedRange(0, STATUS_WORDS * 4).slice(0));
        buffer.unmap();
        this.gpu.pool.release(buffer);
        return { ...decodeStatus(words), call };
      },
      async (err: unknown) => {
        this.gpu.pool.release(buffer);
        throw await this.gpu.explainFailure(err);
      },
    );
  }

  /**
   * The loss of a batch under the current weights (and the accuracy, for cross-entropy), with nothing
   * updated (no gradients computed, the optimizer and its step count untouched). The batch is checked
   * like a step's; only these one or two floats are read back.
   */
  async evaluate(batch: Batch): Promise<Evaluation> {
    if (this.disposed) throw new Error('this Trainer was disposed');
    const checked = checkBatch(this.net, this.opts.loss, this.opts.headAt, batch);
    const plan = this.plan(checked.T, checked.B, checked.mask !== null, checked.lengths !== null);
    uploadBatch(this.gpu, this.net, plan, checked);
    const rec = this.gpu.recorder('evaluate');
    plan.encodeEvaluation(rec);
    this.gpu.submit(rec);
    if (this.opts.loss === 'mse') {
      const [loss] = await this.gpu.read(this.loss, 1);
      return { loss };
    }
    const [loss, accuracy] = await this.gpu.read(this.loss, 2);
    return { loss, accuracy };
  }

  /**
   * The model's outputs for inputs x [T,B,I]: the head's (logits for cross-entropy), or the top
   * layer's output without a head; [T·B, O] rows for headAt 'all', [B, O] for 'last' (each row's last
   * step with `lengths`). Only they are read back. `carryState` as in step (sampling step by step).
   */
  async predict(input: PredictInput, opts: { carryState?: boolean } = {}): Promise<Float32Array> {
    if (this.disposed) throw new Error('this Trainer was disposed');
    if (typeof input !== 'object' || input === null) throw new TypeError(`input must be an object {x, T, B, lengths?}, got ${input === null ? 'null' : typeof input}`);
    checkKnownKeys('predict input', input, ['x', 'T', 'B', 'lengths']);
    const T = checkPositiveInt('T (sequence length)', input.T);
    const B = checkPositiveInt('B (batch size)', input.B);
    const x = this.net.batchFirst ? this.net.timeMajor('x', input.x, T, B, this.net.cfg.inputSize) : checkTensor('x', input.x, [T, B, this.net.cfg.inputSize], '[T,B,I]');
    const lengths = input.lengths === undefined ? undefined : checkLengths(input.lengths, T, B);
    checkKnownKeys('predict options', opts, ['carryState']);
    const carried = opts.carryState ? this.carriedState(B) : null;
    const plan = this.plan(T, B, false, lengths !== undefined);
    this.net.writeInputs(plan.recurrent, { x, T, B, ...(lengths ? { lengths } : {}) });
    const rec = this.gpu.recorder('predict');
    carried?.load(rec, plan.recurrent);
    plan.encodeInference(rec);
    carried?.keep(rec, plan.recurrent);
    this.gpu.submit(rec);
    const O = this.net.layout.head ? this.net.layout.outputSize : directions(this.net.cfg) * outputWidth(this.net.cfg);
    const predictions = await this.gpu.read(plan.logits, plan.N * O, plan.predictionOffset);
    // A batch-first network's per-step predictions come back [B,T,O].
    return this.net.batchFirst && this.opts.headAt === 'all' ? swapLeadingAxes(predictions, T, B, O) : predictions;
  }

  /** Returns every buffer of the plans, the optimizer and the loss to the pool (the network stays). */
  dispose(): void {
    if (this.disposed) return;
    this.disposed = true;
    for (const p of this.plans.values()) p.dispose();
    this.plans.clear();
    this.carried?.dispose();
    this.optimizer.dispose();
    this.gpu.pool.release(this.loss);
  }
}

/**
 * The final states of one call, kept on the GPU as the next call's initial states ([L·D,B,H] h and,
 * for the LSTM, c): copied in before a forward pass and out after it, with no read-back.
 */
class CarriedState {
  private readonly h: GPUBuffer;
  private readonly c: GPUBuffer | null;
  /** (layer, direction) pairs, and the widths of h (R) and c (H). */
  private readonly LD: number;
  private readonly R: number;
  private readonly H: number;

  constructor(private readonly gpu: Gpu, private readonly net: RecurrentNetwork, readonly B: number) {
    this.LD = net.cfg.numLayers * directions(net.cfg);
    this.R = outputWidth(net.cfg);
    this.H = net.cfg.hiddenSize;
    this.h = gpu.storage(this.LD * B * this.R, 'carried h');
    this.c = net.cfg.cell === 'lstm' ? gpu.storage(this.LD * B * this.H, 'carried c') : null;
    gpu.write(this.h, new Float32Array(this.LD * B * this.R));
    if (this.c) gpu.write(this.c, new Float32Array(this.LD * B * this.H));
  }

  /** Records the copy of the carried states into the plan's h0 (and c0). */
  load(rec: Recorder, plan: RecurrentPlan): void {
    rec.copy(this.h, 0, plan.h0, 0, this.LD * this.B * this.R * 4);
    if (this.c && plan.c0) rec.copy(this.c, 0, plan.c0, 0, this.LD * this.B * this.H * 4);
  }

  /** Records the copy of the plan's final states (every layer and direction) into the carried ones. */
  keep(rec: Recorder, plan: RecurrentPlan): void {
    const D = directions(this.net.cfg);
    const hBytes = this.B * this.R * 4;
    const cBytes = this.B * this.H * 4;
    for (let k = 0; k < this.LD; k++) {
      const last = plan.finalState(Math.floor(k / D), k % D);
      rec.copy(last.h, last.hOffset * 4, this.h, k * hBytes, hBytes);
      if (this.c && last.c) rec.copy(last.c, last.cOffset * 4, this.c, k * cBytes, cBytes);
    }
  }

  reset(rows: readonly number[]): void {
    for (const b of rows) {
      if (!Number.isInteger(b) || b < 0 || b >= this.B) throw new RangeError(`resetState: row ${b} is not a batch row in [0, ${this.B})`);
    }
    for (let k = 0; k < this.LD; k++) {
      for (const b of rows) {
        this.gpu.write(this.h, new Float32Array(this.R), (k * this.B + b) * this.R);
        if (this.c) this.gpu.write(this.c, new Float32Array(this.H), (k * this.B + b) * this.H);
      }
    }
  }

  dispose(): void {
    this.gpu.pool.release(this.h);
    if (this.c) this.gpu.pool.release(this.c);
  }
}
