// Benchmark page: bench/'s harness (validate against the CPU reference, then time) on the visitor's
// GPU, with TF.js peers loaded in the browser; results as a table, a chart and a JSON download. The
// benchmark runs in a worker (benchmarkWorker.ts) with its own device: this page only draws.
import type { BenchReport, BenchResult } from '../bench/harness';
import { configKey, parseConfigs, suiteConfigs, type BenchConfig } from '../bench/configs';
import { trainFlops } from '../bench/flops';
import { GEMM_SIZES_QUICK } from '../bench/gemmBench';
import { REGISTRY } from './lib/benchRegistry';
import type { BenchRequest } from './benchmarkWorker';
import { WorkerClient } from './lib/workerRpc';
import { byId, download, setText } from './lib/dom';
import { FieldReader } from './lib/fields';
import { initInput, strParam } from './lib/params';
import { pageState } from './lib/state';
import { startWorkerGpu } from './lib/gpu';
import { clearMessage, errorText, showError } from './lib/messages';
import { Chart, COLORS, logTick } from './lib/charts';

const state = pageState('benchmark', {
  benchmark: { running: false, finished: false, rows: 0, failed: 0, error: null as string | null },
  report: null as (BenchReport & { page: object }) | null,
  contenders: REGISTRY.map((c) => c.name),
});

const inputs = {
  suite: byId<HTMLSelectElement>('suite'),
  config: byId<HTMLInputElement>('config'),
  warmup: byId<HTMLInputElement>('warmup'),
  repeats: byId<HTMLInputElement>('repeats'),
  budget: byId<HTMLInputElement>('budget'),
  gemm: byId<HTMLInputElement>('gemm'),
};
for (const input of Object.values(inputs)) initInput(input);
if (inputs.config.value.trim()) inputs.suite.value = 'custom';
const runButton = byId<HTMLButtonElement>('run');
const downloadButton = byId<HTMLButtonElement>('download');
const logEl = byId<HTMLPreElement>('log');

// One checkbox per contender; ?contenders=a,b picks a subset (default: all but the forced-strategy variants).
const wanted = strParam('contenders', '').split(',').map((s) => s.trim()).filter(Boolean);
const contenderBoxes = new Map<string, HTMLInputElement>();
for (const c of REGISTRY) {
  const label = document.createElement('label');
  label.className = 'inline';
  const box = document.createElement('input');
  box.type = 'checkbox';
  box.value = c.name;
  box.checked = wanted.length > 0 ? wanted.includes(c.name) : !/-(per-step|persistent)$/.test(c.name);
  label.title = c.note ?? '';
  label.append(box, ` ${c.name}`);
  byId('contenders').append(label);
  contenderBoxes.set(c.name, box);
}
const unknown = wanted.filter((n) => !contenderBoxes.has(n));
if (unknown.length) showError('Unknown contenders in the address', `${unknown.join(', ')} (known: ${REGISTRY.map((c) => c.name).join(', ')})`, 'contenders');

// The benchmark runs in a worker that owns the device (benchmarkWorker.ts): this page only draws.
const worker = new WorkerClient(new Worker(new URL('./benchmarkWorker.ts', import.meta.url), { type: 'module' }));
/** The worker has a device (false: none, or it was lost). */
let gpu = false;
/** Log lines of the run in progress go here. */
let onLog: (line: string) => void = () => {};
worker.on('log', (line) => onLog(line as string));
let chart: Chart<'bar'> | null = null;

function log(line: string): void {
  logEl.textContent += `${line}\n`;
  logEl.scrollTop = logEl.scrollHeight;
}

function selectedConfigs(): BenchConfig[] {
  if (inputs.suite.value === 'custom') return parseConfigs(inputs.config.value);
  return suiteConfigs([inputs.suite.value]);
}

const num = (v: number | null, digits: number): string => (v === null ? '–' : v.toFixed(digits));
const ratioText = (v: number | null | undefined): string => (v === null || v === undefined ? '' : `${v >= 10 ? v.toFixed(0) : v.toFixed(2)}×`);

function renderTable(report: BenchReport): void {
  const table = byId<HTMLTableElement>('results');
  const peers = [...new Set(report.results.map((r) => r.contender))].filter((n) => !n.startsWith('gateflow-webgpu'));
  const head = ['contender', 'valid', 'train ms', 'infer ms', 'dispatches / step', 'GFLOP/s', ...peers.map((p) => `vs ${p.replace(/^gateflow-/, '')}`)];
  const rows: string[] = [`<tr>${head.map((h) => `<th>${h}</th>`).join('')}</tr>`];
  const keys = [...new Set(report.results.map((r) => configKey(r.config)))];
  for (const key of keys) {
    const group = report.results.filter((r) => configKey(r.config) === key);
    const gflop = trainFlops(group[0].config) / 1e9;
    rows.push(`<tr class="config"><td colspan="${head.length}">${key} — ${gflop.toPrecision(3)} GFLOP per training step</td></tr>`);
    for (const r of group) {
      const valid = r.status === 'ok' ? 'yes' : r.status === 'failed' ? '<span class="bad">NO</span>' : r.status;
      const cells = [
        r.contender, valid, num(r.trainMs, 2), num(r.inferMs, 2), r.dispatchesPerTrainStep === null ? '–' : String(r.dispatchesPerTrainStep), num(r.gflops, 3),
        ...peers.map((p) => (r.contender.startsWith('gateflow-webgpu') ? ratioText(r.ratios[p]?.train) : '')),
      ];
      rows.push(`<tr data-contender="${r.contender}" title="${(r.note ?? '').replace(/"/g, '&quot;')}">${cells.map((c, i) => `<td${i === 0 ? ' class="text"' : ''}>${c}</td>`).join('')}</tr>`);
    }
  }
  table.innerHTML = rows.join('');
  const notes = report.results.filter((r) => r.note).map((r) => `${configKey(r.config)} ${r.contender}: ${r.note}`);
  const gemm = report.gemm.map((g) => `GEMM ${g.M}×${g.N}×${g.K}: ${g.validated ? `${num(g.gflops, 2)} GFLOP/s` : 'VALIDATION FAILED'} (rel. error ${g.relErr.toExponential(1)})`);
  byId('resultNotes').textContent = [
    '“vs X” is X’s training-step time divided by this row’s: above 1×, gateflow is faster.',
    ...gemm,
    ...notes,
  ].join(' · ');
}

