// The update kernels of the optimizers (and standalone clipping), each ONE dispatch over the whole
// flat buffer. They read the step status written by GradNormKernel: the clip coefficient to scale
// the grads by, and `applied`, without which they write nothing (params and state stay bit-identical).
import adamWgsl from '../../shaders/optim_adam.wgsl?raw';
import sgdWgsl from '../../shaders/optim_sgd.wgsl?raw';
import clipWgsl from '../../shaders/optim_clip.wgsl?raw';
import type { Gpu } from '../gpu/runtime';
import { FlatKernel, flatWorkgroups } from './flatKernel';
import { defineKernel } from './kernel';
import { HYPER_STRUCT, STATUS_STRUCT } from './optimLayout';

export const UPDATE_WORKGROUP = 256;
const WG = UPDATE_WORKGROUP;

const hyper = { name: 'hyper', struct: HYPER_STRUCT } as const;
const grads = { access: 'read', doc: 'the flat gradients [P]' } as const;
const status = { access: 'read', type: STATUS_STRUCT, doc: 'this step: clipCoef, applied, step' } as const;

export const OPTIM_ADAM = defineKernel({
  name: 'optim_adam',
  code: [adamWgsl],
  storage: {
    params: { access: 'read_write', doc: 'the flat parameters [P]' },
    expAvg: { access: 'read_write', doc: 'Adam m [P]' },
    expAvgSq: { access: 'read_write', doc: 'Adam v [P]' },
    grads,
    status,
  },
  uniform: hyper,
  constants: { WG, HAS_CLIP_VALUE: 0 },
});

export const OPTIM_SGD = defineKernel({
  name: 'optim_sgd',
  code: [sgdWgsl],
  storage: {
    params: { access: 'read_write', doc: 'the flat parameters [P]' },
    momentumBuffer: { access: 'read_write', doc: 'SGD momentum [P]; a placeholder without momentum' },
    grads,
    status,
  },
  uniform: hyper,
  constants: { WG, HAS_CLIP_VALUE: 0, HAS_MOMENTUM: 0, NESTEROV: 0 },
});

export const OPTIM_CLIP = defineKernel({
  name: 'optim_clip',
  code: [clipWgsl],
  storage: {
    grads: { access: 'read_write', doc: 'the flat gradients [P], clipped in place' },
    status,
  },
  uniform: hyper,
  constants: { WG, HAS_CLIP_VALUE: 0 },
});

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
    kernel: OPTIM_ADAM,
    constants: { HAS_CLIP_VALUE: s.clipValue ? 1 : 0 },
    buffers: { params: s.params, expAvg: s.expAvg, expAvgSq: s.expAvgSq, grads: s.grads, status: s.status, hyper: s.hyper },
    workgroups: flatWorkgroups(gpu, s.count, WG),
    label: 'adam update',
  });
}

/** `momentumBuffer` may be any small buffer when `momentum` is false: it is then never touched. */
export function sgdUpdateKernel(gpu: Gpu, s: UpdateInputs & { params: GPUBuffer; momentumBuffer: GPUBuffer; momentum: boolean; nesterov: boolean }): FlatKernel {
  return new FlatKernel(gpu, {
    kernel: OPTIM_SGD,
    constants: { HAS_CLIP_VALUE: s.clipValue ? 1 : 0, HAS_MOMENTUM: s.momentum ? 1 : 0, NESTEROV: s.nesterov ? 1 : 0 },
    buffers: { params: s.params, momentumBuffer: s.momentumBuffer, grads: s.grads, status: s.status, hyper: s.hyper },
    workgroups: flatWorkgroups(gpu, s.count, WG),
    label: 'sgd update',
  });
}

/** Clipped grads written back in place (the standalone path; the optimizers clip as they read). */
export function clipKernel(gpu: Gpu, s: UpdateInputs): FlatKernel {
  return new FlatKernel(gpu, {
    kernel: OPTIM_CLIP,
    constants: { HAS_CLIP_VALUE: s.clipValue ? 1 : 0 },
    buffers: { grads: s.grads, status: s.status, hyper: s.hyper },
    workgroups: flatWorkgroups(gpu, s.count, WG),
    label: 'clip grads',
  });
}
