// `gateflow bench --sequence-options`: what two directions and per-row lengths cost, in gateflow and
// in TF.js (its Bidirectional wrapper and masking), on the same adapter in one run. For each shape:
// one training step (one LSTM layer, MSE on its outputs, SGD) with one direction over T steps, with
// two directions, with per-row lengths uniform over [T/4, T] (the loss counting the steps that
// exist), and with both. Each contender's first loss is checked against the CPU reference before it
// is timed (median of the timed steps, wall time, the step awaited).
// `gateflow bench --gru` runs the same machinery for one GRU layer in one direction: gateflow's GRU
// (PyTorch's form) against TF.js's GRU layer, which only has Keras's reset-before form (it refuses
// resetAfter), so TF.js is checked against a float64 reset-before forward of the same weights.
import type * as TF from '@tensorflow/tfjs';
import type { Gpu } from '../src/gpu/runtime';
import type { RecurrentConfig, LayerParams, CellKind } from '../src/config';
import { RecurrentNetwork } from '../src/model/recurrentNetwork';
import { TrainPlan } from '../src/scheduler/trainPlan';
import { writeBatch } from '../src/train/batch';
import { GpuOptimizer } from '../src/optim/gpuOptimizer';
import { modelLossAndGradients } from '../src/cpu/model';
import { Rng } from '../src/random';
import { measure, median } from './harness';
import type { BenchConfig } from './configs';
import { swap01, transpose, type TfjsHandle } from './contenders/tfjs';

/** One of the four runs of a shape. */
export interface SequenceVariant {
  bidirectional: boolean;
  lengths: boolean;
}

export const SEQUENCE_VARIANTS: readonly SequenceVariant[] = [
  { bidirectional: false, lengths: false },
  { bidirectional: true, lengths: false },
  { bidirectional: false, lengths: true },
  { bidirectional: true, lengths: true },
];

export const variantName = (v: SequenceVariant): string => (v.bidirectional ? (v.lengths ? 'bidirectional + lengths' : 'bidirectional') : v.lengths ? 'lengths' : 'one direction');

/** The gated cells this benchmark runs; rows per gate block: LSTM i, f, g, o; GRU r, z, n. */
export type SequenceCell = Extract<CellKind, 'lstm' | 'gru'>;
const gateCount = (cell: SequenceCell): number => (cell === 'gru' ? 3 : 4);

/** Weights, data, lengths, mask and the reference loss of one shape and variant (all f32 values). */
interface SequenceProblem {
  config: BenchConfig;
  variant: SequenceVariant;
  cfg: RecurrentConfig;
  /** Per direction, PyTorch layout. */
  weights: LayerParams[];
  x: Float32Array; // [T,B,I]
  target: Float32Array; // [T,B,D·H]
  lengths: Int32Array | null;
  /** [T,B,D·H]: 1 where a step exists. */
  mask: Float32Array;
  /** The CPU reference's first loss (PyTorch's cell). */
  loss: number;
  /** The first loss TF.js must reach: the same, but Keras's reset-before form for the GRU. */
  tfjsLoss: number;
}

function makeSequenceProblem(config: BenchConfig, variant: SequenceVariant, seed: number, cell: SequenceCell): SequenceProblem {
  const { B, T, I, H } = config;
  const D = variant.bidirectional ? 2 : 1;
  const G = gateCount(cell);
  const rng = new Rng(seed);
  const k = 1 / Math.sqrt(H);
  const weights = Array.from({ length: D }, () => ({
    weightIh: rng.uniformArray(G * H * I, -k, k),
    weightHh: rng.uniformArray(G * H * H, -k, k),
    biasIh: rng.uniformArray(G * H, -k, k),
    biasHh: rng.uniformArray(G * H, -k, k),
  }));
  const x = new Float32Array(rng.uniformArray(T * B * I, -1, 1));
  const target = new Float32Array(rng.uniformArray(T * B * D * H, -1, 1));
  const shortest = Math.max(1, Math.ceil(T / 4));
  const lengths = variant.lengths ? Int32Array.from({ length: B }, () => shortest + rng.int(T - shortest + 1)) : null;
  if (lengths) {
    // Inputs past a row's length are padding: zeros (what a padded batch holds).
    for (let t = 0; t < T; t++) for (let b = 0; b < B; b++) if (t >= lengths[b]) x.fill(0, (t * B + b) * I, (t * B + b + 1) * I);
  }
  const mask = new Float32Array(T * B * D * H).fill(1);
  if (lengths) for (let t = 0; t < T; t++) for (let b = 0; b < B; b++) if (t >= lengths[b]) mask.fill(0, (t * B + b) * D * H, (t * B + b + 1) * D * H);
  const cfg: RecurrentConfig = { cell, inputSize: I, hiddenSize: H, numLayers: 1, cellActivation: 'tanh', bidirectional: variant.bidirectional };
  const model = { cfg, outputSize: 0, headAt: 'all' as const, loss: 'mse' as const, layers: weights, headWeight: new Float64Array(0), headBias: new Float64Array(0) };
  const loss = modelLossAndGradients(model, { x, T, B, target, ...(lengths ? { lengths } : {}) }).loss;
  if (cell === 'gru' && (variant.bidirectional || lengths)) throw new RangeError('the GRU benchmark runs one direction without lengths (its TF.js check is a plain reset-before forward)');
  const tfjsLoss = cell === 'gru' ? resetBeforeGruLoss(config, weights[0]!, x, target) : loss;
  return { config, variant, cfg, weights, x, target, lengths, mask, loss, tfjsLoss };
}

