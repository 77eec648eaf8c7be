import type { Gpu } from '../gpu/runtime';
import type { Recorder } from '../gpu/recorder';
import type { BindingName, BindingResource, ConstantName, Kernel, KernelDesc } from './kernel';

export interface FlatKernelSpec<D extends KernelDesc> {
  kernel: Kernel<D>;
  constants: Partial<Record<ConstantName<D>, number>>;
  /** Every binding by name, the uniform (a buffer the caller owns, such as the optimizers' Hyper) included. */
  buffers: Readonly<Record<BindingName<D>, BindingResource>>;
  workgroups: number;
  label: string;
}

/**
 * One dispatch with a fixed bind group over caller-owned buffers (the optimizer family): built once,
 * `record` only encodes. It owns no buffers, so there is nothing to dispose.
 */
export class FlatKernel<D extends KernelDesc = KernelDesc> {
  private readonly pipeline: GPUComputePipeline;
  private readonly bindGroup: GPUBindGroup;

  constructor(gpu: Gpu, private readonly spec: FlatKernelSpec<D>) {
    this.pipeline = gpu.pipelines.get(spec.kernel, spec.constants as Record<string, number>);
    this.bindGroup = gpu.pipelines.bindGroup(spec.kernel, spec.label, spec.buffers as never);
  }

  record(rec: Recorder): void {
    rec.dispatch(this.pipeline, this.bindGroup, this.spec.workgroups);
  }
}

/**
 * Workgroups for an elementwise pass over `count` floats. The kernels loop with a grid stride, so the
 * grid is capped at the per-dimension limit instead of failing for P > 65535·WG.
 */
export const flatWorkgroups = (gpu: Gpu, count: number, workgroupSize: number): number =>
  Math.min(Math.ceil(count / workgroupSize), gpu.limits.maxComputeWorkgroupsPerDimension);
