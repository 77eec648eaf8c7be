// Where a training pass spends its time: each kernel group of one LSTM layer's forward and backward
// pass (projection, forward steps, backward steps, weight gradients, dx) timed alone, with the
// GFLOP/s of its matrix products. Count first, then change a kernel (bench/NOTES.md, v7).
import type { Gpu } from '../src/gpu/runtime';
import { RecurrentNetwork } from '../src/model/recurrentNetwork';
import type { StrategyChoice } from '../src/scheduler/recurrentPlan';
import { Rng } from '../src/random';
import { initialWeights } from '../src/model/init';
import type { BenchConfig } from './configs';
import { measure, median } from './harness';

export interface KernelProfileRow {
  config: BenchConfig;
  strategy: string;
  group: string;
  /** Median and fastest of the timed submissions of the group alone (harness `measure`), ms to queue completion. */
  medianMs: number;
  minMs: number;
  dispatches: number;
  /** Of the matrix products, from the fastest time; null for a group without any (the bias sums). */
  gflops: number | null;
}

export async function profileKernels(
  gpu: Gpu,
  config: BenchConfig,
  opts: { warmup: number; repeats: number; budgetMs: number; seed: number; strategy?: StrategyChoice },
): Promise<KernelProfileRow[]> {
  const { B, T, I, H } = config;
  const rng = new Rng(opts.seed);
  const cfg = { cell: 'lstm' as const, inputSize: I, hiddenSize: H, numLayers: 1, cellActivation: 'tanh' as const, strategy: opts.strategy ?? 'auto' };
  const net = new RecurrentNetwork(gpu, cfg);
  try {
    net.setFlatWeights(initialWeights(net.layout, { seed: opts.seed })); // PyTorch's init
    // One real pass first, so every buffer a group reads holds values of a real step (and the
    // pipelines are compiled before anything is timed).
    await net.forward({ x: rng.uniformArray(T * B * I, -1, 1), T, B });
    await net.backward({ dOutput: rng.uniformArray(T * B * H, -1, 1) });
    const plan = net.plan(T, B, true);
    const rows: KernelProfileRow[] = [];
    for (const group of plan.kernelGroups()) {
      let dispatches = 0;
      const samples = await measure(async () => {
        const rec = gpu.recorder(`profile ${group.name}`);
        group.record(rec);
        dispatches = rec.dispatches;
        gpu.submit(rec);
        await gpu.device.queue.onSubmittedWorkDone();
      }, opts.warmup, opts.repeats, opts.budgetMs);
      const minMs = Math.min(...samples);
      rows.push({
        config, strategy: plan.strategy, group: group.name, medianMs: median(samples), minMs, dispatches,
        gflops: group.flops > 0 ? group.flops / (minMs * 1e6) : null,
      });
    }
    return rows;
  } finally {
    net.dispose();
  }
}

/** A plain-text table of profile rows, one block per configuration. */
export function formatKernelProfile(rows: readonly KernelProfileRow[]): string {
  const out: string[] = [];
  let last = '';
  for (const r of rows) {
    const key = `B=${r.config.B} T=${r.config.T} I=${r.config.I} H=${r.config.H}`;
    if (key !== last) {
      out.push('', `${key}  (strategy ${r.strategy})`, 'group               median ms   min ms  dispatches  GFLOP/s');
      last = key;
    }
    out.push(`${r.group.padEnd(18)} ${r.medianMs.toFixed(2).padStart(10)} ${r.minMs.toFixed(2).padStart(8)} ${String(r.dispatches).padStart(11)}  ${r.gflops === null ? '–' : r.gflops.toFixed(2)}`);
  }
  return out.join('\n').trimStart();
}
