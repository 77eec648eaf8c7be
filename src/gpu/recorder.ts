import type { GpuTimer } from './gpuTimer';

/**
 * Records dispatches into one command encoder (one compute pass until a copy is needed) and counts
 * them, so tests and benchmarks can report dispatches per step. Never submits: the caller does.
 */
export class Recorder {
  dispatches = 0;
  private pass: GPUComputePassEncoder | null = null;
  readonly encoder: GPUCommandEncoder;

  constructor(private readonly device: GPUDevice, label = 'gateflow step', private readonly timer?: GpuTimer) {
    this.encoder = device.createCommandEncoder({ label });
    timer?.reset();
  }

  dispatch(pipeline: GPUComputePipeline, bindGroup: GPUBindGroup, x: number, y = 1, z = 1): void {
    const max = this.device.limits.maxComputeWorkgroupsPerDimension;
    if (x > max || y > max || z > max) {
      throw new RangeError(`"${pipeline.label}" needs ${x}×${y}×${z} workgroups, over this device's maxComputeWorkgroupsPerDimension of ${max}`);
    }
    if (x === 0 || y === 0 || z === 0) return;
    this.pass ??= this.encoder.beginComputePass(this.timer ? { timestampWrites: this.timer.nextPass() } : undefined);
    this.pass.setPipeline(pipeline);
    this.pass.setBindGroup(0, bindGroup);
    this.pass.dispatchWorkgroups(x, y, z);
    this.dispatches++;
  }

  copy(src: GPUBuffer, srcOffset: number, dst: GPUBuffer, dstOffset: number, size: number): void {
    this.endPass();
    this.encoder.copyBufferToBuffer(src, srcOffset, dst, dstOffset, size);
  }

  /** Zeroes `size` bytes of `buffer` from `offset` (both multiples of 4). */
  clear(buffer: GPUBuffer, offset = 0, size?: number): void {
    this.endPass();
    this.encoder.clearBuffer(buffer, offset, size);
  }

  finish(): GPUCommandBuffer {
    this.endPass();
    this.timer?.resolve(this.encoder);
    return this.encoder.finish();
  }

  private endPass(): void {
    this.pass?.end();
    this.pass = null;
  }
}
