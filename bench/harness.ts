// The benchmark harness, shared by the CLI and (later) the browser page: imports no Node module.
// For each configuration: build the problem and its CPU reference; then for each contender, FIRST
// validate (inference output, first-step loss, updated weights vs the reference), and only if that
// passes, time warm-up + repeated steps; report medians, dispatches, GFLOP/s and ratios to the peers.
import type { AdapterDescription } from '../src/gpu/device';
import { configKey, type BenchConfig } from './configs';
import type { Contender, ContenderContext, ContenderInstance } from './contender';
import { FLOPS_FORMULA, inferFlops, trainFlops } from './flops';
import { runGemmBench, type GemmResult } from './gemmBench';
import { buildProblem } from './problem';
import { validate, type Check } from './validate';

export const REPORT_SCHEMA = 'gateflow-bench/v1';

export interface HarnessOptions {
  configs: readonly BenchConfig[];
  contenders: readonly Contender[];
  ctx: ContenderContext;
  /** Untimed steps before measuring (pipeline compilation, caches). */
  warmup: number;
  /** Timed steps (each waited for separately); the median is reported. */
  repeats: number;
  /** A measurement stops repeating after this many ms (it keeps at least one sample). */
  budgetMs: number;
  /** The CPU reference is not validated or timed where one of its steps took longer (ms). */
  cpuLimitMs: number;
  seed: number;
  /** GEMM microbenchmark sizes [M,N,K]; empty for none. */
  gemmSizes: readonly (readonly [number, number, number])[];
  adapter: AdapterDescription | null;
  /** Progress lines (the CLI sends them to stderr). */
  log?: (line: string) => void;
  /** Called after each configuration with every result so far (the CLI saves them: a long run that dies keeps its data). */
  onConfigDone?: (results: readonly BenchResult[]) => void;
}

export type Status = 'ok' | 'failed' | 'skipped' | 'error';

export interface BenchResult {
  config: BenchConfig;
  contender: string;
  /** ok: validated and timed; failed: validation failed (not timed); skipped / error: see note. */
  status: Status;
  validated: boolean;
  /** Median wall time of one training step (forward, MSE, BPTT, update), ms. */
  trainMs: number | null;
  /** Median wall time of one inference pass (forward over all T steps), ms. */
  inferMs: number | null;
  /** Fastest sample of each: less sensitive to other load on a shared machine than the median. */
  trainMsMin: number | null;
  inferMsMin: number | null;
  /** GPU time of a training step from timestamp-query (median of a few extra steps); null where unavailable. */
  trainGpuMs: number | null;
  trainSamples: number;
  inferSamples: number;
  dispatchesPerTrainStep: number | null;
  dispatchesPerInferPass: number | null;
  /** trainFlops / trainMs. */
  gflops: number | null;
  inferGflops: number | null;
  /** For every other timed contender of the same config: its time / this one's (> 1: this one is faster). */
  ratios: Record<string, { train: number | null; infer: number | null }>;
  validation: Check[];
  /** What the contender reports about how it ran (gateflow: the strategy its scheduler chose). */
  detail?: string;
  /** Why it was skipped, failed or errored. */
  note?: string;
}

export interface BenchReport {
  schema: typeof REPORT_SCHEMA;
  createdAt: string;
  adapter: AdapterDescription | null;
  settings: { warmup: number; repeats: number; budgetMs: number; cpuLimitMs: number; seed: number };
  flops: string;
  /** Contender name → what it is (backend, adapter, how dispatches are counted). */
  contenders: Record<string, string>;
  results: BenchResult[];
  gemm: GemmResult[];
}

export const median = (xs: readonly number[]): number => {
  const s = [...xs].sort((a, b) => a - b);
  const m = s.length >> 1;
  return s.length % 2 ? s[m] : (s[m - 1] + s[m]) / 2;
};

/** Warm-up, then up to `repeats` timed calls of `step` (each awaited), within `budgetMs`. */
export async function measure(step: () => Promise<void>, warmup: number, repeats: number, budgetMs: number): Promise<number[]> {
  const start = performance.now();
  for (let i = 0; i < warmup && performance.now() - start < budgetMs / 2; i++) await step();
  const samples: number[] = [];
  const timedStart = performance.now();
  while (samples.length < Math.max(1, repeats)) {
    const t0 = performance.now();
    await step();
    samples.push(performance.now() - t0);
    if (performance.now() - timedStart > budgetMs) break;
  }
  return samples;
}

const fmtErr = (c: Check): string => `${c.name} ${c.relErr.toExponential(2)}${c.pass ? '' : ` > ${c.tol}`}`;

function emptyResult(config: BenchConfig, contender: string, status: Status, note?: string): BenchResult {
  return {
    config, contender, status, validated: false, trainMs: null, inferMs: null, trainMsMin: null, inferMsMin: null, trainGpuMs: null, trainSamples: 0, inferSamples: 0,
    dispatchesPerTrainStep: null, dispatchesPerInferPass: null, gflops: null, inferGflops: null, ratios: {}, validation: [], ...(note ? { note } : {}),
  };
}

