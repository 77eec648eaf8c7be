import gemmCommonWgsl from '../../shaders/gemm_common.wgsl?raw';
import gemmTilesWgsl from '../../shaders/gemm.wgsl?raw';
import gemmRowsWgsl from '../../shaders/gemm_rows.wgsl?raw';
import gemmTiledWgsl from '../../shaders/gemm_tiled.wgsl?raw';
import gemmAScalarWgsl from '../../shaders/gemm_a_scalar.wgsl?raw';
import gemmAVec4Wgsl from '../../shaders/gemm_a_vec4.wgsl?raw';
import gemmBScalarWgsl from '../../shaders/gemm_b_scalar.wgsl?raw';
import gemmBVec4Wgsl from '../../shaders/gemm_b_vec4.wgsl?raw';
import type { Gpu } from '../gpu/runtime';
import type { Recorder } from '../gpu/recorder';
import { cpuMaxRows, rowSharing, sharesRows, workSplit, type WorkSplit } from './rowSharing';
import { halfPrecision, kernelVariant, type WgslStruct } from './kernel';

/**
 * The GEMM variants, one registry (llm.c's dev/cuda style: version 1 the plain one). The parity tests
 * (test/gpu/gemm.test.ts) and `gateflow bench --kernels` loop over it: validate against the CPU, then time.
 */
export const GEMM_VARIANTS = {
  /** v1: each invocation a 4×4 block of C straight from global memory, an 8×8 workgroup a 32×32 tile. The plain one. */
  tiles: { version: 1, wins: 'CPU adapters for small products (under SMALL_GEMM multiply-adds): as fast as v2 there, and one module per layout instead of one per row count and load width, each compiled in a fraction of the time (bench/NOTES.md v9)' },
  /** v2: a workgroup owns up to 32 whole rows of C, each invocation 4 columns, rows shared through subgroups. */
  rows: { version: 2, wins: 'CPU adapters (lavapipe): 46.5 GFLOP/s at 1024³ against 14.1 for v1 (bench/NOTES.md v7, v8)' },
  /** v3: 64×64 tiles staged in workgroup memory, coalesced 4-float loads, a 4×4 register tile per invocation. */
  tiled: { version: 3, wins: 'GPUs: the design for them (coalesced loads, 16 FLOP pairs per 2 workgroup-memory loads); not yet timed on one (bench/NOTES.md v9)' },
} as const;
export type GemmVariant = keyof typeof GEMM_VARIANTS;

/**
 * Multiply-adds under which a product on a CPU adapter takes v1: it is latency-bound there (a
 * dispatch costs 20–40 µs on lavapipe), and v1's few modules compile fast (bench/NOTES.md v9).
 */
export const SMALL_GEMM = 2 ** 18;

/** The variant a device takes for an M×N×K product (GEMM_VARIANTS says why). */
export function defaultGemmVariant(split: WorkSplit, M: number, N: number, K: number): GemmVariant {
  if (split === 'gpu') return 'tiled';
  return M * N * K < SMALL_GEMM ? 'tiles' : 'rows';
}

/** v1: an 8×8 workgroup of 4×4 blocks covers a 32×32 tile. */
const TILES_WG = 8;
/** v3: a 16×16 workgroup of 4×4 register tiles covers TILED_TILE², in slices of TILED_K along K. */
const TILED_TILE = 64;
const TILED_K = 16;

const DIMS: WgslStruct = {
  name: 'Dims',
  fields: [
    ['M', 'u32', ''], ['N', 'u32', ''], ['K', 'u32', ''],
    ['lda', 'u32', "floats from one of A's stored rows to the next: K for [M,K], M for [K,M], unless A is a column block of a wider matrix"],
    ['offA', 'u32', 'A inside its buffer'], ['offB', 'u32', 'B inside its buffer'], ['offC', 'u32', 'C inside its buffer'], ['offBias', 'u32', 'bias inside its buffer'],
    // v3 takes its layout from here; v1 and v2 from the override constants of the same names.
    ['aKM', 'u32', '1: A stored [K,M] (A_KM)'], ['bKN', 'u32', '1: B stored [K,N] (B_KN)'], ['hasBias', 'u32', '1: add the bias (HAS_BIAS)'],
  ],
};

