import { Rng } from '../random';
import type { ParamLayout } from './paramLayout';

export interface InitOptions {
  seed: number;
  /**
   * Forget-gate bias: bias_ih[H:2H] is set to this value and bias_hh[H:2H] to 0, so the total
   * forget bias is exactly it (LSTM only). Undefined keeps PyTorch's uniform init.
   */
  forgetBias?: number;
}

/**
 * PyTorch's defaults, seeded: every recurrent tensor uniform(±1/√H) (nn.LSTM/nn.RNN), the head
 * (nn.Linear) weight and bias uniform(±1/√fan_in), fan_in being the D·H outputs it reads. Values are f32.
 */
export function initialWeights(layout: ParamLayout, opts: InitOptions): Float32Array {
  const rng = new Rng(opts.seed);
  const H = layout.cfg.hiddenSize;
  const bound = 1 / Math.sqrt(H);
  const headStart = layout.head?.weight.offset ?? layout.total;
  const headBound = layout.head ? 1 / Math.sqrt(layout.head.weight.length / layout.outputSize) : bound;
  const flat = new Float32Array(layout.total);
  for (let i = 0; i < flat.length; i++) flat[i] = rng.uniform(i < headStart ? -bound : -headBound, i < headStart ? bound : headBound);
  if (opts.forgetBias !== undefined && layout.cfg.cell === 'lstm') {
    for (const p of layout.layers) {
      flat.fill(opts.forgetBias, p.biasIh.offset + H, p.biasIh.offset + 2 * H);
      flat.fill(0, p.biasHh.offset + H, p.biasHh.offset + 2 * H);
    }
  }
  return flat;
}
