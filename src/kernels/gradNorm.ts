// Global L2 norm of the flat gradient buffer and the step decision, in two dispatches: per-workgroup
// partial sums of squares, then one workgroup that sums them and writes the step status
// (layout: STATUS_FIELDS in ./optimLayout).
import partialWgsl from '../../shaders/optim_norm_partial.wgsl?raw';
import finalWgsl from '../../shaders/optim_norm_final.wgsl?raw';
import type { Gpu } from '../gpu/runtime';
import type { Recorder } from '../gpu/recorder';
import type { BufferSlice } from './gemm';
import { FlatKernel } from './flatKernel';
import { defineKernel } from './kernel';
import { HYPER_STRUCT, SKIP_CONSTS, STATUS_STRUCT } from './optimLayout';

/** Workgroup size of both passes; also the most partials, so the final pass sums them in one tree. */
export const NORM_WORKGROUP = 256;

/** Partial-sum workgroups for P floats: depends on P only, which keeps the sum order fixed. */
export const normGroups = (count: number): number => Math.min(NORM_WORKGROUP, Math.ceil(count / NORM_WORKGROUP));

export const OPTIM_NORM_PARTIAL = defineKernel({
  name: 'optim_norm_partial',
  code: [partialWgsl],
  storage: {
    partials: { access: 'read_write', doc: 'one sum of squares per workgroup' },
    grads: { access: 'read', doc: 'the flat gradients [P]' },
  },
  uniform: { name: 'hyper', struct: HYPER_STRUCT },
  constants: { WG: NORM_WORKGROUP },
});

export const OPTIM_NORM_FINAL = defineKernel({
  name: 'optim_norm_final',
  code: [finalWgsl],
  storage: {
    status: { access: 'read_write', type: STATUS_STRUCT, doc: 'the step decision, written here' },
    partials: { access: 'read', doc: 'hyper.numGroups sums of squares' },
    loss: { access: 'read', doc: 'loss[hyper.lossOffset] must be finite (with HAS_LOSS)' },
  },
  uniform: { name: 'hyper', struct: HYPER_STRUCT },
  consts: SKIP_CONSTS,
  // WG ≥ hyper.numGroups; HAS_GUARD: skip when gradNorm > hyper.maxGradNorm.
  constants: { WG: NORM_WORKGROUP, HAS_LOSS: 0, HAS_CLIP_NORM: 0, HAS_GUARD: 0 },
});

export interface GradNormSpec {
  grads: GPUBuffer;
  count: number;
  /** The step status (read_write: `step` and `skipped` are incremented here). */
  status: GPUBuffer;
  /** The Hyper uniform (count, numGroups = normGroups(count), lossOffset, clipNorm, maxGradNorm). */
  hyper: GPUBuffer;
  /** A loss value that must be finite, at loss.offset (also in hyper.lossOffset). */
  loss?: BufferSlice;
  clipNorm: boolean;
  maxGradNorm: boolean;
}

export class GradNormKernel {
  private readonly partials: GPUBuffer;
  private readonly partial: FlatKernel;
  private readonly final: FlatKernel;

  constructor(private readonly gpu: Gpu, s: GradNormSpec) {
    this.partials = gpu.storage(NORM_WORKGROUP, 'grad norm partials');
    this.partial = new FlatKernel(gpu, {
      kernel: OPTIM_NORM_PARTIAL,
      constants: {},
      buffers: { partials: this.partials, grads: s.grads, hyper: s.hyper },
      workgroups: normGroups(s.count),
      label: 'grad norm partials',
    });
    this.final = new FlatKernel(gpu, {
      kernel: OPTIM_NORM_FINAL,
      constants: { HAS_LOSS: s.loss ? 1 : 0, HAS_CLIP_NORM: s.clipNorm ? 1 : 0, HAS_GUARD: s.maxGradNorm ? 1 : 0 },
      // Without a loss the binding still needs a buffer; the partials serve (never read as a loss).
      buffers: { status: s.status, partials: this.partials, loss: s.loss?.buffer ?? this.partials, hyper: s.hyper },
      workgroups: 1,
      label: 'grad norm final',
    });
  }

  record(rec: Recorder): void {
    this.partial.record(rec);
    this.final.record(rec);
  }

  /** Returns the partials buffer to the pool; the other buffers belong to the caller. */
  dispose(): void {
    this.gpu.pool.release(this.partials);
  }
}
