// The benchmark page's worker: it owns its own GPU device and runs bench/'s harness (the CPU
// reference and TF.js WASM included, which would otherwise hold the page's main thread for hundreds
// of milliseconds at a time); the page only draws what it posts.
//   page → worker: { type: 'run', request: BenchRequest }
//   worker → page: { type: 'log', line } … then { type: 'done', report, described } or { type: 'error', message }
import { Gpu } from '../src/gpu/runtime';
import { runBenchmark, type BenchReport } from '../bench/harness';
import type { BenchConfig } from '../bench/configs';
import type { ContenderContext } from '../bench/contender';
import { REGISTRY } from './lib/benchRegistry';
import { loadTfjsBrowser } from './lib/tfjsBrowser';

export interface BenchRequest {
  configs: BenchConfig[];
  contenders: string[];
  warmup: number;
  repeats: number;
  budgetMs: number;
  gemmSizes: (readonly [number, number, number])[];
}

export type WorkerMessage =
  | { type: 'log'; line: string }
  | { type: 'done'; report: BenchReport; described: Record<string, string> }
  | { type: 'error'; message: string };

const post = (m: WorkerMessage) => (self as unknown as Worker).postMessage(m);
let gpu: Promise<Gpu> | null = null;

self.addEventListener('message', (ev: MessageEvent<{ type: 'run'; request: BenchRequest }>) => {
  void run(ev.data.request).catch((err: unknown) => post({ type: 'error', message: err instanceof Error ? err.message : String(err) }));
});

async function run(r: BenchRequest): Promise<void> {
  const device = await (gpu ??= Gpu.create());
  const described: Record<string, string> = {};
  const ctx: ContenderContext = {
    gpu: device,
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
    adapter: device.info,
    log: (line) => post({ type: 'log', line }),
  });
  post({ type: 'done', report: JSON.parse(JSON.stringify(report)) as BenchReport, described });
}
