// Standalone gradient clipping on the GPU (torch clip_grad_norm_ / clip_grad_value_): the clipped
// grads are written back in place. The optimizers do the same scaling fused into their update; this
// path exists for callers that want the clipped gradients themselves (and for the clip fixture).
import type { Gpu } from '../gpu/runtime';
import type { Recorder } from '../gpu/recorder';
import type { BufferSlice } from '../kernels/gemm';
import type { FlatKernel } from '../kernels/flatKernel';
import { GradNormKernel } from '../kernels/gradNorm';
import { clipKernel } from '../kernels/optimizers';
import { packHyper, packStatus, STATUS_WORDS } from '../kernels/optimLayout';
import { checkClipOptions, hyperValues, type ClipOptions } from './options';
import { readStatus, type StepStatus } from './status';

export interface ClipTensors {
  grads: GPUBuffer;
  count: number;
  /** A loss value that must be finite for the grads to be touched. */
  loss?: BufferSlice;
}

/**
 * Records the global norm (2 dispatches) and, with clipNorm or clipValue, the in-place clip (1).
 * The status reports gradNorm, clipCoefRaw (torch clip_coef) and clipCoef (clamped). Non-finite
 * grads (or loss, or a norm over maxGradNorm) leave the grads untouched with status.applied false.
 */
export class GpuGradClipper {
  readonly statusBuffer: GPUBuffer;
  private readonly hyper: GPUBuffer;
  private readonly norm: GradNormKernel;
  private readonly clip: FlatKernel | null;

  constructor(private readonly gpu: Gpu, t: ClipTensors, opts: ClipOptions) {
    checkClipOptions(opts);
    if (!Number.isInteger(t.count) || t.count < 1) throw new RangeError(`count: must be a positive integer, got ${t.count}`);
    if (t.grads.size < t.count * 4) throw new RangeError(`grads: buffer "${t.grads.label}" holds ${t.grads.size / 4} floats, fewer than count ${t.count}`);
    this.hyper = gpu.uniform(packHyper(hyperValues({ kind: 'clip', ...opts }, t.count, t.loss?.offset ?? 0)), 'clip hyperparameters');
    this.statusBuffer = gpu.storage(STATUS_WORDS, 'clip status');
    gpu.write(this.statusBuffer, packStatus({}));
    try {
      this.norm = new GradNormKernel(gpu, {
        grads: t.grads, count: t.count, status: this.statusBuffer, hyper: this.hyper, loss: t.loss,
        clipNorm: opts.clipNorm !== undefined, maxGradNorm: opts.maxGradNorm !== undefined,
      });
    } catch (err) {
      gpu.pool.release(this.hyper);
      gpu.pool.release(this.statusBuffer);
      throw err;
    }
    const clips = opts.clipNorm !== undefined || opts.clipValue !== undefined;
    this.clip = clips
      ? clipKernel(gpu, { count: t.count, grads: t.grads, status: this.statusBuffer, hyper: this.hyper, clipValue: opts.clipValue !== undefined })
      : null;
  }

  record(rec: Recorder): void {
    this.norm.record(rec);
    this.clip?.record(rec);
  }

  readStatus(): Promise<StepStatus> {
    return readStatus(this.gpu, this.statusBuffer);
  }

  dispose(): void {
    this.norm.dispose();
    this.gpu.pool.release(this.hyper);
    this.gpu.pool.release(this.statusBuffer);
  }
}
