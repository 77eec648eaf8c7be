// Wrappers of the loss kernels: each writes the mean loss to one float and the gradient of the
// predictions, in a single one-workgroup dispatch (deterministic reduction order).
import mseWgsl from '../../shaders/mse_loss.wgsl?raw';
import xentWgsl from '../../shaders/softmax_cross_entropy.wgsl?raw';
import lossCommonWgsl from '../../shaders/loss_common.wgsl?raw';
import type { Gpu } from '../gpu/runtime';
import type { Recorder } from '../gpu/recorder';
import type { BufferSlice } from './gemm';

interface LossBuffers {
  /** Predictions (MSE) or logits (cross-entropy), at an offset. */
  pred: BufferSlice;
  /** Gradient of the loss with respect to `pred`, same layout, from offset 0. */
  dpred: GPUBuffer;
  /** MSE: f32 targets like pred. Cross-entropy: i32 class ids, one per row. */
  target: GPUBuffer;
  /** Optional 0/1 weights: per element (MSE) or per row (cross-entropy). */
  mask?: GPUBuffer;
  /** The mean loss is written at loss.offset. */
  loss: BufferSlice;
}

class OneWorkgroupKernel {
  private readonly pipeline: GPUComputePipeline;
  private readonly bindGroup: GPUBindGroup;
  private readonly uniforms: GPUBuffer;

  constructor(private readonly gpu: Gpu, shader: string, code: string, b: LossBuffers, dims: Uint32Array<ArrayBuffer>) {
    this.pipeline = gpu.pipelines.get(shader, `${lossCommonWgsl}\n${code}`, { HAS_MASK: b.mask ? 1 : 0 });
    this.uniforms = gpu.uniform(dims, `${shader} dims`);
    // Without a mask the binding still needs a buffer; the targets serve (never read as a mask).
    const entries = [b.dpred, b.loss.buffer, b.pred.buffer, b.target, b.mask ?? b.target, this.uniforms];
    this.bindGroup = gpu.device.createBindGroup({
      label: shader,
      layout: this.pipeline.getBindGroupLayout(0),
      entries: entries.map((buffer, binding) => ({ binding, resource: { buffer } })),
    });
  }

  record(rec: Recorder): void {
    rec.dispatch(this.pipeline, this.bindGroup, 1);
  }

  dispose(): void {
    this.gpu.pool.release(this.uniforms);
  }
}

/** loss = mean over counted elements of (pred − target)². */
export class MseLossKernel extends OneWorkgroupKernel {
  constructor(gpu: Gpu, count: number, b: LossBuffers) {
    super(gpu, 'mse_loss', mseWgsl, b, new Uint32Array([count, b.pred.offset ?? 0, b.loss.offset ?? 0, 0]));
  }
}

/** loss = mean over counted rows of −log softmax(logits)[target]; logits [N,C]. */
export class SoftmaxCrossEntropyKernel extends OneWorkgroupKernel {
  constructor(gpu: Gpu, N: number, C: number, b: LossBuffers) {
    super(gpu, 'softmax_cross_entropy', xentWgsl, b, new Uint32Array([N, C, b.pred.offset ?? 0, b.loss.offset ?? 0]));
  }
}
