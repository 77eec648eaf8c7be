// THE ONE PLACE where the gateflow contenders get their parameter update (the `UpdateRecorder` that
// TrainPlan.encode records after BPTT): src/optim's GpuOptimizer over the flat params/grads buffers.
// Swap the optimizer implementation here and every gateflow row follows.
import type { Gpu } from '../../src/gpu/runtime';
import type { RecurrentNetwork } from '../../src/model/recurrentNetwork';
import type { UpdateRecorder } from '../../src/scheduler/trainPlan';
import { GpuOptimizer } from '../../src/optim/gpuOptimizer';
import type { Update } from '../contender';
import type { Problem } from '../problem';

export interface BenchUpdate extends UpdateRecorder {
  dispose(): void;
}

/** A fresh optimizer (zero state): plain SGD at the problem's lr, or Adam with global-norm clipping. */
export function createUpdate(gpu: Gpu, net: RecurrentNetwork, problem: Problem, update: Update): BenchUpdate {
  const tensors = { params: net.params, grads: net.grads, count: net.layout.total };
  if (update === 'sgd') return new GpuOptimizer(gpu, tensors, { kind: 'sgd', lr: problem.lr });
  const a = problem.adam;
  return new GpuOptimizer(gpu, tensors, { kind: 'adam', lr: a.lr, beta1: a.beta1, beta2: a.beta2, eps: a.eps, clipNorm: a.clipNorm });
}
