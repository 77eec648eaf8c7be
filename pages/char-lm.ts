// Character model page: an LSTM (or RNN) learns next-character prediction on the bundled text or a
// pasted one; samples come from a T = 1 stepper carrying the state on the GPU; checkpoints are the
// same safetensors files the CLI writes (TrainingSession.checkpoint / restore).
import { Rng } from '../src/random';
import { CORPUS_SOURCE, CORPUS_TEXT, charLmTask, type CharLmTask } from '../src/tasks/charLm';
import { sampleNext } from '../src/tasks/vocab';
import { TaskError } from '../src/tasks/task';
import type { ModelConfig } from '../src/train/session';
import type { StepReport } from '../src/train/trainer';
import type { GpuOptimizerOptions } from '../src/optim/options';
import { loadCheckpoint } from '../src/checkpoint/checkpoint';
import type { CellKind } from '../src/config';
import { byId, download, fmt, setText } from './lib/dom';
import { FieldReader, acceptSettings } from './lib/fields';
import { interestingUnits, renderCellView } from './lib/cellView';
import { bindCopyLink, initInput, numParam, loopParams } from './lib/params';
import { pageState, syncLoopState } from './lib/state';
import { startWorkerGpu } from './lib/gpu';
import { WorkerClient, workerStep } from './lib/workerRpc';
import type { CharModel } from './charLmWorker';
import { TrainLoop } from './lib/loop';
import { clearMessage, errorText, showError, showNotice } from './lib/messages';
import { describeOptimizerChange, warnIfSkipped } from './lib/session';
import { COLORS, LiveLineChart } from './lib/charts';
import type { CellTrace } from './lib/stepper';

interface Settings {
  cell: CellKind;
  H: number;
  layers: number;
  T: number;
  B: number;
  lr: number;
  clipNorm: number;
}

const state = pageState('char-lm', {
  losses: [] as number[],
  skipped: 0,
  baseline: 0,
  text: { source: 'bundled', chars: 0, vocab: 0 },
  charts: { loss: 0, marks: 0, lastStep: 0 },
  samples: 0,
  sample: '',
  /** The last sample's cell trace as shown: its steps, the part and unit drawn, the units offered. */
  trace: { steps: 0, part: 'c', unit: 0, interesting: [] as number[], drawn: 0 },
  sampling: false,
  /** A new model is being built (its kernels compile): nothing can run until it is there. */
  building: false,
  checkpoint: { savedBytes: 0, loaded: null as null | { name: string; step: number } },
  settings: null as Settings | null,
});

const { seed: SEED, maxSteps: MAX_STEPS, reportEvery: REPORT_EVERY } = loopParams();
const AUTO_SAMPLE_EVERY = Math.max(1, Math.round(numParam('sampleEvery', 200)));
/** The first automatic sample comes early, so a visitor sees the model write within seconds of Start (then every AUTO_SAMPLE_EVERY steps). */
const FIRST_AUTO_SAMPLE = Math.min(10, AUTO_SAMPLE_EVERY);

const inputs = {
  cell: byId<HTMLSelectElement>('cell'),
  hidden: byId<HTMLInputElement>('hidden'),
  layers: byId<HTMLInputElement>('layers'),
  seq: byId<HTMLInputElement>('seq'),
  batch: byId<HTMLInputElement>('batch'),
  lr: byId<HTMLInputElement>('lr'),
  clipNorm: byId<HTMLInputElement>('clipNorm'),
  temperature: byId<HTMLInputElement>('temperature'),
  sampleLength: byId<HTMLInputElement>('sampleLength'),
  prime: byId<HTMLInputElement>('prime'),
  autoSample: byId<HTMLInputElement>('autoSample'),
};
for (const input of Object.values(inputs)) initInput(input);
const buttons = {
  start: byId<HTMLButtonElement>('start'),
  pause: byId<HTMLButtonElement>('pause'),
  reset: byId<HTMLButtonElement>('reset'),
  sample: byId<HTMLButtonElement>('sample'),
  useText: byId<HTMLButtonElement>('useText'),
  useBundled: byId<HTMLButtonElement>('useBundled'),
  save: byId<HTMLButtonElement>('save'),
};
bindCopyLink(byId<HTMLButtonElement>('copyLink'), Object.values(inputs));
const traceControls = { part: byId<HTMLSelectElement>('tracePart'), unit: byId<HTMLInputElement>('traceUnit') };
const loadInput = byId<HTMLInputElement>('load');
const userText = byId<HTMLTextAreaElement>('userText');
const sampleText = byId<HTMLPreElement>('sampleText');
byId('corpusSource').textContent = `Bundled text: ${CORPUS_SOURCE}`;
byId('autoSampleEvery').textContent = String(AUTO_SAMPLE_EVERY);
byId('firstAutoSample').textContent = String(FIRST_AUTO_SAMPLE);

