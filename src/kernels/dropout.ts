// The dropout kernel between stacked layers (shaders/dropout.wgsl): applied to a layer's output in a
// training forward pass, and to the gradient reaching it in the backward pass.
import dropoutWgsl from '../../shaders/dropout.wgsl?raw';
import type { Gpu } from '../gpu/runtime';
import type { Recorder } from '../gpu/recorder';
import { dropoutThreshold } from '../dropout';
import { flatWorkgroups } from './flatKernel';
import { defineKernel } from './kernel';
import { SteppedKernel } from './stepped';

const WG = 64;

export const DROPOUT = defineKernel({
  name: 'dropout',
  code: [dropoutWgsl],
  storage: {
    next: { access: 'read_write', doc: 'forward: the next layer\'s input (written); backward: the gradient (scaled in place)' },
    src: { access: 'read', doc: 'forward: the layer\'s output' },
    state: { access: 'read', type: 'array<u32>', doc: '[seed, call]' },
  },
  uniform: {
    name: 'dims',
    struct: {
      name: 'Dims',
      fields: [['count', 'u32', 'elements'], ['layer', 'u32', 'the layer whose output this is'], ['threshold', 'u32', '⌈p·2^24⌉'], ['scale', 'f32', '1/(1−p)'], ['mode', 'u32', '0 forward, 1 backward']],
    },
  },
  consts: { WG },
});

/** Dropout of layer `layer`'s output (count floats): forward out → next, backward grad in place. */
export class Dropout {
  private readonly forward: SteppedKernel<typeof DROPOUT.desc>;
  private readonly backward: SteppedKernel<typeof DROPOUT.desc> | null;

  constructor(gpu: Gpu, d: { count: number; layer: number; p: number; out: GPUBuffer; next: GPUBuffer; grad: GPUBuffer | null; state: GPUBuffer }) {
    const dims = { count: d.count, layer: d.layer, threshold: dropoutThreshold(d.p), scale: 1 / (1 - d.p) };
    // A grid-stride loop: at most maxComputeWorkgroupsPerDimension workgroups.
    const grid: [number, number] = [flatWorkgroups(gpu, d.count, WG), 1];
    this.forward = new SteppedKernel(gpu, { kernel: DROPOUT, constants: {}, buffers: { next: d.next, src: d.out, state: d.state }, variants: [{ ...dims, mode: 0 }], grid, label: `dropout l${d.layer}` });
    this.backward = d.grad
      ? new SteppedKernel(gpu, { kernel: DROPOUT, constants: {}, buffers: { next: d.grad, src: d.out, state: d.state }, variants: [{ ...dims, mode: 1 }], grid, label: `dropout gradient l${d.layer}` })
      : null;
  }

  recordForward(rec: Recorder): void {
    this.forward.record(rec);
  }

  recordBackward(rec: Recorder): void {
    this.backward?.record(rec);
  }

  dispose(): void {
    this.forward.dispose();
    this.backward?.dispose();
  }
}
