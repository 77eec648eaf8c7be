import { describe, expect, it } from 'vitest';
import { TrainingSession } from '../../src/train/session';
import { modelLossAndGradients } from '../../src/cpu/model';
import { Rng, freshSeed } from '../../src/random';
import { expectClose } from '../helpers/expectClose';
import { gpuForTests } from '../helpers/gpu';
import { flatWeights, randomCpuModel, randomTargets, type ModelSpec } from '../helpers/models';

const gpu = await gpuForTests();
const bits = (a: ArrayLike<number>) => Array.from(new Uint32Array(Float32Array.from(a).buffer));

/** The fraction of counted rows whose largest logit (the first, on a tie) is the target class. */
function accuracyOf(logits: ArrayLike<number>, C: number, target: ArrayLike<number>, mask: ArrayLike<number> | undefined): number {
  let correct = 0;
  let counted = 0;
  for (let r = 0; r < target.length; r++) {
    let best = 0;
    for (let k = 1; k < C; k++) if (logits[r * C + k] > logits[r * C + best]) best = k;
    const m = mask ? mask[r] : 1;
    counted += m;
    if (best === target[r]) correct += m;
  }
  return correct / counted;
}

const specs: (ModelSpec & { T: number; B: number; mask: boolean })[] = [
  { cell: 'lstm', I: 3, H: 7, L: 2, O: 4, headAt: 'all', loss: 'crossentropy', T: 5, B: 3, mask: true },
  { cell: 'lstm', I: 2, H: 9, L: 1, O: 1, headAt: 'last', loss: 'mse', T: 1, B: 1, mask: false },
  { cell: 'rnn', I: 4, H: 5, L: 1, O: 0, headAt: 'all', loss: 'mse', T: 6, B: 2, mask: false },
];

describe.skipIf(!gpu)('a session evaluates and predicts without updating', () => {
  it.each(specs)('$cell $loss@$headAt O=$O T=$T B=$B', async (c) => {
    const seed = freshSeed();
    const rng = new Rng(seed);
    const model = randomCpuModel(rng, c);
    const session = new TrainingSession(gpu!, { cell: c.cell, cellActivation: 'tanh', inputSize: c.I, hiddenSize: c.H, numLayers: c.L, outputSize: c.O, headAt: c.headAt, loss: c.loss }, { kind: 'adam', lr: 0.01, clipNorm: 1 }, { seed: 1 });
    session.net.setFlatWeights(flatWeights(session.net, model));
    const x = rng.uniformArray(c.T * c.B * c.I, -1, 1);
    const { target, mask } = randomTargets(rng, model, c.T, c.B, c.mask);
    const batch = { x, T: c.T, B: c.B, target, mask };
    const want = modelLossAndGradients(model, batch);
    const tag = `seed ${seed}`;

    const predicted = await session.predict({ x, T: c.T, B: c.B });
    expectClose(predicted, want.logits, `${tag} predict`, { relNorm: 1e-5 });
    const weights = bits(await session.net.getFlatWeights());
    const { loss, accuracy } = await session.evaluate(batch);
    expect(Math.abs(loss - want.loss) / Math.abs(want.loss), `${tag} loss ${loss} vs ${want.loss}`).toBeLessThan(1e-5);
    if (c.loss === 'crossentropy') expect(accuracy, tag).toBeCloseTo(accuracyOf(want.logits, c.O, target, mask), 6);
    else expect(accuracy).toBeUndefined();
    // Nothing moved: weights bit for bit, no optimizer step counted.
    expect(bits(await session.net.getFlatWeights())).toEqual(weights);
    expect((await session.trainer.optimizer.exportState()).step).toBe(0);
    // A training step on the same batch reports the same loss, bit for bit, then changes the weights.
    const report = await session.step(batch, { report: true });
    expect(bits([report.loss])).toEqual(bits([loss]));
    expect(bits(await session.net.getFlatWeights())).not.toEqual(weights);
    session.dispose();
  });

  it('fills in the defaults a caller leaves out (tanh, one layer, no head) and records them', async () => {
    const session = new TrainingSession(gpu!, { cell: 'lstm', inputSize: 2, hiddenSize: 4, headAt: 'all', loss: 'mse' }, { kind: 'sgd', lr: 0.1 });
    expect(session.config).toMatchObject({ cellActivation: 'tanh', numLayers: 1, outputSize: 0 });
    const seeded = new TrainingSession(gpu!, { cell: 'lstm', inputSize: 2, hiddenSize: 4, headAt: 'all', loss: 'mse' }, { kind: 'sgd', lr: 0.1 }, { seed: 0 });
    expect(await session.net.getFlatWeights()).toEqual(await seeded.net.getFlatWeights()); // seed 0 by default
    session.dispose();
    seeded.dispose();
  });

  it('refuses bad prediction inputs before any GPU work', async () => {
    const session = new TrainingSession(gpu!, { cell: 'lstm', cellActivation: 'tanh', inputSize: 2, hiddenSize: 4, numLayers: 1, outputSize: 1, headAt: 'last', loss: 'mse' }, { kind: 'sgd', lr: 0.1 }, { seed: 1 });
    await expect(session.predict({ x: [1, 2, 3], T: 1, B: 2 })).rejects.toThrow(/x has 3 values but \[T,B,I\] = \[1,2,2\] needs 4/);
    await expect(session.predict({ x: [1, Number.NaN], T: 1, B: 1 })).rejects.toThrow(/x contains NaN at index 1/);
    await expect(session.predict({ x: [1, 2], T: 1, B: 1, target: [0] } as never)).rejects.toThrow(/unknown option "target"/);
    session.dispose();
  });
});