/** The settings in the controls, or null (each invalid field marked, and a message) when any is invalid. */
function readSettings(): Settings | null {
  const f = new FieldReader();
  const s: Settings = {
    cell: inputs.cell.value === 'rnn' ? 'rnn' : 'lstm',
    H: f.int(inputs.hidden),
    layers: f.int(inputs.layers),
    T: f.int(inputs.seq),
    B: f.int(inputs.batch),
    lr: f.number(inputs.lr, { above: 0 }),
    clipNorm: f.number(inputs.clipNorm),
  };
  return acceptSettings(f, s, Object.values(inputs));
}

/** The controls' initial values as HTML gives them: what `settings` holds until valid ones were read (no model is built from it). */
const HTML_DEFAULTS: Settings = { cell: 'lstm', H: 128, layers: 1, T: 64, B: 32, lr: 0.003, clipNorm: 1 };

const optimizerOf = (s: Settings): GpuOptimizerOptions => ({ kind: 'adam', lr: s.lr, clipNorm: s.clipNorm > 0 ? s.clipNorm : undefined });

const modelConfig = (s: Settings, V: number): ModelConfig => ({
  cell: s.cell, cellActivation: 'tanh', inputSize: V, hiddenSize: s.H, numLayers: s.layers, outputSize: V, headAt: 'all', loss: 'crossentropy',
});

const lossChart = new LiveLineChart(byId<HTMLCanvasElement>('lossChart'), {
  series: [
    { label: 'training loss', color: COLORS.lstm },
    { label: 'unigram baseline', color: COLORS.baseline, dashed: true },
  ],
  xTitle: 'training step', yTitle: 'cross-entropy (nats/char)',
});

// --- state of the run -------------------------------------------------------------------------------

// The device, the model and its text live in a worker (charLmWorker.ts): this page schedules, samples and draws.
const worker = new WorkerClient(new Worker(new URL('./charLmWorker.ts', import.meta.url), { type: 'module' }));
/** The worker has a device (false: none yet, or it was lost). */
let gpu = false;
let task: CharLmTask = charLmTask();
/** The text `task` was made from (the worker makes its own task from it). */
let taskText = CORPUS_TEXT;
let textSource: 'bundled' | 'pasted' = 'bundled';
/** The worker holds a model for the current settings and text. */
let session = false;
let settings: Settings = readSettings() ?? HTML_DEFAULTS;
let loop: TrainLoop<StepReport> | null = null;
/** The text chunk the loop's first step reads (a loaded checkpoint's step count, so it reads on). */
let chunkBase = 0;
let samples = 0;
let generation = 0;
let lastAutoSample = 0;
let busy: Promise<void> = Promise.resolve();
const queue = (job: () => Promise<void>): Promise<void> => (busy = busy.then(() => job(), () => job()));

/** A training step failed in the worker: the loop stops and the page says why. */
function stepFailed(err: unknown): void {
  loop?.stop();
  showError('Training stopped', errorText(err), 'train');
  updateStatus();
}

function updateStatus(): void {
  const l = loop;
  syncLoopState(state, l);
  setText('runstate', state.building ? 'building the model…' : l?.stopped ? 'stopped' : !l ? 'idle' : state.sampling ? 'sampling' : l.running ? 'training' : state.done ? 'finished' : state.completed > 0 ? 'paused' : 'ready');
  const ready = !!gpu && !!session && !state.building;
  buttons.start.disabled = !ready || !l || l.running || l.finished || l.stopped;
  buttons.pause.disabled = !ready || !l?.running;
  for (const b of [buttons.sample, buttons.save]) b.disabled = !ready;
  buttons.sample.disabled = !ready || state.sampling;
  // Ways forward stay open without a model (a failed build): another text, or a rebuild after a fix.
  const idle = !!gpu && !state.building;
  buttons.reset.disabled = !idle;
  buttons.useText.disabled = !idle;
  buttons.useBundled.disabled = !idle || (textSource === 'bundled' && !!session);
  loadInput.disabled = !gpu;
}

