// The benchmark page's worker: it owns the GPU device and runs bench/'s harness (the CPU reference
// and TF.js WASM included, which would otherwise hold the page's main thread for hundreds of
// milliseconds at a time), sending each log line as it comes (pages/lib/workerRpc.ts); the page only draws.
import { Gpu } from '../src/gpu/runtime';
import { formatAdapter } from '../src/gpu/device';
import { runBenchmark, type BenchReport } from '../bench/harness';
import type { BenchConfig } from '../bench/configs';
import type { ContenderContext } from '../bench/contender';
import { REGISTRY } from './lib/benchRegistry';
import { loadTfjsBrowser } from './lib/tfjsBrowser';
import { serve } from './lib/workerRpc';

export interface BenchRequest {
  configs: BenchConfig[];
  contenders: string[];
  warmup: number;
  repeats: number;
  budgetMs: number;
  gemmSizes: (readonly [number, number, number])[];
}

let gpu: Gpu | null = null;

const events = serve({
  /** The device (made once); its adapter in words. Without WebGPU, the error says so ('WebGpuUnavailableError'). */
  async init(): Promise<{ adapter: string }> {
    gpu ??= await Gpu.create({
      onLost: (info) => events.emit('fatal', { kind: 'lost', message: info.message }),
      onUncapturedError: (message) => events.emit('fatal', { kind: 'uncaptured', message }),
    });
    return { adapter: formatAdapter(gpu.info) };
  },

  /** One benchmark run; its log lines come as 'log' events, then the report (with what TF.js said of its backends). */
  async run(r: BenchRequest): Promise<{ report: BenchReport; described: Record<string, string> }> {
    if (!gpu) throw new Error('run before init');
    const described: Record<string, string> = {};
    const ctx: ContenderContext = {
      gpu,
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
      adapter: gpu.info,
      log: (line) => events.emit('log', line),
    });
    return { report: JSON.parse(JSON.stringify(report)) as BenchReport, described };
  },
});
