// The two squashing functions of the cells and their derivatives. Derivatives are written in terms
// of the activation's output y = act(a), which is what the forward pass stores:
//   σ'(a) = y (1 − y)        tanh'(a) = 1 − y²
import type { CellActivation } from '../config';

export const sigmoid = (a: number): number => 1 / (1 + Math.exp(-a));

export function activate(kind: CellActivation, a: number): number {
  return kind === 'tanh' ? Math.tanh(a) : sigmoid(a);
}

/** d act(a)/da, given y = act(a). */
export function activateGrad(kind: CellActivation, y: number): number {
  return kind === 'tanh' ? 1 - y * y : y * (1 - y);
}