function describeText(): void {
  const V = task.vocab.chars.length;
  state.text = { source: textSource, chars: task.tokens.length, vocab: V };
  state.baseline = task.baseline;
  setText('textInfo', `${textSource === 'bundled' ? 'bundled' : 'yours'}, ${task.tokens.length.toLocaleString()} characters, ${V} distinct`);
  setText('baseline', `${fmt(task.baseline, 3)} nats`);
  byId('sourceLine').textContent = textSource === 'bundled' ? "Bierce's Devil's Dictionary" : 'the text you pasted';
}

/** Steps done before the current session was made (an optimizer change makes a new one, counting from 1). */
let stepBase = 0;

function onReport(report: StepReport): void {
  // One step axis for the whole run, across optimizer changes.
  const r = { ...report, call: stepBase + report.call };
  state.charts.lastStep = r.call;
  state.losses.push(r.loss);
  state.skipped = warnIfSkipped(r, 'Character model', state.skipped);
  lossChart.push(0, r.call, r.loss);
  const first = lossChart.firstX(0) ?? r.call;
  lossChart.set(1, [{ x: first, y: task.baseline }, { x: r.call, y: task.baseline }]);
  state.charts.loss = lossChart.appended;
  setText('loss', fmt(r.loss));
  updateStatus();
  const due = lastAutoSample === 0 ? FIRST_AUTO_SAMPLE : AUTO_SAMPLE_EVERY;
  if (inputs.autoSample.checked && r.call - lastAutoSample >= due && !state.sampling) {
    lastAutoSample = r.call;
    void queue(() => sample(true));
  }
}

function newLoop(): void {
  loop = new TrainLoop<StepReport>(
    {
      // Each row reads the text on in consecutive chunks, its states carried from one step to the
      // next (truncated BPTT); a new batch size starts them over.
      step: (i, report) => workerStep<StepReport>(worker, 'step', { index: chunkBase + i, T: settings.T, B: settings.B }, report, stepFailed),
      onReport,
      onError: (err) => showError('Training stopped', errorText(err), 'train'),
      onChange: updateStatus,
    },
    { reportEvery: REPORT_EVERY, maxInFlight: 2, maxSteps: MAX_STEPS },
  );
}


function clearRun(): void {
  sampleText.textContent = '';
  // The cell view belongs to the last sample, of the model that is gone.
  lastTrace = null;
  byId('traceText').replaceChildren();
  byId('interestingUnits').textContent = '(sample first)';
  state.sample = '';
  state.losses = [];
  state.skipped = 0;
  state.charts.loss = 0;
  state.charts.marks = 0;
  stepBase = 0;
  lastAutoSample = 0;
  lossChart.clear();
  setText('loss', '–');
}

/** A fresh model for the current text and settings. */
/** A fresh model from the controls; `changed` names the control whose change asked for it (a notice says so). */
async function rebuild(changed?: string): Promise<void> {
  if (!gpu) return;
  const read = readSettings();
  if (!read) return; // the current model goes on; the marked fields say what to fix
  generation++;
  // From here until the new model is there, Start and Sample are off and the state says why.
  state.building = true;
  updateStatus();
  loop?.pause();
  await loop?.settle();
  session = false;
  settings = read;
  state.settings = settings;
  clearRun();
  describeText();
  // Let the page show "building" before the kernels compile (seconds on a CPU adapter).
  await new Promise((resolve) => setTimeout(resolve, 0));
  try {
    if (settings.T >= task.tokens.length) throw new TaskError(`the text has ${task.tokens.length} characters: the sequence length must be below that`);
    const model: CharModel = { config: modelConfig(settings, task.vocab.chars.length), optimizer: optimizerOf(settings), seed: SEED, text: taskText };
    await worker.call('build', model);
    session = true;
    clearMessage('build');
  } catch (err) {
    state.building = false;
    showError('Could not build the model', errorText(err), 'build');
    loop = null;
    updateStatus();
    return;
  }
  state.building = false;
  chunkBase = 0;
  newLoop();
  if (changed) showNotice('The model started again', `${changed} changed: a new model, from step 0.`, 'restart');
  else clearMessage('restart');
  updateStatus();
}

