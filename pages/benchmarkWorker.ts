// The benchmark page's worker: it owns the GPU device and runs bench/'s harness (the CPU reference
// and TF.js WASM included, which would otherwise hold the page's main thread for hundreds of
// milliseconds at a time), sending each log line as it comes (pages/lib/workerRpc.ts); the page only draws.
import { runBenchmark, type BenchReport } from '../bench/harness';
import type { BenchConfig } from '../bench/configs';
import type { ContenderContext } from '../bench/contender';
import { REGISTRY } from './lib/benchRegistry';
import { loadTfjsBrowser } from './lib/tfjsBrowser';
import { serveWithGpu } from './lib/workerGpu';

export interface BenchRequest {
  configs: BenchConfig[];
  contenders: string[];
  warmup: number;
  repeats: number;
  budgetMs: number;
  gemmSizes: (readonly [number, number, number])[];
}

const events = serveWithGpu((device) => ({
  /** One benchmark run; its log lines come as 'log' events, then the report (with what TF.js said of its backends). */
  async run(r: BenchRequest): Promise<{ report: BenchReport; described: Record<string, string> }> {
    const described: Record<string, string> = {};
    const ctx: ContenderContext = {
      gpu: device(),
      loadTfjs: async (backend) => {
        const h = await loadTfjsBrowser(backend);
        described[`tfjs-${backend}`] = h.describe();
        return h;
      },
    };
    const report = await runBenchmark({
      configs: r.configs,
      contenders: REGISTRY.filter((c) => r.contenders.includes(c.name)),
      ctx,
      warmup: r.warmup,
      repeats: r.repeats,
      budgetMs: r.budgetMs,
      cpuLimitMs: 20_000,
      seed: 1,
      gemmSizes: r.gemmSizes,
      adapter: device().info,
      log: (line) => events.emit('log', line),
    });
    return { report: JSON.parse(JSON.stringify(report)) as BenchReport, described };
  },
}));
