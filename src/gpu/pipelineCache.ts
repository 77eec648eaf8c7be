import type { Kernel } from '../kernels/kernel';

/** One compiled pipeline: the kernel it came from and the override constants it was made with. */
export interface PipelineEntry {
  kernel: Kernel;
  constants: Readonly<Record<string, number>>;
  pipeline: GPUComputePipeline;
}

const constantsKey = (constants: Readonly<Record<string, number>>): string =>
  Object.keys(constants)
    .sort()
    .map((k) => `${k}=${constants[k]}`)
    .join(',');

/**
 * Compute pipelines cached by what they are: the hash of the kernel's final WGSL plus its override
 * constants. A hit whose source differs (a hash collision) is an error, never a silent reuse. Each
 * kernel gets one explicit bind-group layout (from its description), shared by all its pipelines.
 */
export class PipelineCache {
  private readonly modules = new Map<string, { source: string; module: GPUShaderModule; layout: GPUBindGroupLayout; pipelineLayout: GPUPipelineLayout }>();
  private readonly pipelines = new Map<string, PipelineEntry>();
  private collector: Set<PipelineEntry> | null = null;

  constructor(private readonly device: GPUDevice) {}

  get size(): number {
    return this.pipelines.size;
  }

  /** Every pipeline made so far, in the order they were first asked for. */
  entries(): PipelineEntry[] {
    return [...this.pipelines.values()];
  }

  /** The pipelines `work` asks for (made or found in the cache), in the order it first asks. */
  async collect(work: () => Promise<void>): Promise<PipelineEntry[]> {
    if (this.collector) throw new Error('pipeline cache: collect() calls cannot nest');
    const seen = new Set<PipelineEntry>();
    this.collector = seen;
    try {
      await work();
    } finally {
      this.collector = null;
    }
    return [...seen];
  }

  private module(kernel: Kernel) {
    let m = this.modules.get(kernel.hash);
    if (m && m.source !== kernel.source) throw new Error(`pipeline cache: kernels ${kernel.name} and another share the hash ${kernel.hash}`);
    if (!m) {
      const layout = this.device.createBindGroupLayout({ label: kernel.name, entries: kernel.layoutEntries() });
      m = {
        source: kernel.source,
        module: this.device.createShaderModule({ label: kernel.name, code: kernel.source }),
        layout,
        pipelineLayout: this.device.createPipelineLayout({ label: kernel.name, bindGroupLayouts: [layout] }),
      };
      this.modules.set(kernel.hash, m);
    }
    return m;
  }

  /** The bind-group layout every pipeline of `kernel` uses. */
  layout(kernel: Kernel): GPUBindGroupLayout {
    return this.module(kernel).layout;
  }

  /** The pipeline of `kernel` specialised with `constants` (its overrides; unknown names are an error). */
  get(kernel: Kernel, constants: Readonly<Record<string, number>> = {}): GPUComputePipeline {
    const declared = kernel.desc.constants ?? {};
    for (const name of Object.keys(constants)) {
      if (!(name in declared)) throw new Error(`kernel ${kernel.name} has no override constant "${name}"`);
    }
    const key = `${kernel.hash}|${constantsKey(constants)}`;
    const cached = this.pipelines.get(key);
    if (cached) {
      if (cached.kernel.source !== kernel.source) throw new Error(`pipeline cache: kernels ${kernel.name} and ${cached.kernel.name} share the hash ${kernel.hash}`);
      this.collector?.add(cached);
      return cached.pipeline;
    }
    const m = this.module(kernel);
    const label = `${kernel.name}${Object.keys(constants).length ? `|${constantsKey(constants)}` : ''}`;
    const pipeline = this.device.createComputePipeline({ label, layout: m.pipelineLayout, compute: { module: m.module, entryPoint: 'main', constants: { ...constants } } });
    const entry = { kernel, constants: { ...constants }, pipeline };
    this.pipelines.set(key, entry);
    this.collector?.add(entry);
    return pipeline;
  }

  /** A bind group of `kernel` from buffers by binding name. */
  bindGroup<K extends Kernel>(kernel: K, label: string, resources: Parameters<K['entries']>[0]): GPUBindGroup {
    return this.device.createBindGroup({ label, layout: this.layout(kernel), entries: kernel.entries(resources) });
  }
}