/** Runs `job` with training paused (read-backs then see a consistent model), resuming afterwards. */
async function whilePaused<T>(job: () => Promise<T>): Promise<T> {
  const wasRunning = !!loop?.running;
  loop?.pause();
  await loop?.settle();
  try {
    return await job();
  } finally {
    if (wasRunning) loop?.start();
    updateStatus();
  }
}

async function swapOptimizer(): Promise<void> {
  if (!gpu || !session) return;
  const read = readSettings();
  if (!read) return;
  await whilePaused(async () => {
    const before = optimizerOf(settings);
    settings = { ...settings, lr: read.lr, clipNorm: read.clipNorm };
    state.settings = settings;
    try {
      await worker.call('optimizer', optimizerOf(settings));
      state.skipped = 0;
      // The new session counts from 1: the chart's steps go on from here, and the change is marked.
      stepBase = loop?.submitted ?? stepBase;
      lossChart.mark(stepBase, describeOptimizerChange(before, optimizerOf(settings)));
      state.charts.marks = lossChart.marks.length;
    } catch (err) {
      showError('Could not change the optimizer settings', errorText(err), 'optimizer');
    }
  });
}

// --- sampling --------------------------------------------------------------------------------------

/** Draws a sample from the current model (training paused meanwhile), showing it as it grows. */
async function sample(auto = false): Promise<void> {
  if (!gpu || !session || state.sampling) return;
  const lengthField = new FieldReader();
  const sampleLength = lengthField.int(inputs.sampleLength);
  if (!lengthField.ok) return; // the field says what to fix
  const gen = generation;
  state.sampling = true;
  updateStatus();
  try {
    await whilePaused(async () => {
      const temperature = Number(inputs.temperature.value); // a range input: always within [0, 2]
      const length = sampleLength;
      const known = [...inputs.prime.value].filter((c) => task.vocab.ids.has(c));
      const prime = known.length > 0 ? known : [task.vocab.chars[task.tokens[0]]];
      const rng = new Rng(SEED + 7919 * ++samples);
      let text = prime.join('');
      // The GPU keeps what the top layer computed at each step; it is read once, at the end.
      let logits = worker.call<Float32Array>('sampleStart', { prime: prime.map((c) => task.vocab.ids.get(c)!), capacity: prime.length + length });
      sampleText.textContent = text;
      for (let n = 0; n < length; n++) {
        const out: Float32Array = await logits;
        if (gen !== generation) return;
        const id = sampleNext(out, temperature, rng);
        text += task.vocab.chars[id];
        if (n % 16 === 15 || n === length - 1) sampleText.textContent = text;
        if (n < length - 1) logits = worker.call<Float32Array>('sampleNext', { id });
      }
      state.samples++;
      state.sample = text;
      sampleText.textContent = text;
      lastTrace = { text, trace: await worker.call<CellTrace>('sampleEnd') };
      showTrace(true);
    });
  } catch (err) {
    showError(auto ? 'Automatic sampling failed' : 'Sampling failed', errorText(err), 'sample');
  } finally {
    state.sampling = false;
    updateStatus();
  }
}

// --- inside the cell ----------------------------------------------------------------------------------

let lastTrace: { text: string; trace: CellTrace } | null = null;

