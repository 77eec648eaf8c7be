// One benchmark problem per configuration: weights, data and target from a seed, and the CPU
// reference's answers that every contender is validated against before it is timed (llm.c style).
// Legend: B batch, T time, I input, H hidden; gate order i, f, g, o (PyTorch's); sequences time-major.
import type { BenchConfig } from './configs';
import type { LayerParams, RecurrentConfig } from '../src/config';
import { modelLossAndGradients, type CpuModel } from '../src/cpu/model';
import { recurrentForward } from '../src/cpu/recurrent';
import { adamInit, adamStep, clipGradNorm, sgdInit, sgdStep } from '../src/cpu/optim';
import { Rng } from '../src/random';

/** Adam + global-norm clipping of the `-adam-clip` rows (PyTorch defaults otherwise). */
export interface AdamClipSettings {
  lr: number;
  beta1: number;
  beta2: number;
  eps: number;
  /** Half the reference gradient norm, so the validated step really clips. */
  clipNorm: number;
}

export interface Problem {
  config: BenchConfig;
  seed: number;
  cfg: RecurrentConfig;
  /** Initial weights, PyTorch layout, values rounded to f32 so every contender starts from the same numbers. */
  weights: LayerParams;
  /** [T,B,I] time-major. */
  x: Float32Array;
  /** [T,B,H] time-major: the MSE target for the LSTM's outputs h. */
  target: Float32Array;
  /** SGD learning rate: chosen so one step moves the weights by ~1% of their norm (f32-rounded). */
  lr: number;
  adam: AdamClipSettings;
}

export interface Reference {
  /** [T,B,H]: the outputs h of a forward pass with the initial weights (the inference check). */
  output: Float64Array;
  /** MSE of the first training step. */
  loss: number;
  /** dL/dθ at the initial weights (bias_ih and bias_hh get the same gradient). */
  grads: LayerParams;
  /** The weights after one SGD step. */
  sgd: LayerParams;
  /** The weights after one clipped Adam step. */
  adamClip: LayerParams;
  /** Wall time of one reference training step (forward, loss, BPTT, SGD), ms. */
  trainMs: number;
}

const f32 = Math.fround;
const asList = (p: LayerParams): Float64Array[] => [p.weightIh, p.weightHh, p.biasIh, p.biasHh];
const fromList = ([weightIh, weightHh, biasIh, biasHh]: Float64Array[]): LayerParams => ({ weightIh, weightHh, biasIh, biasHh });
const copy = (p: LayerParams): LayerParams => fromList(asList(p).map((a) => a.slice()));

function norm(arrays: ArrayLike<number>[]): number {
  let s = 0;
  for (const a of arrays) for (let i = 0; i < a.length; i++) s += a[i] * a[i];
  return Math.sqrt(s);
}

/** Weights like PyTorch's init (uniform ±1/√H), x and target uniform in [−1, 1); all f32 values. */
export function makeProblem(config: BenchConfig, seed: number): Omit<Problem, 'lr' | 'adam'> {
  const { B, T, I, H } = config;
  const rng = new Rng(seed);
  const k = 1 / Math.sqrt(H);
  const weights: LayerParams = {
    weightIh: rng.uniformArray(4 * H * I, -k, k),
    weightHh: rng.uniformArray(4 * H * H, -k, k),
    biasIh: rng.uniformArray(4 * H, -k, k),
    biasHh: rng.uniformArray(4 * H, -k, k),
  };
  const x = new Float32Array(rng.uniformArray(T * B * I, -1, 1));
  const target = new Float32Array(rng.uniformArray(T * B * H, -1, 1));
  const cfg: RecurrentConfig = { cell: 'lstm', inputSize: I, hiddenSize: H, numLayers: 1, cellActivation: 'tanh' };
  return { config, seed, cfg, weights, x, target };
}

/** The CPU model of a problem (no head: MSE on h at every step). */
export function cpuModel(p: Pick<Problem, 'cfg' | 'weights'>, weights: LayerParams = p.weights): CpuModel {
  return { cfg: p.cfg, outputSize: 0, headAt: 'all', loss: 'mse', layers: [weights], headWeight: new Float64Array(0), headBias: new Float64Array(0) };
}

/** One reference training step (forward, MSE, BPTT, SGD) on `weights`, updated in place. */
export function referenceTrainStep(p: Problem, weights: LayerParams): { loss: number; grads: LayerParams } {
  const { T, B } = p.config;
  const r = modelLossAndGradients(cpuModel(p, weights), { x: p.x, T, B, target: p.target });
  const params = asList(weights);
  sgdStep(params, asList(r.layers[0]), sgdInit(params), { lr: p.lr, momentum: 0, weightDecay: 0 });
  return { loss: r.loss, grads: r.layers[0] };
}

/** The reference forward pass: outputs h [T,B,H]. */
export function referenceInfer(p: Pick<Problem, 'cfg' | 'config' | 'x'>, weights: LayerParams): Float64Array {
  const { T, B } = p.config;
  return recurrentForward(p.cfg, [weights], Float64Array.from(p.x), T, B).output;
}

/** Builds the problem and runs the CPU reference once (its time is the CPU contender's estimate). */
export function buildProblem(config: BenchConfig, seed: number): { problem: Problem; reference: Reference } {
  const base = makeProblem(config, seed);
  const output = referenceInfer(base, base.weights);
  const t0 = performance.now();
  const { T, B } = config;
  const r = modelLossAndGradients(cpuModel(base), { x: base.x, T, B, target: base.target });
  const grads = r.layers[0];
  const gNorm = norm(asList(grads));
  const lr = f32(gNorm > 0 ? (0.01 * norm(asList(base.weights))) / gNorm : 0.1);
  const sgd = copy(base.weights);
  sgdStep(asList(sgd), asList(grads), sgdInit(asList(sgd)), { lr, momentum: 0, weightDecay: 0 });
  const trainMs = performance.now() - t0;

  const adam: AdamClipSettings = { lr: 1e-3, beta1: 0.9, beta2: 0.999, eps: 1e-8, clipNorm: f32(Math.max(0.5 * gNorm, 1e-12)) };
  const adamClip = copy(base.weights);
  const clipped = asList(grads).map((g) => g.slice());
  clipGradNorm(clipped, adam.clipNorm);
  adamStep(asList(adamClip), clipped, adamInit(asList(adamClip)), { lr: adam.lr, beta1: adam.beta1, beta2: adam.beta2, eps: adam.eps, weightDecay: 0 });

  return { problem: { ...base, lr, adam }, reference: { output, loss: r.loss, grads, sgd, adamClip, trainMs } };
}
