import columnSumWgsl from '../../shaders/column_sum.wgsl?raw';
import type { Gpu } from '../gpu/runtime';
import { defineKernel } from './kernel';
import { SteppedKernel } from './stepped';

export const COLUMN_SUM = defineKernel({
  name: 'column_sum',
  code: [columnSumWgsl],
  storage: {
    out: { access: 'read_write', doc: 'the sum, written at offOut1 and offOut2' },
    A: { access: 'read', doc: '[R,N] from offA' },
  },
  uniform: {
    name: 'dims',
    struct: {
      name: 'Dims',
      fields: [
        ['R', 'u32', 'rows of A'],
        ['N', 'u32', 'columns of A'],
        ['offA', 'u32', 'A inside its buffer'],
        ['offOut1', 'u32', 'first copy of the sum'],
        ['offOut2', 'u32', 'second copy of the sum'],
      ],
    },
  },
  constants: { WG: 64 },
});

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
export function columnSumKernel(gpu: Gpu, s: ColumnSumSpec): SteppedKernel<typeof COLUMN_SUM.desc> {
  return new SteppedKernel(gpu, {
    kernel: COLUMN_SUM,
    constants: {},
    buffers: { out: s.out, A: s.A },
    variants: [{ R: s.R, N: s.N, offA: s.offA ?? 0, offOut1: s.offOut1, offOut2: s.offOut2 }],
    threads: s.N,
    label: 'column sum',
  });
}
