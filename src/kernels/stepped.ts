import type { Gpu } from '../gpu/runtime';
import type { Recorder } from '../gpu/recorder';
import type { BindingResource, ConstantName, Kernel, KernelDesc, UniformField } from './kernel';

type StorageNames<D extends KernelDesc> = keyof D['storage'] & string;

interface SteppedKernelBase<D extends KernelDesc> {
  kernel: Kernel<D>;
  /** Override constants by name (WG, the workgroup size, among them where the kernel declares it). */
  constants: Partial<Record<ConstantName<D>, number>>;
  /** Every storage binding, by name. */
  buffers: Readonly<Record<StorageNames<D>, BindingResource>>;
  /** The uniform values of each variant (one per time step, say), by field name. */
  variants: readonly Readonly<Record<UniformField<D>, number>>[];
  label: string;
}

/** The dispatch size: invocations in one dimension (one per output element, workgroups of constants.WG), or the grid of workgroups. */
export type SteppedKernelSpec<D extends KernelDesc> = SteppedKernelBase<D> & ({ threads: number; grid?: never } | { grid: [number, number] | [number, number, number]; threads?: never });

/**
 * A kernel dispatched many times with different small uniforms (a time step, a pass flag).
 * All variants live in one uniform buffer at aligned offsets, with one bind group each, built once:
 * recording a step is then just setBindGroup + dispatch.
 */
export class SteppedKernel<D extends KernelDesc = KernelDesc> {
  private readonly pipeline: GPUComputePipeline;
  private readonly bindGroups: GPUBindGroup[];
  private readonly uniforms: GPUBuffer;
  private readonly grid: [number, number, number];

  constructor(private readonly gpu: Gpu, spec: SteppedKernelSpec<D>) {
    const { kernel } = spec;
    const constants = spec.constants as Record<string, number>;
    this.pipeline = gpu.pipelines.get(kernel, constants);
    const size = kernel.uniformBytes;
    const stride = Math.ceil(size / gpu.limits.minUniformBufferOffsetAlignment) * gpu.limits.minUniformBufferOffsetAlignment;
    const words = new Uint32Array((stride / 4) * spec.variants.length);
    spec.variants.forEach((v, i) => words.set(kernel.packUniform(v), (i * stride) / 4));
    this.uniforms = gpu.uniform(words, `${spec.label} uniforms`);
    const uniformName = kernel.desc.uniform!.name;
    this.bindGroups = spec.variants.map((_, i) =>
      gpu.pipelines.bindGroup(kernel, `${spec.label} #${i}`, { ...spec.buffers, [uniformName]: { buffer: this.uniforms, offset: i * stride, size } } as never),
    );
    if (spec.grid) {
      this.grid = [spec.grid[0], spec.grid[1], spec.grid[2] ?? 1];
    } else {
      const wg = constants.WG ?? kernel.desc.constants?.WG;
      if (!wg) throw new Error(`kernel ${kernel.name}: a threads-sized dispatch needs a WG constant`);
      this.grid = [Math.ceil(spec.threads / wg), 1, 1];
    }
  }

  /** Records variant `variant` (the only one of a single-variant kernel by default). */
  record(rec: Recorder, variant = 0): void {
    rec.dispatch(this.pipeline, this.bindGroups[variant], this.grid[0], this.grid[1], this.grid[2]);
  }

  dispose(): void {
    this.gpu.pool.release(this.uniforms);
  }
}
