// One LSTM time step for all B batch rows, forward and backward: DESIGN §1 written out.
// Legend: B batch, In the layer's input size (I for layer 0, H above), H hidden size, gate order
// i, f, g, o: rows [0,H) i, [H,2H) f, [2H,3H) g, [3H,4H) o of weight_ih [4H,In], weight_hh [4H,H].
// c is the cell state (s in DESIGN §1); φ = ψ = `act` (tanh, or σ for the article's variant).
// Accumulation rule: parameter gradients use +=, activation gradients use =.
import { activate, activateGrad, sigmoid } from './activation';
import { preactivationBackward, preactivationForward } from './preactivation';
import type { CellActivation, LayerParams } from './types';

/**
 *   a = W_ih x + b_ih + W_hh hPrev + b_hh
 *   i = σ(a_i)   f = σ(a_f)   g̃ = φ(a_g)   o = σ(a_o)
 *   c = f ⊙ cPrev + i ⊙ g̃
 *   h = o ⊙ ψ(c)
 * Outputs h [B,H], c [B,H] and gates [B,4H] (the activated i, f, g̃, o, kept for backward).
 */
export function lstmCellForward(
  h: Float64Array, c: Float64Array, gates: Float64Array,
  x: Float64Array, hPrev: Float64Array, cPrev: Float64Array,
  p: LayerParams, B: number, In: number, H: number, act: CellActivation,
): void {
  const G = 4 * H;
  const a = new Float64Array(B * G);
  preactivationForward(a, x, hPrev, p, B, In, H, G);
  for (let b = 0; b < B; b++) {
    for (let j = 0; j < H; j++) {
      const ig = sigmoid(a[b * G + j]);
      const fg = sigmoid(a[b * G + H + j]);
      const gg = activate(act, a[b * G + 2 * H + j]);
      const og = sigmoid(a[b * G + 3 * H + j]);
      c[b * H + j] = fg * cPrev[b * H + j] + ig * gg;
      h[b * H + j] = og * activate(act, c[b * H + j]);
      gates[b * G + j] = ig;
      gates[b * G + H + j] = fg;
      gates[b * G + 2 * H + j] = gg;
      gates[b * G + 3 * H + j] = og;
    }
  }
}

/**
 * Inputs: dh [B,H], the total gradient reaching h (from the loss or the layer above, plus from the
 * next step); dc [B,H], the gradient reaching c from the next step (plus any loss on the final c).
 *   do = dh ⊙ ψ(c)
 *   ds = dc + dh ⊙ o ⊙ ψ'(c)                  the total dL/dc, also written to dcTotal
 *   di = ds ⊙ g̃   dg = ds ⊙ i   df = ds ⊙ cPrev
 *   dcPrev = ds ⊙ f                            ∂c/∂cPrev = D(f): the direct cell path
 *   da = [di·σ', df·σ', dg·φ', do·σ']
 *   dx = W_ihᵀ da   dhPrev = W_hhᵀ da   dW_ih += da xᵀ   dW_hh += da hPrevᵀ   db_ih, db_hh += da
 * Outputs dx [B,In], dhPrev [B,H], dcPrev [B,H], dcTotal [B,H]; parameter gradients accumulate.
 */
export function lstmCellBackward(
  dx: Float64Array, dhPrev: Float64Array, dcPrev: Float64Array, dcTotal: Float64Array, grads: LayerParams,
  dh: Float64Array, dc: Float64Array,
  x: Float64Array, hPrev: Float64Array, cPrev: Float64Array, c: Float64Array, gates: Float64Array,
  p: LayerParams, B: number, In: number, H: number, act: CellActivation,
): void {
  const G = 4 * H;
  const da = new Float64Array(B * G);
  for (let b = 0; b < B; b++) {
    for (let j = 0; j < H; j++) {
      const ig = gates[b * G + j];
      const fg = gates[b * G + H + j];
      const gg = gates[b * G + 2 * H + j];
      const og = gates[b * G + 3 * H + j];
      const psiC = activate(act, c[b * H + j]);
      const dhj = dh[b * H + j];

      const dO = dhj * psiC;
      const ds = dc[b * H + j] + dhj * og * activateGrad(act, psiC);
      const dI = ds * gg;
      const dG = ds * ig;
      const dF = ds * cPrev[b * H + j];
      dcTotal[b * H + j] = ds;
      dcPrev[b * H + j] = ds * fg;

      da[b * G + j] = dI * ig * (1 - ig);
      da[b * G + H + j] = dF * fg * (1 - fg);
      da[b * G + 2 * H + j] = dG * activateGrad(act, gg);
      da[b * G + 3 * H + j] = dO * og * (1 - og);
    }
  }
  preactivationBackward(dx, dhPrev, grads, da, x, hPrev, p, B, In, H, G);
}
