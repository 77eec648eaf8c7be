// SGD and Adam on the GPU over one flat parameter buffer. A step is three dispatches whatever P is:
// the two-pass gradient norm (which decides whether the step applies and writes the step status),
// then one fused clip + update pass. Nothing is read back during a step.
//
// The step count lives in the status buffer and is advanced by the GPU itself, only for applied
// steps: the CPU cannot know which steps were skipped without a read-back, so a CPU-side count
// written into the uniform would drift from torch's (which never counts a skipped step). Adam
// derives its bias corrections from that count in the kernel. Only lr is written from the CPU
// (setLearningRate, a queue write that lands before the next submit).
import type { Gpu } from '../gpu/runtime';
import type { Recorder } from '../gpu/recorder';
import type { BufferSlice } from '../kernels/gemm';
import type { FlatKernel } from '../kernels/flatKernel';
import { GradNormKernel } from '../kernels/gradNorm';
import { adamUpdateKernel, sgdUpdateKernel } from '../kernels/optimizers';
import { hyperIndex, packHyper, packStatus, STATUS_WORDS } from '../kernels/optimLayout';
import { checkLearningRate, hyperValues, resolveOptions, type GpuOptimizerOptions, type ResolvedOptions } from './options';
import { readStatus, type StepStatus } from './status';

/** The flat buffers an optimizer updates: P = count floats each, from float 0. */
export interface OptimizerTensors {
  params: GPUBuffer;
  grads: GPUBuffer;
  count: number;
  /** A loss value (one float at loss.offset) that must be finite for the step to apply. */
  loss?: BufferSlice;
}

/** A checkpoint of the optimizer: the applied-step count and the flat state buffers by torch name. */
export interface OptimizerState {
  step: number;
  /** Adam: exp_avg, exp_avg_sq. SGD with momentum: momentum_buffer. Plain SGD: none. */
  buffers: Record<string, Float32Array>;
}

/** Dispatches one `record` encodes, for any P. */
export const OPTIMIZER_DISPATCHES = 3;

/** SGD (momentum) or Adam on the GPU over the flat parameters, with the global-norm clipping and the skip decision fused in: three dispatches per update. */
export class GpuOptimizer {
  /** The step status (STATUS_FIELDS in kernels/optimLayout): copy it or call readStatus() after a submit. */
  readonly statusBuffer: GPUBuffer;
  readonly kind: 'sgd' | 'adam';
  readonly count: number;
  private readonly opts: ResolvedOptions;
  private readonly hyper: GPUBuffer;
  /** The state buffers by torch name (also a placeholder for plain SGD, which has none). */
  private readonly state: Record<string, GPUBuffer> = {};
  private readonly owned: GPUBuffer[] = [];
  private readonly norm: GradNormKernel;
  private readonly update: FlatKernel;
  private lr: number;

  constructor(private readonly gpu: Gpu, t: OptimizerTensors, options: GpuOptimizerOptions) {
    this.opts = resolveOptions(options);
    checkTensors(t);
    this.kind = this.opts.kind;
    this.count = t.count;
    this.lr = this.opts.lr;
    const alloc = (floats: number, label: string): GPUBuffer => {
      const b = gpu.storage(floats, label);
      this.owned.push(b);
      return b;
    };
    let norm: GradNormKernel | undefined;
    try {
      this.hyper = gpu.uniform(packHyper(hyperValues(this.opts, t.count, t.loss?.offset ?? 0)), `${this.kind} hyperparameters`);
      this.owned.push(this.hyper);
      this.statusBuffer = alloc(STATUS_WORDS, `${this.kind} step status`);
      gpu.write(this.statusBuffer, packStatus({}));
      const { clipNorm, clipValue, maxGradNorm } = this.opts;
      this.norm = norm = new GradNormKernel(gpu, {
        grads: t.grads, count: t.count, status: this.statusBuffer, hyper: this.hyper, loss: t.loss,
        clipNorm: clipNorm !== undefined, maxGradNorm: maxGradNorm !== undefined,
      });
      const common = { count: t.count, grads: t.grads, status: this.statusBuffer, hyper: this.hyper, clipValue: clipValue !== undefined, params: t.params };
      // State starts at zero (pool buffers may hold old data): torch's fresh m, v; an unused SGD buffer.
      const stateBuffer = (name: string, floats: number) => {
        const b = alloc(floats, `${this.kind} ${name}`);
        gpu.write(b, new Float32Array(floats));
        this.state[name] = b;
        return b;
      };
      if (this.opts.kind === 'adam') {
        this.update = adamUpdateKernel(gpu, { ...common, expAvg: stateBuffer('exp_avg', t.count), expAvgSq: stateBuffer('exp_avg_sq', t.count) });
      } else {
        const momentum = this.opts.momentum !== 0;
        const buf = momentum ? stateBuffer('momentum_buffer', t.count) : alloc(1, 'sgd no momentum');
        this.update = sgdUpdateKernel(gpu, { ...common, momentumBuffer: buf, momentum, nesterov: this.opts.nesterov });
      }
    } catch (err) {
      norm?.dispose();
      for (const b of this.owned) gpu.pool.release(b);
      throw err;
    }
  }