const sigmoid = (v: number): number => 1 / (1 + Math.exp(-v));

/**
 * MSE of a GRU in Keras's reset-before form (what tf.layers.gru computes) on the same weights, one
 * direction, in float64: n = tanh(W_in x + b_in + b_hn + W_hn (r ⊙ h)); r, z and h' as PyTorch's.
 * It only validates the TF.js contender; gateflow is checked against the CPU reference.
 */
function resetBeforeGruLoss(config: BenchConfig, w: LayerParams, x: Float32Array, target: Float32Array): number {
  const { B, T, I, H } = config;
  let h = new Float64Array(B * H);
  let sum = 0;
  for (let t = 0; t < T; t++) {
    const next = new Float64Array(B * H);
    for (let b = 0; b < B; b++) {
      const xt = x.subarray((t * B + b) * I, (t * B + b + 1) * I);
      const hb = h.subarray(b * H, (b + 1) * H);
      const input = (row: number): number => {
        let a = w.biasIh[row]!;
        for (let i = 0; i < I; i++) a += w.weightIh[row * I + i]! * xt[i]!;
        return a;
      };
      const recurrent = (row: number, v: ArrayLike<number>): number => {
        let a = 0;
        for (let k = 0; k < H; k++) a += w.weightHh[row * H + k]! * v[k]!;
        return a;
      };
      const r = Float64Array.from({ length: H }, (_, j) => sigmoid(input(j) + w.biasHh[j]! + recurrent(j, hb)));
      const rh = Float64Array.from(hb, (v, j) => v * r[j]!);
      for (let j = 0; j < H; j++) {
        const z = sigmoid(input(H + j) + w.biasHh[H + j]! + recurrent(H + j, hb));
        const n = Math.tanh(input(2 * H + j) + w.biasHh[2 * H + j]! + recurrent(2 * H + j, rh));
        const hv = (1 - z) * n + z * hb[j]!;
        next[b * H + j] = hv;
        const d = hv - target[(t * B + b) * H + j]!;
        sum += d * d;
      }
    }
    h = next;
  }
  return sum / (T * B * H);
}

/** A contender's step on one problem: its first loss (validation) and a timed step. */
interface SequenceRunner {
  firstLoss(): Promise<number>;
  step(): Promise<void>;
  dispose(): void;
}

function gateflowRunner(gpu: Gpu, p: SequenceProblem): SequenceRunner {
  const { B, T, I, H } = p.config;
  const net = new RecurrentNetwork(gpu, { cell: p.cfg.cell, inputSize: I, hiddenSize: H, bidirectional: p.variant.bidirectional });
  net.setWeights(p.weights);
  const plan = new TrainPlan(gpu, net, T, B, 'mse', 'all', !!p.lengths, { withLengths: !!p.lengths });
  writeBatch(gpu, net, plan, { x: p.x, T, B, target: p.target, ...(p.lengths ? { lengths: p.lengths } : {}) });
  const optimizer = new GpuOptimizer(gpu, { params: net.params, grads: net.grads, count: net.layout.total, loss: { buffer: plan.loss } }, { kind: 'sgd', lr: 1e-3 });
  const encode = () => {
    const rec = gpu.recorder('sequence bench step');
    plan.encode(rec, optimizer);
    gpu.submit(rec);
  };
  return {
    async firstLoss() {
      encode();
      const [loss] = await gpu.read(plan.loss, 1);
      return loss;
    },
    async step() {
      encode();
      await gpu.device.queue.onSubmittedWorkDone();
    },
    dispose() {
      optimizer.dispose();
      plan.dispose();
      net.dispose();
    },
  };
}

