// Weights-only restore (TrainingSession.restoreWeights) from PyTorch state_dicts and gateflow
// checkpoints, into sessions with any optimizer; a file for another model changes nothing.
import { describe, expect, it } from 'vitest';
import { encodeSafetensors, type TensorIn } from '../../src/checkpoint/safetensors';
import { loadWeights } from '../../src/checkpoint/stateDict';
import { TrainingSession, type ModelOptions } from '../../src/train/session';
import { Rng, freshSeed } from '../../src/random';
import { gpuForTests } from '../helpers/gpu';

const gpu = await gpuForTests();

const model: ModelOptions = { cell: 'lstm', inputSize: 3, hiddenSize: 9, numLayers: 2, bidirectional: true, outputSize: 2, headAt: 'last', loss: 'mse' };
const T = 5;
const B = 3;

describe.skipIf(!gpu)('TrainingSession.restoreWeights', () => {
  const seed = freshSeed();
  const x = new Float32Array(new Rng(seed).uniformArray(T * B * 3, -1, 1));
  const predict = (s: TrainingSession) => s.predict({ x, T, B });
  const batch = { x, T, B, target: new Float32Array(new Rng(seed + 1).uniformArray(B * 2, -1, 1)) };

  it('takes a PyTorch state_dict into a session with another optimizer and reproduces its predictions; training goes on', async () => {
    const adam = new TrainingSession(gpu!, model, { kind: 'adam', lr: 0.01 }, { seed: 1 });
    const sgd = new TrainingSession(gpu!, model, { kind: 'sgd', lr: 0.1, momentum: 0.9 }, { seed: 2 });
    try {
      await adam.step(batch, { report: true });
      const want = await predict(adam);
      expect(await predict(sgd)).not.toEqual(want);
      const sd = await sgd.restoreWeights(await adam.exportWeights(), { source: 'adam.safetensors' });
      expect(sd.prefix).toBe('lstm.');
      expect(await predict(sgd)).toEqual(want);
      // A gateflow checkpoint of the Adam session: its weights load into the SGD session too (restore() would refuse the optimizer).
      await sgd.step(batch, { report: true });
      const checkpoint = await adam.checkpoint();
      expect(() => sgd.restore(checkpoint)).toThrow(/optimizer is adam, this session uses sgd/);
      await sgd.restoreWeights(checkpoint);
      expect(await predict(sgd)).toEqual(want);
      const r = await sgd.step(batch, { report: true });
      expect(r.applied && Number.isFinite(r.loss)).toBe(true);
    } finally {
      adam.dispose();
      sgd.dispose();
    }
  });

  it("keeps the session's head where the file has none", async () => {
    const a = new TrainingSession(gpu!, model, { kind: 'sgd', lr: 0.1 }, { seed: 3 });
    const b = new TrainingSession(gpu!, model, { kind: 'sgd', lr: 0.1 }, { seed: 4 });
    try {
      const recurrentOnly: Record<string, TensorIn> = {};
      for (const [name, t] of Object.entries(loadWeights(await a.exportWeights()).tensors)) if (!name.startsWith('head.')) recurrentOnly[`rnn_layers.lstm.${name}`] = t;
      const headBefore = (await b.net.getFlatWeights()).slice(-2 * 18 - 2);
      const sd = await b.restoreWeights(encodeSafetensors(recurrentOnly));
      expect(sd.headPrefix).toBeNull();
      const after = await b.net.getFlatWeights();
      expect(after.slice(-2 * 18 - 2)).toEqual(headBefore);
      expect(after.slice(0, 100)).toEqual((await a.net.getFlatWeights()).slice(0, 100));
    } finally {
      a.dispose();
      b.dispose();
    }
  });

  it('refuses weights for another model, naming the difference, and changes nothing', async () => {
    const other = new TrainingSession(gpu!, { ...model, hiddenSize: 8, bidirectional: false }, { kind: 'sgd', lr: 0.1 }, { seed: 5 });
    const s = new TrainingSession(gpu!, model, { kind: 'adam', lr: 0.01 }, { seed: 6 });
    try {
      const before = await predict(s);
      await expect(s.restoreWeights(await other.exportWeights(), { source: 'small.safetensors' })).rejects.toThrow(
        /small\.safetensors: weights for a different model \(LSTM, 2 layers, input 3, hidden 8, head 2\): hiddenSize is 8 in the file, the model has 9; bidirectional is false in the file, the model has true/,
      );
      expect(await predict(s)).toEqual(before);
    } finally {
      other.dispose();
      s.dispose();
    }
  });
});
