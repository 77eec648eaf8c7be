// Legend (the same in TS and WGSL): B batch, T time, I input size, H hidden size, L layers,
// G gates per cell (4 for the LSTM, 1 for the vanilla RNN). LSTM gate order i, f, g, o:
// rows [0,H) input gate, [H,2H) forget gate, [2H,3H) candidate, [3H,4H) output gate (PyTorch's).
// All sequences are time-major and flat, row-major: x[t][b][i] = x[(t*B + b)*I + i].
//
// One LSTM time step for all B batch rows, forward and backward: docs/DESIGN.md §1 written out.
// In is the layer's input size (I for layer 0, D·R above it); R is the width of hPrev (H, or the
// projection's size); weight_ih [4H,In], weight_hh [4H,R]. With a projection, the h these functions
// produce and take the gradient of is m = o ⊙ ψ(c), before W_hr (projection.ts applies it).
// c is the cell state (s in docs/DESIGN.md §1); φ = ψ = `act` (tanh, or σ for the article's variant).
// Accumulation rule: parameter gradients use +=, activation gradients use =.
import { activate, activateGrad, sigmoid } from './activation';
import { preactivationBackward, preactivationForward } from './preactivation';
import type { CellActivation, LayerParams } from '../config';

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
  p: LayerParams, B: number, In: number, H: number, act: CellActivation, R = H,
): void {
  const GH = 4 * H;
  const a = new Float64Array(B * GH);
  preactivationForward(a, x, hPrev, p, B, In, R, GH);
  for (let b = 0; b < B; b++) {
    for (let j = 0; j < H; j++) {
      const ig = sigmoid(a[b * GH + j]);
      const fg = sigmoid(a[b * GH + H + j]);
      const gg = activate(act, a[b * GH + 2 * H + j]);
      const og = sigmoid(a[b * GH + 3 * H + j]);
      c[b * H + j] = fg * cPrev[b * H + j] + ig * gg;
      h[b * H + j] = og * activate(act, c[b * H + j]);
      gates[b * GH + j] = ig;
      gates[b * GH + H + j] = fg;
      gates[b * GH + 2 * H + j] = gg;
      gates[b * GH + 3 * H + j] = og;
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
 * Outputs dx [B,In], dhPrev [B,R], dcPrev [B,H], dcTotal [B,H]; parameter gradients accumulate.
 */
export function lstmCellBackward(
  dx: Float64Array, dhPrev: Float64Array, dcPrev: Float64Array, dcTotal: Float64Array, grads: LayerParams,
  dh: Float64Array, dc: Float64Array,
  x: Float64Array, hPrev: Float64Array, cPrev: Float64Array, c: Float64Array, gates: Float64Array,
  p: LayerParams, B: number, In: number, H: number, act: CellActivation, R = H,
): void {
  const GH = 4 * H;
  const da = new Float64Array(B * GH);
  for (let b = 0; b < B; b++) {
    for (let j = 0; j < H; j++) {
      const ig = gates[b * GH + j];
      const fg = gates[b * GH + H + j];
      const gg = gates[b * GH + 2 * H + j];
      const og = gates[b * GH + 3 * H + j];
      const psiC = activate(act, c[b * H + j]);
      const dhj = dh[b * H + j];

      const dO = dhj * psiC;
      const ds = dc[b * H + j] + dhj * og * activateGrad(act, psiC);
      const dI = ds * gg;
      const dG = ds * ig;
      const dF = ds * cPrev[b * H + j];
      dcTotal[b * H + j] = ds;
      dcPrev[b * H + j] = ds * fg;

      da[b * GH + j] = dI * ig * (1 - ig);
      da[b * GH + H + j] = dF * fg * (1 - fg);
      da[b * GH + 2 * H + j] = dG * activateGrad(act, gg);
      da[b * GH + 3 * H + j] = dO * og * (1 - og);
    }
  }
  preactivationBackward(dx, dhPrev, grads, da, x, hPrev, p, B, In, R, GH);
}
