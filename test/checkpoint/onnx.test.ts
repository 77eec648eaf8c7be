// ONNX export (src/checkpoint/onnx.ts) run in onnxruntime: the exported model of a session's weights
// gives the session's own GPU predictions on a random batch, for LSTM, GRU, RNN, two directions,
// per-row lengths, stacked layers, a head on every step or on each row's last, and no head.
import * as ort from 'onnxruntime-node';
import { describe, expect, it } from 'vitest';
import { exportOnnx } from '../../src/checkpoint/onnx';
import { loadWeights } from '../../src/checkpoint/stateDict';
import { TrainingSession, type ModelOptions } from '../../src/train/session';
import { Rng, freshSeed } from '../../src/random';
import { gpuForTests } from '../helpers/gpu';

const gpu = await gpuForTests();

interface Case {
  name: string;
  model: ModelOptions;
  T: number;
  B: number;
  lengths: boolean;
}

const base = { cellActivation: 'tanh', loss: 'mse' } as const;
const CASES: Case[] = [
  { name: 'LSTM, head on every step', model: { ...base, cell: 'lstm', inputSize: 3, hiddenSize: 9, outputSize: 2, headAt: 'all' }, T: 5, B: 3, lengths: false },
  { name: 'LSTM, 2 layers, bidirectional, lengths, head on the last step', model: { ...base, cell: 'lstm', inputSize: 2, hiddenSize: 7, numLayers: 2, bidirectional: true, outputSize: 3, headAt: 'last' }, T: 6, B: 4, lengths: true },
  { name: 'RNN, lengths, head on every step', model: { ...base, cell: 'rnn', inputSize: 4, hiddenSize: 5, outputSize: 1, headAt: 'all' }, T: 7, B: 3, lengths: true },
  { name: 'RNN, bidirectional, no head', model: { ...base, cell: 'rnn', inputSize: 1, hiddenSize: 6, bidirectional: true, headAt: 'all' }, T: 4, B: 2, lengths: false },
  { name: 'GRU, 2 layers, bidirectional, lengths, head on the last step', model: { ...base, cell: 'gru', inputSize: 3, hiddenSize: 8, numLayers: 2, bidirectional: true, outputSize: 2, headAt: 'last' }, T: 5, B: 3, lengths: true },
  { name: 'LSTM with the sigmoid cell activation, T = 1, batch 1', model: { ...base, cellActivation: 'sigmoid', cell: 'lstm', inputSize: 2, hiddenSize: 4, outputSize: 2, headAt: 'all' }, T: 1, B: 1, lengths: false },
];

describe.skipIf(!gpu)('exportOnnx in onnxruntime matches gateflow on the GPU', () => {
  it.each(CASES.map((c) => [c.name, c] as const))('%s', async (_n, c) => {
    const seed = freshSeed();
    const session = new TrainingSession(gpu!, c.model, { kind: 'sgd', lr: 0.1 }, { seed: seed % 1000 });
    try {
      const rng = new Rng(seed);
      const { T, B } = c;
      const x = new Float32Array(rng.uniformArray(T * B * c.model.inputSize, -1, 1));
      const lengths = Int32Array.from({ length: B }, (_, b) => (c.lengths ? (b === 0 ? T : 1 + rng.int(T)) : T));
      const ours = await session.predict({ x, T, B, ...(c.lengths ? { lengths } : {}) });

      const sd = loadWeights(await session.exportWeights());
      const model = await exportOnnx(sd, { headAt: c.model.headAt, cellActivation: c.model.cellActivation });
      const ortSession = await ort.InferenceSession.create(model);
      const { y } = await ortSession.run({ x: new ort.Tensor('float32', x, [T, B, c.model.inputSize]), sequence_lens: new ort.Tensor('int32', lengths, [B]) });
      const theirs = y!.data as Float32Array;
      expect(theirs.length, `${seed}`).toBe(ours.length);
      let worst = 0;
      for (let i = 0; i < ours.length; i++) worst = Math.max(worst, Math.abs(theirs[i]! - ours[i]!));
      expect(worst, `max |onnxruntime − gateflow| (seed ${seed})`).toBeLessThanOrEqual(1e-5);
      expect(ours.some((v) => Math.abs(v) > 1e-3)).toBe(true);
      await ortSession.release();
    } finally {
      session.dispose();
    }
  });

  it('refuses a projection, which ONNX\'s LSTM operator does not have', async () => {
    const sd = { architecture: { cell: 'lstm', inputSize: 2, hiddenSize: 4, numLayers: 1, bidirectional: false, projSize: 2, outputSize: 0 } as const, tensors: {} };
    await expect(exportOnnx(sd)).rejects.toThrow(/ONNX's LSTM operator has no projection: a model with projSize 2 cannot be exported/);
  });
});
