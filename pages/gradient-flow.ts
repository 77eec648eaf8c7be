// Gradient flow page: a vanilla RNN and an LSTM (and, when asked, a GRU) train on the same
// adding-problem batches; every N steps each is measured on one fixed probe batch with gradientFlow
// (per time step ‖∂L/∂s_k‖, ‖∂L/∂h_k‖, forget-gate and update-gate products), drawn as heatmaps over
// training. The models, the device and the measurements live in a worker (gradientFlowWorker.ts):
// this page schedules the steps and draws.
import { addingTask, ADDING_BASELINE } from '../src/tasks/adding';
import type { StepReport } from '../src/train/trainer';
import type { GpuOptimizerOptions } from '../src/optim/options';
import type { CellActivation } from '../src/config';
import type { FlowMeasurement, FlowModelSettings } from './gradientFlowWorker';
import { WorkerClient, workerStep } from './lib/workerRpc';
import { byId, fmt, setText } from './lib/dom';
import { FieldReader, acceptSettings } from './lib/fields';
import { bindCopyLink, initInput, loopParams } from './lib/params';
import { pageState, syncLoopState } from './lib/state';
import { startWorkerGpu } from './lib/gpu';
import { TrainLoop } from './lib/loop';
import { clearMessage, errorText, showError, showNotice } from './lib/messages';
import { describeOptimizerChange, warnIfSkipped } from './lib/session';
import { COLORS, ColorLegend, Heatmap, LiveLineChart, logRange } from './lib/charts';

interface Settings {
  T: number;
  H: number;
  B: number;
  lr: number;
  forgetBias: number;
  activation: CellActivation;
  clip: boolean;
  clipNorm: number;
  flowEvery: number;
  /** Train a GRU as a third network. */
  gru: boolean;
}

interface ModelStats {
  losses: number[];
  gradNorms: number[];
  skipped: number;
}

const state = pageState('gradient-flow', {
  rnn: { losses: [], gradNorms: [], skipped: 0 } as ModelStats,
  lstm: { losses: [], gradNorms: [], skipped: 0 } as ModelStats,
  gru: { losses: [], gradNorms: [], skipped: 0 } as ModelStats,
  flow: { measurements: 0, steps: [] as number[], rnnLast: [] as number[], lstmLast: [] as number[], forgetProduct: [] as number[], gruLast: [] as number[], updateProduct: [] as number[] },
  charts: { loss: 0, norm: 0, heatmapColumns: 0, marks: 0, lastStep: 0 },
  settings: null as Settings | null,
});

const { seed: SEED, maxSteps: MAX_STEPS, reportEvery: REPORT_EVERY } = loopParams();

const inputs = {
  seq: byId<HTMLInputElement>('seq'),
  hidden: byId<HTMLInputElement>('hidden'),
  batch: byId<HTMLInputElement>('batch'),
  lr: byId<HTMLInputElement>('lr'),
  forgetBias: byId<HTMLInputElement>('forgetBias'),
  activation: byId<HTMLSelectElement>('activation'),
  clip: byId<HTMLInputElement>('clip'),
  clipNorm: byId<HTMLInputElement>('clipNorm'),
  flowEvery: byId<HTMLInputElement>('flowEvery'),
  gru: byId<HTMLInputElement>('gru'),
};
for (const input of Object.values(inputs)) initInput(input);
const buttons = { start: byId<HTMLButtonElement>('start'), pause: byId<HTMLButtonElement>('pause'), reset: byId<HTMLButtonElement>('reset') };
bindCopyLink(byId<HTMLButtonElement>('copyLink'), Object.values(inputs));

/** The settings in the controls, or null (each invalid field marked, and a message) when any is invalid. */
function readSettings(): Settings | null {
  const f = new FieldReader();
  const s: Settings = {
    T: f.int(inputs.seq),
    H: f.int(inputs.hidden),
    B: f.int(inputs.batch),
    lr: f.number(inputs.lr, { above: 0 }),
    forgetBias: f.number(inputs.forgetBias),
    activation: inputs.activation.value === 'sigmoid' ? 'sigmoid' : 'tanh',
    clip: inputs.clip.checked,
    clipNorm: f.number(inputs.clipNorm, { above: 0 }),
    flowEvery: f.int(inputs.flowEvery),
    gru: inputs.gru.checked,
  };
  return acceptSettings(f, s, Object.values(inputs));
}