  /** Encodes one step: norm + step decision (2 dispatches), fused clip + update (1). Never submits. */
  record(rec: Recorder): void {
    this.norm.record(rec);
    this.update.record(rec);
  }

  get learningRate(): number {
    return this.lr;
  }

  /** Takes effect from the next submit on (a queue write, ordered before it). */
  setLearningRate(lr: number): void {
    checkLearningRate(lr);
    this.lr = lr;
    this.gpu.write(this.hyper, new Float32Array([lr]), hyperIndex('lr'));
  }

  /** The status of the last submitted step (it waits for that step to finish). */
  readStatus(): Promise<StepStatus> {
    return readStatus(this.gpu, this.statusBuffer);
  }

  /** Copies the step count and state buffers back (after everything submitted so far). */
  async exportState(): Promise<OptimizerState> {
    const status = await this.readStatus();
    const buffers: Record<string, Float32Array> = {};
    for (const [name, b] of Object.entries(this.state)) buffers[name] = await this.gpu.read(b, this.count);
    return { step: status.step, buffers };
  }

  /** Restores a checkpoint from exportState (same kind and P). Resets the skipped-step count. */
  importState(s: OptimizerState): void {
    if (!Number.isInteger(s.step) || s.step < 0 || s.step > 0xffffffff) throw new RangeError(`state.step: must be an integer ≥ 0, got ${s.step}`);
    const want = Object.keys(this.state).sort();
    const got = Object.keys(s.buffers).sort();
    if (want.join() !== got.join()) throw new RangeError(`state.buffers: expected ${JSON.stringify(want)} for this ${this.kind} optimizer, got ${JSON.stringify(got)}`);
    for (const name of want) {
      const data = s.buffers[name];
      if (data.length !== this.count) throw new RangeError(`state.buffers.${name}: expected ${this.count} values, got ${data.length}`);
    }
    for (const name of want) this.gpu.write(this.state[name], s.buffers[name]);
    this.gpu.write(this.statusBuffer, packStatus({ step: s.step, clipCoef: 1, clipCoefRaw: 1 }));
  }

  /** Returns every buffer this optimizer allocated to the pool; params and grads belong to the caller. */
  dispose(): void {
    this.norm.dispose();
    for (const b of this.owned) this.gpu.pool.release(b);
    this.owned.length = 0;
  }
}

function checkTensors(t: OptimizerTensors): void {
  if (!Number.isInteger(t.count) || t.count < 1) throw new RangeError(`count: must be a positive integer, got ${t.count}`);
  if (t.params === t.grads) throw new RangeError('params and grads must be different buffers');
  for (const [name, b] of [['params', t.params], ['grads', t.grads]] as const) {
    if (b.size < t.count * 4) throw new RangeError(`${name}: buffer "${b.label}" holds ${b.size / 4} floats, fewer than count ${t.count}`);
  }
  if (t.loss) {
    const off = t.loss.offset ?? 0;
    if (!Number.isInteger(off) || off < 0 || (off + 1) * 4 > t.loss.buffer.size) throw new RangeError(`loss.offset: ${off} is outside buffer "${t.loss.buffer.label}"`);
  }
}
