// GEMM microbenchmark: the best GFLOP/s of src/kernels/gemm.ts at a few sizes, so the LSTM's
// compute-bound target can be stated relative to what the same device does on a plain GEMM.
// Validated first, like everything else: a sample of C's entries against float64 dot products.
import type { Gpu } from '../src/gpu/runtime';
import { GemmKernel, gemmFlops, type GemmVariant } from '../src/kernels/gemm';
import { relErr } from '../src/fixtures/compare';
import { Rng } from '../src/random';

export interface GemmResult {
  /** The GEMM variant (GEMM_VARIANTS); the device's default unless a variant was asked for. */
  variant: GemmVariant;
  M: number;
  N: number;
  K: number;
  /** Relative error over 256 sampled entries of C vs float64. */
  relErr: number;
  validated: boolean;
  medianMs: number | null;
  bestMs: number | null;
  /** From the best time. */
  gflops: number | null;
  samples: number;
}

export const GEMM_SIZES_FULL = [[256, 256, 256], [512, 512, 512], [1024, 1024, 1024], [1024, 512, 160]] as const;
/** The GPU suite's sizes: the full ones and 4096³, large enough to approach a GPU's peak. */
export const GEMM_SIZES_GPU = [...GEMM_SIZES_FULL, [4096, 4096, 4096]] as const;
export const GEMM_SIZES_QUICK = [[128, 128, 128], [256, 256, 256]] as const;

const SAMPLES = 256;

export async function runGemmBench(
  gpu: Gpu,
  sizes: readonly (readonly [number, number, number])[],
  opts: { warmup: number; repeats: number; budgetMs: number; seed: number; variant?: GemmVariant },
  log: (line: string) => void,
): Promise<GemmResult[]> {
  const out: GemmResult[] = [];
  for (const [M, N, K] of sizes) {
    const rng = new Rng(opts.seed + M * 7 + N * 13 + K);
    const A = new Float32Array(rng.uniformArray(M * K, -1, 1));
    const B = new Float32Array(rng.uniformArray(N * K, -1, 1));
    const bufs = { a: gpu.storage(M * K, 'gemm bench A'), b: gpu.storage(N * K, 'gemm bench B'), c: gpu.storage(M * N, 'gemm bench C') };
    let kernel: GemmKernel | null = null;
    try {
      gpu.write(bufs.a, A);
      gpu.write(bufs.b, B);
      gpu.write(bufs.c, new Float32Array(M * N).fill(Number.NaN));
      kernel = new GemmKernel(gpu, { M, N, K, aLayout: 'MK', bLayout: 'NK', a: { buffer: bufs.a }, b: { buffer: bufs.b }, c: { buffer: bufs.c }, variant: opts.variant });
      const run = async () => {
        const rec = gpu.recorder('gemm bench');
        kernel!.record(rec);
        gpu.submit(rec);
        await gpu.device.queue.onSubmittedWorkDone();
      };
      await run();
      const C = await gpu.read(bufs.c, M * N);
      const got: number[] = [];
      const want: number[] = [];
      for (let s = 0; s < SAMPLES; s++) {
        const m = rng.int(M);
        const n = rng.int(N);
        let acc = 0;
        for (let k = 0; k < K; k++) acc += A[m * K + k] * B[n * K + k];
        got.push(C[m * N + n]);
        want.push(acc);
      }
      const err = relErr(got, want);
      const validated = err <= 1e-5;
      const result: GemmResult = { variant: kernel.variant, M, N, K, relErr: err, validated, medianMs: null, bestMs: null, gflops: null, samples: 0 };
      if (validated) {
        for (let i = 0; i < opts.warmup; i++) await run();
        const times: number[] = [];
        const start = performance.now();
        while (times.length < Math.max(3, opts.repeats) && (times.length === 0 || performance.now() - start < opts.budgetMs)) {
          const t0 = performance.now();
          await run();
          times.push(performance.now() - t0);
        }
        times.sort((a, b) => a - b);
        result.samples = times.length;
        result.bestMs = times[0];
        result.medianMs = times[times.length >> 1];
        result.gflops = gemmFlops(M, N, K) / (times[0] * 1e6);
      }
      log(`gemm ${kernel.variant} ${M}x${N}x${K}: relErr ${err.toExponential(2)}${validated ? `, best ${result.bestMs!.toFixed(2)} ms = ${result.gflops!.toFixed(2)} GFLOP/s` : ' VALIDATION FAILED (not timed)'}`);
      out.push(result);
    } finally {
      kernel?.dispose();
      Object.values(bufs).forEach((b) => gpu.pool.release(b));
    }
  }
  return out;
}

/** A plain-text table of GEMM results, one line per variant and size. */
export function formatGemmVariants(results: readonly GemmResult[]): string {
  if (!results.length) return '';
  const lines = ['GEMM variant    size             median ms   best ms  GFLOP/s  relErr'];
  for (const r of results) {
    const size = `${r.M}x${r.N}x${r.K}`;
    const time = (v: number | null) => (v === null ? '–' : v.toFixed(2));
    lines.push(`${r.variant.padEnd(15)} ${size.padEnd(16)} ${time(r.medianMs).padStart(9)} ${time(r.bestMs).padStart(9)} ${(r.gflops === null ? 'FAILED' : r.gflops.toFixed(2)).padStart(8)}  ${r.relErr.toExponential(1)}`);
  }
  return lines.join('\n');
}
