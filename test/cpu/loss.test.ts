// MSE and softmax cross-entropy: gradients against finite differences, masks against the unmasked loss
// of the counted subset, numerical stability, and input validation.
import { describe, expect, it } from 'vitest';
import { mseLoss, softmaxCrossEntropy } from '../../src/cpu/loss';
import { freshSeed, Rng } from '../../src/random';
import { fdGrad } from '../helpers/finiteDifferences';
import { expectClose } from '../helpers/expectClose';

// Central differences err by ≈ ε·|loss|/step (rounding) + step²·|f'''|/6 (truncation). With a loss of
// a few units, a step of 1e-6 left ≈ 1e-9 of rounding error, the test's own tolerance. The MSE is
// quadratic in each element (no truncation error at any step): 1e-3. Cross-entropy: 1e-5 balances
// both at ≈ 1e-10.
const MSE_STEP = 1e-3;
const CE_STEP = 1e-5;

/** A random 0/1 mask with at least one 1 and at least one 0 (n ≥ 2). */
function randomMask(rng: Rng, n: number): Float64Array {
  const m = new Float64Array(n);
  for (let k = 0; k < n; k++) m[k] = rng.next() < 0.6 ? 1 : 0;
  const one = rng.int(n);
  m[one] = 1;
  m[(one + 1 + rng.int(n - 1)) % n] = 0;
  return m;
}

const randomTargets = (rng: Rng, N: number, C: number) => Int32Array.from({ length: N }, () => rng.int(C));

describe('mseLoss', () => {
  it('gradient matches finite differences, with and without a mask', () => {
    const seed = freshSeed();
    const rng = new Rng(seed);
    const n = 17;
    const pred = rng.uniformArray(n, -2, 2);
    const target = rng.uniformArray(n, -2, 2);
    const mask = randomMask(rng, n);
    for (const m of [undefined, mask]) {
      const label = `seed=${seed} mask=${m ? 'yes' : 'no'}`;
      const { grad } = mseLoss(pred, target, m);
      expectClose(grad, fdGrad(() => mseLoss(pred, target, m).loss, pred, MSE_STEP), `${label} grad`, { relNorm: 1e-8, atol: 1e-9 });
    }
  });

  it('a mask gives the mean over the counted elements only', () => {
    const seed = freshSeed();
    const rng = new Rng(seed);
    const n = 23;
    const pred = rng.uniformArray(n, -3, 3);
    const target = rng.uniformArray(n, -3, 3);
    const mask = randomMask(rng, n);
    const kept = [...mask.keys()].filter((k) => mask[k] === 1);
    const sub = mseLoss(Float64Array.from(kept, (k) => pred[k]), Float64Array.from(kept, (k) => target[k]));
    const masked = mseLoss(pred, target, mask);
    expectClose([masked.loss], [sub.loss], `seed=${seed} loss`, { relNorm: 1e-15 });
    expectClose(Float64Array.from(kept, (k) => masked.grad[k]), sub.grad, `seed=${seed} kept grad`, { relNorm: 1e-15 });
    for (let k = 0; k < n; k++) if (mask[k] === 0) expect(masked.grad[k], `seed=${seed} grad[${k}] masked out`).toBe(0);
  });

  it('all masked out gives 0, not NaN', () => {
    const rng = new Rng(freshSeed());
    const r = mseLoss(rng.uniformArray(4, -1, 1), rng.uniformArray(4, -1, 1), new Float64Array(4));
    expect(r.loss).toBe(0);
    expect([...r.grad].every((v) => v === 0)).toBe(true);
  });

  it('rejects bad input, naming the argument', () => {
    const a = new Float64Array(3);
    expect(() => mseLoss(a, new Float64Array(4))).toThrow(/^target:/);
    expect(() => mseLoss(a, a, [1, 0])).toThrow(/^mask:/);
    expect(() => mseLoss(a, a, [1, 0.5, 1])).toThrow(/^mask:/);
  });
});

describe('softmaxCrossEntropy', () => {
  it('gradient matches finite differences, with and without a row mask', () => {
    const seed = freshSeed();
    const rng = new Rng(seed);
    const N = 7;
    const C = 5;
    const logits = rng.uniformArray(N * C, -4, 4);
    const targets = randomTargets(rng, N, C);
    const mask = randomMask(rng, N);
    for (const m of [undefined, mask]) {
      const label = `seed=${seed} mask=${m ? 'yes' : 'no'}`;
      const { grad } = softmaxCrossEntropy(logits, targets, C, m);
      expectClose(grad, fdGrad(() => softmaxCrossEntropy(logits, targets, C, m).loss, logits, CE_STEP), `${label} grad`, { relNorm: 1e-8, atol: 1e-9 });
    }
  });

  it('equals the textbook −log softmax on moderate logits, masked rows excluded', () => {
    const seed = freshSeed();
    const rng = new Rng(seed);
    const N = 9;
    const C = 4;
    const logits = rng.uniformArray(N * C, -3, 3);
    const targets = randomTargets(rng, N, C);
    const mask = randomMask(rng, N);
    let sum = 0;
    let count = 0;
    for (let r = 0; r < N; r++) {
      if (mask[r] === 0) continue;
      let z = 0;
      for (let k = 0; k < C; k++) z += Math.exp(logits[r * C + k]);
      sum += -Math.log(Math.exp(logits[r * C + targets[r]]) / z);
      count++;
    }
    const { loss, grad } = softmaxCrossEntropy(logits, targets, C, mask);
    expectClose([loss], [sum / count], `seed=${seed} loss`, { relNorm: 1e-13 });
    for (let r = 0; r < N; r++) {
      let rowSum = 0;
      for (let k = 0; k < C; k++) rowSum += grad[r * C + k];
      expect(Math.abs(rowSum), `seed=${seed} row ${r}: softmax − onehot sums to 0`).toBeLessThan(1e-15);
    }
  });

  it('is stable for huge logits: shifting a row by a constant changes nothing', () => {
    const seed = freshSeed();
    const rng = new Rng(seed);
    const N = 4;
    const C = 6;
    const logits = rng.uniformArray(N * C, -5, 5);
    const targets = randomTargets(rng, N, C);
    const shifted = logits.map((v, k) => v + (Math.floor(k / C) % 2 === 0 ? 1000 : -1000));
    const a = softmaxCrossEntropy(logits, targets, C);
    const b = softmaxCrossEntropy(shifted, targets, C);
    expect(Number.isFinite(b.loss), `seed=${seed}`).toBe(true);
    expectClose([b.loss], [a.loss], `seed=${seed} loss`, { relNorm: 1e-12 });
    expectClose(b.grad, a.grad, `seed=${seed} grad`, { relNorm: 1e-10 });
  });

  it('rejects bad input, naming the argument', () => {
    const logits = new Float64Array(6);
    expect(() => softmaxCrossEntropy(logits, Int32Array.from([0, 1]), 4)).toThrow(/^logits:/);
    expect(() => softmaxCrossEntropy(logits, Int32Array.from([0, 3]), 3)).toThrow(/^targets:.*targets\[1\]/);
    expect(() => softmaxCrossEntropy(logits, Int32Array.from([-1, 0]), 3)).toThrow(/^targets:/);
    expect(() => softmaxCrossEntropy(logits, Int32Array.from([0, 1]), 2.5)).toThrow(/^C:/);
    expect(() => softmaxCrossEntropy(logits, Int32Array.from([0, 1]), 3, [1])).toThrow(/^mask:/);
  });
});
