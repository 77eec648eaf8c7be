// Trajectory page: an LSTM learns a 2-D curve (input: the current point, target: the next one, MSE at
// every step), then continues it on its own (closed-loop rollout on the GPU). gl-matrix does the 2-D
// geometry: generating and fitting the curves, and mapping between the model's plane and the canvas.
import { mat2d, vec2 } from 'gl-matrix';
import type { StepReport } from '../src/train/trainer';
import type { GpuOptimizerOptions } from '../src/optim/options';
import type { CellKind } from '../src/config';
import type { TrajectoryModel } from './trajectoryWorker';
import { WorkerClient, workerStep } from './lib/workerRpc';
import { byId, fmt, setText } from './lib/dom';
import { FieldReader, acceptSettings } from './lib/fields';
import { bindCopyLink, initInput, numParam, loopParams } from './lib/params';
import { pageState, syncLoopState } from './lib/state';
import { startWorkerGpu } from './lib/gpu';
import { TrainLoop } from './lib/loop';
import { clearMessage, errorText, showError, showNotice } from './lib/messages';
import { describeOptimizerChange, warnIfSkipped } from './lib/session';
import { COLORS, LiveLineChart, redrawAfterContextLoss } from './lib/charts';

interface Settings {
  curve: string;
  points: number;
  cell: CellKind;
  H: number;
  T: number;
  B: number;
  lr: number;
  noise: number;
  rollout: number;
}

const state = pageState('trajectory', {
  losses: [] as number[],
  skipped: 0,
  charts: { loss: 0, marks: 0, lastStep: 0 },
  curve: { name: '', points: 0, periodic: true },
  rollout: { count: 0, points: 0, finite: false, error: Number.NaN },
  settings: null as Settings | null,
});

const { seed: SEED, maxSteps: MAX_STEPS, reportEvery: REPORT_EVERY } = loopParams();
const ROLLOUT_EVERY = Math.max(1, Math.round(numParam('rolloutEvery', 100)));

const inputs = {
  curve: byId<HTMLSelectElement>('curve'),
  points: byId<HTMLInputElement>('points'),
  cell: byId<HTMLSelectElement>('cell'),
  hidden: byId<HTMLInputElement>('hidden'),
  seq: byId<HTMLInputElement>('seq'),
  batch: byId<HTMLInputElement>('batch'),
  lr: byId<HTMLInputElement>('lr'),
  noise: byId<HTMLInputElement>('noise'),
  rollout: byId<HTMLInputElement>('rollout'),
};
for (const input of Object.values(inputs)) initInput(input);
const buttons = {
  start: byId<HTMLButtonElement>('start'),
  pause: byId<HTMLButtonElement>('pause'),
  reset: byId<HTMLButtonElement>('reset'),
  continue: byId<HTMLButtonElement>('continue'),
};
bindCopyLink(byId<HTMLButtonElement>('copyLink'), Object.values(inputs));
const canvas = byId<HTMLCanvasElement>('canvas');

/** The settings in the controls, or null (each invalid field marked, and a message) when any is invalid. */
function readSettings(): Settings | null {
  const f = new FieldReader();
  const s: Settings = {
    curve: inputs.curve.value,
    points: f.int(inputs.points),
    cell: inputs.cell.value === 'rnn' ? 'rnn' : 'lstm',
    H: f.int(inputs.hidden),
    T: f.int(inputs.seq),
    B: f.int(inputs.batch),
    lr: f.number(inputs.lr, { above: 0 }),
    noise: f.number(inputs.noise),
    rollout: f.int(inputs.rollout),
  };
  return acceptSettings(f, s, Object.values(inputs));
}

/** The controls' initial values as HTML gives them: what `settings` holds until valid ones were read (no model is built from it). */
const HTML_DEFAULTS: Settings = { curve: 'lissajous-3-2', points: 80, cell: 'lstm', H: 64, T: 40, B: 16, lr: 0.005, noise: 0.01, rollout: 240 };

const optimizerOf = (s: Settings): GpuOptimizerOptions => ({ kind: 'adam', lr: s.lr, clipNorm: 1 });

// --- curves (gl-matrix) ---------------------------------------------------------------------------

interface Curve {
  points: vec2[];
  /** A closed curve: windows wrap around; a drawn path does not. */
  periodic: boolean;
}

