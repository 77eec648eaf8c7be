import { describe, expect, it } from 'vitest';
import { RecurrentNetwork } from '../../src/model/recurrentNetwork';
import { initialWeights } from '../../src/model/init';
import { recurrentForward } from '../../src/cpu/recurrent';
import { Rng, freshSeed } from '../../src/random';
import { expectClose } from '../helpers/expectClose';
import { gpuForTests } from '../helpers/gpu';

const gpu = await gpuForTests();
const bits = (a: Float32Array) => Array.from(new Uint32Array(a.buffer, a.byteOffset, a.length));

describe.skipIf(!gpu)('a new RecurrentNetwork', () => {
  it("starts from PyTorch's initialisation, seeded (seed 0 unless given), and computes with it", async () => {
    const g = gpu!;
    const seed = freshSeed();
    const cfg = { cell: 'lstm' as const, inputSize: 3, hiddenSize: 7, numLayers: 2, cellActivation: 'tanh' as const };
    const net = new RecurrentNetwork(g, { ...cfg, seed });
    const weights = await net.getFlatWeights();
    expect(bits(weights)).toEqual(bits(initialWeights(net.layout, { seed })));
    const bound = 1 / Math.sqrt(cfg.hiddenSize);
    expect(weights.every((v) => Math.abs(v) <= bound)).toBe(true);
    expect(new Set(weights).size).toBeGreaterThan(weights.length / 2);
    const other = new RecurrentNetwork(g, cfg);
    expect(bits(await other.getFlatWeights())).toEqual(bits(initialWeights(other.layout, { seed: 0 })));
    // Its outputs are those of the CPU reference with the same weights, not zeros.
    const T = 4;
    const B = 3;
    const x = new Rng(seed).uniformArray(T * B * cfg.inputSize, -1, 1);
    const got = await net.forward({ x, T, B });
    const layers = (await net.getWeights()).map((l) => ({ weightIh: Float64Array.from(l.weightIh), weightHh: Float64Array.from(l.weightHh), biasIh: Float64Array.from(l.biasIh), biasHh: Float64Array.from(l.biasHh) }));
    const want = recurrentForward(cfg, layers, x, T, B);
    expectClose(got.output, want.output, `seed ${seed} output`, { relNorm: 1e-5 });
    expect(got.output.some((v) => Math.abs(v) > 1e-3)).toBe(true);
    net.dispose();
    other.dispose();
  });
});