const optimizerOf = (s: Settings): GpuOptimizerOptions => ({ kind: 'adam', lr: s.lr, clipNorm: s.clip ? s.clipNorm : undefined });


// --- charts ---------------------------------------------------------------------------------------

const lossChart = new LiveLineChart(byId<HTMLCanvasElement>('lossChart'), {
  series: [
    { label: 'RNN', color: COLORS.rnn },
    { label: 'LSTM', color: COLORS.lstm },
    { label: 'GRU', color: COLORS.gru },
    { label: 'baseline 1/6', color: COLORS.baseline, dashed: true },
  ],
  xTitle: 'training step', yTitle: 'loss (MSE)', yLog: true,
});
const normChart = new LiveLineChart(byId<HTMLCanvasElement>('normChart'), {
  series: [
    { label: 'RNN', color: COLORS.rnn },
    { label: 'LSTM', color: COLORS.lstm },
    { label: 'GRU', color: COLORS.gru },
    { label: 'clip threshold', color: COLORS.clip, dashed: true },
  ],
  xTitle: 'training step', yTitle: '‖gradient‖₂ before clipping', yLog: true,
});
const rnnHeat = new Heatmap(byId<HTMLCanvasElement>('rnnHeat'), { title: 'RNN: ‖∂L/∂h_k‖', xTitle: 'training step', yTitle: 'time step k' });
const lstmHeat = new Heatmap(byId<HTMLCanvasElement>('lstmHeat'), { title: 'LSTM: ‖∂L/∂s_k‖', xTitle: 'training step', yTitle: 'time step k' });
const gruHeat = new Heatmap(byId<HTMLCanvasElement>('gruHeat'), { title: 'GRU: ‖∂L/∂h_k‖', xTitle: 'training step', yTitle: 'time step k' });
const legend = new ColorLegend(byId<HTMLCanvasElement>('heatLegend'), 'gradient norm');
const forgetChart = new LiveLineChart(byId<HTMLCanvasElement>('forgetChart'), {
  series: [
    { label: 'at initialisation', color: COLORS.baseline, dashed: true },
    { label: 'now', color: COLORS.lstm },
    { label: 'GRU: Π z now', color: COLORS.gru },
  ],
  xTitle: 'time step k', yTitle: 'mean Π f (k+1 … T−1)', yLog: true,
});
const profileChart = new LiveLineChart(byId<HTMLCanvasElement>('profileChart'), {
  series: [
    { label: 'RNN ‖∂L/∂h_k‖', color: COLORS.rnn },
    { label: 'LSTM ‖∂L/∂s_k‖', color: COLORS.lstm },
    { label: 'GRU ‖∂L/∂h_k‖', color: COLORS.gru },
  ],
  xTitle: 'time step k', yTitle: 'gradient norm', yLog: true,
});

// --- training -------------------------------------------------------------------------------------

const worker = new WorkerClient(new Worker(new URL('./gradientFlowWorker.ts', import.meta.url), { type: 'module' }));
/** The worker has a device (false: none yet, or it was lost). */
let gpu = false;
/** The worker holds models built from the current settings. */
let models = false;
// Until the controls hold valid settings (a URL may give invalid ones), the page waits for a fix.
let settings: Settings | null = readSettings();
/** Each step's reports: RNN, LSTM, then the GRU's where it trains. */
let loop: TrainLoop<StepReport[]> | null = null;
let generation = 0;
/** Steps done before the current sessions were made (an optimizer change makes new ones). */
let stepBase = 0;
/** Serialises rebuilds and optimizer swaps. */
let busy: Promise<void> = Promise.resolve();

/** A training step failed in the worker: the loop stops and the page says why. */
function stepFailed(err: unknown): void {
  loop?.stop();
  showError('Training stopped', errorText(err), 'train');
  updateStatus();
}

function updateStatus(): void {
  const l = loop;
  syncLoopState(state, l);
  setText('runstate', l?.stopped ? 'stopped' : !l ? 'idle' : l.running ? 'training' : state.done ? 'finished' : l.pending > 0 ? 'pausing…' : state.completed > 0 ? 'paused' : 'ready');
  const ready = !!gpu && !!models;
  buttons.start.disabled = !ready || !l || l.running || l.finished || l.stopped;
  buttons.pause.disabled = !ready || !l?.running;
  buttons.reset.disabled = !ready;
}

