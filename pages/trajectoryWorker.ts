// The trajectory page's worker: it owns the GPU device and the model, makes the training windows of
// the curve, runs the steps and the continuations (pages/lib/stepper.ts), and answers the page
// (pages/lib/workerRpc.ts); the page draws.
import { Rng } from '../src/random';
import { TrainingSession } from '../src/train/session';
import type { StepReport } from '../src/train/trainer';
import type { GpuOptimizerOptions } from '../src/optim/options';
import type { CellKind } from '../src/config';
import { Stepper } from './lib/stepper';
import { serveWithGpu, withOptimizer } from './lib/workerGpu';

/** The model and its data, as the page gives them. */
export interface TrajectoryModel {
  cell: CellKind;
  H: number;
  T: number;
  B: number;
  noise: number;
  optimizer: GpuOptimizerOptions;
  seed: number;
  /** The curve's points, x0, y0, x1, y1, ...; `periodic`: windows wrap around (a drawn path does not). */
  points: number[];
  periodic: boolean;
}

let session: TrainingSession | null = null;
let stepper: Stepper | null = null;
let model: TrajectoryModel | null = null;
let data = new Rng(1);

function dispose(): void {
  stepper?.dispose();
  stepper = null;
  session?.dispose();
  session = null;
}

/** One training batch: B windows of T+1 consecutive points; inputs get a little noise so the rollout can recover from its own errors. */
function batch(m: TrajectoryModel): { x: Float32Array; T: number; B: number; target: Float32Array } {
  const { T, B, noise, points } = m;
  const n = points.length / 2;
  const x = new Float32Array(T * B * 2);
  const target = new Float32Array(T * B * 2);
  for (let b = 0; b < B; b++) {
    const start = m.periodic ? data.int(n) : data.int(n - T);
    for (let t = 0; t < T; t++) {
      const p = ((start + t) % n) * 2;
      const q = ((start + t + 1) % n) * 2;
      const k = (t * B + b) * 2;
      x[k] = points[p]! + noise * data.normal();
      x[k + 1] = points[p + 1]! + noise * data.normal();
      target[k] = points[q]!;
      target[k + 1] = points[q + 1]!;
    }
  }
  return { x, T, B, target };
}

serveWithGpu((device) => ({
  build(m: TrajectoryModel): void {
    dispose();
    if (!m.periodic && m.points.length / 2 <= m.T + 1) throw new Error(`the drawn path has ${m.points.length / 2} points: raise “points” above the sequence length ${m.T} + 1`);
    session = new TrainingSession(device(), { cell: m.cell, cellActivation: 'tanh', inputSize: 2, hiddenSize: m.H, numLayers: 1, outputSize: 2, headAt: 'all', loss: 'mse' }, m.optimizer, { seed: m.seed });
    model = m;
    data = new Rng(m.seed ^ 0x9e3779b9);
  },

  step({ report }: { report: boolean }): Promise<StepReport> | null {
    if (!session || !model) throw new Error('step before build');
    return session.step(batch(model), { report });
  },

  /** Primes the model with the curve's first `prime` points, then lets it run on its own for `steps` more (one submission): every output, x, y, .... */
  async rollout({ prime, steps }: { prime: number; steps: number }): Promise<Float32Array> {
    if (!session || !model) throw new Error('rollout before build');
    stepper ??= new Stepper(device(), session.net, 'mse');
    stepper.reset();
    let last: Promise<Float32Array> | null = null;
    for (let i = 0; i < prime; i++) last = stepper.step(new Float32Array(model.points.slice(2 * i, 2 * i + 2)), i === prime - 1);
    const first: Float32Array = await last!;
    const rest = steps > 1 ? await stepper.rollout(first, steps - 1) : new Float32Array(0);
    const all = new Float32Array(first.length + rest.length);
    all.set(first);
    all.set(rest, first.length);
    return all;
  },

  async optimizer(o: GpuOptimizerOptions): Promise<void> {
    if (!session || !model) throw new Error('optimizer before build');
    stepper?.dispose();
    stepper = null;
    session = await withOptimizer(device(), session, o, model.seed);
    model = { ...model, optimizer: o };
  },
}));
