// Presenting a BenchReport: a plain-text table for stdout and a Markdown table for bench/RESULTS.md.
import { formatAdapter } from '../src/gpu/device';
import { configKey } from './configs';
import { trainFlops } from './flops';
import type { BenchReport, BenchResult } from './harness';
import type { GemmResult } from './gemmBench';
import { gemmFlops } from '../src/kernels/gemm';

const isGateflowGpu = (name: string): boolean => name.startsWith('gateflow-webgpu');

/** The contenders gateflow's rows are compared with: everything that is not a gateflow GPU row. */
function peers(report: BenchReport): string[] {
  const names: string[] = [];
  for (const r of report.results) if (!isGateflowGpu(r.contender) && !names.includes(r.contender)) names.push(r.contender);
  return names;
}

/** The contender's name, with what it reports about itself (the strategy 'auto' chose) where the name does not say it. */
function withDetail(r: BenchResult): string {
  const d = r.detail?.replace(/^strategy /, '');
  return d && !r.contender.endsWith(d) ? `${r.contender} (${d})` : r.contender;
}

const num = (v: number | null, digits: number): string => (v === null ? '–' : v.toFixed(digits));
const ratio = (v: number | null | undefined): string => (v === null || v === undefined ? '' : `${v >= 10 ? v.toFixed(0) : v.toFixed(2)}×`);
const status = (r: BenchResult): string => (r.status === 'ok' ? 'yes' : r.status === 'failed' ? 'NO' : r.status);

interface Table {
  title: string;
  header: string[];
  rows: string[][];
  notes: string[];
}

function tables(report: BenchReport): Table[] {
  const peerNames = peers(report);
  const keys: string[] = [];
  for (const r of report.results) if (!keys.includes(configKey(r.config))) keys.push(configKey(r.config));
  return keys.map((key) => {
    const rows = report.results.filter((r) => configKey(r.config) === key);
    const gflop = trainFlops(rows[0].config) / 1e9;
    return {
      title: `${key}  (${gflop < 0.1 ? gflop.toFixed(4) : gflop.toFixed(3)} GFLOP per training step)`,
      header: ['contender', 'valid', 'train ms', 'train min', 'GPU ms', 'infer ms', 'disp/step', 'GFLOP/s', ...peerNames.map((p) => `vs ${p.replace(/^gateflow-/, '')}`)],
      rows: rows.map((r) => [
        withDetail(r), status(r), num(r.trainMs, 2), num(r.trainMsMin, 2), num(r.trainGpuMs ?? null, 2), num(r.inferMs, 2), r.dispatchesPerTrainStep === null ? '–' : String(r.dispatchesPerTrainStep), num(r.gflops, 3),
        ...peerNames.map((p) => (isGateflowGpu(r.contender) ? ratio(r.ratios[p]?.train) : '')),
      ]),
      notes: rows.filter((r) => r.note).map((r) => `${r.contender}: ${r.note}`),
    };
  });
}

function gemmLines(report: BenchReport): string[] {
  return report.gemm.map((g) => `gemm ${g.M}x${g.N}x${g.K}: ${g.validated ? `${num(g.gflops, 2)} GFLOP/s (best ${num(g.bestMs, 2)} ms, median ${num(g.medianMs, 2)} ms)` : 'VALIDATION FAILED'}, relErr ${g.relErr.toExponential(1)}`);
}

/**
 * gateflow's training rate (its automatic choice) as a share of the best GEMM rate of the same run,
 * for each configuration: the issue's compute-bound target. Both from the fastest samples and from
 * the medians, since one lucky GEMM sample can be far from its median on a shared machine.
 */
