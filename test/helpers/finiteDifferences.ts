import type { LayerParams, RecurrentConfig } from '../../src/config';

/**
 * Central differences of `f` with respect to every element of `a` (each perturbed in place by ±step,
 * then restored): the gradient the analytic backward passes are checked against.
 */
export function fdGrad(f: () => number, a: Float64Array, step: number): Float64Array {
  const g = new Float64Array(a.length);
  for (let n = 0; n < a.length; n++) {
    const keep = a[n];
    a[n] = keep + step;
    const up = f();
    a[n] = keep - step;
    const down = f();
    a[n] = keep;
    g[n] = (up - down) / (2 * step);
  }
  return g;
}

/** A recurrent network, its inputs and the weights of the loss L = Σ output ⊙ R + Σ hN ⊙ Rh + Σ cN ⊙ Rc. */
export interface RecurrentLossCase {
  cfg: RecurrentConfig;
  params: LayerParams[];
  x: Float64Array;
  T: number;
  B: number;
  h0: Float64Array;
  c0: Float64Array | undefined;
  R: Float64Array;
  Rh: Float64Array;
  Rc: Float64Array | undefined;
}
