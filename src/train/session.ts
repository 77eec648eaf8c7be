import type { Gpu } from '../gpu/runtime';
import type { CellActivation, CellKind } from '../config';
import { RecurrentNetwork } from '../model/recurrentNetwork';
import { initialWeights } from '../model/init';
import type { HeadAt, LossKind } from '../scheduler/trainPlan';
import type { StrategyChoice } from '../scheduler/recurrentPlan';
import type { Precision } from '../scheduler/precision';
import type { GpuOptimizerOptions } from '../optim/options';
import { Trainer, checkTrainerOptions, type Evaluation, type PredictInput, type StepOptions, type StepReport } from './trainer';
import type { Batch } from './batch';
import { CheckpointError, expectArchitecture, loadCheckpoint, saveCheckpoint, type Checkpoint } from '../checkpoint/checkpoint';
import { flatFromTensors, tensorsFromFlat } from '../checkpoint/params';
import { expectArchitectureFits, loadWeights, saveWeights, type LoadWeightsOptions, type RecurrentArchitecture, type StateDict } from '../checkpoint/stateDict';
import type { OptimizerState } from '../optim/gpuOptimizer';
import { checkKnownKeys } from '../validate';
import { contentChecksum } from './integrity';

const MODEL_CONFIG_KEYS = ['cell', 'cellActivation', 'inputSize', 'hiddenSize', 'numLayers', 'outputSize', 'headAt', 'loss', 'strategy', 'precision', 'bidirectional', 'dropout', 'batchFirst', 'projSize'] as const;

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
  /** How the recurrence is scheduled (RecurrentNetwork's option); default 'auto'. */
  strategy?: StrategyChoice;
  /** 'f16': mixed precision where the device has shader-f16 (RecurrentNetwork's option); default 'f32'. */
  precision?: Precision;
  /** Two directions per layer; the head reads both halves (RecurrentNetwork's option). */
  bidirectional?: boolean;
  /** Dropout between stacked layers in training steps (RecurrentNetwork's option); evaluate and predict run without. */
  dropout?: number;
  /** Batches [B,T,*] (RecurrentNetwork's option): x, and per-step targets, masks and predictions. */
  batchFirst?: boolean;
  /** LSTM projection size (RecurrentNetwork's option): h and the head's input are projSize wide. */
  projSize?: number;
}

/** A ModelConfig as a caller gives it: cellActivation ('tanh'), numLayers (1) and outputSize (0: no head) may be left out. */
export type ModelOptions = Omit<ModelConfig, 'cellActivation' | 'numLayers' | 'outputSize'> & Partial<Pick<ModelConfig, 'cellActivation' | 'numLayers' | 'outputSize'>>;

/** How a session's weights start: PyTorch's init with `seed` (default 0), optionally with the LSTM's forget-gate bias set to `forgetBias`. */
export interface SessionInit {
  seed?: number;
  forgetBias?: number;
}

/** The checksum of a checkpoint's config (without the checksum), optimizer metadata and every tensor. */
function checksumOf(config: object, optimizer: Checkpoint['optimizer'], tensors: Checkpoint['tensors']): string {
  const data: Record<string, Float32Array> = {};
  for (const [name, t] of Object.entries(tensors)) data[name] = t.data;
  for (const [name, t] of Object.entries(optimizer?.state ?? {})) data[`optim.${name}`] = t;
  const shapes = Object.fromEntries(Object.entries(tensors).map(([name, t]) => [name, t.shape]));
  const meta = { config, shapes, optimizer: optimizer ? { kind: optimizer.kind, step: optimizer.step, hyper: optimizer.hyper } : null };
  return contentChecksum(meta, data);
}

/** The optimizer state buffers (torch names) GpuOptimizer keeps for these options, sorted. */
function stateBufferNames(o: GpuOptimizerOptions): string[] {
  if (o.kind === 'adam') return ['exp_avg', 'exp_avg_sq'];
  return (o.momentum ?? 0) !== 0 ? ['momentum_buffer'] : [];
}

/**
 * A model and its trainer on one device: initialisation, training steps, and checkpoints holding the
 * weights (PyTorch names), the optimizer state and the config, in safetensors.
 */
export class TrainingSession {
  readonly net: RecurrentNetwork;
  readonly trainer: Trainer;

  /** The model's config with every default filled in (what checkpoints record). */
  readonly config: ModelConfig;

