// Where a training pass spends its time: each kernel group of one LSTM layer's forward and backward
// pass (projection, forward steps, backward steps, weight gradients, dx) timed alone, with the
// GFLOP/s of its matrix products, for a registered recurrent variant (src/kernels/registry.ts).
// Validated first: the pass's outputs and gradients against the CPU reference, and a variant that
// fails is not timed. Count first, then change a kernel (bench/NOTES.md, v7).
import type { Gpu } from '../src/gpu/runtime';
import { RecurrentNetwork } from '../src/model/recurrentNetwork';
import { Rng } from '../src/random';
import { initialWeights } from '../src/model/init';
import { recurrentBackward, recurrentForward } from '../src/cpu/recurrent';
import { relErr } from '../src/fixtures/compare';
import { RECURRENT_VARIANTS, type RecurrentVariant } from '../src/kernels/registry';
import type { BenchConfig } from './configs';
import { measure, median } from './harness';

/** Forward values and gradients must agree with the CPU reference this closely (docs/DESIGN.md §4). */
const FORWARD_TOLERANCE = 1e-5;
const BACKWARD_TOLERANCE = 1e-4;

export interface KernelProfileRow {
  config: BenchConfig;
  /** The registered variant ('v2 per-step rows') and the strategy it ran. */
  variant: string;
  strategy: string;
  /** Worst relative error of the validation pass (outputs 1e-5, gradients 1e-4); a failed variant has no timed rows. */
  relErr: number;
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
  opts: { warmup: number; repeats: number; budgetMs: number; seed: number; variant?: RecurrentVariant },
  log: (line: string) => void = () => {},
): Promise<KernelProfileRow[]> {
  const { B, T, I, H } = config;
  const rng = new Rng(opts.seed);
  const variant = opts.variant ?? RECURRENT_VARIANTS.find((v) => v.strategy === 'per-step' && v.view(gpu) === gpu)!;
  const device = variant.view(gpu);
  const label = `v${variant.version} ${variant.name}`;
  const cfg = { cell: 'lstm' as const, inputSize: I, hiddenSize: H, numLayers: 1, cellActivation: 'tanh' as const };
  let net: RecurrentNetwork;
  try {
    net = new RecurrentNetwork(device, { ...cfg, strategy: variant.strategy });
  } catch (err) {
    log(`${label}: cannot run B=${B} T=${T} H=${H} here (${(err as Error).message})`);
    return [];
  }
  try {
    net.setFlatWeights(initialWeights(net.layout, { seed: opts.seed })); // PyTorch's init
    // One real pass first, validated against the CPU reference: every buffer a group reads then holds
    // values of a real step, and the pipelines are compiled before anything is timed.
    const x = rng.uniformArray(T * B * I, -1, 1);
    const dOutput = rng.uniformArray(T * B * H, -1, 1);
    const gf = await net.forward({ x, T, B });
    const gb = await net.backward({ dOutput });
    const params = (await net.getWeights()).map((l) => ({ weightIh: Float64Array.from(l.weightIh), weightHh: Float64Array.from(l.weightHh), biasIh: Float64Array.from(l.biasIh), biasHh: Float64Array.from(l.biasHh) }));
    const rf = recurrentForward(cfg, params, x, T, B);
    const rb = recurrentBackward(cfg, params, rf, dOutput);
    const forwardErr = relErr(gf.output, rf.output);
    const backwardErr = Math.max(relErr(gb.dx, rb.dx), ...(['weightIh', 'weightHh', 'biasIh', 'biasHh'] as const).map((k) => relErr(gb.grads[0][k], rb.grads[0][k])));
    const worst = Math.max(forwardErr, backwardErr);
    if (!(forwardErr <= FORWARD_TOLERANCE && backwardErr <= BACKWARD_TOLERANCE)) {
      log(`${label} B=${B} T=${T} H=${H}: VALIDATION FAILED (outputs ${forwardErr.toExponential(2)}, gradients ${backwardErr.toExponential(2)}), not timed`);
      return [];
    }
    const plan = net.plan(T, B, true);
    const rows: KernelProfileRow[] = [];
    for (const group of plan.kernelGroups()) {
      let dispatches = 0;
      const samples = await measure(async () => {
        const rec = device.recorder(`profile ${group.name}`);
        group.record(rec);
        dispatches = rec.dispatches;
        device.submit(rec);
        await device.device.queue.onSubmittedWorkDone();
      }, opts.warmup, opts.repeats, opts.budgetMs);
      const minMs = Math.min(...samples);
      rows.push({
        config, variant: label, strategy: plan.strategy, relErr: worst, group: group.name, medianMs: median(samples), minMs, dispatches,
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
    const key = `B=${r.config.B} T=${r.config.T} I=${r.config.I} H=${r.config.H}  ${r.variant}`;
    if (key !== last) {
      out.push('', `${key}  (strategy ${r.strategy}; validated, worst relative error ${r.relErr.toExponential(1)})`, 'group               median ms   min ms  dispatches  GFLOP/s');
      last = key;
    }
    out.push(`${r.group.padEnd(18)} ${r.medianMs.toFixed(2).padStart(10)} ${r.minMs.toFixed(2).padStart(8)} ${String(r.dispatches).padStart(11)}  ${r.gflops === null ? '–' : r.gflops.toFixed(2)}`);
  }
  return out.join('\n').trimStart();
}
