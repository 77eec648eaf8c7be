// Linear head: y = x Wᵀ + b.   x [N,In], W [Out,In] (PyTorch's nn.Linear layout), b [Out], y [N,Out].
import { matmulABt } from './matmul';

export interface DenseGrads {
  /** [N,In] dL/dx = dy W */
  dx: Float64Array;
  /** [Out,In] dL/dW = dyᵀ x */
  dW: Float64Array;
  /** [Out] dL/db = Σ_n dy[n] */
  db: Float64Array;
}

export function denseForward(x: Float64Array, W: Float64Array, b: Float64Array, N: number, In: number, Out: number): Float64Array {
  if (x.length !== N * In) throw new Error(`x: expected length ${N * In} ([N,In]), got ${x.length}`);
  if (W.length !== Out * In) throw new Error(`W: expected length ${Out * In} ([Out,In]), got ${W.length}`);
  if (b.length !== Out) throw new Error(`b: expected length ${Out} ([Out]), got ${b.length}`);
  return matmulABt(x, W, N, Out, In, b);
}

export function denseBackward(dy: Float64Array, x: Float64Array, W: Float64Array, N: number, In: number, Out: number): DenseGrads {
  if (dy.length !== N * Out) throw new Error(`dy: expected length ${N * Out} ([N,Out]), got ${dy.length}`);
  if (x.length !== N * In) throw new Error(`x: expected length ${N * In} ([N,In]), got ${x.length}`);
  if (W.length !== Out * In) throw new Error(`W: expected length ${Out * In} ([Out,In]), got ${W.length}`);
  const dx = new Float64Array(N * In);
  const dW = new Float64Array(Out * In);
  const db = new Float64Array(Out);
  for (let n = 0; n < N; n++) {
    for (let o = 0; o < Out; o++) {
      const d = dy[n * Out + o];
      for (let k = 0; k < In; k++) {
        dx[n * In + k] += d * W[o * In + k];
        dW[o * In + k] += d * x[n * In + k];
      }
      db[o] += d;
    }
  }
  return { dx, dW, db };
}