/**
 * The module of a GEMM variant: the shared layouts (gemm_common.wgsl), an operand piece for A and
 * for B (one or four floats per load) and the variant's kernel. `rows` and `share` only for v2.
 */
export function gemmKernel(variant: GemmVariant, o: { a4: boolean; b4: boolean; rows?: number; share?: boolean }) {
  const sharing = rowSharing(variant === 'rows' && !!o.share);
  const rows = variant === 'rows' ? (o.rows ?? 1) : 0;
  if (variant === 'rows' && (!Number.isInteger(rows) || rows < 1 || rows > 32)) throw new RangeError(`rows must be an integer in 1..32, got ${rows}`);
  const body = { tiles: gemmTilesWgsl, rows: gemmRowsWgsl, tiled: gemmTiledWgsl }[variant];
  return kernelVariant({
    name: `gemm_${variant}${variant === 'rows' ? `.r${rows}` : ''}${o.a4 ? '.a4' : ''}${o.b4 ? '.b4' : ''}${sharing.suffix}`,
    enables: sharing.enables,
    code: [...(variant === 'rows' ? [sharing.code] : []), gemmCommonWgsl, o.a4 ? gemmAVec4Wgsl : gemmAScalarWgsl, o.b4 ? gemmBVec4Wgsl : gemmBScalarWgsl, body],
    consts: variant === 'rows' ? { ROWS: rows } : variant === 'tiled' ? { TILE: TILED_TILE, TILE_K: TILED_K } : {},
    storage: {
      C: { access: 'read_write', doc: '[M,N] from offC', elemAlias: true },
      A: { access: 'read', type: o.a4 ? 'array<vec4f>' : 'array<f32>', doc: '[M,K] (A_KM = 0) or [K,M] from offA' },
      B: { access: 'read', type: o.b4 ? 'array<vec4f>' : 'array<f32>', doc: '[N,K] (B_KN = 0) or [K,N] from offB' },
      bias: { access: 'read', doc: '[N] from offBias (read only with HAS_BIAS)' },
    },
    uniform: { name: 'dims', struct: DIMS },
    // WG: v1's workgroup is WG×WG; LANES: v2's workgroup size (it covers 4·LANES columns). v3 reads
    // its layout from the uniform instead.
    constants: variant === 'tiles' ? { ...LAYOUT_CONSTANTS, WG: TILES_WG } : variant === 'rows' ? { ...LAYOUT_CONSTANTS, LANES: 64 } : {},
  });
}

/** The layout and bias switches of v1 and v2, as override constants (v3: uniform fields). */
const LAYOUT_CONSTANTS = { A_KM: 0, B_KN: 0, HAS_BIAS: 0 };

const tilesGrid = (M: number, N: number): [number, number] => [Math.ceil(N / (TILES_WG * 4)), Math.ceil(M / (TILES_WG * 4))];
const tiledGrid = (M: number, N: number): [number, number] => [Math.ceil(N / TILED_TILE), Math.ceil(M / TILED_TILE)];

/**
 * Workgroup size, rows per workgroup and grid of the 'rows' variant for an M×N product: 4 columns
 * per invocation and up to `maxRows` rows per workgroup (32 × 4 measured best, bench/NOTES.md v8;
 * cpuMaxRows), a power of two so that few modules serve all shapes.
 */
export function rowsGemmShape(M: number, N: number, maxRows: number): { lanes: number; rows: number; grid: [number, number] } {
  // Lanes: a power of two from 8 (the SIMD width) to 64, enough for N in 4 columns each.
  const lanes = Math.min(64, Math.max(8, 2 ** Math.ceil(Math.log2(Math.ceil(N / 4)))));
  // Half of M at most, so that even a small product has two row blocks for a CPU's two threads, but
  // 4 at least: where A is [K,M] and shared four rows per 4-float load, blocks must start on a
  // multiple of 4 (gemm_rows.wgsl, a_mine).
  const rows = Math.min(maxRows, Math.max(4, 2 ** Math.ceil(Math.log2(Math.ceil(M / 2)))));
  return { lanes, rows, grid: [Math.ceil(N / (4 * lanes)), Math.ceil(M / rows)] };
}