function renderChart(report: BenchReport): void {
  const keys = [...new Set(report.results.map((r) => configKey(r.config)))];
  const names = [...new Set(report.results.map((r) => r.contender))];
  const palette = [COLORS.lstm, '#74a0f5', '#a5c0f7', '#1c3f94', COLORS.baseline, COLORS.rnn, '#f08c00', ...COLORS.extra];
  const datasets = names.map((name, i) => ({
    label: name,
    data: keys.map((k) => report.results.find((r) => r.contender === name && configKey(r.config) === k)?.trainMs ?? null),
    backgroundColor: palette[i % palette.length],
  }));
  chart?.destroy();
  chart = new Chart<'bar'>(byId<HTMLCanvasElement>('chart'), {
    type: 'bar',
    data: { labels: keys, datasets: datasets as never },
    options: {
      scales: {
        x: { title: { display: true, text: 'shape' } },
        y: { type: 'logarithmic', title: { display: true, text: 'training step, ms (median, log scale)' }, ticks: { callback: logTick } },
      },
      plugins: { legend: { position: 'top' }, tooltip: { callbacks: { label: (c) => `${c.dataset.label}: ${Number(c.raw).toFixed(2)} ms` } } },
    },
  });
}

async function run(): Promise<void> {
  if (!gpu || state.benchmark.running) return;
  let configs: BenchConfig[];
  try {
    configs = selectedConfigs();
    clearMessage('config');
  } catch (err) {
    showError('Those shapes cannot be run', errorText(err), 'config');
    return;
  }
  const contenders = REGISTRY.filter((c) => contenderBoxes.get(c.name)?.checked);
  if (contenders.length === 0) {
    showError('Nothing to run', 'Tick at least one contender.', 'config');
    return;
  }
  const f = new FieldReader();
  const timing = { warmup: f.int(inputs.warmup), repeats: f.int(inputs.repeats), budgetMs: 1000 * f.number(inputs.budget) };
  if (!f.ok) {
    showError('Some settings are not valid', `${f.errors.join('. ')}. Fix the marked field${f.errors.length > 1 ? 's' : ''} and run again.`, 'config');
    return;
  }
  state.benchmark = { running: true, finished: false, rows: 0, failed: 0, error: null };
  state.report = null;
  runButton.disabled = true;
  downloadButton.disabled = true;
  logEl.textContent = '';
  setText('runstate', 'running');
  const total = configs.length * contenders.length;
  let done = 0;
  setText('progress', `0 / ${total} runs`);
  try {
    const request: BenchRequest = {
      configs,
      contenders: contenders.map((c) => c.name),
      ...timing,
      gemmSizes: inputs.gemm.checked ? GEMM_SIZES_QUICK.map((s) => [...s] as const) : [],
    };
    onLog = (line) => {
      log(line);
      // One line per contender result ("  name: valid ..." or "...: train ..."): count progress.
      if (/^ {2}\S+: (train|VALIDATION FAILED|ERROR)/.test(line)) setText('progress', `${++done} / ${total} runs`);
    };
    const { report, described } = await worker.call<{ report: BenchReport; described: Record<string, string> }>('run', request);
    for (const [name, d] of Object.entries(described)) report.contenders[name] = `${report.contenders[name] ?? ''} — ${d}`;
    const withPage = { ...report, page: { userAgent: navigator.userAgent, url: location.href, adapter: state.adapter } };
    state.report = JSON.parse(JSON.stringify(withPage)) as typeof withPage;
    renderTable(report);
    renderChart(report);
    const failed = report.results.filter((r: BenchResult) => r.status === 'failed' || r.status === 'error').length;
    state.benchmark = { running: false, finished: true, rows: report.results.length, failed, error: null };
    setText('progress', `${report.results.length} runs, ${failed} failed`);
    if (failed > 0) showError(`${failed} run(s) failed validation or stopped with an error`, 'See the notes under the table and the log: a failed contender is not timed.', 'failed');
    else clearMessage('failed');
    downloadButton.disabled = false;
  } catch (err) {
    state.benchmark = { ...state.benchmark, running: false, error: errorText(err) };
    showError('The benchmark stopped', errorText(err), 'bench');
  } finally {
    setText('runstate', state.benchmark.finished ? 'finished' : 'stopped');
    runButton.disabled = !gpu;
  }
}

function downloadJson(): void {
  if (!state.report) return;
  const stamp = state.report.createdAt.replace(/[:.]/g, '-');
  download(`${JSON.stringify(state.report, null, 2)}\n`, `gateflow-bench-${stamp}.json`, 'application/json');
}

runButton.addEventListener('click', () => void run());
downloadButton.addEventListener('click', downloadJson);

async function main(): Promise<void> {
  gpu = await startWorkerGpu(state, worker, () => {
    gpu = false;
    runButton.disabled = true;
  });
  if (!gpu) return;
  runButton.disabled = false;
  setText('runstate', 'ready');
}

void main();
