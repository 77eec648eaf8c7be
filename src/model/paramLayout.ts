import { directions, gatesPerCell, layerInputSize, outputWidth, type LayerParams, type RecurrentConfig } from '../config';

/** Number of parameters of a stacked LSTM/RNN, every direction (both biases counted, as in PyTorch). */
export function paramCount(cfg: RecurrentConfig): number {
  const H = cfg.hiddenSize;
  const GH = gatesPerCell(cfg.cell) * H;
  const R = outputWidth(cfg);
  let n = 0;
  for (let l = 0; l < cfg.numLayers; l++) n += GH * (layerInputSize(cfg, l) + R + 2) + (R !== H ? R * H : 0);
  return directions(cfg) * n;
}

/** Where one tensor lives in the flat parameter buffer: offset and length in floats. */
export interface Slice {
  offset: number;
  length: number;
}

/** The tensors of a layer (one direction): PyTorch's four, and weight_hr with a projection. */
type TensorKey = keyof LayerParams;
const TORCH_NAMES: [TensorKey, string][] = [['weightIh', 'weight_ih'], ['weightHh', 'weight_hh'], ['biasIh', 'bias_ih'], ['biasHh', 'bias_hh'], ['weightHr', 'weight_hr']];

/** What the kernels read of a layer: each direction's tensors stacked, where one product serves all directions. */
export interface StackedLayer {
  /** weight_ih of every direction, [D·G·H, In]: one GEMM projects the input for all of them. */
  weightIh: Slice;
  /** bias_ih and bias_hh of every direction, [D·G·H] each. */
  biasIh: Slice;
  biasHh: Slice;
}

/**
 * All parameters of a stacked recurrent net in one flat f32 buffer. Each layer holds weight_ih of
 * every direction (stacked), then each direction's weight_hh, the stacked bias_ih and bias_hh, and
 * each direction's weight_hr (projection); with one direction and no projection that is PyTorch's
 * order (weight_ih_l0, weight_hh_l0, bias_ih_l0, bias_hh_l0, weight_ih_l1, ...). Checkpoints go by
 * PyTorch's names (named()), never by offsets. Gradients use the same layout, so optimizers and
 * clipping can run over one buffer.
 */
export class ParamLayout {
  /** Index layer·D + direction, as the CPU reference's params. */
  readonly layers: LayerParams<Slice>[] = [];
  /** Per layer. */
  readonly stacked: StackedLayer[] = [];
  /** The linear head on top (nn.Linear layout: weight [O, D·R], bias [O]), when the model has one. */
  readonly head: { weight: Slice; bias: Slice } | null = null;
  readonly total: number;

  constructor(readonly cfg: RecurrentConfig, readonly outputSize = 0) {
    const H = cfg.hiddenSize;
    const GH = gatesPerCell(cfg.cell) * H;
    const D = directions(cfg);
    const R = outputWidth(cfg);
    let offset = 0;
    const take = (length: number): Slice => {
      const s = { offset, length };
      offset += length;
      return s;
    };
    const part = (block: Slice, d: number): Slice => ({ offset: block.offset + (d * block.length) / D, length: block.length / D });
    for (let l = 0; l < cfg.numLayers; l++) {
      const weightIh = take(D * GH * layerInputSize(cfg, l));
      const weightHh = Array.from({ length: D }, () => take(GH * R));
      const stacked = { weightIh, biasIh: take(D * GH), biasHh: take(D * GH) };
      const weightHr = R !== H ? Array.from({ length: D }, () => take(R * H)) : null;
      this.stacked.push(stacked);
      for (let d = 0; d < D; d++) {
        this.layers.push({
          weightIh: part(weightIh, d),
          weightHh: weightHh[d],
          biasIh: part(stacked.biasIh, d),
          biasHh: part(stacked.biasHh, d),
          ...(weightHr ? { weightHr: weightHr[d] } : {}),
        });
      }
    }
    if (outputSize > 0) this.head = { weight: take(outputSize * D * R), bias: take(outputSize) };
    this.total = offset;
  }

  /** The recurrent tensors with PyTorch's names, in its order: weight_ih_l0, weight_hh_l0, bias_ih_l0, bias_hh_l0, (weight_hr_l0), then the `_reverse` twins, ... */
  named(): { name: string; slice: Slice; layer: number; key: TensorKey }[] {
    const D = directions(this.cfg);
    return this.layers.flatMap((p, k) => {
      const suffix = `_l${Math.floor(k / D)}${k % D === 1 ? '_reverse' : ''}`;
      return TORCH_NAMES.filter(([key]) => p[key]).map(([key, torch]) => ({ name: `${torch}${suffix}`, slice: p[key]!, layer: k, key }));
    });
  }

  /** Every tensor, recurrent ones first, then `head.weight` and `head.bias`, with their shapes. */
  tensors(): { name: string; slice: Slice; shape: number[] }[] {
    const H = this.cfg.hiddenSize;
    const GH = gatesPerCell(this.cfg.cell) * H;
    const out = this.named().map(({ name, slice, key }) => ({
      name,
      slice,
      shape: key === 'biasIh' || key === 'biasHh' ? [GH] : key === 'weightHr' ? [slice.length / H, H] : [GH, slice.length / GH],
    }));
    if (this.head) {
      out.push({ name: 'head.weight', slice: this.head.weight, shape: [this.outputSize, this.head.weight.length / this.outputSize] });
      out.push({ name: 'head.bias', slice: this.head.bias, shape: [this.outputSize] });
    }
    return out;
  }

  /** Packs per-layer (index layer·D + direction) tensors into one flat array, checking every length. */
  pack(params: LayerParams<ArrayLike<number>>[]): Float32Array {
    if (params.length !== this.layers.length) throw new RangeError(`params: expected ${this.layers.length} (layer, direction) entries, got ${params.length}`);
    const flat = new Float32Array(this.total);
    for (const { name, slice, layer, key } of this.named()) {
      const src = params[layer][key];
      if (!src || src.length !== slice.length) throw new RangeError(`${name}: expected ${slice.length} values, got ${src?.length ?? 'none'}`);
      for (let i = 0; i < src.length; i++) {
        if (!Number.isFinite(src[i])) throw new RangeError(`${name}: value at index ${i} is ${src[i]} (weights must be finite)`);
        flat[slice.offset + i] = src[i];
      }
    }
    return flat;
  }

  /** The flat array's tensors per layer and direction (index layer·D + direction). */
  unpack(flat: Float32Array): LayerParams<Float32Array>[] {
    const take = (s: Slice) => flat.slice(s.offset, s.offset + s.length);
    return this.layers.map((p) => ({
      weightIh: take(p.weightIh),
      weightHh: take(p.weightHh),
      biasIh: take(p.biasIh),
      biasHh: take(p.biasHh),
      ...(p.weightHr ? { weightHr: take(p.weightHr) } : {}),
    }));
  }
}
