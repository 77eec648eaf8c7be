// The update kernels of the optimizers (and standalone clipping), each ONE dispatch over the whole
// flat buffer. They read the step status written by GradNormKernel: the clip coefficient to scale
// the grads by, and `applied`, without which they write nothing (params and state stay bit-identical).
import adamWgsl from '../../shaders/optim_adam.wgsl?raw';
import sgdWgsl from '../../shaders/optim_sgd.wgsl?raw';
import clipWgsl from '../../shaders/optim_clip.wgsl?raw';
import type { Gpu } from '../gpu/runtime';
import { FlatKernel, flatWorkgroups } from './flatKernel';

export const UPDATE_WORKGROUP = 256;
const WG = UPDATE_WORKGROUP;

/** What every update kernel reads: P, the flat grads, the step status and the Hyper uniform. */
export interface UpdateInputs {
  count: number;
  grads: GPUBuffer;
  status: GPUBuffer;
  hyper: GPUBuffer;
  clipValue: boolean;
}

export function adamUpdateKernel(gpu: Gpu, s: UpdateInputs & { params: GPUBuffer; expAvg: GPUBuffer; expAvgSq: GPUBuffer }): FlatKernel {
  return new FlatKernel(gpu, {
    shader: 'optim_adam',
    body: adamWgsl,
    constants: { WG, HAS_CLIP_VALUE: s.clipValue ? 1 : 0 },
    buffers: [s.params, s.expAvg, s.expAvgSq, s.grads, s.status, s.hyper],
    workgroups: flatWorkgroups(gpu, s.count, WG),
    label: 'adam update',
  });
}

/** `momentumBuffer` may be any small buffer when `momentum` is false: it is then never touched. */
export function sgdUpdateKernel(gpu: Gpu, s: UpdateInputs & { params: GPUBuffer; momentumBuffer: GPUBuffer; momentum: boolean; nesterov: boolean }): FlatKernel {
  return new FlatKernel(gpu, {
    shader: 'optim_sgd',
    body: sgdWgsl,
    constants: { WG, HAS_CLIP_VALUE: s.clipValue ? 1 : 0, HAS_MOMENTUM: s.momentum ? 1 : 0, NESTEROV: s.nesterov ? 1 : 0 },
    buffers: [s.params, s.momentumBuffer, s.grads, s.status, s.hyper],
    workgroups: flatWorkgroups(gpu, s.count, WG),
    label: 'sgd update',
  });
}

/** Clipped grads written back in place (the standalone path; the optimizers clip as they read). */
export function clipKernel(gpu: Gpu, s: UpdateInputs): FlatKernel {
  return new FlatKernel(gpu, {
    shader: 'optim_clip',
    body: clipWgsl,
    constants: { WG, HAS_CLIP_VALUE: s.clipValue ? 1 : 0 },
    buffers: [s.grads, s.status, s.hyper],
    workgroups: flatWorkgroups(gpu, s.count, WG),
    label: 'clip grads',
  });
}