/** Draws the last sample coloured by the chosen unit; with `rank`, first offers the units that vary most. */
function showTrace(rank = false): void {
  if (!lastTrace) return;
  const { text, trace } = lastTrace;
  // The RNN has h only.
  for (const option of Array.from(traceControls.part.options)) option.disabled = !trace.parts.includes(option.value);
  if (!trace.parts.includes(traceControls.part.value)) traceControls.part.value = 'h';
  const part = traceControls.part.value;
  traceControls.unit.max = String(trace.hidden - 1);
  if (rank) {
    state.trace.interesting = interestingUnits(trace, part, 5);
    const list = byId('interestingUnits');
    list.replaceChildren(...state.trace.interesting.map((j) => {
      const b = document.createElement('button');
      b.type = 'button';
      b.className = 'unit-choice';
      b.textContent = String(j);
      b.title = `show unit ${j}`;
      b.addEventListener('click', () => {
        traceControls.unit.value = String(j);
        showTrace();
      });
      return b;
    }));
    if (!state.trace.interesting.includes(Number(traceControls.unit.value))) traceControls.unit.value = String(state.trace.interesting[0] ?? 0);
  }
  const f = new FieldReader();
  const unit = f.int(traceControls.unit);
  if (!f.ok) return; // the field says what to fix
  renderCellView(byId('traceText'), text, trace, part, unit);
  Object.assign(state.trace, { steps: trace.steps, part, unit, drawn: byId('traceText').childElementCount });
}

traceControls.part.addEventListener('change', () => showTrace(true));
traceControls.unit.addEventListener('change', () => showTrace());

// --- text and checkpoints ---------------------------------------------------------------------------

async function useText(text: string, source: 'bundled' | 'pasted'): Promise<void> {
  let next: CharLmTask;
  try {
    next = charLmTask(text);
    // A text no longer than one sequence cannot be trained on: say so, and keep the model and text there are.
    if (next.tokens.length <= settings.T) throw new TaskError(`it has ${next.tokens.length} characters, and the sequence length T = ${settings.T} needs more than ${settings.T}: paste a longer text, or lower T first`);
  } catch (err) {
    showError('Cannot train on this text', errorText(err), 'text');
    return;
  }
  clearMessage('text');
  // Nothing may step the old model on the new text: stop it (Start off meanwhile) before the switch.
  state.building = true;
  updateStatus();
  loop?.pause();
  await loop?.settle();
  task = next;
  taskText = text;
  textSource = source;
  await rebuild();
}

const CHECKPOINT_NAME = 'gateflow-char-lm.safetensors';

async function save(): Promise<void> {
  if (!session) return;
  try {
    const bytes = await whilePaused(() =>
      worker.call<Uint8Array>('checkpoint', { task: 'char-lm', seqLen: settings.T, batch: settings.B, vocab: task.vocab.chars.join(''), text: textSource }),
    );
    state.checkpoint.savedBytes = bytes.length;
    download(bytes as Uint8Array<ArrayBuffer>, CHECKPOINT_NAME, 'application/octet-stream');
    setText('checkpointInfo', `Saved ${CHECKPOINT_NAME} (${(bytes.length / 1024).toFixed(1)} KiB) after ${state.completed} steps of this run.`);
  } catch (err) {
    showError('Could not save the checkpoint', errorText(err), 'checkpoint');
  }
}

