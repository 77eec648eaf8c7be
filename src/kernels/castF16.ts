// Precision 'f16' (src/scheduler/precision.ts): the kernel that makes the f16 copy of the weights.
import castF16Wgsl from '../../shaders/cast_f16.wgsl?raw';
import type { Gpu } from '../gpu/runtime';
import type { Recorder } from '../gpu/recorder';
import { flatWorkgroups } from './flatKernel';
import { defineKernel } from './kernel';
import { SteppedKernel } from './stepped';

const WG = 64;

export const CAST_F16 = defineKernel({
  name: 'cast_f16',
  enables: ['f16'],
  code: [castF16Wgsl],
  storage: {
    dst: { access: 'read_write', type: 'array<f16>', doc: '[count] the f16 copy' },
    src: { access: 'read', doc: '[count] f32' },
  },
  uniform: { name: 'dims', struct: { name: 'Dims', fields: [['count', 'u32', 'elements']] } },
  consts: { WG },
});

/** Records dst[i] = f16(src[i]) for the first `count` elements. */
export class CastF16 {
  private readonly kernel: SteppedKernel<typeof CAST_F16.desc>;

  constructor(gpu: Gpu, d: { count: number; src: GPUBuffer; dst: GPUBuffer; label: string }) {
    this.kernel = new SteppedKernel(gpu, {
      kernel: CAST_F16, constants: {}, buffers: { dst: d.dst, src: d.src }, variants: [{ count: d.count }],
      grid: [flatWorkgroups(gpu, d.count, WG), 1], label: d.label,
    });
  }

  record(rec: Recorder): void {
    this.kernel.record(rec);
  }

  dispose(): void {
    this.kernel.dispose();
  }
}
