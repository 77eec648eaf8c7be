import { describe, expect, it } from 'vitest';
import { gemmShareLines } from '../../bench/report';
import { trainFlops } from '../../bench/flops';
import type { BenchReport, BenchResult } from '../../bench/harness';
import type { GemmResult } from '../../bench/gemmBench';

const config = { B: 4, T: 8, I: 4, H: 8 };
const row = (contender: string, trainMs: number, trainMsMin: number): BenchResult =>
  ({ config, contender, status: 'ok', trainMs, trainMsMin }) as unknown as BenchResult;
const gemm = (M: number, bestMs: number, medianMs: number): GemmResult =>
  ({ M, N: M, K: M, relErr: 1e-7, validated: true, bestMs, medianMs, gflops: (2 * M ** 3) / (bestMs * 1e6), samples: 5 }) as GemmResult;

describe('gemmShareLines', () => {
  it("states gateflow's training rate against the best GEMM rate, from the fastest samples and from the medians", () => {
    const flops = trainFlops(config);
    // GEMM 64³: fastest 2·64³ / 0.01 ms, median / 0.02 ms; 128³: fastest / 0.1 ms, median / 0.12 ms.
    const report = {
      results: [row('gateflow-webgpu', flops / 1e6 / 10, flops / 1e6 / 20), row('tfjs-wasm', 1, 1)],
      gemm: [gemm(64, 0.01, 0.02), gemm(128, 0.1, 0.12), { ...gemm(256, 1, 1), validated: false }],
    } as unknown as BenchReport;
    const best = Math.max((2 * 64 ** 3) / (0.01 * 1e6), (2 * 128 ** 3) / (0.1 * 1e6)); // 52.4 (64³) vs 41.9
    const bestMedian = Math.max((2 * 64 ** 3) / (0.02 * 1e6), (2 * 128 ** 3) / (0.12 * 1e6)); // 26.2 vs 35.0 (128³)
    const lines = gemmShareLines(report);
    expect(lines).toHaveLength(1); // gateflow's automatic choice only; the invalid GEMM is ignored
    expect(lines[0]).toContain(`at ${((100 * 20) / best).toFixed(0)} % of the best GEMM rate from the fastest samples (20.0 vs ${best.toFixed(1)} GFLOP/s, gemm 64x64x64)`);
    expect(lines[0]).toContain(`${((100 * 10) / bestMedian).toFixed(0)} % from the medians (10.0 vs ${bestMedian.toFixed(1)}, gemm 128x128x128)`);
    expect(gemmShareLines({ ...report, gemm: [] })).toEqual([]);
  });
});
