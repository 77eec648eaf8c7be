// Carried states (truncated BPTT): consecutive chunks of a long sequence, each call starting from the
// previous call's final states, per batch row, with a reset.
import { describe, expect, it } from 'vitest';
import { TrainingSession } from '../../src/train/session';
import { Rng, freshSeed } from '../../src/random';
import { expectClose } from '../helpers/expectClose';
import { gpuForTests } from '../helpers/gpu';

const gpu = await gpuForTests();

/** Steps [from, to) of a time-major [T,B,F] sequence. */
const steps = (a: Float32Array, B: number, F: number, from: number, to: number) => a.slice(from * B * F, to * B * F);

describe.skipIf(!gpu)('carried states across calls', () => {
  it.each(['lstm', 'rnn', 'gru'] as const)('%s: two chunks with carryState give the outputs of one call over the whole sequence; resetState starts rows over', async (cell) => {
    const seed = freshSeed();
    const rng = new Rng(seed);
    const T = 6;
    const B = 3;
    const I = 2;
    const O = 2;
    const session = new TrainingSession(gpu!, { cell, inputSize: I, hiddenSize: 9, numLayers: 2, outputSize: O, headAt: 'all', loss: 'mse' }, { kind: 'sgd', lr: 0.1 }, { seed: 3 });
    try {
      const x = Float32Array.from(rng.uniformArray(2 * T * B * I, -1, 1));
      const whole = await session.predict({ x, T: 2 * T, B });
      const first = await session.predict({ x: steps(x, B, I, 0, T), T, B }, { carryState: true });
      const second = await session.predict({ x: steps(x, B, I, T, 2 * T), T, B }, { carryState: true });
      const tag = `seed ${seed}`;
      expectClose(first, steps(whole, B, O, 0, T), `${tag} first chunk`, { relNorm: 1e-5 });
      expectClose(second, steps(whole, B, O, T, 2 * T), `${tag} second chunk`, { relNorm: 1e-5 });

      // Reset row 1 only: it starts from zeros again, the other rows go on.
      session.resetState([1]);
      const third = await session.predict({ x: steps(x, B, I, 0, T), T, B }, { carryState: true });
      const fresh = await session.predict({ x: steps(x, B, I, 0, T), T, B });
      const row = (a: Float32Array, b: number) => Float32Array.from({ length: T * O }, (_, k) => a[(Math.floor(k / O) * B + b) * O + (k % O)]);
      expectClose(row(third, 1), row(fresh, 1), `${tag} reset row`, { relNorm: 1e-5 });
      expect(row(third, 0)).not.toEqual(row(fresh, 0));

      // Training steps carry too (no gradient across the boundary); a batch of another size needs a reset.
      const target = new Float32Array(T * B * O).fill(0.25);
      const report = await session.step({ x: steps(x, B, I, 0, T), T, B, target }, { carryState: true, report: true });
      expect(Number.isFinite(report.loss)).toBe(true);
      expect(() => session.step({ x: steps(x, 2, I, 0, T).slice(0, T * 2 * I), T, B: 2, target: new Float32Array(T * 2 * O) }, { carryState: true })).toThrow(/carryState: the carried states are for B = 3 rows, this batch has 2; call resetState\(\)/);
      session.resetState();
      session.step({ x: new Float32Array(T * 2 * I), T, B: 2, target: new Float32Array(T * 2 * O) }, { carryState: true });
      expect(() => session.resetState([5])).toThrow(/resetState: row 5 is not a batch row in \[0, 2\)/);
    } finally {
      session.dispose();
    }
  });
});
