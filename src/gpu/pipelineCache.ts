/** Compute pipelines cached by an explicit key: one per (shader, override constants). */
export class PipelineCache {
  private readonly modules = new Map<string, GPUShaderModule>();
  private readonly pipelines = new Map<string, GPUComputePipeline>();

  constructor(private readonly device: GPUDevice) {}

  get size(): number {
    return this.pipelines.size;
  }

  /**
   * The pipeline for `shaderName` specialised with `constants` (WGSL `override`s). The key is the
   * shader name plus the sorted constants, so two callers asking for the same variant share it.
   */
  get(shaderName: string, code: string, constants: Record<string, number> = {}): GPUComputePipeline {
    const key = `${shaderName}|${Object.keys(constants).sort().map((k) => `${k}=${constants[k]}`).join(',')}`;
    const cached = this.pipelines.get(key);
    if (cached) return cached;
    let module = this.modules.get(shaderName);
    if (!module) {
      module = this.device.createShaderModule({ label: shaderName, code });
      this.modules.set(shaderName, module);
    }
    const pipeline = this.device.createComputePipeline({
      label: key,
      layout: 'auto',
      compute: { module, entryPoint: 'main', constants },
    });
    this.pipelines.set(key, pipeline);
    return pipeline;
  }
}