/** Maps the points into the square [-0.85, 0.85]² (aspect kept, centred): the model's plane. */
function fitToPlane(points: vec2[]): vec2[] {
  const lo = vec2.fromValues(Infinity, Infinity);
  const hi = vec2.fromValues(-Infinity, -Infinity);
  for (const p of points) {
    vec2.min(lo, lo, p);
    vec2.max(hi, hi, p);
  }
  const size = vec2.sub(vec2.create(), hi, lo);
  const scale = (2 * 0.85) / Math.max(size[0], size[1], 1e-9);
  const centre = vec2.scale(vec2.create(), vec2.add(vec2.create(), lo, hi), 0.5);
  const m = mat2d.create();
  mat2d.scale(m, m, [scale, scale]);
  mat2d.translate(m, m, vec2.negate(vec2.create(), centre));
  return points.map((p) => vec2.transformMat2d(vec2.create(), p, m));
}

/** A closed parametric curve sampled at `n` points over one period, slightly rotated so no axis is special. */
function parametric(n: number, period: number, f: (t: number) => [number, number]): Curve {
  const rotation = mat2d.fromRotation(mat2d.create(), 0.35);
  const points = Array.from({ length: n }, (_, i) => vec2.transformMat2d(vec2.create(), f((period * i) / n), rotation));
  return { points: fitToPlane(points), periodic: true };
}

function makeCurve(name: string, n: number): Curve {
  switch (name) {
    case 'lissajous-5-4':
      return parametric(n, 2 * Math.PI, (t) => [Math.sin(5 * t + Math.PI / 2), Math.sin(4 * t)]);
    case 'rose': // r = cos(3t/2) closes after t = 4π
      return parametric(n, 4 * Math.PI, (t) => [Math.cos(1.5 * t) * Math.cos(t), Math.cos(1.5 * t) * Math.sin(t)]);
    case 'lissajous-3-2':
    default:
      return parametric(n, 2 * Math.PI, (t) => [Math.sin(3 * t + Math.PI / 2), Math.sin(2 * t)]);
  }
}

/** A drawn path resampled to `n` points evenly spaced along its length. */
function resample(path: vec2[], n: number): vec2[] {
  const cumulative = [0];
  for (let i = 1; i < path.length; i++) cumulative.push(cumulative[i - 1] + vec2.distance(path[i - 1], path[i]));
  const total = cumulative[cumulative.length - 1];
  const out: vec2[] = [];
  let j = 1;
  for (let k = 0; k < n; k++) {
    const s = (total * k) / (n - 1);
    while (j < path.length - 1 && cumulative[j] < s) j++;
    const span = cumulative[j] - cumulative[j - 1];
    const f = span > 0 ? (s - cumulative[j - 1]) / span : 0;
    out.push(vec2.lerp(vec2.create(), path[j - 1], path[j], Math.min(1, Math.max(0, f))));
  }
  return out;
}

// --- canvas (gl-matrix maps the plane to pixels) ------------------------------------------------------

/** Plane → canvas pixels: y up in the plane, down on the canvas. */
function viewMatrix(): mat2d {
  const w = canvas.width;
  const h = canvas.height;
  const s = 0.5 * Math.min(w, h) * 0.95;
  const m = mat2d.fromTranslation(mat2d.create(), [w / 2, h / 2]);
  return mat2d.scale(m, m, [s, -s]);
}

function sizeCanvas(): void {
  const dpr = window.devicePixelRatio || 1;
  const r = canvas.getBoundingClientRect();
  canvas.width = Math.max(1, Math.round(r.width * dpr));
  canvas.height = Math.max(1, Math.round(r.height * dpr));
}

function strokePath(ctx: CanvasRenderingContext2D, pts: ArrayLike<number>[] | vec2[], view: mat2d, color: string, width: number): void {
  if (pts.length < 2) return;
  const q = vec2.create();
  ctx.beginPath();
  Array.from(pts).forEach((p, i) => {
    vec2.transformMat2d(q, p as vec2, view);
    if (i === 0) ctx.moveTo(q[0], q[1]);
    else ctx.lineTo(q[0], q[1]);
  });
  ctx.strokeStyle = color;
  ctx.lineWidth = width;
  ctx.lineJoin = 'round';
  ctx.stroke();
}

