// gateflow on WebGPU: TrainPlan (forward, MSE on h, BPTT) + the optimizer, all recorded into one
// command buffer per step; inference is the network's forward plan. Dispatches come from the Recorder.
import type { Gpu } from '../../src/gpu/runtime';
import type { LayerParams } from '../../src/config';
import { RecurrentNetwork } from '../../src/model/recurrentNetwork';
import { TrainPlan } from '../../src/scheduler/trainPlan';
import { resolveStrategy, type RecurrentPlan, type StrategyChoice } from '../../src/scheduler/recurrentPlan';
import { GpuTimer } from '../../src/gpu/gpuTimer';
import type { Contender, ContenderContext, ContenderInstance, ParamsView, Update } from '../contender';
import type { Problem } from '../problem';
import { createUpdate, type BenchUpdate } from './optimizer';
import type { Precision } from '../../src/scheduler/precision';
import { F16_TOLERANCE } from '../validate';

export class GateflowInstance implements ContenderInstance {
  readonly paramStyle = 'torch' as const;
  private readonly net: RecurrentNetwork;
  private readonly train: TrainPlan;
  private readonly inference: RecurrentPlan;
  private optimizer: BenchUpdate | null = null;
  private trainDispatches: number | null = null;
  private inferDispatches: number | null = null;

  constructor(private readonly gpu: Gpu, private readonly problem: Problem, private readonly update: Update, strategy: StrategyChoice, private readonly precision: Precision = 'f32') {
    const { B, T, I, H } = problem.config;
    const net = new RecurrentNetwork(gpu, { cell: 'lstm', inputSize: I, hiddenSize: H, numLayers: 1, cellActivation: 'tanh', strategy, precision });
    let train: TrainPlan | null = null;
    try {
      train = new TrainPlan(gpu, net, T, B, 'mse', 'all', false);
      this.inference = net.plan(T, B, false);
      net.writeInputs(train.recurrent, { x: problem.x, T, B });
      net.writeInputs(this.inference, { x: problem.x, T, B });
      gpu.write(train.target, problem.target);
    } catch (err) {
      train?.dispose();
      net.dispose();
      throw err;
    }
    this.net = net;
    this.train = train;
  }

  async setWeights(w: LayerParams): Promise<void> {
    this.net.setWeights([w]);
    this.optimizer?.dispose();
    this.optimizer = createUpdate(this.gpu, this.net, this.problem, this.update);
  }

  private encodeTrain(timer?: GpuTimer): number {
    const rec = this.gpu.recorder('bench train step', timer);
    this.train.encode(rec, this.optimizer!);
    this.gpu.submit(rec);
    return rec.dispatches;
  }

  private encodeInfer(): number {
    const rec = this.gpu.recorder('bench inference');
    this.inference.encodeForward(rec);
    this.gpu.submit(rec);
    return rec.dispatches;
  }

  async infer(): Promise<Float32Array> {
    this.inferDispatches = this.encodeInfer();
    const out = this.inference.output;
    const { T, B, H } = this.problem.config;
    return this.gpu.read(out.buffer, T * B * H, out.offset);
  }

  async trainStep(): Promise<number> {
    this.trainDispatches = this.encodeTrain();
    const [loss] = await this.gpu.read(this.train.loss, 1);
    return loss;
  }

  async readParams(): Promise<ParamsView> {
    const [w] = await this.net.getWeights();
    return w;
  }

  async timedTrainStep(): Promise<void> {
    this.trainDispatches = this.encodeTrain();
    await this.gpu.device.queue.onSubmittedWorkDone();
  }

  async gpuTrainMs(steps: number): Promise<number | null> {
    if (!this.gpu.hasTimestamps) return null;
    const timer = new GpuTimer(this.gpu.device);
    try {
      const ms: number[] = [];
      for (let i = 0; i < steps; i++) {
        this.encodeTrain(timer);
        ms.push(await timer.readMs());
      }
      ms.sort((a, b) => a - b);
      return ms[Math.floor(ms.length / 2)];
    } finally {
      timer.destroy();
    }
  }

  async timedInfer(): Promise<void> {
    this.inferDispatches = this.encodeInfer();
    await this.gpu.device.queue.onSubmittedWorkDone();
  }

  lastTrainDispatches(): number | null {
    return this.trainDispatches;
  }

  describe(): string {
    return `strategy ${this.train.recurrent.strategy}${this.precision === 'f16' ? ', precision f16' : ''}`;
  }

  lastInferDispatches(): number | null {
    return this.inferDispatches;
  }

  dispose(): void {
    this.optimizer?.dispose();
    this.optimizer = null;
    this.train.dispose();
    this.net.dispose(); // also disposes the cached inference plan
  }
}

function gateflowContender(name: string, update: Update, strategy: StrategyChoice, note: string, precision: Precision = 'f32'): Contender {
  return {
    name,
    update,
    note,
    ...(precision === 'f16' ? { tolerance: F16_TOLERANCE } : {}),
    unavailable(ctx, config) {
      if (!ctx.gpu) return 'no WebGPU device';
      if (precision === 'f16' && !ctx.gpu.device.features.has('shader-f16')) return "this adapter has no 'shader-f16'";
      if (!config) return null;
      const cfg = { cell: 'lstm' as const, inputSize: config.I, hiddenSize: config.H, numLayers: 1, cellActivation: 'tanh' as const };
      try {
        resolveStrategy(ctx.gpu.limits, cfg, strategy, config.B, ctx.gpu.cpuAdapter);
        return null;
      } catch (err) {
        return (err as Error).message; // e.g. the persistent kernels do not fit this H on this device
      }
    },
    async create(problem: Problem, ctx: ContenderContext) {
      if (!ctx.gpu) throw new Error(`${name}: no WebGPU device`);
      return new GateflowInstance(ctx.gpu, problem, update, strategy, precision);
    },
  };
}

/** The library as a user gets it: the scheduler picks the strategy ('auto'). */
export const gateflowWebgpu = gateflowContender('gateflow-webgpu', 'sgd', 'auto', "TrainPlan + GpuOptimizer SGD, one command buffer per step, strategy 'auto'");
/** Each strategy forced, so the choice 'auto' makes can be checked against both. */
export const gateflowWebgpuPerStep = gateflowContender('gateflow-webgpu-per-step', 'sgd', 'per-step', 'strategy per-step: one dispatch per time step and direction');
export const gateflowWebgpuPersistent = gateflowContender('gateflow-webgpu-persistent', 'sgd', 'persistent', 'strategy persistent: one dispatch per direction, a workgroup per batch row looping over time');
/** Precision 'f16' (weights and gate tensors stored in f16, f32 arithmetic), strategy 'auto': validated at F16_TOLERANCE. */
export const gateflowWebgpuF16 = gateflowContender('gateflow-webgpu-f16', 'sgd', 'auto', "precision 'f16': weights and gate tensors in f16, f32 arithmetic; strategy 'auto'", 'f16');
export const gateflowWebgpuAdamClip = gateflowContender('gateflow-webgpu-adam-clip', 'adam-clip', 'auto', "global-norm clipping + Adam, strategy 'auto' (not the peers' work: compare with gateflow-webgpu)");
