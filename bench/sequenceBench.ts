// `gateflow bench --sequence-options`: what two directions and per-row lengths cost, in gateflow and
// in TF.js (its Bidirectional wrapper and masking), on the same adapter in one run. For each shape:
// one training step (one LSTM layer, MSE on its outputs, SGD) with one direction over T steps, with
// two directions, with per-row lengths uniform over [T/4, T] (the loss counting the steps that
// exist), and with both. Each contender's first loss is checked against the CPU reference before it
// is timed (median of the timed steps, wall time, the step awaited).
import type * as TF from '@tensorflow/tfjs';
import type { Gpu } from '../src/gpu/runtime';
import type { RecurrentConfig, LayerParams } from '../src/config';
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
  loss: number;
}

function makeSequenceProblem(config: BenchConfig, variant: SequenceVariant, seed: number): SequenceProblem {
  const { B, T, I, H } = config;
  const D = variant.bidirectional ? 2 : 1;
  const rng = new Rng(seed);
  const k = 1 / Math.sqrt(H);
  const weights = Array.from({ length: D }, () => ({
    weightIh: rng.uniformArray(4 * H * I, -k, k),
    weightHh: rng.uniformArray(4 * H * H, -k, k),
    biasIh: rng.uniformArray(4 * H, -k, k),
    biasHh: rng.uniformArray(4 * H, -k, k),
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
  const cfg: RecurrentConfig = { cell: 'lstm', inputSize: I, hiddenSize: H, numLayers: 1, cellActivation: 'tanh', bidirectional: variant.bidirectional };
  const model = { cfg, outputSize: 0, headAt: 'all' as const, loss: 'mse' as const, layers: weights, headWeight: new Float64Array(0), headBias: new Float64Array(0) };
  const loss = modelLossAndGradients(model, { x, T, B, target, ...(lengths ? { lengths } : {}) }).loss;
  return { config, variant, cfg, weights, x, target, lengths, mask, loss };
}

/** A contender's step on one problem: its first loss (validation) and a timed step. */
interface SequenceRunner {
  firstLoss(): Promise<number>;
  step(): Promise<void>;
  dispose(): void;
}

function gateflowRunner(gpu: Gpu, p: SequenceProblem): SequenceRunner {
  const { B, T, I, H } = p.config;
  const net = new RecurrentNetwork(gpu, { cell: 'lstm', inputSize: I, hiddenSize: H, bidirectional: p.variant.bidirectional });
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
  const lstm = (goBackwards = false) => tf.layers.lstm({
    units: H, returnSequences: true, activation: 'tanh', recurrentActivation: 'sigmoid', unitForgetBias: false, goBackwards,
    kernelInitializer: 'zeros', recurrentInitializer: 'zeros', biasInitializer: 'zeros',
  });
  const layer: TF.layers.Layer = p.variant.bidirectional ? tf.layers.bidirectional({ layer: lstm() as TF.RNN, mergeMode: 'concat', inputShape: [T, I] }) : lstm();
  const x = tf.tensor3d(swap01(p.x, T, B, I), [B, T, I]);
  const y = tf.tensor3d(swap01(p.target, T, B, D * H), [B, T, D * H]);
  const weight = tf.tensor3d(swap01(p.mask, T, B, D * H), [B, T, D * H]);
  const maskRows = p.lengths ? tf.tensor2d(Array.from({ length: B * T }, (_, i) => (Math.floor(i % T) < p.lengths![Math.floor(i / T)] ? 1 : 0)), [B, T], 'bool') : null;
  const apply = () => (maskRows ? layer.apply(x, { mask: maskRows }) : layer.apply(x)) as TF.Tensor;
  tf.tidy(() => apply());
  const tensors = p.weights.flatMap((w) => [
    tf.tensor2d(transpose(w.weightIh, 4 * H, I), [I, 4 * H]),
    tf.tensor2d(transpose(w.weightHh, 4 * H, H), [H, 4 * H]),
    tf.tensor1d(Float32Array.from(w.biasIh, (v, i) => v + w.biasHh[i])),
  ]);
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
}

/** Validated within this relative error of the reference's first loss (f32 against float64). */
export const SEQUENCE_LOSS_TOLERANCE = 1e-3;

export async function runSequenceBench(gpu: Gpu, configs: readonly BenchConfig[], o: SequenceBenchOptions, log: (line: string) => void): Promise<SequenceRow[]> {
  const rows: SequenceRow[] = [];
  const contenders: { name: string; make: (p: SequenceProblem) => Promise<SequenceRunner> }[] = [
    { name: 'gateflow-webgpu', make: async (p) => gateflowRunner(gpu, p) },
  ];
  if (o.loadTfjs) {
    for (const backend of o.tfjsBackends ?? (['webgpu', 'wasm'] as const)) contenders.push({ name: `tfjs-${backend}`, make: async (p) => tfjsRunner(await o.loadTfjs!(backend), p) });
  }
  for (const config of configs) {
    for (const variant of SEQUENCE_VARIANTS) {
      const p = makeSequenceProblem(config, variant, o.seed);
      for (const c of contenders) {
        const row: SequenceRow = { config, variant: variantName(variant), contender: c.name, lossErr: null, ms: null };
        let runner: SequenceRunner | null = null;
        try {
          runner = await c.make(p);
          const first = await runner.firstLoss();
          row.lossErr = Math.abs(first - p.loss) / Math.abs(p.loss);
          if (!(row.lossErr <= SEQUENCE_LOSS_TOLERANCE)) {
            row.note = `first loss ${first} against the reference's ${p.loss}: not timed`;
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
