// matmulABt (the CPU check for the GPU gemm) through algebraic identities, and the dense head's
// backward against finite differences.
import { describe, expect, it } from 'vitest';
import { fdGrad } from '../helpers/finiteDifferences';
import { denseBackward, denseForward } from '../../src/cpu/dense';
import { matmulABt } from '../../src/cpu/matmul';
import { freshSeed, Rng } from '../../src/random';
import { expectClose } from '../helpers/expectClose';

/** y = M v for M [R,K] row-major. */
function matvec(M: Float64Array, v: Float64Array, R: number, K: number): Float64Array {
  const y = new Float64Array(R);
  for (let r = 0; r < R; r++) for (let k = 0; k < K; k++) y[r] += M[r * K + k] * v[k];
  return y;
}

function transpose(M: Float64Array, R: number, C: number): Float64Array {
  const out = new Float64Array(R * C);
  for (let r = 0; r < R; r++) for (let c = 0; c < C; c++) out[c * R + r] = M[r * C + c];
  return out;
}

describe('matmulABt', () => {
  for (const [M, N, K] of [[1, 1, 1], [7, 5, 3], [4, 9, 13], [16, 1, 33]]) {
    it(`${M}x${N}x${K}: (A Bᵀ) v = A (Bᵀ v) and (A Bᵀ)ᵀ = B Aᵀ`, () => {
      const seed = freshSeed();
      const rng = new Rng(seed);
      const A = rng.uniformArray(M * K, -1, 1);
      const B = rng.uniformArray(N * K, -1, 1);
      const bias = rng.uniformArray(N, -1, 1);
      const v = rng.uniformArray(N, -1, 1);
      const C = matmulABt(A, B, M, N, K);
      expectClose(matvec(C, v, M, N), matvec(A, matvec(transpose(B, N, K), v, K, N), M, K), `seed=${seed} C v`, { relNorm: 1e-13 });
      expectClose(transpose(C, M, N), matmulABt(B, A, N, M, K), `seed=${seed} Cᵀ`, { relNorm: 0 });
      const withBias = matmulABt(A, B, M, N, K, bias);
      expectClose(withBias, C.map((c, n) => c + bias[n % N]), `seed=${seed} bias`, { relNorm: 1e-15 });
    });
  }

  it('rejects wrong sizes, naming the argument', () => {
    const a = new Float64Array(6);
    expect(() => matmulABt(a, a, 2, 2, 2)).toThrow(/^A:/);
    expect(() => matmulABt(a, a, 3, 2, 2)).toThrow(/^B:/);
    expect(() => matmulABt(a, a, 3, 3, 2, new Float64Array(2))).toThrow(/^bias:/);
  });
});

describe('dense head', () => {
  it('backward matches finite differences of Σ y ⊙ R', () => {
    const seed = freshSeed();
    const rng = new Rng(seed);
    const [N, In, Out] = [5, 4, 3];
    const x = rng.uniformArray(N * In, -1, 1);
    const W = rng.uniformArray(Out * In, -1, 1);
    const b = rng.uniformArray(Out, -1, 1);
    const R = rng.uniformArray(N * Out, -1, 1);
    const loss = () => denseForward(x, W, b, N, In, Out).reduce((s, y, n) => s + y * R[n], 0);
    // The loss is linear in each single element, so central differences carry no truncation error
    // and a large step only shrinks the rounding error (≈ ε·|loss|/step: 1e-9 at a step of 1e-6,
    // which made this test fail for some seeds; 1e-12 at 1e-3).
    const step = 1e-3;
    const fd = (a: Float64Array) => fdGrad(loss, a, step);
    const g = denseBackward(R, x, W, N, In, Out);
    const tol = { relNorm: 1e-8, atol: 1e-9 };
    expectClose(g.dx, fd(x), `seed=${seed} dx`, tol);
    expectClose(g.dW, fd(W), `seed=${seed} dW`, tol);
    expectClose(g.db, fd(b), `seed=${seed} db`, tol);
  });

  it('forward is x Wᵀ + b', () => {
    const seed = freshSeed();
    const rng = new Rng(seed);
    const [N, In, Out] = [3, 6, 2];
    const x = rng.uniformArray(N * In, -1, 1);
    const W = rng.uniformArray(Out * In, -1, 1);
    const b = rng.uniformArray(Out, -1, 1);
    const y = denseForward(x, W, b, N, In, Out);
    for (let n = 0; n < N; n++) {
      const row = matvec(W, x.subarray(n * In, (n + 1) * In), Out, In);
      expectClose(y.subarray(n * Out, (n + 1) * Out), row.map((v, o) => v + b[o]), `seed=${seed} row ${n}`, { relNorm: 1e-15 });
    }
    expect(() => denseForward(x, W, new Float64Array(3), N, In, Out)).toThrow(/^b:/);
    expect(() => denseBackward(new Float64Array(1), x, W, N, In, Out)).toThrow(/^dy:/);
  });
});