export function gemmShareLines(report: BenchReport): string[] {
  const gemm = report.gemm.filter((g): g is GemmResult & { bestMs: number; medianMs: number } => g.validated && g.bestMs !== null && g.medianMs !== null);
  if (!gemm.length) return [];
  const best = (ms: (g: (typeof gemm)[number]) => number) => {
    const rated = gemm.map((g) => ({ g, gflops: gemmFlops(g.M, g.N, g.K) / (ms(g) * 1e6) }));
    return rated.reduce((a, b) => (b.gflops > a.gflops ? b : a));
  };
  const fastest = best((g) => g.bestMs);
  const middle = best((g) => g.medianMs);
  const size = (g: GemmResult) => `${g.M}x${g.N}x${g.K}`;
  const pct = (v: number) => `${(100 * v).toFixed(0)} %`;
  return report.results
    .filter((r) => r.contender === 'gateflow-webgpu' && r.status === 'ok' && r.trainMs !== null && r.trainMsMin !== null)
    .map((r) => {
      const fromFastest = trainFlops(r.config) / (r.trainMsMin! * 1e6);
      const fromMedian = trainFlops(r.config) / (r.trainMs! * 1e6);
      return `${configKey(r.config)}: gateflow-webgpu at ${pct(fromFastest / fastest.gflops)} of the best GEMM rate from the fastest samples (${num(fromFastest, 1)} vs ${num(fastest.gflops, 1)} GFLOP/s, gemm ${size(fastest.g)}), ${pct(fromMedian / middle.gflops)} from the medians (${num(fromMedian, 1)} vs ${num(middle.gflops, 1)}, gemm ${size(middle.g)})`;
    });
}

const adapterLine = (report: BenchReport): string => `adapter: ${report.adapter ? formatAdapter(report.adapter) : 'none'}`;

export function formatTable(report: BenchReport): string {
  const out = [adapterLine(report), `FLOPs: ${report.flops}; times are medians of wall time to queue completion ("train min": the fastest step); "vs X" = X's median train time / this row's (> 1: faster)`];
  for (const t of tables(report)) {
    const widths = t.header.map((h, i) => Math.max(h.length, ...t.rows.map((r) => r[i].length)));
    const line = (cells: string[]) => cells.map((c, i) => (i === 0 ? c.padEnd(widths[i]) : c.padStart(widths[i]))).join('  ').trimEnd();
    out.push('', t.title, line(t.header), ...t.rows.map(line), ...t.notes.map((n) => `  note: ${n}`));
  }
  const gemm = gemmLines(report);
  if (gemm.length) out.push('', ...gemm);
  const share = gemmShareLines(report);
  if (share.length) out.push('', ...share);
  return out.join('\n');
}

/** What the CLI adds about the machine (Node only). */
export interface HostInfo {
  platform: string;
  cpus: number;
  node: string;
  loadavg1Before: number;
  loadavg1After: number;
}

export function formatMarkdown(report: BenchReport & { host?: HostInfo }, command: string): string {
  const out = [
    '# gateflow benchmark results',
    '',
    'Written by `gateflow bench --markdown bench/RESULTS.md` (see bench/NOTES.md for the method and the log).',
    '',
    `- ${adapterLine(report)}`,
    `- command: \`${command}\``,
    ...(report.host ? [`- host: ${report.host.platform}, ${report.host.cpus} CPUs, Node ${report.host.node}; 1-min load average ${report.host.loadavg1Before.toFixed(2)} before, ${report.host.loadavg1After.toFixed(2)} after (other processes skew wall times)`] : []),
    `- date: ${report.createdAt}; warm-up ${report.settings.warmup}, up to ${report.settings.repeats} timed steps within ${report.settings.budgetMs / 1000} s per measurement, seed ${report.settings.seed}`,
    `- FLOPs: ${report.flops}`,
    '- times: median wall time from encoding a step to `onSubmittedWorkDone` (TF.js: its pending work flushed, then the same); "train min": the fastest step, less sensitive to other load; "vs X" = X\'s median train time / this row\'s (> 1: gateflow faster)',
  ];
  for (const t of tables(report)) {
    out.push('', `### ${t.title}`, '', `| ${t.header.join(' | ')} |`, `|${t.header.map((_, i) => (i === 0 ? ' --- ' : ' ---: ')).join('|')}|`, ...t.rows.map((r) => `| ${r.join(' | ')} |`));
    if (t.notes.length) out.push('', ...t.notes.map((n) => `- ${n}`));
  }
  const gemm = gemmLines(report);
  if (gemm.length) out.push('', '### GEMM microbenchmark (src/kernels/gemm.ts)', '', ...gemm.map((g) => `- ${g}`));
  const share = gemmShareLines(report);
  if (share.length) out.push('', '### Training rate against the GEMM rate', '', ...share.map((l) => `- ${l}`));
  return out.join('\n') + '\n';
}
