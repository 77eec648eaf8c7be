import { gatesPerCell, layerInputSize, type LayerParams, type RecurrentConfig } from '../config';

/** Number of parameters of a stacked LSTM/RNN (both biases counted, as in PyTorch). */
export function paramCount(cfg: RecurrentConfig): number {
  const GH = gatesPerCell(cfg.cell) * cfg.hiddenSize;
  let n = 0;
  for (let l = 0; l < cfg.numLayers; l++) n += GH * (layerInputSize(cfg, l) + cfg.hiddenSize + 2);
  return n;
}

/** The four tensors every layer has (a projection's weight_hr is not on the GPU yet). */
type CoreKey = 'weightIh' | 'weightHh' | 'biasIh' | 'biasHh';

/** Where one tensor lives in the flat parameter buffer: offset and length in floats. */
export interface Slice {
  offset: number;
  length: number;
}

/**
 * All parameters of a stacked recurrent net in one flat f32 buffer, in PyTorch's order
 * (weight_ih_l0, weight_hh_l0, bias_ih_l0, bias_hh_l0, weight_ih_l1, ...). Gradients use the same
 * layout, so optimizers and clipping can run over one buffer.
 */
export class ParamLayout {
  readonly layers: LayerParams<Slice>[] = [];
  /** The linear head on top (nn.Linear layout: weight [O,H], bias [O]), when the model has one. */
  readonly head: { weight: Slice; bias: Slice } | null = null;
  readonly total: number;

  constructor(readonly cfg: RecurrentConfig, readonly outputSize = 0) {
    const GH = gatesPerCell(cfg.cell) * cfg.hiddenSize;
    let offset = 0;
    const take = (length: number): Slice => {
      const s = { offset, length };
      offset += length;
      return s;
    };
    for (let l = 0; l < cfg.numLayers; l++) {
      this.layers.push({
        weightIh: take(GH * layerInputSize(cfg, l)),
        weightHh: take(GH * cfg.hiddenSize),
        biasIh: take(GH),
        biasHh: take(GH),
      });
    }
    if (outputSize > 0) this.head = { weight: take(outputSize * cfg.hiddenSize), bias: take(outputSize) };
    this.total = offset;
  }

  /** The recurrent tensors with PyTorch names: weight_ih_l0, weight_hh_l0, bias_ih_l0, bias_hh_l0, ... */
  named(): { name: string; slice: Slice; layer: number; key: CoreKey }[] {
    const keys: [CoreKey, string][] = [['weightIh', 'weight_ih'], ['weightHh', 'weight_hh'], ['biasIh', 'bias_ih'], ['biasHh', 'bias_hh']];
    return this.layers.flatMap((p, layer) => keys.map(([key, torch]) => ({ name: `${torch}_l${layer}`, slice: p[key], layer, key })));
  }

  /** Every tensor, recurrent ones first, then `head.weight` and `head.bias`, with their shapes. */
  tensors(): { name: string; slice: Slice; shape: number[] }[] {
    const H = this.cfg.hiddenSize;
    const GH = gatesPerCell(this.cfg.cell) * H;
    const out = this.named().map(({ name, slice, key }) => ({
      name,
      slice,
      shape: key === 'biasIh' || key === 'biasHh' ? [GH] : [GH, slice.length / GH],
    }));
    if (this.head) {
      out.push({ name: 'head.weight', slice: this.head.weight, shape: [this.outputSize, H] });
      out.push({ name: 'head.bias', slice: this.head.bias, shape: [this.outputSize] });
    }
    return out;
  }

  /** Packs per-layer tensors into one flat array, checking every length. */
  pack(params: LayerParams<ArrayLike<number>>[]): Float32Array {
    if (params.length !== this.cfg.numLayers) throw new RangeError(`params: expected ${this.cfg.numLayers} layers, got ${params.length}`);
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

  unpack(flat: Float32Array): LayerParams<Float32Array>[] {
    return this.layers.map((p) => ({
      weightIh: flat.slice(p.weightIh.offset, p.weightIh.offset + p.weightIh.length),
      weightHh: flat.slice(p.weightHh.offset, p.weightHh.offset + p.weightHh.length),
      biasIh: flat.slice(p.biasIh.offset, p.biasIh.offset + p.biasIh.length),
      biasHh: flat.slice(p.biasHh.offset, p.biasHh.offset + p.biasHh.length),
    }));
  }
}
