// The gradient-flow experiment: measure how gradients reach each time step at initialisation, train,
// and measure again, recording the global gradient norm of every step on the way.
import type { Gpu } from '../gpu/runtime';
import { Rng } from '../random';
import type { Task, TaskBatch } from '../tasks/task';
import { TrainingSession, type ModelConfig } from '../train/session';
import type { StateDict } from '../checkpoint/stateDict';
import type { GpuOptimizerOptions } from '../optim/options';
import type { Batch } from '../train/batch';
import type { StepReport } from '../train/trainer';
import { gradientFlow, type FlowResult } from './gradientFlow';

export interface FlowExperimentOptions {
  task: Task;
  config: ModelConfig;
  optimizer: GpuOptimizerOptions;
  seqLen: number;
  batch: number;
  seed: number;
  forgetBias?: number;
  trainSteps: number;
  lossAt: 'last' | 'all';
  /** Checkpoint bytes to start from instead of the initialisation. */
  resume?: Uint8Array;
  /** Weights (a PyTorch state_dict, loadWeights) to start from instead of the initialisation. */
  initialWeights?: StateDict;
}

export interface FlowExperimentResult {
  /** At initialisation (or at the resumed checkpoint). */
  before: FlowResult;
  /** After training; null with trainSteps = 0. */
  after: FlowResult | null;
  /** Per training step: the global gradient norm before clipping, the loss, whether it applied. */
  steps: { gradNorm: number; loss: number; applied: boolean }[];
}

/** The task batch as the trainer sees it, with the loss at the last step only when asked. */
export function experimentBatch(task: Task, b: TaskBatch, lossAt: 'last' | 'all'): Batch {
  const lengths = b.lengths ? { lengths: b.lengths } : {};
  if (lossAt === task.lossAt) return { x: b.inputs, T: b.T, B: b.B, target: b.targets, mask: b.mask, ...lengths };
  if (lossAt === 'all') throw new Error(`--loss-at all: the ${task.name} task has a target at the last step only`);
  // An every-step task with the loss at the last step: keep the last step's targets (and mask).
  const last = (a: ArrayLike<number>) => Array.prototype.slice.call(a, (b.T - 1) * (a.length / b.T)) as number[];
  return { x: b.inputs, T: b.T, B: b.B, target: last(b.targets), mask: b.mask ? last(b.mask) : undefined, ...lengths };
}

export async function runFlowExperiment(gpu: Gpu, o: FlowExperimentOptions, onStep?: (r: StepReport) => void): Promise<FlowExperimentResult> {
  const config = { ...o.config, headAt: o.lossAt };
  const session = new TrainingSession(gpu, config, o.optimizer, { seed: o.seed, forgetBias: o.forgetBias });
  try {
    if (o.resume) session.restore(o.resume, 'resume checkpoint');
    if (o.initialWeights) await session.restoreWeights(o.initialWeights);
    // One fixed probe batch, measured before and after training.
    const probe = experimentBatch(o.task, o.task.batch(new Rng(o.seed ^ 0x51ed270b), o.seqLen, o.batch), o.lossAt);
    const measure = () => gradientFlow(gpu, session.net, probe, { loss: config.loss, lossAt: o.lossAt });
    const before = await measure();
    const data = new Rng(o.seed ^ 0x9e3779b9);
    const steps: FlowExperimentResult['steps'] = [];
    const pending: Promise<StepReport>[] = [];
    const take = (r: StepReport) => {
      steps.push({ gradNorm: r.gradNorm, loss: r.loss, applied: r.applied });
      onStep?.(r);
    };
    for (let s = 0; s < o.trainSteps; s++) {
      pending.push(session.step(experimentBatch(o.task, o.task.batch(data, o.seqLen, o.batch), o.lossAt), { report: true }));
      if (pending.length > 2) take(await pending.shift()!);
    }
    for (const p of pending) take(await p);
    const after = o.trainSteps > 0 ? await measure() : null;
    return { before, after, steps };
  } finally {
    session.dispose();
  }
}
