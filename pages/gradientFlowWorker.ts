// The gradient-flow page's worker: it owns the GPU device and the models (RNN, LSTM, and the GRU
// when asked), makes the adding-problem batches, runs the training steps and the gradient-flow
// measurements, and answers the page (pages/lib/workerRpc.ts); the page only draws.
import { Rng } from '../src/random';
import { addingTask } from '../src/tasks/adding';
import { experimentBatch } from '../src/diagnostics/experiment';
import { gradientFlow } from '../src/diagnostics/gradientFlow';
import { TrainingSession, type ModelConfig } from '../src/train/session';
import type { StepReport } from '../src/train/trainer';
import type { Batch } from '../src/train/batch';
import type { GpuOptimizerOptions } from '../src/optim/options';
import type { CellActivation, CellKind } from '../src/config';
import { serveWithGpu, withOptimizer } from './lib/workerGpu';

/** What the page asks the models to be. */
export interface FlowModelSettings {
  T: number;
  H: number;
  B: number;
  forgetBias: number;
  activation: CellActivation;
  gru: boolean;
  optimizer: GpuOptimizerOptions;
  seed: number;
}

/** One measurement of every model on the probe batch. */
export interface FlowMeasurement {
  rnn: number[];
  lstm: number[];
  forget: number[];
  gru: number[];
  update: number[];
}

let models: { rnn: TrainingSession; lstm: TrainingSession; gru: TrainingSession | null } | null = null;
let settings: FlowModelSettings | null = null;
let data = new Rng(1);
let probe: Batch | null = null;

const modelConfig = (cell: CellKind, s: FlowModelSettings): ModelConfig => ({
  cell,
  // The RNN and the GRU stay tanh (torch.nn.RNN, nn.GRU); φ = ψ is the LSTM's choice.
  cellActivation: cell === 'lstm' ? s.activation : 'tanh',
  inputSize: addingTask.inputSize,
  hiddenSize: s.H,
  numLayers: 1,
  outputSize: addingTask.outputSize,
  headAt: 'last',
  loss: 'mse',
});

function dispose(): void {
  models?.rnn.dispose();
  models?.lstm.dispose();
  models?.gru?.dispose();
  models = null;
}

serveWithGpu((device) => ({
  /** New models from `s`, a fresh data stream and probe batch. */
  build(s: FlowModelSettings): void {
    dispose();
    const built: TrainingSession[] = [];
    const session = (cell: CellKind, init = {}): TrainingSession => {
      const m = new TrainingSession(device(), modelConfig(cell, s), s.optimizer, { seed: s.seed, ...init });
      built.push(m);
      return m;
    };
    try {
      models = { rnn: session('rnn'), lstm: session('lstm', { forgetBias: s.forgetBias }), gru: s.gru ? session('gru') : null };
    } catch (err) {
      for (const m of built) m.dispose();
      throw err;
    }
    settings = s;
    data = new Rng(s.seed ^ 0x9e3779b9);
    // One fixed probe batch, so that changes between measurements come from training, not from the data.
    probe = experimentBatch(addingTask, addingTask.batch(new Rng(s.seed ^ 0x51ed270b), s.T, Math.min(s.B, 32)), 'last');
  },

  /** One training step of every model on the same new batch; their reports when asked. */
  step({ report }: { report: boolean }): Promise<StepReport[]> | null {
    if (!models || !settings) throw new Error('step before build');
    const batch = experimentBatch(addingTask, addingTask.batch(data, settings.T, settings.B), 'last');
    const m = models;
    const steps = [m.rnn, m.lstm, ...(m.gru ? [m.gru] : [])].map((s) => s.step(batch, { report }));
    return report ? Promise.all(steps as Promise<StepReport>[]) : null;
  },

  /** Gradient flow of every model on the probe batch. */
  async measure(): Promise<FlowMeasurement> {
    if (!models || !probe) throw new Error('measure before build');
    const opts = { loss: 'mse' as const, lossAt: 'last' as const };
    const m = models;
    const [rf, lf, gf] = await Promise.all([
      gradientFlow(device(), m.rnn.net, probe, opts),
      gradientFlow(device(), m.lstm.net, probe, opts),
      m.gru ? gradientFlow(device(), m.gru.net, probe, opts) : null,
    ]);
    return {
      rnn: rf.layers[0]!.hiddenGradNorms,
      lstm: lf.layers[0]!.cellGradNorms ?? [],
      forget: lf.layers[0]!.forgetProduct ?? [],
      // The GRU's update gate z plays the forget gate's part: its product along the direct path.
      gru: gf?.layers[0]!.hiddenGradNorms ?? [],
      update: gf?.layers[0]!.forgetProduct ?? [],
    };
  },

  /** New optimizer settings for every model, keeping weights and optimizer state. */
  async optimizer(o: GpuOptimizerOptions): Promise<void> {
    if (!models || !settings) throw new Error('optimizer before build');
    models.rnn = await withOptimizer(device(), models.rnn, o, settings.seed);
    models.lstm = await withOptimizer(device(), models.lstm, o, settings.seed);
    if (models.gru) models.gru = await withOptimizer(device(), models.gru, o, settings.seed);
    settings = { ...settings, optimizer: o };
  },
}));