/** One gradient-flow measurement of both models on the probe batch, added as a heatmap column. */
async function measure(step: number): Promise<void> {
  if (!gpu || !models) return;
  const gen = generation;
  const { rnn: rnnNorms, lstm: lstmNorms, forget, gru: gruNorms, update } = await worker.call<FlowMeasurement>('measure');
  if (gen !== generation) return;
  const withGru = gruNorms.length > 0;
  const heats = withGru ? [rnnHeat, lstmHeat, gruHeat] : [rnnHeat, lstmHeat];
  rnnHeat.add({ step, values: rnnNorms });
  lstmHeat.add({ step, values: lstmNorms });
  if (withGru) gruHeat.add({ step, values: gruNorms });
  const range = logRange(heats.flatMap((h) => [...h.values()]));
  for (const h of heats) h.setRange(range);
  legend.setRange(range);
  const curve = (v: number[]) => v.map((y, k) => ({ x: k, y }));
  if (state.flow.measurements === 0) forgetChart.set(0, curve(forget));
  forgetChart.set(1, curve(forget));
  forgetChart.set(2, curve(update));
  profileChart.set(0, curve(rnnNorms));
  profileChart.set(1, curve(lstmNorms));
  profileChart.set(2, curve(gruNorms));
  state.flow.measurements++;
  state.flow.steps.push(step);
  state.flow.rnnLast = rnnNorms;
  state.flow.lstmLast = lstmNorms;
  state.flow.forgetProduct = forget;
  state.flow.gruLast = gruNorms;
  state.flow.updateProduct = update;
  state.charts.heatmapColumns = lstmHeat.columns.length;
}

function onReport(reports: StepReport[]): void {
  const [rnn, lstm, gru] = reports as [StepReport, StepReport, StepReport | undefined];
  // One step axis for the whole run: a session made by an optimizer change counts its calls from 1.
  const step = stepBase + lstm.call;
  const pairs: [ModelStats, StepReport, number, string][] = [
    [state.rnn, rnn, 0, 'RNN'],
    [state.lstm, lstm, 1, 'LSTM'],
  ];
  if (gru) pairs.push([state.gru, gru, 2, 'GRU']);
  for (const [stats, r, series, who] of pairs) {
    stats.losses.push(r.loss);
    stats.gradNorms.push(r.gradNorm);
    stats.skipped = warnIfSkipped(r, who, stats.skipped);
    lossChart.push(series, step, r.loss);
    normChart.push(series, step, r.gradNorm);
  }
  const first = lossChart.firstX(0) ?? step;
  lossChart.set(3, [{ x: first, y: ADDING_BASELINE }, { x: step, y: ADDING_BASELINE }]);
  normChart.set(3, settings?.clip ? [{ x: first, y: settings.clipNorm }, { x: step, y: settings.clipNorm }] : []);
  state.charts.loss = lossChart.appended;
  state.charts.lastStep = step;
  state.charts.norm = normChart.appended;
  setText('losses', [rnn, lstm, gru].flatMap((r) => (r ? [fmt(r.loss)] : [])).join(' / '));
  updateStatus();
}