  constructor(private readonly gpu: Gpu, options: ModelOptions, readonly optimizer: GpuOptimizerOptions, init: SessionInit = {}) {
    // Everything that can be checked without the GPU is, before the first buffer is allocated.
    checkKnownKeys('model config', options, MODEL_CONFIG_KEYS);
    checkKnownKeys('init', init, ['seed', 'forgetBias']);
    const config: ModelConfig = { ...options, cellActivation: options.cellActivation ?? 'tanh', numLayers: options.numLayers ?? 1, outputSize: options.outputSize ?? 0 };
    this.config = config;
    const seed = init.seed ?? 0;
    if (!Number.isInteger(seed) || seed < 0 || seed > 0xffffffff) throw new RangeError(`init.seed must be an integer in [0, 2^32), got ${seed}`);
    if (init.forgetBias !== undefined && !Number.isFinite(init.forgetBias)) throw new RangeError(`init.forgetBias must be a finite number, got ${init.forgetBias}`);
    checkTrainerOptions({ loss: config.loss, headAt: config.headAt, optimizer }, config.outputSize > 0);
    const { cell, cellActivation, inputSize, hiddenSize, numLayers, outputSize, strategy, precision, bidirectional, dropout, batchFirst, projSize } = config;
    this.net = new RecurrentNetwork(gpu, { cell, cellActivation, inputSize, hiddenSize, numLayers, outputSize, strategy, precision, seed, bidirectional, dropout, batchFirst, projSize });
    try {
      // The network starts from PyTorch's init with this seed; only a forget bias changes it.
      if (init.forgetBias !== undefined) this.net.setFlatWeights(initialWeights(this.net.layout, { seed, forgetBias: init.forgetBias }));
      this.trainer = new Trainer(gpu, this.net, { loss: config.loss, headAt: config.headAt, optimizer });
    } catch (err) {
      this.net.dispose();
      throw err;
    }
  }

  step(batch: Batch, opts: StepOptions & { report: true }): Promise<StepReport>;
  step(batch: Batch, opts?: StepOptions & { report?: false }): null;
  step(batch: Batch, opts?: StepOptions): Promise<StepReport> | null;
  step(batch: Batch, opts: StepOptions = {}): Promise<StepReport> | null {
    return this.trainer.step(batch, opts);
  }

  /** Zeroes the states carried between calls (Trainer.resetState): the given batch rows, or all. */
  resetState(rows?: readonly number[]): void {
    this.trainer.resetState(rows);
  }

  /** The loss (and, for cross-entropy, the accuracy) of a batch under the current weights; nothing is updated (Trainer.evaluate). */
  evaluate(batch: Batch): Promise<Evaluation> {
    return this.trainer.evaluate(batch);
  }

  /** The model's outputs for inputs x [T,B,I]: [T·B, O] for headAt 'all', [B, O] for 'last' (Trainer.predict). */
  predict(input: PredictInput, opts: { carryState?: boolean } = {}): Promise<Float32Array> {
    return this.trainer.predict(input, opts);
  }

  /**
   * Weights, optimizer state and config as safetensors bytes (waits for submitted work; do not step
   * until it resolves). The config carries a checksum of everything restore() loads.
   */
  async checkpoint(extraConfig: object = {}): Promise<Uint8Array> {
    const flat = await this.net.getFlatWeights();
    const state = await this.trainer.optimizer.exportState();
    const optimState: Record<string, Float32Array> = {};
    for (const [buffer, data] of Object.entries(state.buffers)) {
      for (const { name, slice } of this.net.layout.tensors()) optimState[`${buffer}.${name}`] = data.slice(slice.offset, slice.offset + slice.length);
    }
    const tensors = tensorsFromFlat(this.net.layout, flat);
    const optimizer = { kind: this.optimizer.kind, step: state.step, hyper: JSON.parse(JSON.stringify(this.optimizer)) as object, state: optimState };
    const { checksum: _ignored, ...config } = { ...extraConfig, model: this.config } as Record<string, unknown>;
    const ck: Checkpoint<object> = { config: { ...config, checksum: checksumOf(config, optimizer, tensors) }, tensors, optimizer };
    return saveCheckpoint(ck);
  }

  /**
   * Loads weights and optimizer state from a checkpoint of the same architecture. Everything is
   * decoded and checked first — format, architecture, every tensor's shape and finiteness, the
   * optimizer kind and a complete state for every parameter — and only then written, so a bad file
   * throws a CheckpointError and changes nothing.
   */
  restore(bytes: Uint8Array, source = 'checkpoint'): Checkpoint {
    const ck = loadCheckpoint(bytes, { source });
    const { checksum, ...config } = ck.config;
    if (checksum !== undefined) {
      const want = checksumOf(config, ck.optimizer, ck.tensors);
      if (checksum !== want) throw new CheckpointError(`${source}: checksum mismatch (stored ${String(checksum)}, contents give ${want}): the file is corrupt`);
    }
    const model = (ck.config as { model?: object }).model;
    if (!model) throw new CheckpointError(`${source}: no gateflow model config in its metadata`);
    try {
      // Directions and the projection shape the weights: absent means one direction and none, on both sides.
      const shape = (c: Partial<ModelConfig>) => ({ ...c, bidirectional: !!c.bidirectional, projSize: c.projSize ?? 0 });
      // Dropout, the batch layout and the precision change how a model runs, not its weights (f32 in every checkpoint).
      const { dropout: _d, batchFirst: _b, precision: _p, ...architecture } = shape(this.config);
      expectArchitecture({ config: shape(model) }, architecture);
    } catch (err) {
      throw new CheckpointError(`${source}: ${(err as Error).message}`);
    }
    let flat: Float32Array;
    try {
      flat = flatFromTensors(this.net.layout, ck.tensors);
    } catch (err) {
      throw new CheckpointError(`${source}: ${(err as Error).message}`);
    }
    const state = ck.optimizer ? this.optimizerState(ck.optimizer, source) : null;
    if (state) this.trainer.optimizer.importState(state);
    this.net.setFlatWeights(flat);
    return ck;
  }

