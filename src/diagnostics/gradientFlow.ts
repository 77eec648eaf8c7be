import forgetProductWgsl from '../../shaders/forget_product.wgsl?raw';
import flowStatsWgsl from '../../shaders/flow_stats.wgsl?raw';
import type { Gpu } from '../gpu/runtime';
import type { RecurrentNetwork } from '../model/recurrentNetwork';
import { SteppedKernel } from '../kernels/stepped';
import { ACTIVATION_CONSTANTS, ACTIVATIONS_WGSL, activationConstant } from '../kernels/activations';
import { defineKernel } from '../kernels/kernel';
import { TrainPlan, type LossKind } from '../scheduler/trainPlan';
import type { RecurrentPlan } from '../scheduler/recurrentPlan';
import type { Recorder } from '../gpu/recorder';
import { STATS_STRIDE, unpackLayerFlow, type LayerFlow } from './flowStats';
import { writeBatch, type Batch } from '../train/batch';
import { directions, type CellKind } from '../config';
import { LENGTHS_BINDING, SEQUENCE_PLACE_WGSL } from '../kernels/sequencePlace';

const WG = 64; // invocations per workgroup of the two diagnostic kernels

const DIMS = { name: 'Dims', fields: [['T', 'u32', ''], ['D', 'u32', 'directions'], ['B', 'u32', ''], ['H', 'u32', '']] } as const;

export const FORGET_PRODUCT = defineKernel({
  name: 'forget_product',
  code: [ACTIVATIONS_WGSL, SEQUENCE_PLACE_WGSL, forgetProductWgsl],
  storage: {
    prod: { access: 'read_write', doc: '[D][T,B,H] running forget-gate products' },
    direct: { access: 'read_write', doc: '[D][T,B,H] direct-path diagonal' },
    gates: { access: 'read', doc: '[T,B,D·4H] activated i, f, g, o' },
    c: { access: 'read', doc: '[D][T+1,B,H] cell states (sequence_place.wgsl: the slots)' },
    lengths: LENGTHS_BINDING,
  },
  uniform: { name: 'dims', struct: DIMS },
  // IS_GRU: the walk over the GRU's update gate, with no output gate (c is then not read).
  constants: { WG, IS_GRU: 0, ...ACTIVATION_CONSTANTS },
});

export const FLOW_STATS = defineKernel({
  name: 'flow_stats',
  code: [ACTIVATIONS_WGSL, SEQUENCE_PLACE_WGSL, flowStatsWgsl],
  storage: {
    results: { access: 'read_write', doc: 'records and per-sample norms in one buffer (one read-back brings both)' },
    ds: { access: 'read', doc: '[D][T,B,H] (RNN: dhTotal)' },
    dhTotal: { access: 'read', doc: '[D][T,B,H]' },
    gates: { access: 'read', doc: 'LSTM [T,B,D·4H]; RNN: h [D][T+1,B,H]' },
    prod: { access: 'read', doc: 'LSTM [D][T,B,H] forget products' },
    direct: { access: 'read', doc: 'LSTM [D][T,B,H] direct-path diagonal' },
    params: { access: 'read', doc: 'the flat parameters' },
    lengths: LENGTHS_BINDING,
  },
  uniform: {
    name: 'dims',
    struct: {
      name: 'Dims',
      fields: [
        ...DIMS.fields,
        ['offWhh', 'u32', 'the first direction\'s W_hh inside params'],
        ['whhStride', 'u32', 'floats from one direction\'s W_hh to the next\'s'],
        ['offStats', 'u32', "this layer's records inside results (its directions' one after the other)"],
        ['offSamples', 'u32', "this layer's per-sample norms inside results (likewise)"],
      ],
    },
  },
  consts: { STATS_STRIDE },
  constants: { WG, GATED: 1, ...ACTIVATION_CONSTANTS },
});

/** Where the loss is taken for gradientFlow, and whether to return per-sample norms. */
export interface FlowOptions {
  /** 'last': the loss of the final step only (the article's L_t); 'all': a loss at every step. */
  lossAt?: 'last' | 'all';
  loss: LossKind;
  /** Also return per-sample norms [k][b]. */
  perSample?: boolean;
}

/** Per layer (and direction) and time step, the gradient-flow statistics of one batch (gradientFlow). */
export interface FlowResult {
  cell: CellKind;
  seqLen: number;
  lossAt: 'last' | 'all';
  loss: number;
  /** 1, or 2 for a bidirectional network. */
  directions: number;
  /** Index layer·directions + direction; each in time order, its "last step" that of its direction's forward order (T−1 forward, 0 reverse). */
  layers: LayerFlow[];
}

/** Flow statistics recorded after a backward sweep; `read()` is the one read-back. */
export interface RecordedFlow {
  /** The statistics, and the loss when a loss buffer was given (NaN otherwise). */
  read(perSample: boolean): Promise<{ layers: LayerFlow[]; loss: number }>;
  dispose(): void;
}

/**
 * Records the flow-statistics kernels for every layer of `plan` into `rec`, after its backward pass:
 * the running forget-gate product (a backward product of diagonal Jacobians) and one reduction per
 * time step over the per-step ds, dh that BPTT already stored. Dispatches: 2 per LSTM layer, 1 per RNN layer.
 */
