// `gateflow bench` for Node: options → harness → table (or JSON) on stdout, JSON files under
// bench/results/. Node-only (files, Dawn through gateflow's Gpu, TF.js through bench/node/tfjsNode).
//
// Wiring in src/cli/main.ts (commander):
//   import { BENCH_DESCRIPTION, BENCH_OPTIONS, runBenchCommand } from '../../bench/cli';
//   const bench = program.command('bench').description(BENCH_DESCRIPTION);
//   for (const o of BENCH_OPTIONS) bench.option(o.flags, o.description);
//   bench.action(async (opts) => { process.exitCode = await runBenchCommand(opts); });
import { mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { Gpu } from '../src/gpu/runtime';
import { formatAdapter } from '../src/gpu/device';
import { MAIN_CONFIGS, parseConfigs, QUICK_CONFIGS, suiteConfigs, type BenchConfig } from './configs';
import { formatSequenceBench, runSequenceBench, SEQUENCE_VARIANTS } from './sequenceBench';
import type { Contender, ContenderContext } from './contender';
import { cpuReference } from './contenders/cpu';
import { gateflowWebgpu, gateflowWebgpuAdamClip, gateflowWebgpuF16, gateflowWebgpuPerStep, gateflowWebgpuPersistent } from './contenders/gateflow';
import { tfjsWasm, tfjsWebgpu } from './contenders/tfjs';
import { GEMM_SIZES_FULL, GEMM_SIZES_GPU, GEMM_SIZES_QUICK, formatGemmVariants, runGemmBench, type GemmResult } from './gemmBench';
import { GEMM_VARIANTS, RECURRENT_VARIANTS, type GemmVariant } from '../src/kernels/registry';
import { REPORT_SCHEMA, runBenchmark, type BenchReport } from './harness';
import { loadTfjsNode, shutdownTfjsNode } from './node/tfjsNode';
import { formatMarkdown, formatTable, type HostInfo } from './report';
import { formatKernelProfile, profileKernels, type KernelProfileRow } from './kernelProfile';

/** Every contender, in the order they run and appear. */
export const ALL_CONTENDERS: readonly Contender[] = [gateflowWebgpu, gateflowWebgpuPerStep, gateflowWebgpuPersistent, gateflowWebgpuF16, gateflowWebgpuAdamClip, cpuReference, tfjsWebgpu, tfjsWasm];

export const BENCH_DESCRIPTION = 'validate gateflow and its peers (TF.js WebGPU/WASM, the CPU reference) against the CPU reference, then time training steps and inference';

/** The options as commander declares them (flags, description); parsed values arrive as strings/booleans. */
export const BENCH_OPTIONS: readonly { flags: string; description: string }[] = [
  { flags: '--quick', description: 'CI-sized run: small configs, few repeats (< 1 min on lavapipe)' },
  { flags: '--json', description: 'print only the JSON report on stdout (progress still goes to stderr)' },
  { flags: '--config <B,T,I,H>', description: 'run these shapes instead of a suite (several: separate with ";")' },
  { flags: '--suite <names>', description: 'main (default), t-sweep, h-sweep, quick, gpu (the main four, DeepBench B64/T25/I512/H512 and a 4096³ GEMM: for real GPUs) or all; comma-separated' },
  { flags: '--contenders <names>', description: `comma-separated subset of: ${ALL_CONTENDERS.map((c) => c.name).join(', ')}` },
  { flags: '--warmup <n>', description: 'untimed steps before measuring (default 2)' },
  { flags: '--repeats <n>', description: 'timed steps per measurement, median reported (default 10, quick 5)' },
  { flags: '--budget <seconds>', description: 'stop repeating a measurement after this long (default 10, quick 2)' },
  { flags: '--cpu-limit <seconds>', description: 'skip the CPU reference contender where one step takes longer (default 20)' },
  { flags: '--seed <n>', description: 'seed of weights and data (default 1)' },
  { flags: '--no-gemm', description: 'skip the GEMM microbenchmark' },
  { flags: '--out <dir>', description: 'where the JSON reports go (default bench/results): latest.json for the main suite, latest-<suite|quick|custom>.json otherwise, plus a timestamped copy' },
  { flags: '--no-save', description: 'write no files' },
  { flags: '--markdown <file>', description: 'also write the table as Markdown (e.g. bench/RESULTS.md)' },
  { flags: '--from <report.json>', description: 'run nothing: re-render a saved report (table, --json, --markdown)' },
  { flags: '--sequence-options', description: 'instead of the contenders: one training step with one direction, two directions, per-row lengths (uniform over [T/4, T]) and both, in gateflow and TF.js (Bidirectional, masking), each validated by its first loss, then timed; the first main shape by default (--config, --quick, --contenders gateflow-webgpu to leave TF.js out)' },
  { flags: '--gru', description: "instead of the contenders: one GRU training step (one layer, one direction, MSE on its outputs, SGD) in gateflow and in TF.js's GRU layer (Keras's reset-before form: TF.js has no resetAfter; checked against a float64 reset-before forward), each validated by its first loss, then timed; the four main shapes by default (--config, --quick, --contenders gateflow-webgpu to leave TF.js out)" },
  { flags: '--kernels', description: "instead of the contenders: every registered kernel variant (src/kernels/registry.ts), validated against the CPU reference, then timed: the GEMM variants at the GEMM sizes (not with --no-gemm), and each kernel group of gateflow's training pass alone (projection, forward steps, backward steps, dW_ih, dW_hh, db, dx) under each recurrent variant for the chosen shapes; --quick, --warmup, --repeats, --budget, --seed and --json apply" },
];

export interface BenchCommandOptions {
  quick?: boolean;
  json?: boolean;
  config?: string | string[];
  suite?: string;
  contenders?: string;
  warmup?: string | number;
  repeats?: string | number;
  budget?: string | number;
  cpuLimit?: string | number;
  seed?: string | number;
  gemm?: boolean;
  out?: string;
  save?: boolean;
  markdown?: string;
  from?: string;
  kernels?: boolean;
  sequenceOptions?: boolean;
  gru?: boolean;
}

export interface BenchIo {
  stdout?: (text: string) => void;
  stderr?: (text: string) => void;
  /** Use this device instead of creating one (tests). */
  gpu?: Gpu | null;
  /** The command line recorded in the report; default: "gateflow " + process.argv. */
  command?: string;
  /** Overrides the contender registry (tests). */
  registry?: readonly Contender[];
}

export class BenchUsageError extends Error {
  override name = 'BenchUsageError';
}

function number(name: string, v: string | number | undefined, fallback: number, ok: (n: number) => boolean, rule: string): number {
  if (v === undefined) return fallback;
  const n = Number(v);
  if (!Number.isFinite(n) || !ok(n)) throw new BenchUsageError(`--${name}: must be ${rule}, got "${v}"`);
  return n;
}

export interface ResolvedBench {
  configs: BenchConfig[];
  contenders: Contender[];
  warmup: number;
  repeats: number;
  budgetMs: number;
  cpuLimitMs: number;
  seed: number;
  gemmSizes: (readonly [number, number, number])[];
}

const suites = (o: BenchCommandOptions): string[] => (o.suite ?? '').split(',').map((s) => s.trim()).filter((s) => s);

/** Checks the options and fills in the defaults (quick or full). */
export function resolveBenchOptions(o: BenchCommandOptions, registry: readonly Contender[] = ALL_CONTENDERS): ResolvedBench {
  const quick = o.quick === true;
  let configs: BenchConfig[];
  try {
    configs = o.config !== undefined ? parseConfigs(o.config) : o.suite ? suiteConfigs(o.suite.split(',').map((s) => s.trim())) : quick ? [...QUICK_CONFIGS] : suiteConfigs(['main']);
  } catch (err) {
    throw new BenchUsageError((err as Error).message);
  }
  let contenders = [...registry];
  if (o.contenders !== undefined) {
    const names = o.contenders.split(',').map((s) => s.trim()).filter((s) => s);
    const unknown = names.filter((n) => !registry.some((c) => c.name === n));
    if (unknown.length || names.length === 0) throw new BenchUsageError(`--contenders: unknown ${JSON.stringify(unknown)}; known: ${registry.map((c) => c.name).join(', ')}`);
    contenders = registry.filter((c) => names.includes(c.name));
  }
  const int = (n: number) => Number.isInteger(n);
  return {
    configs,
    contenders,
    warmup: number('warmup', o.warmup, 2, (n) => int(n) && n >= 0, 'an integer ≥ 0'),
    repeats: number('repeats', o.repeats, quick ? 5 : 10, (n) => int(n) && n >= 1, 'an integer ≥ 1'),
    budgetMs: 1000 * number('budget', o.budget, quick ? 2 : 10, (n) => n > 0, 'a number of seconds > 0'),
    cpuLimitMs: 1000 * number('cpu-limit', o.cpuLimit, 20, (n) => n >= 0, 'a number of seconds ≥ 0'),
    seed: number('seed', o.seed, 1, (n) => int(n) && n >= 0, 'an integer ≥ 0'),
    gemmSizes: o.gemm === false ? [] : (quick ? GEMM_SIZES_QUICK : suites(o).includes('gpu') ? GEMM_SIZES_GPU : GEMM_SIZES_FULL).map((s) => [...s] as const),
  };
}

/** Which set of shapes ran: names the files, so a quick or sweep run never overwrites the main latest.json. */
export function runLabel(o: BenchCommandOptions): string {
  if (o.config !== undefined) return 'custom';
  if (o.suite) return o.suite.split(',').map((s) => s.trim()).filter((s) => s).join('+');
  return o.quick ? 'quick' : 'main';
}

function save(report: BenchReport, dir: string, label: string): string[] {
  mkdirSync(dir, { recursive: true });
  const stamp = report.createdAt.replace(/[:.]/g, '-');
  const files = [path.join(dir, label === 'main' ? 'latest.json' : `latest-${label}.json`), path.join(dir, `${stamp}-${label}.json`)];
  const text = JSON.stringify(report, null, 2) + '\n';
  for (const f of files) writeFileSync(f, text);
  return files;
}

/**
 * On a CPU adapter (lavapipe) every GPU buffer is a host memory mapping, and TF.js WebGPU keeps
 * ≈ 60 per time step alive during a training step (a uniform buffer per dispatch, ≈ 52 dispatches
 * per step, plus the tape): 61 000 mappings at T = 1024, against Linux's default vm.max_map_count
 * of 65 530. Past the limit mmap fails inside the driver and the process dies (SIGSEGV), taking the
 * whole run with it. So TF.js WebGPU is skipped where 60·T + 5000 would pass 80 % of the limit.
 */
function tfjsWebgpuMaxT(): { T: number; why: string } | undefined {
  let limit: number;
  try {
    limit = Number(readFileSync('/proc/sys/vm/max_map_count', 'utf8').trim());
  } catch {
    return undefined; // not Linux: no such limit known
  }
  if (!Number.isFinite(limit) || limit <= 0) return undefined;
  const T = Math.floor((0.8 * limit - 5000) / 60);
  return { T, why: `TF.js WebGPU needs ≈ 60·T + 5000 host memory mappings on a CPU adapter; T > ${T} would pass 80 % of vm.max_map_count (${limit}) and crash the process` };
}

/** `--from`: prints / writes a saved report as a run would have. */
function render(opts: BenchCommandOptions, stdout: (t: string) => void, stderr: (t: string) => void): number {
  let report: BenchReport & { command?: string; host?: HostInfo };
  try {
    report = JSON.parse(readFileSync(opts.from!, 'utf8'));
    if (report.schema !== REPORT_SCHEMA) throw new Error(`not a ${REPORT_SCHEMA} report (schema ${JSON.stringify(report.schema)})`);
  } catch (err) {
    stderr(`gateflow bench: --from ${opts.from}: ${(err as Error).message}`);
    return 2;
  }
  stdout(opts.json ? JSON.stringify(report) : formatTable(report));
  if (opts.markdown) {
    writeFileSync(opts.markdown, formatMarkdown(report, report.command ?? '(unknown)'));
    stderr(`wrote ${opts.markdown}`);
  }
  return 0;
}

/** `--sequence-options`: directions and lengths, gateflow against TF.js (bench/sequenceBench.ts). */
async function sequenceCommand(gpu: Gpu | null, r: ResolvedBench, opts: BenchCommandOptions, ctx: ContenderContext, stdout: (t: string) => void, stderr: (t: string) => void): Promise<number> {
  const flag = opts.gru ? '--gru' : '--sequence-options';
  if (!gpu) {
    stderr(`gateflow bench ${flag}: needs a WebGPU device`);
    return 1;
  }
  // --sequence-options: the first main shape unless told; --gru: the suite (main by default).
  const configs = opts.gru || opts.config !== undefined || opts.suite || opts.quick ? r.configs : [MAIN_CONFIGS[0]];
  const withTfjs = opts.contenders === undefined || opts.contenders.includes('tfjs');
  const cell = opts.gru ? { cell: 'gru' as const, variants: [SEQUENCE_VARIANTS[0]!] } : {};
  const rows = await runSequenceBench(gpu, configs, { warmup: r.warmup, repeats: r.repeats, budgetMs: r.budgetMs, seed: r.seed, ...cell, ...(withTfjs ? { loadTfjs: ctx.loadTfjs } : {}) }, stderr);
  stdout(opts.json ? JSON.stringify({ adapter: formatAdapter(gpu.info), rows }) : formatSequenceBench(rows));
  if (opts.markdown) {
    writeFileSync(opts.markdown, `${formatSequenceBench(rows)}`);
    stderr(`wrote ${opts.markdown}`);
  }
  return rows.every((row) => row.ms !== null) ? 0 : 1;
}

/** `--kernels`: the per-kernel-group profile of each shape instead of the contenders. */
async function kernelsCommand(gpu: Gpu | null, r: ResolvedBench, opts: BenchCommandOptions, stdout: (t: string) => void, stderr: (t: string) => void): Promise<number> {
  if (!gpu) {
    stderr('gateflow bench --kernels: needs a WebGPU device');
    return 1;
  }
  // Every registered variant (src/kernels/registry.ts), each validated against the CPU, then timed.
  const timing = { warmup: r.warmup, repeats: r.repeats, budgetMs: r.budgetMs, seed: r.seed };
  const gemm: GemmResult[] = [];
  for (const variant of Object.keys(GEMM_VARIANTS) as GemmVariant[]) {
    gemm.push(...(await runGemmBench(gpu, r.gemmSizes, { ...timing, variant }, stderr)));
  }
  const rows: KernelProfileRow[] = [];
  for (const config of r.configs) {
    for (const variant of RECURRENT_VARIANTS) {
      stderr(`profiling B=${config.B} T=${config.T} I=${config.I} H=${config.H}, v${variant.version} ${variant.name} ...`);
      rows.push(...(await profileKernels(gpu, config, { ...timing, variant }, stderr)));
    }
  }
  const valid = gemm.every((g) => g.validated);
  stdout(opts.json ? JSON.stringify({ adapter: gpu.info, gemm, kernels: rows }) : [formatGemmVariants(gemm), formatKernelProfile(rows)].filter((t) => t).join('\n\n'));
  return valid ? 0 : 1;
}

/** Runs the benchmark as `gateflow bench` does; returns the exit code (0 all valid, 1 a contender failed, 2 bad options). */
export async function runBenchCommand(opts: BenchCommandOptions, io: BenchIo = {}): Promise<number> {
  const stdout = io.stdout ?? ((t: string) => process.stdout.write(t + '\n'));
  const stderr = io.stderr ?? ((t: string) => process.stderr.write(t + '\n'));
  if (opts.from !== undefined) return render(opts, stdout, stderr);
  let resolved: ResolvedBench;
  try {
    resolved = resolveBenchOptions(opts, io.registry);
  } catch (err) {
    if (err instanceof BenchUsageError) {
      stderr(`gateflow bench: ${err.message}`);
      return 2;
    }
    throw err;
  }
  const command = io.command ?? `gateflow ${process.argv.slice(2).join(' ')}`.trim();
  let gpu: Gpu | null = io.gpu ?? null;
  const ownGpu = io.gpu === undefined;
  if (ownGpu) {
    try {
      gpu = await Gpu.create();
    } catch (err) {
      stderr(`gateflow bench: no WebGPU device (${(err as Error).message}); the GPU contenders are skipped`);
    }
  }
  const described: Record<string, string> = {};
  const ctx: ContenderContext = {
    gpu: gpu ?? undefined,
    tfjsWebgpuMaxT: gpu?.cpuAdapter ? tfjsWebgpuMaxT() : undefined,
    loadTfjs: async (backend) => {
      const h = await loadTfjsNode(backend);
      described[`tfjs-${backend}`] = h.describe();
      return h;
    },
  };
  try {
    if (gpu) stderr(`adapter: ${formatAdapter(gpu.info)}`);
    if (opts.kernels) return await kernelsCommand(gpu, resolved, opts, stdout, stderr);
    if (opts.sequenceOptions && opts.gru) {
      stderr('gateflow bench: --sequence-options and --gru are separate runs; give one');
      return 2;
    }
    if (opts.sequenceOptions || opts.gru) return await sequenceCommand(gpu, resolved, opts, ctx, stdout, stderr);
    const loadBefore = os.loadavg()[0];
    const outDir = opts.out ?? path.join('bench', 'results');
    const partial = path.join(outDir, `partial-${runLabel(opts)}.json`);
    const onConfigDone = (results: readonly unknown[]) => {
      if (opts.save === false) return;
      mkdirSync(outDir, { recursive: true });
      writeFileSync(partial, JSON.stringify({ command, partial: true, adapter: gpu?.info ?? null, results }, null, 2) + '\n');
    };
    const report = await runBenchmark({ ...resolved, ctx, adapter: gpu?.info ?? null, log: stderr, onConfigDone });
    for (const [name, d] of Object.entries(described)) report.contenders[name] = `${report.contenders[name]} — ${d}`;
    // Other processes on the machine skew wall times: the 1-minute load average says how busy it was.
    const host = { platform: `${os.platform()} ${os.arch()}`, cpus: os.cpus().length, node: process.version, loadavg1Before: loadBefore, loadavg1After: os.loadavg()[0] };
    const withCommand = { command, host, ...report };
    if (opts.json) stdout(JSON.stringify(withCommand));
    else stdout(formatTable(report));
    if (opts.save !== false) {
      const files = save(withCommand as BenchReport, outDir, runLabel(opts));
      rmSync(partial, { force: true });
      stderr(`wrote ${files.join(', ')}`);
    }
    if (opts.markdown) {
      writeFileSync(opts.markdown, formatMarkdown(withCommand, command));
      stderr(`wrote ${opts.markdown}`);
    }
    const bad = report.results.filter((r) => r.status === 'failed' || r.status === 'error') .length + report.gemm.filter((g) => !g.validated).length;
    if (bad > 0) stderr(`gateflow bench: ${bad} contender run(s) failed validation or errored`);
    return bad > 0 ? 1 : 0;
  } finally {
    await shutdownTfjsNode();
    if (ownGpu && gpu) {
      await gpu.device.queue.onSubmittedWorkDone();
      gpu.destroy();
    }
  }
}