/** PyTorch rows r, z, n (each H long) in Keras's order z, r, n, summing the two biases where Keras has one. */
function kerasGruWeights(w: LayerParams, I: number, H: number): { kernel: Float32Array; recurrent: Float32Array; bias: Float32Array } {
  const order = [1, 0, 2];
  const rows = (a: ArrayLike<number>, cols: number): Float32Array => {
    const out = new Float32Array(3 * H * cols);
    order.forEach((src, dst) => out.set(Array.from({ length: H * cols }, (_, i) => a[src * H * cols + i]!), dst * H * cols));
    return out;
  };
  const bias = rows(Float64Array.from(w.biasIh, (v, i) => v + w.biasHh[i]!), 1);
  return { kernel: transpose(rows(w.weightIh, I), 3 * H, I), recurrent: transpose(rows(w.weightHh, H), 3 * H, H), bias };
}

/**
 * TF.js: tf.layers.lstm (recurrentActivation sigmoid, so the math is gateflow's), wrapped in
 * tf.layers.bidirectional (mergeMode concat) for two directions; lengths as the layer's input mask.
 * Keras carries the last output through masked steps where PyTorch writes 0, so the loss is masked
 * to the steps that exist, as gateflow's is; the reverse direction starts at each row's last step
 * in both (masked steps at the end carry its initial state).
 */
function tfjsRunner(h: TfjsHandle, p: SequenceProblem): SequenceRunner {
  const { tf } = h;
  const { B, T, I, H } = p.config;
  const D = p.variant.bidirectional ? 2 : 1;
  const gru = p.cfg.cell === 'gru';
  const zeros = { kernelInitializer: 'zeros', recurrentInitializer: 'zeros', biasInitializer: 'zeros' } as const;
  const lstm = (goBackwards = false) => gru
    ? tf.layers.gru({ units: H, returnSequences: true, activation: 'tanh', recurrentActivation: 'sigmoid', ...zeros })
    : tf.layers.lstm({ units: H, returnSequences: true, activation: 'tanh', recurrentActivation: 'sigmoid', unitForgetBias: false, goBackwards, ...zeros });
  const layer: TF.layers.Layer = p.variant.bidirectional ? tf.layers.bidirectional({ layer: lstm() as TF.RNN, mergeMode: 'concat', inputShape: [T, I] }) : lstm();
  const x = tf.tensor3d(swap01(p.x, T, B, I), [B, T, I]);
  const y = tf.tensor3d(swap01(p.target, T, B, D * H), [B, T, D * H]);
  const weight = tf.tensor3d(swap01(p.mask, T, B, D * H), [B, T, D * H]);
  const maskRows = p.lengths ? tf.tensor2d(Array.from({ length: B * T }, (_, i) => (Math.floor(i % T) < p.lengths![Math.floor(i / T)] ? 1 : 0)), [B, T], 'bool') : null;
  const apply = () => (maskRows ? layer.apply(x, { mask: maskRows }) : layer.apply(x)) as TF.Tensor;
  tf.tidy(() => apply());
  // Keras layouts: kernel [I,G·H] = W_ihᵀ, recurrent_kernel [H,G·H] = W_hhᵀ, one bias (b_ih + b_hh).
  const tensors = p.weights.flatMap((w): TF.Tensor[] => {
    const k = gru
      ? kerasGruWeights(w, I, H)
      : { kernel: transpose(w.weightIh, 4 * H, I), recurrent: transpose(w.weightHh, 4 * H, H), bias: Float32Array.from(w.biasIh, (v, i) => v + w.biasHh[i]!) };
    const G = gru ? 3 : 4;
    return [tf.tensor2d(k.kernel, [I, G * H]), tf.tensor2d(k.recurrent, [H, G * H]), tf.tensor1d(k.bias)];
  });
  layer.setWeights(tensors);
  tensors.forEach((t) => t.dispose());
  const count = p.mask.reduce((a, m) => a + m, 0);
  // Σ mask·(out − y)² / Σ mask: the mean over the counted elements, as gateflow's masked MSE.
  const loss = () => tf.tidy(() => tf.div(tf.sum(tf.mul(weight, tf.squaredDifference(apply(), y))), count)) as TF.Scalar;
  const optimizer = tf.train.sgd(1e-3);
  const variables = () => layer.trainableWeights.map((w) => w.read() as TF.Variable);
  return {
    async firstLoss() {
      const cost = optimizer.minimize(loss, true, variables())!;
      const [value] = await cost.data();
      cost.dispose();
      return value;
    },
    async step() {
      optimizer.minimize(loss, false, variables())?.dispose();
      await h.flush();
    },
    dispose() {
      [x, y, weight, maskRows].forEach((t) => t?.dispose());
      layer.dispose();
      optimizer.dispose();
    },
  };
}