  /** The model's architecture as a state_dict describes it (src/checkpoint/stateDict.ts). */
  get architecture(): RecurrentArchitecture {
    const c = this.config;
    return { cell: c.cell, inputSize: c.inputSize, hiddenSize: c.hiddenSize, numLayers: c.numLayers, bidirectional: !!c.bidirectional, projSize: c.projSize ?? 0, outputSize: c.outputSize };
  }

  /**
   * Loads weights only — a PyTorch state_dict (loadWeights) or a gateflow checkpoint's weights — and
   * keeps the optimizer and its state, whatever the optimizer. The file's architecture must be this
   * model's (a CheckpointError names each difference); a file without a head leaves this model's head
   * as it is. Everything is checked before anything is written.
   */
  async restoreWeights(weights: Uint8Array | StateDict, opts: LoadWeightsOptions = {}): Promise<StateDict> {
    const source = opts.source ?? 'weights';
    const sd = weights instanceof Uint8Array ? loadWeights(weights, opts) : weights;
    const { outputSize, ...recurrent } = this.architecture;
    expectArchitectureFits(sd, sd.architecture.outputSize ? { ...recurrent, outputSize } : recurrent, source);
    const current = sd.architecture.outputSize || !outputSize ? null : tensorsFromFlat(this.net.layout, await this.net.getFlatWeights());
    const tensors = current ? { ...sd.tensors, 'head.weight': current['head.weight']!, 'head.bias': current['head.bias']! } : sd.tensors;
    let flat: Float32Array;
    try {
      flat = flatFromTensors(this.net.layout, tensors);
    } catch (err) {
      throw new CheckpointError(`${source}: ${(err as Error).message}`);
    }
    this.net.setFlatWeights(flat);
    return sd;
  }

  /** The weights as a PyTorch state_dict in safetensors (saveWeights: `<cell>.*` and `head.*` names). */
  async exportWeights(): Promise<Uint8Array> {
    return saveWeights(this.architecture, await this.net.getFlatWeights());
  }

  /** The checkpoint's optimizer state as flat buffers, checked to be complete for this model and optimizer. */
  private optimizerState(o: NonNullable<Checkpoint['optimizer']>, source: string): OptimizerState {
    if (o.kind !== this.optimizer.kind) throw new CheckpointError(`${source}: optimizer is ${o.kind}, this session uses ${this.optimizer.kind}`);
    const tensors = this.net.layout.tensors();
    const names = [...new Set(Object.keys(o.state).map((key) => key.slice(0, Math.max(0, key.indexOf('.')))))].sort();
    const want = stateBufferNames(this.optimizer);
    if (names.join() !== want.join()) {
      throw new CheckpointError(`${source}: optimizer state has buffers [${names.join(', ')}], this ${this.optimizer.kind} optimizer needs [${want.join(', ')}]`);
    }
    const buffers: Record<string, Float32Array> = {};
    for (const buffer of want) {
      const flat = new Float32Array(this.net.layout.total);
      for (const { name, slice } of tensors) {
        const data = o.state[`${buffer}.${name}`];
        if (!data) throw new CheckpointError(`${source}: optimizer state "${buffer}.${name}" is missing`);
        if (data.length !== slice.length) throw new CheckpointError(`${source}: optimizer state "${buffer}.${name}" has ${data.length} values, the model needs ${slice.length}`);
        flat.set(data, slice.offset);
      }
      buffers[buffer] = flat;
    }
    const known = new Set(want.flatMap((b) => tensors.map((t) => `${b}.${t.name}`)));
    const extra = Object.keys(o.state).filter((k) => !known.has(k));
    if (extra.length > 0) throw new CheckpointError(`${source}: unexpected optimizer state ${extra.map((k) => `"${k}"`).join(', ')}`);
    if (o.step > 0xffffffff) throw new CheckpointError(`${source}: optimizer step ${o.step} is out of range`);
    return { step: o.step, buffers };
  }

  dispose(): void {
    this.trainer.dispose();
    this.net.dispose();
  }
}
