// Dropout between stacked layers on the GPU: the masks are the ones src/dropout.ts draws (the CPU
// reference then matches forward and backward exactly with them), a new mask each training call,
// the expected scaling, and nothing in evaluation.
import { describe, expect, it } from 'vitest';
import { RecurrentNetwork } from '../../src/model/recurrentNetwork';
import { recurrentBackward, recurrentForward } from '../../src/cpu/recurrent';
import { directions, type RecurrentConfig } from '../../src/config';
import { dropoutMask } from '../../src/dropout';
import { Rng, freshSeed } from '../../src/random';
import { RECURRENT_VARIANTS } from '../../src/kernels/registry';
import { GPU_FORWARD_TOLERANCE, GPU_GRADIENT_TOLERANCE } from '../../src/fixtures/checkGpu';
import { expectClose } from '../helpers/expectClose';
import { gpuForTests } from '../helpers/gpu';
import { randomLayerParams } from '../helpers/models';

const gpu = await gpuForTests();

describe('dropout masks (src/dropout.ts)', () => {
  it('drop a fraction p, scale the rest by 1/(1−p), and differ by call and layer', () => {
    for (const p of [0.1, 0.5, 0.8]) {
      const mask = dropoutMask(7, 3, 1, 200_000, p);
      const dropped = mask.filter((m) => m === 0).length / mask.length;
      // Binomial: 5 standard deviations.
      expect(Math.abs(dropped - p)).toBeLessThan(5 * Math.sqrt((p * (1 - p)) / mask.length));
      expect(mask.every((m) => m === 0 || m === 1 / (1 - p))).toBe(true);
      // E[mask] = 1: the expected input of the next layer is unchanged.
      expect(Math.abs(mask.reduce((a, m) => a + m, 0) / mask.length - 1)).toBeLessThan(0.02);
    }
    expect(dropoutMask(7, 3, 1, 64, 0.5)).not.toEqual(dropoutMask(7, 4, 1, 64, 0.5));
    expect(dropoutMask(7, 3, 1, 64, 0.5)).not.toEqual(dropoutMask(7, 3, 0, 64, 0.5));
    expect(dropoutMask(7, 3, 1, 64, 0.5)).toEqual(dropoutMask(7, 3, 1, 64, 0.5));
  });
});

describe.skipIf(!gpu)('GPU dropout between layers vs the CPU reference with the same masks', () => {
  const variants = RECURRENT_VARIANTS.filter((v) => v.version === 1 || v.version === 4);
  it.each(variants.map((v) => [`v${v.version} ${v.name}`, v] as const))('%s: two training calls (new masks each), backward, then evaluation without dropout', async (_n, variant) => {
    const seed = freshSeed();
    const rng = new Rng(seed);
    const p = 0.4;
    const [T, B, I, H, L] = [5, 3, 2, 7, 3];
    const cfg: RecurrentConfig = { cell: 'lstm', inputSize: I, hiddenSize: H, numLayers: L, cellActivation: 'tanh', bidirectional: true };
    const W = directions(cfg) * H;
    const params = randomLayerParams(rng, cfg);
    const x = rng.uniformArray(T * B * I, -1, 1);
    const lengths = [5, 2, 4];
    const net = new RecurrentNetwork(variant.view(gpu!), { cell: 'lstm', inputSize: I, hiddenSize: H, numLayers: L, bidirectional: true, dropout: p, seed: 11, strategy: variant.strategy });
    try {
      net.setWeights(params);
      const tag = `seed ${seed}`;
      for (const call of [0, 1]) {
        const masks = Array.from({ length: L - 1 }, (_, l) => dropoutMask(11, call, l, T * B * W, p));
        const want = recurrentForward(cfg, params, x, T, B, undefined, undefined, { lengths, dropoutMasks: masks });
        const got = await net.forward({ x, T, B, lengths });
        expectClose(got.output, want.output, `${tag} call ${call} output`, { relNorm: GPU_FORWARD_TOLERANCE });
        const dOutput = rng.uniformArray(T * B * W, -1, 1);
        const wantGrads = recurrentBackward(cfg, params, want, dOutput);
        const grads = await net.backward({ dOutput });
        expectClose(grads.dx, wantGrads.dx, `${tag} call ${call} dx`, { relNorm: GPU_GRADIENT_TOLERANCE });
        wantGrads.grads.forEach((g, k) => expectClose(grads.grads[k].weightIh, g.weightIh, `${tag} call ${call} params[${k}].weightIh`, { relNorm: GPU_GRADIENT_TOLERANCE }));
      }
      const evaluation = await net.forward({ x, T, B, lengths }, { training: false });
      expectClose(evaluation.output, recurrentForward(cfg, params, x, T, B, undefined, undefined, { lengths }).output, `${tag} evaluation`, { relNorm: GPU_FORWARD_TOLERANCE });
    } finally {
      net.dispose();
    }
  });

  it('refuses a dropout outside [0, 1), naming it', () => {
    expect(() => new RecurrentNetwork(gpu!, { inputSize: 2, hiddenSize: 4, numLayers: 2, dropout: 1 })).toThrow(/dropout must be a number in \[0, 1\), got 1/);
    expect(() => new RecurrentNetwork(gpu!, { inputSize: 2, hiddenSize: 4, numLayers: 2, dropout: -0.1 })).toThrow(/dropout must be a number in \[0, 1\), got -0.1/);
  });
});
