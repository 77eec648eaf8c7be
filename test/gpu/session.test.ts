import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { TrainingSession, type ModelConfig } from '../../src/train/session';
import { RecurrentNetwork } from '../../src/model/recurrentNetwork';
import { saveCheckpoint, loadCheckpoint, CheckpointError } from '../../src/checkpoint/checkpoint';
import { flatFromTensors } from '../../src/checkpoint/params';
import { parseFixture, getTensor, type RecurrentFixture } from '../../src/fixtures/schema';
import { recurrentCase } from '../../src/fixtures/check';
import { addingTask } from '../../src/tasks/adding';
import { Rng } from '../../src/random';
import { expectClose } from '../helpers/expectClose';
import { gpuForTests } from '../helpers/gpu';

const gpu = await gpuForTests();

const config: ModelConfig = { cell: 'lstm', cellActivation: 'tanh', inputSize: 2, hiddenSize: 9, numLayers: 2, outputSize: 1, headAt: 'last', loss: 'mse' };
const batch = (rng: Rng) => {
  const b = addingTask.batch(rng, 12, 4);
  return { x: b.inputs, T: b.T, B: b.B, target: b.targets };
};
const bits = (a: Float32Array) => Array.from(new Uint32Array(a.buffer, a.byteOffset, a.length));

describe.skipIf(!gpu)('training session checkpoints', () => {
  it('round trip is exact: a restored session continues bit-for-bit like the original', async () => {
    const g = gpu!;
    const rng = new Rng(7);
    const a = new TrainingSession(g, config, { kind: 'adam', lr: 0.01, clipNorm: 1 }, { seed: 3, forgetBias: 1 });
    for (let s = 0; s < 5; s++) a.step(batch(rng));
    const bytes = await a.checkpoint({ note: 'test' });
    const b = new TrainingSession(g, config, { kind: 'adam', lr: 0.01, clipNorm: 1 }, { seed: 99 });
    b.restore(bytes);
    expect(bits(await b.net.getFlatWeights())).toEqual(bits(await a.net.getFlatWeights()));
    // Same next batches → same weights, bit for bit (the optimizer state and step count came along).
    const rngA = new Rng(11);
    const rngB = new Rng(11);
    for (let s = 0; s < 3; s++) {
      a.step(batch(rngA));
      b.step(batch(rngB));
    }
    expect(bits(await b.net.getFlatWeights())).toEqual(bits(await a.net.getFlatWeights()));
    expect((await b.trainer.optimizer.readStatus()).step).toBe(8);
    a.dispose();
    b.dispose();
  });

  it('with directions, a projection and dropout: PyTorch names (_reverse, weight_hr) and shapes, an exact round trip, and a mismatch named', async () => {
    const g = gpu!;
    const full: ModelConfig = { ...config, bidirectional: true, projSize: 5, dropout: 0.25 };
    const a = new TrainingSession(g, full, { kind: 'sgd', lr: 0.05 }, { seed: 3 });
    const b = new TrainingSession(g, full, { kind: 'sgd', lr: 0.05 }, { seed: 4 });
    const plain = new TrainingSession(g, config, { kind: 'sgd', lr: 0.05 }, { seed: 4 });
    try {
      const rng = new Rng(5);
      for (let s = 0; s < 3; s++) a.step(batch(rng));
      const bytes = await a.checkpoint();
      const ck = loadCheckpoint(bytes);
      expect(ck.tensors['weight_hr_l1_reverse'].shape).toEqual([5, 9]);
      expect(ck.tensors['weight_hh_l0'].shape).toEqual([36, 5]);
      expect(ck.tensors['weight_ih_l1'].shape).toEqual([36, 10]); // both directions' outputs, 5 each
      expect(ck.tensors['head.weight'].shape).toEqual([1, 10]);
      b.restore(bytes);
      expect(bits(await b.net.getFlatWeights())).toEqual(bits(await a.net.getFlatWeights()));
      expect(() => plain.restore(bytes)).toThrow(CheckpointError);
      expect(() => plain.restore(bytes)).toThrow(/bidirectional|projSize/);
    } finally {
      a.dispose();
      b.dispose();
      plain.dispose();
    }
  });

  it('a corrupt, truncated or foreign checkpoint gives a clear error and changes nothing', async () => {
    const g = gpu!;
    const s = new TrainingSession(g, config, { kind: 'adam', lr: 0.01 }, { seed: 5 });
    s.step(batch(new Rng(1)));
    const good = await s.checkpoint();
    const before = bits(await s.net.getFlatWeights());
    const stateBefore = await s.trainer.optimizer.exportState();
    const other = new TrainingSession(g, { ...config, hiddenSize: 10 }, { kind: 'adam', lr: 0.01 }, { seed: 5 });
    const sgd = new TrainingSession(g, config, { kind: 'sgd', lr: 0.01, momentum: 0.9 }, { seed: 5 });
    sgd.step(batch(new Rng(1)));
    const flipped = good.slice();
    flipped[10] ^= 0xff;
    const cases: [string, Uint8Array, RegExp][] = [
      ['truncated', good.slice(0, good.length - 7), /CheckpointError|truncat|beyond|short/i],
      ['header byte flipped', flipped, /./],
      ['empty', new Uint8Array(0), /./],
      ['another architecture', await other.checkpoint(), /different architecture.*hiddenSize/],
      ['another optimizer', await sgd.checkpoint(), /optimizer is sgd, this session uses adam/],
    ];
    for (const [what, bytes, message] of cases) {
      expect(() => s.restore(bytes, what), what).toThrow(CheckpointError);
      expect(() => s.restore(bytes, what), what).toThrow(message);
    }
    expect(bits(await s.net.getFlatWeights())).toEqual(before);
    const stateAfter = await s.trainer.optimizer.exportState();
    expect(stateAfter.step).toBe(stateBefore.step);
    for (const [k, v] of Object.entries(stateBefore.buffers)) expect(bits(stateAfter.buffers[k])).toEqual(bits(v));
    for (const x of [s, other, sgd]) x.dispose();
  });

  it("loads a torch fixture's weights from a safetensors file and reproduces PyTorch's outputs", async () => {
    const g = gpu!;
    const fx = parseFixture(JSON.parse(readFileSync(new URL('../fixtures/lstm_2layer.json', import.meta.url), 'utf8'))) as RecurrentFixture;
    const tensors = Object.fromEntries(fx.param_names.map((n) => {
      const t = getTensor(fx, n);
      return [n, { shape: t.shape, data: new Float32Array(t.data) }];
    }));
    const file = saveCheckpoint({ config: { source: 'torch' }, tensors });
    const rc = recurrentCase(fx);
    const net = new RecurrentNetwork(g, rc.cfg);
    net.setFlatWeights(flatFromTensors(net.layout, loadCheckpoint(file).tensors));
    const out = await net.forward({ x: rc.x, T: rc.T, B: rc.B, h0: rc.h0, c0: rc.c0 ?? undefined }, { training: false });
    expectClose(out.output, getTensor(fx, 'output').data, 'output', { relNorm: 1e-5 });
    expectClose(out.hN, getTensor(fx, 'h_n').data, 'h_n', { relNorm: 1e-5 });
    expectClose(out.cN!, getTensor(fx, 'c_n').data, 'c_n', { relNorm: 1e-5 });
    net.dispose();
  });
});
