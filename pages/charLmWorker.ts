// The character-model page's worker: it owns the GPU device, the model and the text it reads on,
// runs the training steps (states carried between chunks), the sampling steps (with the cell trace)
// and the checkpoints, and answers the page (pages/lib/workerRpc.ts); the page draws and samples.
import type { Gpu } from '../src/gpu/runtime';
import { TrainingSession, type ModelConfig } from '../src/train/session';
import type { StepReport } from '../src/train/trainer';
import type { GpuOptimizerOptions } from '../src/optim/options';
import { charLmTask, type CharLmTask } from '../src/tasks/charLm';
import { Stepper, type CellTrace } from './lib/stepper';
import { serveWithGpu, sessionFrom, withOptimizer } from './lib/workerGpu';

/** A model for a text: its config (the vocabulary's size in and out), optimizer and seed. */
export interface CharModel {
  config: ModelConfig;
  optimizer: GpuOptimizerOptions;
  seed: number;
  /** The training text (its vocabulary must be the model's). */
  text: string;
}

let session: TrainingSession | null = null;
let stepper: Stepper | null = null;
let task: CharLmTask | null = null;
let seed = 1;
/** The batch size the session's carried states are for (null: none carried yet). */
let carriedRows: number | null = null;

function dispose(): void {
  stepper?.dispose();
  stepper = null;
  session?.dispose();
  session = null;
}

/** Makes a model for `m` (restored from `bytes` when given) and only then drops the old one: a failure leaves it as it was. */
function replace(gpu: Gpu, m: CharModel, bytes?: Uint8Array, source = 'checkpoint'): void {
  const nextTask = charLmTask(m.text);
  const next = sessionFrom(gpu, m.config, m.optimizer, m.seed, bytes, source);
  dispose();
  session = next;
  task = nextTask;
  seed = m.seed;
  carriedRows = null;
}

function oneHot(id: number): Float32Array {
  const x = new Float32Array(session!.config.inputSize);
  x[id] = 1;
  return x;
}

serveWithGpu((device) => ({
  build(m: CharModel): void {
    replace(device(), m);
  },

  /** Loads a checkpoint into a new model of its architecture; the old model stays on any error. */
  restore({ model, bytes, source }: { model: CharModel; bytes: Uint8Array; source: string }): void {
    replace(device(), model, bytes, source);
  },

  /** Training step `index`: each row reads the text on in consecutive chunks, its states carried (truncated BPTT); a new batch size starts them over. */
  step({ index, T, B, report }: { index: number; T: number; B: number; report: boolean }): Promise<StepReport> | null {
    if (!session || !task) throw new Error('step before build');
    if (carriedRows !== B) {
      session.resetState();
      carriedRows = B;
    }
    const b = task.chunk(index, T, B);
    return session.step({ x: b.inputs, T: b.T, B: b.B, target: b.targets }, { report, carryState: true });
  },

  /** Starts a sample: a fresh state, a trace of up to `capacity` steps, the prime's characters fed; the logits after the last. */
  sampleStart({ prime, capacity }: { prime: number[]; capacity: number }): Promise<Float32Array> {
    if (!session) throw new Error('sample before build');
    stepper ??= new Stepper(device(), session.net, 'crossentropy');
    stepper.reset();
    stepper.startTrace(capacity);
    let logits: Promise<Float32Array> | null = null;
    prime.forEach((id, k) => {
      logits = stepper!.step(oneHot(id), k === prime.length - 1);
    });
    return logits!;
  },

  /** Feeds the sampled character; the logits for the next one. */
  sampleNext({ id }: { id: number }): Promise<Float32Array> {
    if (!stepper) throw new Error('sampleNext before sampleStart');
    return stepper.step(oneHot(id), true)!;
  },

  /** Ends a sample: what the top layer computed at each of its steps. */
  async sampleEnd(): Promise<CellTrace> {
    if (!stepper) throw new Error('sampleEnd before sampleStart');
    const trace = await stepper.readTrace();
    stepper.stopTrace();
    return trace;
  },

  async optimizer(o: GpuOptimizerOptions): Promise<void> {
    if (!session) throw new Error('optimizer before build');
    stepper?.dispose();
    stepper = null;
    session = await withOptimizer(device(), session, o, seed);
  },

  /** The model as a checkpoint (weights, optimizer state, config with `extra`). */
  checkpoint(extra: object): Promise<Uint8Array> {
    if (!session) throw new Error('checkpoint before build');
    return session.checkpoint(extra);
  },
}));