/** Builds both models from the controls and clears every chart. */
/** A fresh model from the controls; `changed` names the control whose change asked for it (a notice says so). */
async function rebuild(changed?: string): Promise<void> {
  if (!gpu) return;
  const s = readSettings();
  if (!s) return; // the current models go on; the marked fields say what to fix
  generation++;
  loop?.pause();
  await loop?.settle();
  models = false;
  settings = s;
  state.settings = settings;
  stepBase = 0;
  for (const stats of [state.rnn, state.lstm, state.gru]) Object.assign(stats, { losses: [], gradNorms: [], skipped: 0 });
  Object.assign(state.flow, { measurements: 0, steps: [], rnnLast: [], lstmLast: [], forgetProduct: [], gruLast: [], updateProduct: [] });
  Object.assign(state.charts, { loss: 0, norm: 0, heatmapColumns: 0, marks: 0, lastStep: 0 });
  for (const c of [lossChart, normChart, forgetChart, profileChart]) c.clear();
  for (const h of [rnnHeat, lstmHeat, gruHeat]) h.reset(s.T);
  byId('heatmaps').classList.toggle('three', s.gru);
  // Chart.js measured the GRU's map while it was hidden: measure again now that the grid changed.
  for (const h of [rnnHeat, lstmHeat, gruHeat]) h.chart.resize();
  setText('lossesLabel', s.gru ? 'Loss RNN / LSTM / GRU' : 'Loss RNN / LSTM');
  setText('losses', '–');
  try {
    const model: FlowModelSettings = { T: s.T, H: s.H, B: s.B, forgetBias: s.forgetBias, activation: s.activation, gru: s.gru, optimizer: optimizerOf(s), seed: SEED };
    await worker.call('build', model);
    models = true;
    clearMessage('build');
  } catch (err) {
    showError('Could not build the models', errorText(err), 'build');
    loop = null;
    updateStatus();
    return;
  }
  loop = new TrainLoop<StepReport[]>(
    {
      // The worker makes the batch and steps every model on it; only reported steps are waited for.
      step: (_index, report) => workerStep<StepReport[]>(worker, 'step', {}, report, stepFailed),
      onReport,
      after: (index) => ((index + 1) % (settings ?? s).flowEvery === 0 ? measure(index + 1) : null),
      onError: (err) => showError('Training stopped', errorText(err), 'train'),
      onChange: updateStatus,
    },
    { reportEvery: REPORT_EVERY, maxInFlight: 2, maxSteps: MAX_STEPS },
  );
  try {
    await measure(0); // the initial column: gradient flow at initialisation
  } catch (err) {
    showError('Could not measure the gradient flow', errorText(err), 'flow');
  }
  if (changed) showNotice('The model started again', `${changed} changed: a new model, from step 0.`, 'restart');
  else clearMessage('restart');
  updateStatus();
}

/** New optimizer settings (learning rate, clipping) for both models, keeping their weights and state. */
async function swapOptimizers(): Promise<void> {
  if (!gpu || !models || !loop || !settings) return;
  const read = readSettings();
  if (!read) return;
  const wasRunning = loop.running;
  loop.pause();
  await loop.settle();
  const before = optimizerOf(settings);
  settings = { ...settings, ...pick(read) };
  state.settings = settings;
  try {
    const optimizer = optimizerOf(settings);
    await worker.call('optimizer', optimizer);
    for (const stats of [state.rnn, state.lstm, state.gru]) stats.skipped = 0;
    // The new sessions count from 1: the chart's steps go on from here, and the change is marked.
    stepBase = loop.submitted;
    const label = describeOptimizerChange(before, optimizer);
    for (const chart of [lossChart, normChart]) chart.mark(stepBase, label);
    state.charts.marks = lossChart.marks.length;
  } catch (err) {
    showError('Could not change the optimizer settings', errorText(err), 'optimizer');
    return;
  }
  if (wasRunning) loop.start();
  updateStatus();
}

const pick = (s: Settings) => ({ lr: s.lr, clip: s.clip, clipNorm: s.clipNorm, flowEvery: s.flowEvery });
const queue = (task: () => Promise<void>) => (busy = busy.then(() => task(), () => task()));

/** What each restarting control is called in the notice that says the model started again. */
const RESTARTS: Record<string, string> = { seq: 'Sequence length T', hidden: 'Hidden size H', batch: 'Batch B', forgetBias: 'The forget bias', activation: 'The cell activation', gru: 'The GRU choice' };
for (const key of ['seq', 'hidden', 'batch', 'forgetBias', 'activation', 'gru'] as const) inputs[key].addEventListener('change', () => queue(() => rebuild(RESTARTS[key])));
// Without models (the settings were not valid yet) any fix builds them.
for (const key of ['lr', 'clip', 'clipNorm'] as const) inputs[key].addEventListener('change', () => queue(() => (models ? swapOptimizers() : rebuild())));
inputs.flowEvery.addEventListener('change', () => {
  const read = readSettings();
  if (read && settings) settings = { ...settings, flowEvery: read.flowEvery };
});
buttons.start.addEventListener('click', () => loop?.start());
buttons.pause.addEventListener('click', () => loop?.pause());
buttons.reset.addEventListener('click', () => queue(rebuild));

void (async () => {
  // A lost device or a WebGPU error in the worker: nothing more runs (a reload starts afresh).
  gpu = await startWorkerGpu(state, worker, () => {
    loop?.stop();
    gpu = false;
    updateStatus();
  });
  updateStatus();
  if (gpu) await queue(rebuild);
})();
