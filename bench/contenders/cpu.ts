// gateflow's float64 CPU reference as a contender, for scale: the same code the harness validates
// against, so it always validates; it shows what the GPU path buys.
import type { LayerParams } from '../../src/config';
import type { Contender, ContenderInstance, ParamsView } from '../contender';
import { referenceInfer, referenceTrainStep, type Problem } from '../problem';

const clone = (w: LayerParams): LayerParams => ({ weightIh: w.weightIh.slice(), weightHh: w.weightHh.slice(), biasIh: w.biasIh.slice(), biasHh: w.biasHh.slice() });

class CpuInstance implements ContenderInstance {
  readonly paramStyle = 'torch' as const;
  private weights: LayerParams;

  constructor(private readonly problem: Problem) {
    this.weights = clone(problem.weights);
  }

  async setWeights(w: LayerParams): Promise<void> {
    this.weights = clone(w);
  }

  async infer(): Promise<Float64Array> {
    return referenceInfer(this.problem, this.weights);
  }

  async trainStep(): Promise<number> {
    return referenceTrainStep(this.problem, this.weights).loss;
  }

  async readParams(): Promise<ParamsView> {
    return this.weights;
  }

  async timedTrainStep(): Promise<void> {
    referenceTrainStep(this.problem, this.weights);
  }

  async timedInfer(): Promise<void> {
    referenceInfer(this.problem, this.weights);
  }

  lastTrainDispatches(): null {
    return null;
  }

  lastInferDispatches(): null {
    return null;
  }

  dispose(): void {}
}

export const cpuReference: Contender = {
  name: 'gateflow-cpu-reference',
  update: 'sgd',
  note: 'float64 reference (src/cpu), single thread',
  isCpuReference: true,
  async create(problem) {
    return new CpuInstance(problem);
  },
};