/** The grid of an M×N×K product under a device's work split, in the variant it picks by default (defaultGemmVariant). */
export function gemmGrid(split: WorkSplit, M: number, N: number, K: number): [number, number] {
  const variant = defaultGemmVariant(split, M, N, K);
  return variant === 'tiled' ? tiledGrid(M, N) : variant === 'tiles' ? tilesGrid(M, N) : rowsGemmShape(M, N, cpuMaxRows(split)).grid;
}

/**
 * Which operands a GEMM reads four floats per load (the vec4 operand pieces): those stored
 * contiguously along the dimension it reads in fours (A along K where it is [M,K], along M where it
 * is [K,M]; B along N where it is [K,N], along K where it is [N,K]) with that dimension and the offset
 * multiples of 4.
 */
export function gemmVec4Operands(spec: Pick<GemmSpec, 'M' | 'N' | 'K' | 'aLayout' | 'bLayout' | 'a' | 'b' | 'lda'>): { a4: boolean; b4: boolean } {
  const aligned = (slice: BufferSlice, length: number) => length % 4 === 0 && (slice.offset ?? 0) % 4 === 0;
  const aRow = spec.aLayout === 'MK' ? spec.K : spec.M;
  return {
    a4: aligned(spec.a, aRow) && (spec.lda ?? aRow) % 4 === 0,
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
  /**
   * Floats between A's stored rows, when A is a block of columns of a wider matrix (one direction's
   * columns of the gate gradients, say); default: its own row length.
   */
  lda?: number;
  b: BufferSlice;
  bias?: BufferSlice;
  /** Default: defaultGemmVariant ('tiled' on GPUs; on CPU adapters 'rows', or 'tiles' for small products). */
  variant?: GemmVariant;
  /** The operands stored in f16 (precision 'f16', src/scheduler/precision.ts); the arithmetic stays f32. */
  half?: readonly ('A' | 'B' | 'C' | 'bias')[];
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
    this.variant = spec.variant ?? defaultGemmVariant(workSplit(gpu), M, N, K);
    // v1 reads one float per load; v2 and v3 four where the operand allows.
    const vec4 = this.variant === 'tiles' ? { a4: false, b4: false } : gemmVec4Operands(spec);
    // Under precision 'f16' the operands it names are bound as f16 (halfPrecision).
    const stored = <K extends ReturnType<typeof gemmKernel>>(k: K): K => (spec.half ? (halfPrecision(k, spec.half) as K) : k);
    let kernel;
    if (this.variant === 'rows') {
      const shape = rowsGemmShape(M, N, cpuMaxRows(workSplit(gpu)));
      kernel = stored(gemmKernel('rows', { ...vec4, rows: shape.rows, share: sharesRows(gpu) }));
      this.pipeline = gpu.pipelines.get(kernel, { LANES: shape.lanes, ...layout });
      this.grid = shape.grid;
    } else {
      kernel = stored(gemmKernel(this.variant, vec4));
      this.pipeline = gpu.pipelines.get(kernel, this.variant === 'tiles' ? layout : {});
      this.grid = this.variant === 'tiles' ? tilesGrid(M, N) : tiledGrid(M, N);
    }
    const off = (s?: BufferSlice) => s?.offset ?? 0;
    const aRow = spec.aLayout === 'MK' ? K : M;
    const lda = spec.lda ?? aRow;
    if (!Number.isInteger(lda) || lda < aRow) throw new RangeError(`gemm: lda must be an integer ≥ ${aRow} (A's row length), got ${lda}`);
    const dims = { M, N, K, lda, offA: off(spec.a), offB: off(spec.b), offC: off(spec.c), offBias: off(spec.bias), aKM: layout.A_KM, bKN: layout.B_KN, hasBias: layout.HAS_BIAS };
    this.uniforms = gpu.uniform(kernel.packUniform(dims), 'gemm dims');
    // Without a bias the binding still needs a buffer; A is never written, so it serves.
    this.bindGroup = gpu.pipelines.bindGroup(kernel, `gemm ${M}x${N}x${K}`, {
      C: spec.c.buffer,
      A: spec.a.buffer,
      B: spec.b.buffer,
      bias: spec.bias?.buffer ?? spec.a.buffer,
      dims: this.uniforms,
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
