import type { CpuModel } from '../../src/cpu/model';
import { directions, gatesPerCell, layerInputSize, outputWidth, type CellActivation, type CellKind, type LayerParams, type RecurrentConfig } from '../../src/config';
import type { RecurrentNetwork } from '../../src/model/recurrentNetwork';
import type { Rng } from '../../src/random';

export interface ModelSpec {
  cell: CellKind;
  act?: CellActivation;
  I: number;
  H: number;
  L: number;
  /** 0: no head. */
  O: number;
  headAt: 'all' | 'last';
  loss: 'mse' | 'crossentropy';
  /** Multiplies every weight of the recurrent layers. */
  scale?: number;
  bidirectional?: boolean;
  projSize?: number;
}

/**
 * PyTorch's default init, uniform(±1/√H), rounded to f32, for every layer; `scale` multiplies every
 * tensor and `inputScale` W_ih on top (large values saturate the gates).
 */
export function randomLayerParams(rng: Rng, cfg: RecurrentConfig, opts: { scale?: number; inputScale?: number } = {}): LayerParams[] {
  const GH = gatesPerCell(cfg.cell) * cfg.hiddenSize;
  const k = (opts.scale ?? 1) / Math.sqrt(cfg.hiddenSize);
  const ki = k * (opts.inputScale ?? 1);
  // One entry per (layer, direction), index layer·D + direction.
  return Array.from({ length: cfg.numLayers * directions(cfg) }, (_, n) => ({
    weightIh: rng.uniformArray(GH * layerInputSize(cfg, Math.floor(n / directions(cfg))), -ki, ki),
    weightHh: rng.uniformArray(GH * outputWidth(cfg), -k, k),
    biasIh: rng.uniformArray(GH, -k, k),
    biasHh: rng.uniformArray(GH, -k, k),
    ...(cfg.projSize ? { weightHr: rng.uniformArray(cfg.projSize * cfg.hiddenSize, -k, k) } : {}),
  }));
}

/** A CPU model with PyTorch-style uniform(±scale/√H) weights, rounded to f32. */
export function randomCpuModel(rng: Rng, s: ModelSpec): CpuModel {
  const cfg: RecurrentConfig = { cell: s.cell, inputSize: s.I, hiddenSize: s.H, numLayers: s.L, cellActivation: s.act ?? 'tanh', ...(s.bidirectional ? { bidirectional: true } : {}), ...(s.projSize ? { projSize: s.projSize } : {}) };
  const W = directions(cfg) * outputWidth(cfg); // the head's fan-in
  return {
    cfg, outputSize: s.O, headAt: s.headAt, loss: s.loss,
    layers: randomLayerParams(rng, cfg, { scale: s.scale }),
    headWeight: rng.uniformArray(s.O * W, -1 / Math.sqrt(W), 1 / Math.sqrt(W)),
    headBias: rng.uniformArray(s.O, -1 / Math.sqrt(W), 1 / Math.sqrt(W)),
  };
}

/** The CPU model's weights in the network's flat layout. */
export function flatWeights(net: RecurrentNetwork, model: CpuModel): Float32Array {
  const flat = new Float32Array(net.layout.total);
  flat.set(net.layout.pack(model.layers));
  if (net.layout.head) {
    flat.set(model.headWeight, net.layout.head.weight.offset);
    flat.set(model.headBias, net.layout.head.bias.offset);
  }
  return flat;
}

/** Random targets (and an optional mask) for the head's N rows. */
export function randomTargets(rng: Rng, model: CpuModel, T: number, B: number, withMask: boolean): { target: Float32Array | Int32Array; mask?: Float32Array } {
  const N = model.headAt === 'all' ? T * B : B;
  const O = model.outputSize || directions(model.cfg) * outputWidth(model.cfg);
  const target = model.loss === 'mse' ? new Float32Array(rng.uniformArray(N * O, -1, 1)) : Int32Array.from({ length: N }, () => rng.int(O));
  if (!withMask) return { target };
  const count = model.loss === 'mse' ? N * O : N;
  return { target, mask: Float32Array.from({ length: count }, (_, i) => (i === 0 || rng.next() < 0.7 ? 1 : 0)) };
}

/** A network with PyTorch's sequence options and one batch's shape, for the GPU-vs-reference tests. */
export interface SequenceCase {
  cell: CellKind;
  I: number;
  H: number;
  L: number;
  T: number;
  B: number;
  bidirectional?: boolean;
  /** Random per-row lengths in [1, T], unsorted, the last row of length 1. */
  lengths?: boolean;
  /** LSTM projection size (0 or absent: none). */
  projSize?: number;
  /** Only in the long run (GATEFLOW_LONG=1): each case compiles its own modules. */
  long?: boolean;
}

export const sequenceCaseLabel = (c: SequenceCase): string =>
  `${c.cell} I=${c.I} H=${c.H} L=${c.L} T=${c.T} B=${c.B}${c.bidirectional ? ' bidirectional' : ''}${c.lengths ? ' lengths' : ''}${c.projSize ? ` projSize ${c.projSize}` : ''}`;

/** Random weights, inputs, initial states, lengths and output gradients for a SequenceCase. */
export function randomSequenceInputs(rng: Rng, c: SequenceCase) {
  const cfg: RecurrentConfig = { cell: c.cell, inputSize: c.I, hiddenSize: c.H, numLayers: c.L, cellActivation: 'tanh', bidirectional: !!c.bidirectional, projSize: c.projSize ?? 0 };
  const LD = c.L * directions(cfg);
  const R = c.projSize || c.H;
  const lstm = c.cell === 'lstm';
  return {
    cfg,
    params: randomLayerParams(rng, cfg),
    x: rng.uniformArray(c.T * c.B * c.I, -1, 1),
    h0: rng.uniformArray(LD * c.B * R, -1, 1),
    c0: lstm ? rng.uniformArray(LD * c.B * c.H, -2, 2) : undefined,
    lengths: c.lengths ? Array.from({ length: c.B }, (_, b) => (b === c.B - 1 ? 1 : 1 + rng.int(c.T))) : undefined,
    dOutput: rng.uniformArray(c.T * c.B * directions(cfg) * R, -1, 1),
    dhN: rng.uniformArray(LD * c.B * R, -1, 1),
    dcN: lstm ? rng.uniformArray(LD * c.B * c.H, -1, 1) : undefined,
  };
}
