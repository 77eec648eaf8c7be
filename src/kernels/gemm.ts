import gemmWgsl from '../../shaders/gemm.wgsl?raw';
import type { Gpu } from '../gpu/runtime';
import type { Recorder } from '../gpu/recorder';

const WG = 8; // must match the `WG` override: an 8×8 workgroup of 4×4 blocks covers a 32×32 tile
export const GEMM_TILE = WG * 4;
const TILE = GEMM_TILE;

/** A tensor inside a buffer: `offset` in floats. */
export interface BufferSlice {
  buffer: GPUBuffer;
  offset?: number;
}

export interface GemmSpec {
  M: number;
  N: number;
  K: number;
  /** 'MK': A is [M,K]; 'KM': A is stored transposed, [K,M]. */
  aLayout: 'MK' | 'KM';
  /** 'NK': B is [N,K] (C = A·Bᵀ); 'KN': B is [K,N]. */
  bLayout: 'NK' | 'KN';
  c: BufferSlice;
  a: BufferSlice;
  b: BufferSlice;
  bias?: BufferSlice;
}

/** FLOPs of one C = A·B product (a multiply and an add per term). */
export const gemmFlops = (M: number, N: number, K: number): number => 2 * M * N * K;

/** C[M,N] = op(A)·op(B) (+ bias[N]). Built once for a shape and its buffers; `record` only encodes. */
export class GemmKernel {
  private readonly pipeline: GPUComputePipeline;
  private readonly bindGroup: GPUBindGroup;
  private readonly uniforms: GPUBuffer;
  private readonly grid: [number, number];

  constructor(private readonly gpu: Gpu, readonly spec: GemmSpec) {
    const { M, N, K } = spec;
    for (const [name, v] of Object.entries({ M, N, K })) {
      if (!Number.isInteger(v) || v < 1) throw new RangeError(`gemm: ${name} must be a positive integer, got ${v}`);
    }
    this.pipeline = gpu.pipelines.get('gemm', gemmWgsl, {
      WG,
      A_KM: spec.aLayout === 'KM' ? 1 : 0,
      B_KN: spec.bLayout === 'KN' ? 1 : 0,
      HAS_BIAS: spec.bias ? 1 : 0,
    });
    const off = (s?: BufferSlice) => s?.offset ?? 0;
    this.uniforms = gpu.uniform(new Uint32Array([M, N, K, off(spec.a), off(spec.b), off(spec.c), off(spec.bias), 0]), 'gemm dims');
    // Without a bias the binding still needs a buffer; A is never written, so it serves.
    const bias = spec.bias?.buffer ?? spec.a.buffer;
    this.bindGroup = gpu.device.createBindGroup({
      label: `gemm ${M}x${N}x${K}`,
      layout: this.pipeline.getBindGroupLayout(0),
      entries: [
        { binding: 0, resource: { buffer: spec.c.buffer } },
        { binding: 1, resource: { buffer: spec.a.buffer } },
        { binding: 2, resource: { buffer: spec.b.buffer } },
        { binding: 3, resource: { buffer: bias } },
        { binding: 4, resource: { buffer: this.uniforms } },
      ],
    });
    this.grid = [Math.ceil(N / TILE), Math.ceil(M / TILE)];
  }

  record(rec: Recorder): void {
    rec.dispatch(this.pipeline, this.bindGroup, this.grid[0], this.grid[1]);
  }

  /** Returns the uniform buffer to the pool; the data buffers belong to the caller. */
  dispose(): void {
    this.gpu.pool.release(this.uniforms);
  }
}
