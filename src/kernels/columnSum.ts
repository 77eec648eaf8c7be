import columnSumWgsl from '../../shaders/column_sum.wgsl?raw';
import type { Gpu } from '../gpu/runtime';
import type { Recorder } from '../gpu/recorder';
import { SteppedKernel } from './stepped';

export interface ColumnSumSpec {
  /** Rows and columns of A. */
  R: number;
  N: number;
  A: GPUBuffer;
  offA?: number;
  out: GPUBuffer;
  /** The sum is written at both offsets of `out` (bias_ih and bias_hh get the same gradient). */
  offOut1: number;
  offOut2: number;
}

/** out[n] = Σ_r A[r, n], written twice. */
export class ColumnSumKernel {
  private readonly kernel: SteppedKernel;

  constructor(gpu: Gpu, s: ColumnSumSpec) {
    this.kernel = new SteppedKernel(gpu, {
      shader: 'column_sum',
      code: columnSumWgsl,
      constants: {},
      buffers: [s.out, s.A],
      variants: [new Uint32Array([s.R, s.N, s.offA ?? 0, s.offOut1, s.offOut2, 0, 0, 0])],
      threads: s.N,
      workgroupSize: 64,
      label: 'column sum',
    });
  }

  record(rec: Recorder): void {
    this.kernel.record(rec, 0);
  }

  dispose(): void {
    this.kernel.dispose();
  }
}