function dot(ctx: CanvasRenderingContext2D, p: vec2, view: mat2d, color: string, r: number): void {
  const q = vec2.transformMat2d(vec2.create(), p, view);
  ctx.beginPath();
  ctx.arc(q[0], q[1], r, 0, 2 * Math.PI);
  ctx.fillStyle = color;
  ctx.fill();
}

// --- state of the run -------------------------------------------------------------------------------

// The model and the device live in a worker (trajectoryWorker.ts): this page schedules and draws.
const worker = new WorkerClient(new Worker(new URL('./trajectoryWorker.ts', import.meta.url), { type: 'module' }));
/** The worker has a device (false: none yet, or it was lost). */
let gpu = false;
let curve: Curve = makeCurve('lissajous-3-2', 80);
let drawn: vec2[] | null = null;
/** The worker holds a model built from the current settings. */
let session = false;
let settings: Settings = readSettings() ?? HTML_DEFAULTS;
let loop: TrainLoop<StepReport> | null = null;
let primed: vec2[] = [];
let continuation: vec2[] = [];
let generation = 0;
let lastRollout = 0;
let busy: Promise<void> = Promise.resolve();
const queue = (job: () => Promise<void>): Promise<void> => (busy = busy.then(() => job(), () => job()));

function render(): void {
  const ctx = canvas.getContext('2d')!;
  ctx.setTransform(1, 0, 0, 1, 0, 0);
  ctx.clearRect(0, 0, canvas.width, canvas.height);
  const dpr = window.devicePixelRatio || 1;
  const view = viewMatrix();
  if (settings.curve === 'draw' && !drawn) {
    ctx.fillStyle = '#5b6573';
    ctx.font = `${16 * dpr}px system-ui, sans-serif`;
    ctx.textAlign = 'center';
    ctx.fillText('Draw a curve here with the mouse or a finger', canvas.width / 2, canvas.height / 2);
    return;
  }
  const closed = curve.periodic ? [...curve.points, curve.points[0]] : curve.points;
  strokePath(ctx, closed, view, '#ced4da', 5 * dpr);
  strokePath(ctx, primed, view, COLORS.lstm, 3 * dpr);
  // A diverged model's points can be huge (or not finite): draw the continuation until it leaves the view.
  const leaves = continuation.findIndex((p) => !(Math.abs(p[0]) <= 3 && Math.abs(p[1]) <= 3));
  const shown = leaves < 0 ? continuation : continuation.slice(0, leaves);
  if (shown.length > 0) {
    strokePath(ctx, [primed[primed.length - 1], ...shown].filter(Boolean), view, '#f08c00', 2 * dpr);
    dot(ctx, shown[shown.length - 1], view, '#f08c00', 4 * dpr);
  }
  if (primed.length > 0) dot(ctx, primed[0], view, COLORS.lstm, 4 * dpr);
}

const lossChart = new LiveLineChart(byId<HTMLCanvasElement>('lossChart'), {
  series: [
    { label: 'training loss', color: COLORS.lstm },
    { label: 'repeat the current point', color: COLORS.baseline, dashed: true },
  ],
  xTitle: 'training step', yTitle: 'MSE', yLog: true,
});

/** MSE of predicting p_{t+1} = p_t along the curve: the baseline line. */
function stayBaseline(c: Curve): number {
  const n = c.points.length;
  const steps = c.periodic ? n : n - 1;
  let sum = 0;
  for (let i = 0; i < steps; i++) sum += vec2.squaredDistance(c.points[i], c.points[(i + 1) % n]);
  return sum / (2 * steps); // mean over both coordinates
}

/** A training step failed in the worker: the loop stops and the page says why. */
function stepFailed(err: unknown): void {
  loop?.stop();
  showError('Training stopped', errorText(err), 'train');
  updateStatus();
}

function updateStatus(): void {
  const l = loop;
  syncLoopState(state, l);
  setText('runstate', l?.stopped ? 'stopped' : !l ? (settings.curve === 'draw' && !drawn ? 'waiting for a drawing' : 'idle') : l.running ? 'training' : state.done ? 'finished' : state.completed > 0 ? 'paused' : 'ready');
  const ready = !!gpu && !!session;
  buttons.start.disabled = !ready || !l || l.running || l.finished || l.stopped;
  buttons.pause.disabled = !ready || !l?.running;
  buttons.reset.disabled = !gpu;
  buttons.continue.disabled = !ready;
}