/** Loads a checkpoint: builds the model it describes (vocabulary, sizes, optimizer), then restores it. */
async function load(file: File): Promise<void> {
  if (!gpu) return;
  const bytes = new Uint8Array(await file.arrayBuffer());
  try {
    const ck = loadCheckpoint(bytes, { source: file.name });
    const config = ck.config as { model?: ModelConfig; vocab?: string; seqLen?: number; batch?: number; task?: string };
    const model = config.model;
    if (!model || model.loss !== 'crossentropy' || model.inputSize !== model.outputSize) {
      throw new Error(`${file.name} is not a character-model checkpoint (its model is ${JSON.stringify(model ?? null)})`);
    }
    // The vocabulary: stored by this page; a CLI checkpoint of the char-lm task uses the bundled text's.
    const bundled = charLmTask();
    const vocab = config.vocab ?? (config.task === 'char-lm' ? bundled.vocab.chars.join('') : undefined);
    if (vocab === undefined) throw new Error(`${file.name} has no vocabulary and is not from the char-lm task`);
    if ([...vocab].length !== model.inputSize) throw new Error(`${file.name}: its vocabulary has ${[...vocab].length} characters but the model reads ${model.inputSize}`);
    // Training goes on with a text of exactly this vocabulary: the bundled one or the pasted one.
    const same = (t: CharLmTask) => t.vocab.chars.join('') === vocab;
    let nextTask: CharLmTask | null = same(bundled) ? bundled : null;
    let nextSource: 'bundled' | 'pasted' = 'bundled';
    let nextText = CORPUS_TEXT;
    if (!nextTask && userText.value) {
      try {
        const pasted = charLmTask(userText.value);
        if (same(pasted)) [nextTask, nextSource, nextText] = [pasted, 'pasted', userText.value];
      } catch {
        // not usable: handled below
      }
    }
    if (!nextTask) throw new Error(`${file.name} was trained on a text with another vocabulary: paste that text above first, then load the checkpoint again`);
    const hyper = (ck.optimizer?.hyper ?? optimizerOf(settings)) as GpuOptimizerOptions;
    await queue(async () => {
      generation++;
      loop?.pause();
      await loop?.settle();
      // The worker keeps the running model unless the new one restores cleanly.
      await worker.call('restore', { model: { config: model, optimizer: hyper, seed: SEED, text: nextText } satisfies CharModel, bytes, source: file.name });
      session = true;
      task = nextTask;
      taskText = nextText;
      textSource = nextSource;
      // The controls show what was loaded.
      inputs.cell.value = model.cell;
      inputs.hidden.value = String(model.hiddenSize);
      inputs.layers.value = String(model.numLayers);
      if (config.seqLen) inputs.seq.value = String(config.seqLen);
      if (config.batch) inputs.batch.value = String(config.batch);
      if (typeof hyper.lr === 'number') inputs.lr.value = String(hyper.lr);
      inputs.clipNorm.value = String(hyper.clipNorm ?? 0);
      // The loaded model runs whatever the fields' limits; a value outside them is marked at its field.
      settings = readSettings() ?? { cell: model.cell === 'rnn' ? 'rnn' : 'lstm', H: model.hiddenSize, layers: model.numLayers, T: config.seqLen ?? settings.T, B: config.batch ?? settings.B, lr: typeof hyper.lr === 'number' ? hyper.lr : settings.lr, clipNorm: Number(hyper.clipNorm ?? 0) };
      state.settings = settings;
      clearRun();
      describeText();
      chunkBase = ck.optimizer?.step ?? 0;
      newLoop();
      const step = ck.optimizer?.step ?? 0;
      state.checkpoint.loaded = { name: file.name, step };
      setText('checkpointInfo', `Loaded ${file.name}: ${model.cell.toUpperCase()} H=${model.hiddenSize}, ${model.numLayers} layer(s), trained ${step} steps.`);
      clearMessage('checkpoint');
      updateStatus();
    });
    await queue(() => sample());
  } catch (err) {
    showError('Could not load the checkpoint', `${errorText(err)}. The running model was left as it was.`, 'checkpoint');
    updateStatus();
  } finally {
    loadInput.value = '';
  }
}

// --- wiring -----------------------------------------------------------------------------------------

/** What each restarting control is called in the notice that says the model started again. */
const RESTARTS: Record<string, string> = { cell: 'The cell', hidden: 'Hidden size H', layers: 'Layers', seq: 'Sequence length T', batch: 'Batch B' };
for (const key of ['cell', 'hidden', 'layers', 'seq', 'batch'] as const) inputs[key].addEventListener('change', () => queue(() => rebuild(RESTARTS[key])));
// Without a model (the settings were not valid yet) any fix builds one.
for (const key of ['lr', 'clipNorm'] as const) inputs[key].addEventListener('change', () => queue(() => (session ? swapOptimizer() : rebuild())));
inputs.temperature.addEventListener('input', () => setText('temperatureValue', Number(inputs.temperature.value).toFixed(2)));
inputs.temperature.addEventListener('change', () => {
  if (state.samples > 0 && !loop?.running) void queue(() => sample());
});
setText('temperatureValue', Number(inputs.temperature.value).toFixed(2));
buttons.start.addEventListener('click', () => loop?.start());
buttons.pause.addEventListener('click', () => loop?.pause());
buttons.reset.addEventListener('click', () => queue(rebuild));
buttons.sample.addEventListener('click', () => queue(() => sample()));
buttons.useText.addEventListener('click', () => queue(() => useText(userText.value, 'pasted')));
buttons.useBundled.addEventListener('click', () => queue(() => useText(CORPUS_TEXT, 'bundled')));
buttons.save.addEventListener('click', () => queue(save));
loadInput.addEventListener('change', () => {
  const file = loadInput.files?.[0];
  if (file) void load(file);
});

describeText();
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
