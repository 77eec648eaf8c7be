// What the harness needs of a contender: set weights, run a checked inference pass and training
// step (validation), then run steps to time. Every contender trains the same model — one LSTM layer,
// MSE on its outputs h, one optimizer step — on the same data, in its own parameterization.
import type { LayerParams } from '../src/config';
import type { Problem } from './problem';
import type { BenchConfig } from './configs';
import type { Gpu } from '../src/gpu/runtime';
import type { TfjsHandle } from './contenders/tfjs';

/** How the contender stores the LSTM's parameters, which decides what one SGD step changes. */
export type ParamStyle =
  /** PyTorch: weight_ih [4H,I], weight_hh [4H,H], bias_ih, bias_hh (both biases get −lr·db). */
  | 'torch'
  /** Keras: one bias b = b_ih + b_hh (gets −lr·db once); weights reported transposed back to [4H,·]. */
  | 'keras';

/** Parameters read back for validation, always with the weights in PyTorch orientation. */
export interface ParamsView {
  weightIh: ArrayLike<number>;
  weightHh: ArrayLike<number>;
  /** 'torch': biasIh and biasHh; 'keras': bias only. */
  biasIh?: ArrayLike<number>;
  biasHh?: ArrayLike<number>;
  bias?: ArrayLike<number>;
}

export type Update = 'sgd' | 'adam-clip';

export interface ContenderInstance {
  readonly paramStyle: ParamStyle;
  /** Loads weights (PyTorch layout) and resets any optimizer state. */
  setWeights(w: LayerParams): Promise<void>;
  /** One forward pass with the current weights; returns the outputs h, [T,B,H] time-major. */
  infer(): Promise<ArrayLike<number>>;
  /** One training step; returns its loss (read back). */
  trainStep(): Promise<number>;
  readParams(): Promise<ParamsView>;
  /** One training step to time: returns when the work is complete (no read-back needed). */
  timedTrainStep(): Promise<void>;
  /** One inference pass to time. */
  timedInfer(): Promise<void>;
  /** Dispatches (GPU kernel launches) of the last timed step / pass; null where not countable. */
  lastTrainDispatches(): number | null;
  lastInferDispatches(): number | null;
  /** GPU time of a training step from timestamp-query, median of `steps` extra steps; null without the feature. */
  gpuTrainMs?(steps: number): Promise<number | null>;
  /** Optional detail for the report (e.g. the strategy gateflow's scheduler chose). */
  describe?(): string;
  dispose(): Promise<void> | void;
}

/** What a contender may use from the run: the gateflow device, and a way to load TF.js (environment-specific). */
export interface ContenderContext {
  gpu?: Gpu;
  loadTfjs?: (backend: 'webgpu' | 'wasm') => Promise<TfjsHandle>;
  /**
   * The longest sequence TF.js WebGPU can run here without taking the process down, and why
   * (set by the Node CLI on CPU adapters, where its buffers are host mappings: see bench/NOTES.md).
   */
  tfjsWebgpuMaxT?: { T: number; why: string };
}

export interface Contender {
  readonly name: string;
  readonly update: Update;
  /** Short note for the report (e.g. how dispatches are counted). */
  readonly note?: string;
  /** The CPU reference is not timed where one step would take longer than the harness's limit. */
  readonly isCpuReference?: boolean;
  /** Its validation bound (default TOLERANCE, bench/validate.ts): looser for reduced precision. */
  readonly tolerance?: number;
  /** Null when it can run here (for this config, when given); otherwise why not (the row is reported as skipped). */
  unavailable?(ctx: ContenderContext, config?: BenchConfig): string | null;
  create(problem: Problem, ctx: ContenderContext): Promise<ContenderInstance>;
}
