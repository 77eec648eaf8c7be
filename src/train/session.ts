import type { Gpu } from '../gpu/runtime';
import type { CellActivation, CellKind } from '../cpu/types';
import { RecurrentNetwork } from '../model/recurrentNetwork';
import { initialWeights } from '../model/init';
import type { HeadAt, LossKind } from '../scheduler/trainPlan';
import type { GpuOptimizerOptions } from '../optim/options';
import { Trainer, type StepReport } from './trainer';
import type { Batch } from './batch';
import { CheckpointError, expectArchitecture, loadCheckpoint, saveCheckpoint, type Checkpoint } from '../checkpoint/checkpoint';
import { flatFromTensors, tensorsFromFlat } from '../checkpoint/params';

/** Everything that fixes the shapes of a model's parameters and how it is trained against targets. */
export interface ModelConfig {
  cell: CellKind;
  cellActivation: CellActivation;
  inputSize: number;
  hiddenSize: number;
  numLayers: number;
  /** Size of the linear head (0: none, the loss reads the top layer's h). */
  outputSize: number;
  headAt: HeadAt;
  loss: LossKind;
}

/**
 * A model and its trainer on one device: initialisation, training steps, and checkpoints holding the
 * weights (PyTorch names), the optimizer state and the config, in safetensors.
 */
export class TrainingSession {
  readonly net: RecurrentNetwork;
  readonly trainer: Trainer;

  constructor(private readonly gpu: Gpu, readonly config: ModelConfig, readonly optimizer: GpuOptimizerOptions, init: { seed: number; forgetBias?: number }) {
    this.net = new RecurrentNetwork(gpu, config);
    try {
      this.net.setFlatWeights(initialWeights(this.net.layout, init));
      this.trainer = new Trainer(gpu, this.net, { loss: config.loss, headAt: config.headAt, optimizer });
    } catch (err) {
      this.net.dispose();
      throw err;
    }
  }

  step(batch: Batch, opts: { report?: boolean } = {}): Promise<StepReport> | null {
    return this.trainer.step(batch, opts);
  }

  /** Weights, optimizer state and config as safetensors bytes (waits for submitted work). */
  async checkpoint(extraConfig: object = {}): Promise<Uint8Array> {
    const flat = await this.net.getFlatWeights();
    const state = await this.trainer.optimizer.exportState();
    const optimState: Record<string, Float32Array> = {};
    for (const [buffer, data] of Object.entries(state.buffers)) {
      for (const { name, slice } of this.net.layout.tensors()) optimState[`${buffer}.${name}`] = data.slice(slice.offset, slice.offset + slice.length);
    }
    const ck: Checkpoint<object> = {
      config: { ...extraConfig, model: this.config },
      tensors: tensorsFromFlat(this.net.layout, flat),
      optimizer: { kind: this.optimizer.kind, step: state.step, hyper: JSON.parse(JSON.stringify(this.optimizer)) as object, state: optimState },
    };
    return saveCheckpoint(ck);
  }

  /**
   * Loads weights and optimizer state from a checkpoint of the same architecture. Everything is
   * decoded and checked before anything is written, so a bad file changes nothing.
   */
  restore(bytes: Uint8Array, source = 'checkpoint'): Checkpoint {
    const ck = loadCheckpoint(bytes, { source });
    const model = (ck.config as { model?: object }).model;
    if (!model) throw new CheckpointError(`${source}: no gateflow model config in its metadata`);
    expectArchitecture({ config: model }, this.config);
    const flat = flatFromTensors(this.net.layout, ck.tensors);
    const state = ck.optimizer;
    let buffers: Record<string, Float32Array> | null = null;
    if (state) {
      if (state.kind !== this.optimizer.kind) throw new CheckpointError(`${source}: optimizer is ${state.kind}, this session uses ${this.optimizer.kind}`);
      buffers = {};
      for (const key of Object.keys(state.state)) {
        const buffer = key.slice(0, key.indexOf('.'));
        buffers[buffer] ??= new Float32Array(this.net.layout.total);
      }
      for (const [key, data] of Object.entries(state.state)) {
        const buffer = key.slice(0, key.indexOf('.'));
        const tensor = this.net.layout.tensors().find((t) => t.name === key.slice(buffer.length + 1));
        if (!tensor || tensor.slice.length !== data.length) throw new CheckpointError(`${source}: optimizer state "${key}" does not fit the model`);
        buffers[buffer].set(data, tensor.slice.offset);
      }
    }
    if (buffers && state) this.trainer.optimizer.importState({ step: state.step, buffers });
    this.net.setFlatWeights(flat);
    return ck;
  }

  dispose(): void {
    this.trainer.dispose();
    this.net.dispose();
  }
}