/** Steps done before the current session was made (an optimizer change makes a new one, counting from 1). */
let stepBase = 0;

function onReport(report: StepReport): void {
  // One step axis for the whole run, across optimizer changes.
  const r = { ...report, call: stepBase + report.call };
  state.charts.lastStep = r.call;
  state.losses.push(r.loss);
  state.skipped = warnIfSkipped(r, 'Trajectory model', state.skipped);
  lossChart.push(0, r.call, r.loss);
  const first = lossChart.firstX(0) ?? r.call;
  const base = stayBaseline(curve);
  lossChart.set(1, [{ x: first, y: base }, { x: r.call, y: base }]);
  state.charts.loss = lossChart.appended;
  setText('loss', fmt(r.loss, 5));
  updateStatus();
  if (r.call - lastRollout >= ROLLOUT_EVERY || r.call === MAX_STEPS) {
    lastRollout = r.call;
    void queue(rollout);
  }
}

/** Primes the model with the start of the curve, then lets it run on its own (one GPU submission). */
async function rollout(): Promise<void> {
  if (!gpu || !session) return;
  const gen = generation;
  try {
    const n = curve.points.length;
    const primeLength = Math.max(2, Math.min(settings.T, Math.floor(n / 2)));
    primed = curve.points.slice(0, primeLength);
    const all = await worker.call<Float32Array>('rollout', { prime: primeLength, steps: settings.rollout });
    if (gen !== generation) return;
    continuation = Array.from({ length: all.length / 2 }, (_, i) => vec2.fromValues(all[2 * i], all[2 * i + 1]));
    // How far the continuation is from where the curve really goes (mean squared distance).
    const compare = curve.periodic ? continuation.length : Math.min(continuation.length, n - primeLength);
    let err = 0;
    for (let i = 0; i < compare; i++) err += vec2.squaredDistance(continuation[i], curve.points[(primeLength + i) % n]);
    err = compare > 0 ? err / compare : Number.NaN;
    state.rollout = { count: state.rollout.count + 1, points: continuation.length, finite: all.every(Number.isFinite), error: err };
    setText('rolloutError', Number.isFinite(err) ? fmt(err, 4) : '–');
    render();
  } catch (err) {
    showError('Could not continue the curve', errorText(err), 'rollout');
  }
}


/** A fresh model from the controls; `changed` names the control whose change asked for it (a notice says so). */
async function rebuild(changed?: string): Promise<void> {
  if (!gpu) return;
  const read = readSettings();
  if (!read) return; // the current model goes on; the marked fields say what to fix
  generation++;
  loop?.pause();
  await loop?.settle();
  session = false;
  settings = read;
  state.settings = settings;
  state.losses = [];
  state.skipped = 0;
  state.charts.loss = 0;
  state.charts.marks = 0;
  stepBase = 0;
  state.rollout = { count: 0, points: 0, finite: false, error: Number.NaN };
  lastRollout = 0;
  primed = [];
  continuation = [];
  lossChart.clear();
  setText('loss', '–');
  setText('rolloutError', '–');
  loop = null;
  if (settings.curve === 'draw') {
    if (!drawn) {
      render();
      updateStatus();
      return;
    }
    curve = { points: resample(drawn, settings.points), periodic: false };
  } else {
    curve = makeCurve(settings.curve, settings.points);
  }
  state.curve = { name: settings.curve, points: curve.points.length, periodic: curve.periodic };
  render();
  try {
    const s = settings;
    const model: TrajectoryModel = { cell: s.cell, H: s.H, T: s.T, B: s.B, noise: s.noise, optimizer: optimizerOf(s), seed: SEED, points: curve.points.flatMap((p) => [p[0], p[1]]), periodic: curve.periodic };
    await worker.call('build', model);
    session = true;
    clearMessage('build');
  } catch (err) {
    showError('Could not build the model', errorText(err), 'build');
    updateStatus();
    return;
  }
  loop = new TrainLoop<StepReport>(
    {
      // The worker makes the batch and steps the model on it; only reported steps are waited for.
      step: (_i, report) => workerStep<StepReport>(worker, 'step', {}, report, stepFailed),
      onReport,
      onError: (err) => showError('Training stopped', errorText(err), 'train'),
      onChange: updateStatus,
    },
    { reportEvery: REPORT_EVERY, maxInFlight: 2, maxSteps: MAX_STEPS },
  );
  if (changed) showNotice('The model started again', `${changed} changed: a new model, from step 0.`, 'restart');
  else clearMessage('restart');
  updateStatus();
}