export function recordFlow(gpu: Gpu, net: RecurrentNetwork, plan: RecurrentPlan, rec: Recorder, loss?: GPUBuffer): RecordedFlow {
  // Its kernels read the saved gates as f32: the diagnostics measure the f32 model.
  if (plan.precision !== 'f32') throw new RangeError(`gradient flow runs on networks of precision 'f32', not '${plan.precision}'`);
  const { T, B } = plan;
  const { hiddenSize: H, numLayers: L, cell, cellActivation } = net.cfg;
  const D = directions(net.cfg);
  const lstm = cell === 'lstm';
  const gated = lstm || cell === 'gru';
  const owned: GPUBuffer[] = [];
  const kernels: SteppedKernel[] = [];
  const dispose = () => {
    for (const k of kernels) k.dispose();
    for (const b of owned) gpu.pool.release(b);
    kernels.length = 0;
    owned.length = 0;
  };
  try {
    const statsFloats = L * D * T * STATS_STRIDE;
    const sampleFloats = L * D * T * B * 2;
    // Stats and per-sample norms share one buffer so that one copy brings both back.
    const results = gpu.storage(statsFloats + sampleFloats + 1, 'flow results');
    owned.push(results);
    for (let l = 0; l < L; l++) {
      const layer = plan.layers[l];
      let prod = layer.dhTotal!;
      let direct = layer.dhTotal!;
      if (gated) {
        prod = gpu.storage(D * T * B * H, `forget product l${l}`);
        direct = gpu.storage(D * T * B * H, `direct path l${l}`);
        owned.push(prod, direct);
        const k = new SteppedKernel(gpu, {
          kernel: FORGET_PRODUCT, constants: { IS_GRU: lstm ? 0 : 1, ...activationConstant(cellActivation) },
          // The GRU has no c: h stands in for the binding, never read.
          buffers: { prod, direct, gates: layer.gates!, c: layer.c ?? layer.h, lengths: plan.lengths }, variants: [{ T, D, B, H }],
          grid: [Math.ceil((B * H) / WG), 1, D], label: `forget product l${l}`,
        });
        kernels.push(k);
        k.record(rec, 0);
      }
      const offWhh = net.layout.layers[l * D].weightHh.offset;
      const whhStride = D > 1 ? net.layout.layers[l * D + 1].weightHh.offset - offWhh : 0;
      const k = new SteppedKernel(gpu, {
        kernel: FLOW_STATS,
        constants: { GATED: gated ? 1 : 0, ...activationConstant(cellActivation) },
        buffers: { results, ds: lstm ? layer.ds! : layer.dhTotal!, dhTotal: layer.dhTotal!, gates: gated ? layer.gates! : layer.h, prod, direct, params: net.params, lengths: plan.lengths },
        variants: [{ T, D, B, H, offWhh, whhStride, offStats: l * D * T * STATS_STRIDE, offSamples: statsFloats + l * D * T * B * 2 }],
        grid: [Math.ceil(T / WG), 1, D], label: `flow stats l${l}`,
      });
      kernels.push(k);
      k.record(rec, 0);
    }
    if (loss) rec.copy(loss, 0, results, (statsFloats + sampleFloats) * 4, 4);
    return {
      async read(perSample: boolean) {
        const out = await gpu.read(results, statsFloats + sampleFloats + 1);
        const layers = Array.from({ length: L * D }, (_, k) =>
          unpackLayerFlow(
            out.subarray(k * T * STATS_STRIDE, (k + 1) * T * STATS_STRIDE),
            perSample ? out.subarray(statsFloats + k * T * B * 2, statsFloats + (k + 1) * T * B * 2) : null,
            T, B, cell,
          ),
        );
        return { layers, loss: loss ? out[statsFloats + sampleFloats] : Number.NaN };
      },
      dispose,
    };
  } catch (err) {
    dispose();
    throw err;
  }
}

/**
 * Runs forward + backward of `net` (with its head and loss) on one batch and measures, per layer and
 * time step, how the gradient flows back (see LayerFlow). Computed on the GPU after the backward
 * sweep; read back once at the end. The weights are not changed (the gradient buffer is overwritten).
 */
export async function gradientFlow(gpu: Gpu, net: RecurrentNetwork, batch: Batch, opts: FlowOptions): Promise<FlowResult> {
  const lossAt = opts.lossAt ?? 'last';
  if (net.cfg.projSize) throw new RangeError('gradientFlow: the flow of an LSTM with a projection is not measured yet');
  if (batch.lengths) throw new RangeError('gradientFlow: batches with per-row lengths are not measured yet');
  const plan = new TrainPlan(gpu, net, batch.T, batch.B, opts.loss, lossAt, !!batch.mask);
  let flow: RecordedFlow | null = null;
  try {
    writeBatch(gpu, net, plan, batch);
    const rec = gpu.recorder('gradient flow');
    plan.encode(rec);
    flow = recordFlow(gpu, net, plan.recurrent, rec, plan.loss);
    gpu.submit(rec);
    const { layers, loss } = await flow.read(!!opts.perSample);
    return { cell: net.cfg.cell, seqLen: batch.T, lossAt, loss, directions: directions(net.cfg), layers };
  } finally {
    flow?.dispose();
    plan.dispose();
  }
}
