// TensorFlow.js 4.x peers: one tf.layers.lstm (returnSequences, recurrentActivation 'sigmoid' so the
// math is gateflow's), MSE to the same target, tf.train.sgd, same B, T, I, H and the same weights.
// Keras layout: kernel [I,4H] = W_ihᵀ, recurrent_kernel [H,4H] = W_hhᵀ, gate order i, f, c, o (=
// PyTorch's i, f, g, o), one bias = b_ih + b_hh; inputs batch-major [B,T,·].
// This file imports no Node module: the environment (bench/node/tfjsNode.ts, or a page) loads TF.js
// and its backend and hands over a TfjsHandle.
import type * as TF from '@tensorflow/tfjs';
import type { LayerParams } from '../../src/config';
import type { Contender, ContenderContext, ContenderInstance, ParamsView } from '../contender';
import type { Problem } from '../problem';

export interface TfjsHandle {
  tf: typeof TF;
  backend: 'webgpu' | 'wasm';
  /** Waits until everything TF.js has queued is complete (GPU: flush + onSubmittedWorkDone). */
  flush(): Promise<void>;
  /** Dispatches since the last reset, or null where the backend does not dispatch GPU work. */
  dispatches(): number | null;
  resetDispatches(): void;
  /** Frees what the backend keeps pooled once a contender is done (after flush); optional. */
  releaseMemory?(): void;
  /** One line describing the backend's adapter, for the report. */
  describe(): string;
}

/** [n0,n1,n2] → [n1,n0,n2]: time-major ↔ batch-major. */
export function swap01(a: ArrayLike<number>, n0: number, n1: number, n2: number): Float32Array {
  const out = new Float32Array(n0 * n1 * n2);
  for (let i = 0; i < n0; i++) for (let j = 0; j < n1; j++) for (let k = 0; k < n2; k++) out[(j * n0 + i) * n2 + k] = a[(i * n1 + j) * n2 + k];
  return out;
}

/** A [rows, cols] row-major matrix transposed. */
export function transpose(a: ArrayLike<number>, rows: number, cols: number): Float32Array {
  const out = new Float32Array(rows * cols);
  for (let r = 0; r < rows; r++) for (let c = 0; c < cols; c++) out[c * rows + r] = a[r * cols + c];
  return out;
}

class TfjsInstance implements ContenderInstance {
  readonly paramStyle = 'keras' as const;
  private readonly layer: TF.layers.Layer;
  private readonly x: TF.Tensor3D;
  private readonly y: TF.Tensor3D;
  private readonly optimizer: TF.SGDOptimizer;
  private trainDispatches: number | null = null;
  private inferDispatches: number | null = null;

  constructor(private readonly h: TfjsHandle, private readonly problem: Problem) {
    const { tf } = h;
    const { B, T, I, H } = problem.config;
    // Zero initializers: the real weights are set before use (and the default orthogonal init is slow).
    this.layer = tf.layers.lstm({
      units: H, returnSequences: true, activation: 'tanh', recurrentActivation: 'sigmoid', unitForgetBias: false,
      kernelInitializer: 'zeros', recurrentInitializer: 'zeros', biasInitializer: 'zeros', inputShape: [T, I],
    });
    this.x = tf.tensor3d(swap01(problem.x, T, B, I), [B, T, I]);
    this.y = tf.tensor3d(swap01(problem.target, T, B, H), [B, T, H]);
    tf.tidy(() => this.layer.apply(this.x) as TF.Tensor); // builds the layer (creates its weights) so setWeights can fill them
    this.optimizer = tf.train.sgd(problem.lr);
  }

  async setWeights(w: LayerParams): Promise<void> {
    const { tf } = this.h;
    const { I, H } = this.problem.config;
    const bias = Float32Array.from(w.biasIh, (v, i) => v + w.biasHh[i]);
    const tensors = [tf.tensor2d(transpose(w.weightIh, 4 * H, I), [I, 4 * H]), tf.tensor2d(transpose(w.weightHh, 4 * H, H), [H, 4 * H]), tf.tensor1d(bias)];
    this.layer.setWeights(tensors);
    tensors.forEach((t) => t.dispose());
    await this.h.flush();
  }

  private variables(): TF.Variable[] {
    return this.layer.trainableWeights.map((w) => w.read() as TF.Variable);
  }

  private loss = (): TF.Scalar => this.h.tf.losses.meanSquaredError(this.y, this.layer.apply(this.x) as TF.Tensor) as TF.Scalar;

  private forward(): TF.Tensor {
    return this.h.tf.tidy(() => this.layer.apply(this.x) as TF.Tensor);
  }

  async infer(): Promise<Float32Array> {
    const { B, T, H } = this.problem.config;
    const out = this.forward();
    const data = await out.data();
    out.dispose();
    return swap01(data, B, T, H);
  }

  async trainStep(): Promise<number> {
    const cost = this.optimizer.minimize(this.loss, true, this.variables())!;
    const [loss] = await cost.data();
    cost.dispose();
    return loss;
  }

  async readParams(): Promise<ParamsView> {
    const { I, H } = this.problem.config;
    const [kernel, recurrent, bias] = await Promise.all(this.layer.getWeights().map((t) => t.data()));
    return { weightIh: transpose(kernel, I, 4 * H), weightHh: transpose(recurrent, H, 4 * H), bias };
  }

  async timedTrainStep(): Promise<void> {
    this.h.resetDispatches();
    const cost = this.optimizer.minimize(this.loss, false, this.variables());
    cost?.dispose();
    await this.h.flush();
    this.trainDispatches = this.h.dispatches();
  }

  async timedInfer(): Promise<void> {
    this.h.resetDispatches();
    const out = this.forward();
    await this.h.flush();
    this.inferDispatches = this.h.dispatches();
    out.dispose();
  }

  lastTrainDispatches(): number | null {
    return this.trainDispatches;
  }

  lastInferDispatches(): number | null {
    return this.inferDispatches;
  }

  async dispose(): Promise<void> {
    this.layer.dispose();
    this.x.dispose();
    this.y.dispose();
    this.optimizer.dispose();
    await this.h.flush();
    this.h.releaseMemory?.();
  }
}

function tfjsContender(backend: 'webgpu' | 'wasm'): Contender {
  const name = `tfjs-${backend}`;
  return {
    name,
    update: 'sgd',
    note: backend === 'webgpu' ? 'TF.js 4.22 tfjs-backend-webgpu on the same adapter; dispatches counted by wrapping the backend' : 'TF.js 4.22 tfjs-backend-wasm (SIMD), no GPU dispatches',
    unavailable(ctx, config) {
      if (!ctx.loadTfjs) return 'no TF.js loader in this environment';
      const max = backend === 'webgpu' ? ctx.tfjsWebgpuMaxT : undefined;
      return max && config && config.T > max.T ? max.why : null;
    },
    async create(problem: Problem, ctx: ContenderContext) {
      if (!ctx.loadTfjs) throw new Error(`${name}: no TF.js loader in this environment`);
      const h = await ctx.loadTfjs(backend);
      return new TfjsInstance(h, problem);
    },
  };
}

export const tfjsWebgpu = tfjsContender('webgpu');
export const tfjsWasm = tfjsContender('wasm');