export interface SequenceRow {
  config: BenchConfig;
  variant: string;
  contender: string;
  /** |first loss − reference| / |reference|; null where it did not run. */
  lossErr: number | null;
  ms: number | null;
  note?: string;
}

export interface SequenceBenchOptions {
  warmup: number;
  repeats: number;
  budgetMs: number;
  seed: number;
  loadTfjs?: (backend: 'webgpu' | 'wasm') => Promise<TfjsHandle>;
  /** Which TF.js backends run (with loadTfjs); default both. */
  tfjsBackends?: readonly ('webgpu' | 'wasm')[];
  /** The cell (default 'lstm'); the GRU runs one direction without lengths. */
  cell?: SequenceCell;
  /** Which runs of each shape (default all four). */
  variants?: readonly SequenceVariant[];
}

/** Validated within this relative error of the reference's first loss (f32 against float64). */
export const SEQUENCE_LOSS_TOLERANCE = 1e-3;

export async function runSequenceBench(gpu: Gpu, configs: readonly BenchConfig[], o: SequenceBenchOptions, log: (line: string) => void): Promise<SequenceRow[]> {
  const rows: SequenceRow[] = [];
  const contenders: { name: string; make: (p: SequenceProblem) => Promise<SequenceRunner>; expected: (p: SequenceProblem) => number }[] = [
    { name: 'gateflow-webgpu', make: async (p) => gateflowRunner(gpu, p), expected: (p) => p.loss },
  ];
  if (o.loadTfjs) {
    for (const backend of o.tfjsBackends ?? (['webgpu', 'wasm'] as const)) contenders.push({ name: `tfjs-${backend}`, make: async (p) => tfjsRunner(await o.loadTfjs!(backend), p), expected: (p) => p.tfjsLoss });
  }
  const cell = o.cell ?? 'lstm';
  for (const config of configs) {
    for (const variant of o.variants ?? SEQUENCE_VARIANTS) {
      const p = makeSequenceProblem(config, variant, o.seed, cell);
      for (const c of contenders) {
        const row: SequenceRow = { config, variant: variantName(variant), contender: c.name, lossErr: null, ms: null };
        let runner: SequenceRunner | null = null;
        try {
          runner = await c.make(p);
          const first = await runner.firstLoss();
          const expected = c.expected(p);
          row.lossErr = Math.abs(first - expected) / Math.abs(expected);
          if (!(row.lossErr <= SEQUENCE_LOSS_TOLERANCE)) {
            row.note = `first loss ${first} against the reference's ${expected}: not timed`;
          } else {
            const r = runner;
            row.ms = median(await measure(() => r.step(), o.warmup, o.repeats, o.budgetMs));
          }
        } catch (err) {
          row.note = (err as Error).message.split('\n')[0];
        } finally {
          runner?.dispose();
        }
        log(`${configLabel(config)} ${row.variant.padEnd(24)} ${c.name.padEnd(16)} ${row.ms === null ? `— ${row.note ?? ''}` : `${row.ms.toFixed(2)} ms (loss error ${row.lossErr!.toExponential(1)})`}`);
        rows.push(row);
      }
    }
  }
  return rows;
}

const configLabel = (c: BenchConfig): string => `B${c.B}/T${c.T}/I${c.I}/H${c.H}`;

/** The rows as a Markdown table, with each contender's cost of two directions and of lengths. */
export function formatSequenceBench(rows: readonly SequenceRow[]): string {
  const out = ['| shape | run | contender | ms / step | vs one direction | gateflow speed-up |', '|---|---|---|---|---|---|'];
  for (const r of rows) {
    const base = rows.find((o) => o.config === r.config && o.contender === r.contender && o.variant === 'one direction');
    const own = rows.find((o) => o.config === r.config && o.variant === r.variant && o.contender === 'gateflow-webgpu');
    const rel = r.ms !== null && base?.ms ? `${(r.ms / base.ms).toFixed(2)}×` : '—';
    const speedup = r.contender !== 'gateflow-webgpu' && r.ms !== null && own?.ms ? `${(r.ms / own.ms).toFixed(1)}×` : '';
    out.push(`| ${configLabel(r.config)} | ${r.variant} | ${r.contender} | ${r.ms === null ? `— ${r.note ?? ''}` : r.ms.toFixed(2)} | ${rel} | ${speedup} |`);
  }
  return out.join('\n') + '\n';
}
