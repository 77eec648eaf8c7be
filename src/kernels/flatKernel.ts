import type { Gpu } from '../gpu/runtime';
import type { Recorder } from '../gpu/recorder';
import { OPTIM_WGSL_PRELUDE } from './optimLayout';

export interface FlatKernelSpec {
  /** Shader name (cache key) and its WGSL body; the optimizer prelude (Status, Hyper) is prepended. */
  shader: string;
  body: string;
  constants: Record<string, number>;
  /** Buffers in binding order 0..n-1, whole-buffer bindings (storage, then the Hyper uniform last). */
  buffers: GPUBuffer[];
  workgroups: number;
  label: string;
}

/**
 * One optimizer-family dispatch with a fixed bind group: built once, `record` only encodes. It owns no
 * buffers (the caller does), so there is nothing to dispose.
 */
export class FlatKernel {
  private readonly pipeline: GPUComputePipeline;
  private readonly bindGroup: GPUBindGroup;

  constructor(gpu: Gpu, private readonly spec: FlatKernelSpec) {
    this.pipeline = gpu.pipelines.get(spec.shader, OPTIM_WGSL_PRELUDE + spec.body, spec.constants);
    this.bindGroup = gpu.device.createBindGroup({
      label: spec.label,
      layout: this.pipeline.getBindGroupLayout(0),
      entries: spec.buffers.map((buffer, binding) => ({ binding, resource: { buffer } })),
    });
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