async function swapOptimizer(): Promise<void> {
  if (!gpu || !session || !loop) return;
  const read = readSettings();
  if (!read) return;
  const wasRunning = loop.running;
  loop.pause();
  await loop.settle();
  const before = optimizerOf(settings);
  settings = { ...settings, lr: read.lr };
  try {
    await worker.call('optimizer', optimizerOf(settings));
    state.skipped = 0;
    // The new session counts from 1: the chart's steps go on from here, and the change is marked.
    stepBase = loop.submitted;
    lossChart.mark(stepBase, describeOptimizerChange(before, optimizerOf(settings)));
    state.charts.marks = lossChart.marks.length;
  } catch (err) {
    showError('Could not change the learning rate', errorText(err), 'optimizer');
  }
  if (wasRunning) loop.start();
  updateStatus();
}

// --- drawing your own curve ---------------------------------------------------------------------------

let stroke: vec2[] | null = null;
function planePoint(ev: PointerEvent): vec2 {
  const r = canvas.getBoundingClientRect();
  const dpr = canvas.width / r.width;
  const inverse = mat2d.invert(mat2d.create(), viewMatrix())!;
  return vec2.transformMat2d(vec2.create(), [(ev.clientX - r.left) * dpr, (ev.clientY - r.top) * dpr], inverse);
}
canvas.addEventListener('pointerdown', (ev) => {
  if (inputs.curve.value !== 'draw') return;
  canvas.setPointerCapture(ev.pointerId);
  stroke = [planePoint(ev)];
});
canvas.addEventListener('pointermove', (ev) => {
  if (!stroke) return;
  stroke.push(planePoint(ev));
  const ctx = canvas.getContext('2d')!;
  if (stroke.length === 2) ctx.clearRect(0, 0, canvas.width, canvas.height);
  strokePath(ctx, stroke.slice(-2), viewMatrix(), COLORS.lstm, 3 * (window.devicePixelRatio || 1));
});
canvas.addEventListener('pointerup', () => {
  const path = stroke;
  stroke = null;
  if (!path) return;
  let length = 0;
  for (let i = 1; i < path.length; i++) length += vec2.distance(path[i - 1], path[i]);
  if (path.length < 8 || length < 0.5) {
    showError('That drawing is too short', 'Draw a longer path (at least a quarter of the canvas) to train on.', 'draw');
    render();
    return;
  }
  clearMessage('draw');
  drawn = fitToPlane(path);
  void queue(rebuild);
});

// --- wiring -----------------------------------------------------------------------------------------

/** What each restarting control is called in the notice that says the model started again. */
const RESTARTS: Record<string, string> = { curve: 'The curve', points: 'Points per period', cell: 'The cell', hidden: 'Hidden size H', seq: 'Sequence length T', batch: 'Batch B', noise: 'Input noise σ' };
for (const key of ['curve', 'points', 'cell', 'hidden', 'seq', 'batch', 'noise'] as const) inputs[key].addEventListener('change', () => queue(() => rebuild(RESTARTS[key])));
// Without a model (the settings were not valid yet) any fix builds one.
inputs.lr.addEventListener('change', () => queue(() => (session ? swapOptimizer() : rebuild())));
inputs.rollout.addEventListener('change', () => {
  const read = readSettings();
  if (!read) return;
  if (!session) return void queue(rebuild);
  settings = { ...settings, rollout: read.rollout };
  void queue(rollout);
});
buttons.start.addEventListener('click', () => loop?.start());
buttons.pause.addEventListener('click', () => loop?.pause());
buttons.reset.addEventListener('click', () => {
  if (settings.curve === 'draw') drawn = null;
  void queue(rebuild);
});
buttons.continue.addEventListener('click', () => queue(rollout));
redrawAfterContextLoss(canvas, render);
window.addEventListener('resize', () => {
  sizeCanvas();
  render();
});

sizeCanvas();
render();
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
