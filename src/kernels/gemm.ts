import gemmCommonWgsl from '../../shaders/gemm_common.wgsl?raw';
import gemmTilesWgsl from '../../shaders/gemm.wgsl?raw';
import gemmRowsWgsl from '../../shaders/gemm_rows.wgsl?raw';
import gemmAScalarWgsl from '../../shaders/gemm_a_scalar.wgsl?raw';
import gemmAVec4Wgsl from '../../shaders/gemm_a_vec4.wgsl?raw';
import gemmBScalarWgsl from '../../shaders/gemm_b_scalar.wgsl?raw';
import gemmBVec4Wgsl from '../../shaders/gemm_b_vec4.wgsl?raw';
import type { Gpu } from '../gpu/runtime';
import type { Recorder } from '../gpu/recorder';
import { cpuMaxRows, withRowSharing, workSplit, type WorkSplit } from './rowSharing';
import { withRows } from './rowsConstant';

const WG = 8; // must match the `WG` override: an 8×8 workgroup of 4×4 blocks covers a 32×32 tile
const TILE = WG * 4;
/**
 * How the work is split. 'tiles' (gemm.wgsl): 8×8 invocations, each a 4×4 block of C, for GPUs.
 * 'rows' (gemm_rows.wgsl): each workgroup up to 32 whole rows of C, each invocation 4 adjacent
 * columns, for CPU adapters, where loads and accumulator updates are what costs, so the most
 * multiply-adds per load and per update wins (bench/NOTES.md, v7 and v8).
 */
export type GemmVariant = 'tiles' | 'rows';

export const defaultGemmVariant = (gpu: Gpu): GemmVariant => (workSplit(gpu) === 'gpu' ? 'tiles' : 'rows');

const tilesGrid = (M: number, N: number): [number, number] => [Math.ceil(N / TILE), Math.ceil(M / TILE)];

/**
 * Workgroup size, rows per workgroup and grid of the 'rows' variant for an M×N product: 4 columns
 * per invocation and up to `maxRows` rows per workgroup (32 × 4 measured best, bench/NOTES.md v8;
 * cpuMaxRows).
 */
export function rowsGemmShape(M: number, N: number, maxRows: number): { lanes: number; rows: number; grid: [number, number] } {
  // Lanes: a power of two from 8 (the SIMD width) to 64, enough for N in 4 columns each.
  const lanes = Math.min(64, Math.max(8, 2 ** Math.ceil(Math.log2(Math.ceil(N / 4)))));
  const rows = Math.min(maxRows, M);
  return { lanes, rows, grid: [Math.ceil(N / (4 * lanes)), Math.ceil(M / rows)] };
}

/** The grid of an M×N product under a device's work split, in the variant it picks by default (defaultGemmVariant). */
export function gemmGrid(split: WorkSplit, M: number, N: number): [number, number] {
  return split === 'gpu' ? tilesGrid(M, N) : rowsGemmShape(M, N, cpuMaxRows(split)).grid;
}

/**
 * Which operands the 'rows' variant reads four floats per load (the vec4 operand preludes): those
 * stored contiguously along the dimension it reads in fours (A along K where it is [M,K], along M
 * where it is [K,M]; B along N where it is [K,N], along K where it is [N,K]) with that dimension and
 * the offset multiples of 4.
 */
export function rowsGemmVec4Operands(spec: Pick<GemmSpec, 'M' | 'N' | 'K' | 'aLayout' | 'bLayout' | 'a' | 'b'>): { a4: boolean; b4: boolean } {
  const aligned = (slice: BufferSlice, length: number) => length % 4 === 0 && (slice.offset ?? 0) % 4 === 0;
  return {
    a4: aligned(spec.a, spec.aLayout === 'MK' ? spec.K : spec.M),
    b4: aligned(spec.b, spec.bLayout === 'KN' ? spec.N : spec.K),
  };
}

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
  /** Default: 'rows' on CPU adapters, 'tiles' elsewhere (see GemmVariant). */
  variant?: GemmVariant;
}

/** FLOPs of one C = A·B product (a multiply and an add per term). */
export const gemmFlops = (M: number, N: number, K: number): number => 2 * M * N * K;

/** C[M,N] = op(A)·op(B) (+ bias[N]). Built once for a shape and its buffers; `record` only encodes. */
export class GemmKernel {
  private readonly pipeline: GPUComputePipeline;
  private readonly bindGroup: GPUBindGroup;
  private readonly uniforms: GPUBuffer;
  private readonly grid: [number, number];
  readonly variant: GemmVariant;

  constructor(private readonly gpu: Gpu, readonly spec: GemmSpec) {
    const { M, N, K } = spec;
    for (const [name, v] of Object.entries({ M, N, K })) {
      if (!Number.isInteger(v) || v < 1) throw new RangeError(`gemm: ${name} must be a positive integer, got ${v}`);
    }
    const layout = { A_KM: spec.aLayout === 'KM' ? 1 : 0, B_KN: spec.bLayout === 'KN' ? 1 : 0, HAS_BIAS: spec.bias ? 1 : 0 };
    this.variant = spec.variant ?? defaultGemmVariant(gpu);
    if (this.variant === 'rows') {
      const shape = rowsGemmShape(M, N, cpuMaxRows(workSplit(gpu)));
      const { a4, b4 } = rowsGemmVec4Operands(spec);
      const operands = `${a4 ? gemmAVec4Wgsl : gemmAScalarWgsl}\n${b4 ? gemmBVec4Wgsl : gemmBScalarWgsl}`;
      const kernel = withRows({ name: `gemm_rows${a4 ? '+a4' : ''}${b4 ? '+b4' : ''}`, code: `${gemmCommonWgsl}\n${operands}\n${gemmRowsWgsl}` }, shape.rows);
      const shader = withRowSharing(gpu, kernel.code);
      this.pipeline = gpu.pipelines.get(kernel.name + shader.suffix, shader.code, { LANES: shape.lanes, ...layout });
      this.grid = shape.grid;
    } else {
      this.pipeline = gpu.pipelines.get('gemm', `${gemmCommonWgsl}\n${gemmAScalarWgsl}\n${gemmBScalarWgsl}\n${gemmTilesWgsl}`, { WG, ...layout });
      this.grid = tilesGrid(M, N);
    }
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
  }

  /** FLOPs of this product. */
  get flops(): number {
    return gemmFlops(this.spec.M, this.spec.N, this.spec.K);
  }

  record(rec: Recorder): void {
    rec.dispatch(this.pipeline, this.bindGroup, this.grid[0], this.grid[1]);
  }

  /** Returns the uniform buffer to the pool; the data buffers belong to the caller. */
  dispose(): void {
    this.gpu.pool.release(this.uniforms);
  }
}
