import type { Gpu } from '../gpu/runtime';
import type { Recorder } from '../gpu/recorder';

interface SteppedKernelBase {
  /** Shader name (cache key) and WGSL source. */
  shader: string;
  code: string;
  constants: Record<string, number>;
  /** Storage buffers in binding order 0..n-1; the uniform follows at binding n. */
  buffers: GPUBuffer[];
  /** The uniform words of each variant (one per time step, say), 8 u32 each. */
  variants: Uint32Array[];
  workgroupSize: number;
  label: string;
}

/** The dispatch size: invocations in one dimension (one per output element), or the grid of workgroups. */
export type SteppedKernelSpec = SteppedKernelBase & ({ threads: number; grid?: never } | { grid: [number, number]; threads?: never });

/**
 * A kernel dispatched many times with different small uniforms (a time step, a pass flag).
 * All variants live in one uniform buffer at aligned offsets, with one bind group each, built once:
 * recording a step is then just setBindGroup + dispatch.
 */
export class SteppedKernel {
  private readonly pipeline: GPUComputePipeline;
  private readonly bindGroups: GPUBindGroup[];
  private readonly uniforms: GPUBuffer;
  private readonly grid: [number, number];

  constructor(private readonly gpu: Gpu, spec: SteppedKernelSpec) {
    this.pipeline = gpu.pipelines.get(spec.shader, spec.code, { ...spec.constants, WG: spec.workgroupSize });
    const stride = Math.max(gpu.limits.minUniformBufferOffsetAlignment, 32);
    const words = new Uint32Array((stride / 4) * spec.variants.length);
    spec.variants.forEach((v, i) => words.set(v, (i * stride) / 4));
    this.uniforms = gpu.uniform(words, `${spec.label} uniforms`);
    const layout = this.pipeline.getBindGroupLayout(0);
    const storage = spec.buffers.map((buffer, binding) => ({ binding, resource: { buffer } }));
    this.bindGroups = spec.variants.map((_, i) =>
      gpu.device.createBindGroup({
        label: `${spec.label} #${i}`,
        layout,
        entries: [...storage, { binding: spec.buffers.length, resource: { buffer: this.uniforms, offset: i * stride, size: 32 } }],
      }),
    );
    this.grid = spec.grid ?? [Math.ceil(spec.threads / spec.workgroupSize), 1];
  }

  record(rec: Recorder, variant: number): void {
    rec.dispatch(this.pipeline, this.bindGroups[variant], this.grid[0], this.grid[1]);
  }

  dispose(): void {
    this.gpu.pool.release(this.uniforms);
  }
}