async function runContender(c: Contender, config: BenchConfig, built: ReturnType<typeof buildProblem>, opts: HarnessOptions): Promise<BenchResult> {
  const log = opts.log ?? (() => {});
  const { problem, reference } = built;
  const why = c.unavailable?.(opts.ctx, config) ?? null;
  if (why) return emptyResult(config, c.name, 'skipped', why);
  if (c.isCpuReference && reference.trainMs > opts.cpuLimitMs) {
    return emptyResult(config, c.name, 'skipped', `one reference step took ${(reference.trainMs / 1000).toFixed(1)} s (limit ${(opts.cpuLimitMs / 1000).toFixed(0)} s)`);
  }
  let inst: ContenderInstance | null = null;
  try {
    inst = await c.create(problem, opts.ctx);
    // 1. Validate: same weights, same data, one inference pass and one training step.
    await inst.setWeights(problem.weights);
    const output = await inst.infer();
    const loss = await inst.trainStep();
    const params = await inst.readParams();
    const v = validate(inst.paramStyle, c.update, problem, reference, { output, loss, params }, c.tolerance);
    const result = emptyResult(config, c.name, v.pass ? 'ok' : 'failed');
    const detail = inst.describe?.();
    if (detail) result.detail = detail;
    result.validation = v.checks;
    result.validated = v.pass;
    log(`  ${c.name}: ${v.pass ? 'valid' : 'VALIDATION FAILED'} (${v.checks.map(fmtErr).join(', ')})`);
    if (!v.pass) {
      result.note = `validation failed: ${v.checks.filter((k) => !k.pass).map(fmtErr).join(', ')}`;
      return result;
    }
    // 2. Time, from the initial weights again.
    await inst.setWeights(problem.weights);
    const cpu = c.isCpuReference === true;
    const warmup = cpu ? 0 : opts.warmup;
    const train = await measure(() => inst!.timedTrainStep(), warmup, opts.repeats, opts.budgetMs);
    result.dispatchesPerTrainStep = inst.lastTrainDispatches();
    // GPU time comes from separate steps, so its read-backs never enter the wall-time samples.
    result.trainGpuMs = (await inst.gpuTrainMs?.(3)) ?? null;
    const infer = await measure(() => inst!.timedInfer(), warmup, opts.repeats, opts.budgetMs);
    result.dispatchesPerInferPass = inst.lastInferDispatches();
    result.trainMs = median(train);
    result.inferMs = median(infer);
    result.trainMsMin = Math.min(...train);
    result.inferMsMin = Math.min(...infer);
    result.trainSamples = train.length;
    result.inferSamples = infer.length;
    result.gflops = trainFlops(config) / (result.trainMs * 1e6);
    result.inferGflops = inferFlops(config) / (result.inferMs * 1e6);
    const gpuTime = result.trainGpuMs !== null ? ` (GPU ${result.trainGpuMs.toFixed(2)} ms)` : '';
    log(`  ${c.name}: train ${result.trainMs.toFixed(2)} ms${gpuTime} (${train.length} samples), inference ${result.inferMs.toFixed(2)} ms, ${result.dispatchesPerTrainStep ?? '–'} dispatches/step`);
    return result;
  } catch (err) {
    const msg = (err as Error).message ?? String(err);
    log(`  ${c.name}: ERROR ${msg}`);
    return emptyResult(config, c.name, 'error', msg);
  } finally {
    try {
      await inst?.dispose();
    } catch (err) {
      log(`  ${c.name}: dispose failed: ${(err as Error).message}`);
    }
  }
}

/** Ratios between the timed rows of each config: peer time / own time. */
export function addRatios(results: BenchResult[]): void {
  for (const r of results) {
    r.ratios = {};
    if (r.trainMs === null) continue;
    for (const p of results) {
      if (p === r || p.trainMs === null || configKey(p.config) !== configKey(r.config)) continue;
      r.ratios[p.contender] = {
        train: p.trainMs / r.trainMs,
        infer: p.inferMs !== null && r.inferMs !== null ? p.inferMs / r.inferMs : null,
      };
    }
  }
}

export async function runBenchmark(opts: HarnessOptions): Promise<BenchReport> {
  const log = opts.log ?? (() => {});
  const results: BenchResult[] = [];
  for (const config of opts.configs) {
    log(`config ${configKey(config)}: ${(trainFlops(config) / 1e9).toFixed(3)} GFLOP per training step; CPU reference...`);
    const built = buildProblem(config, opts.seed);
    log(`  reference step ${built.reference.trainMs.toFixed(0)} ms, loss ${built.reference.loss.toFixed(6)}, lr ${built.problem.lr.toExponential(3)}`);
    for (const c of opts.contenders) results.push(await runContender(c, config, built, opts));
    opts.onConfigDone?.(results);
  }
  addRatios(results);
  const gemm = opts.ctx.gpu && opts.gemmSizes.length > 0 ? await runGemmBench(opts.ctx.gpu, opts.gemmSizes, opts, log) : [];
  const contenders: Record<string, string> = {};
  for (const c of opts.contenders) contenders[c.name] = c.note ?? '';
  return {
    schema: REPORT_SCHEMA,
    createdAt: new Date().toISOString(),
    adapter: opts.adapter,
    settings: { warmup: opts.warmup, repeats: opts.repeats, budgetMs: opts.budgetMs, cpuLimitMs: opts.cpuLimitMs, seed: opts.seed },
    flops: FLOPS_FORMULA,
    contenders,
    results,
    gemm,
  };
}
