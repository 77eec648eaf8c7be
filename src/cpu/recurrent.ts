// Legend (the same in TS and WGSL): B batch, T time, I input size, H hidden size, L layers,
// G gates per cell (4 for the LSTM, 1 for the vanilla RNN). LSTM gate order i, f, g, o:
// rows [0,H) input gate, [H,2H) forget gate, [2H,3H) candidate, [3H,4H) output gate (PyTorch's).
// All sequences are time-major and flat, row-major: x[t][b][i] = x[(t*B + b)*I + i].
//
// Multi-layer LSTM / vanilla RNN over a whole sequence, forward and backward through time (BPTT).
// Layer k's input is x for k = 0 and layer k-1's h_t above it; output[t] is the top layer's h_t
// (PyTorch's nn.LSTM / nn.RNN, time-major, no dropout).
// The per-step math lives in lstmCell.ts / rnnCell.ts; this file only walks layers and time.
import { lstmCellBackward, lstmCellForward } from './lstmCell';
import { rnnCellBackward, rnnCellForward } from './rnnCell';
import { gatesPerCell, layerInputSize, type LayerParams, type RecurrentConfig } from '../config';

export { lstmCellBackward, lstmCellForward } from './lstmCell';
export { rnnCellBackward, rnnCellForward } from './rnnCell';

/** What backward needs from one layer's forward pass. */
export interface LayerTape {
  /** [T,B,In] the layer's input (x for layer 0, the h sequence of the layer below otherwise). */
  input: Float64Array;
  /** [T,B,4H] activated gates i, f, g̃, o (LSTM); null for the RNN, whose backward needs only h. */
  gates: Float64Array | null;
  /** [T+1,B,H] hidden states; slot 0 holds the initial h0, slot t+1 holds h_t. */
  h: Float64Array;
  /** [T+1,B,H] cell states, laid out like h (LSTM); null for the RNN. */
  c: Float64Array | null;
}

export interface ForwardResult {
  T: number;
  B: number;
  /** [T,B,H] top layer's h_t for every t. */
  output: Float64Array;
  /** [L,B,H] every layer's h_{T-1}. */
  hN: Float64Array;
  /** [L,B,H] every layer's c_{T-1} (LSTM); null for the RNN. */
  cN: Float64Array | null;
  tape: LayerTape[];
}

export interface BackwardResult {
  /** [T,B,I] dL/dx. */
  dx: Float64Array;
  /** [L,B,H] dL/dh0. */
  dh0: Float64Array;
  /** [L,B,H] dL/dc0 (LSTM); null for the RNN. */
  dc0: Float64Array | null;
  /** Same layout as the params; bias_ih and bias_hh get the same gradient. */
  grads: LayerParams[];
  /** Per layer, [T]: ‖dL/dc_t‖₂ over all B·H, the total derivative (LSTM); null for the RNN. */
  cellGradNorms: (Float64Array | null)[];
  /** Per layer, [T]: ‖dL/dh_t‖₂ over all B·H, everything that reaches h_t (loss/layer above + step t+1). */
  hiddenGradNorms: Float64Array[];
  /** Per layer, [T,B,H]: the forget gate f_t (LSTM); null for the RNN. */
  forgetGates: (Float64Array | null)[];
}

/** Zero-filled parameter gradients with the same layout as `params`. */
export function zeroLayerParams(params: LayerParams[]): LayerParams[] {
  return params.map((p) => ({
    weightIh: new Float64Array(p.weightIh.length),
    weightHh: new Float64Array(p.weightHh.length),
    biasIh: new Float64Array(p.biasIh.length),
    biasHh: new Float64Array(p.biasHh.length),
  }));
}

/** Throws unless every parameter has the size `cfg` implies. */
export function checkRecurrentParams(cfg: RecurrentConfig, params: LayerParams[]): void {
  const { hiddenSize: H, numLayers: L } = cfg;
  const GH = gatesPerCell(cfg.cell) * H;
  if (!(Number.isInteger(H) && H > 0 && Number.isInteger(cfg.inputSize) && cfg.inputSize > 0 && Number.isInteger(L) && L > 0)) {
    throw new Error(`cfg: inputSize, hiddenSize and numLayers must be positive integers (got ${cfg.inputSize}, ${H}, ${L})`);
  }
  if (params.length !== L) throw new Error(`params: expected ${L} layers, got ${params.length}`);
  for (let l = 0; l < L; l++) {
    const In = layerInputSize(cfg, l);
    const want = { weightIh: GH * In, weightHh: GH * H, biasIh: GH, biasHh: GH };
    for (const key of Object.keys(want) as (keyof typeof want)[]) {
      const got = params[l][key]?.length;
      if (got !== want[key]) throw new Error(`params[${l}].${key}: expected length ${want[key]}, got ${got}`);
    }
  }
}

function checkLength(name: string, a: ArrayLike<number> | undefined, n: number, shape: string): void {
  if (a !== undefined && a.length !== n) throw new Error(`${name}: expected length ${n} (${shape}), got ${a.length}`);
}

/** The float64 CPU reference forward pass of a stacked LSTM/RNN over T steps (x [T,B,I], time-major). */
export function recurrentForward(
  cfg: RecurrentConfig, params: LayerParams[], x: Float64Array, T: number, B: number,
  h0?: Float64Array, c0?: Float64Array,
): ForwardResult {
  checkRecurrentParams(cfg, params);
  const { inputSize: I, hiddenSize: H, numLayers: L } = cfg;
  if (!(Number.isInteger(T) && T > 0 && Number.isInteger(B) && B > 0)) {
    throw new Error(`T, B: must be positive integers (got ${T}, ${B})`);
  }
  const lstm = cfg.cell === 'lstm';
  checkLength('x', x, T * B * I, '[T,B,I]');
  checkLength('h0', h0, L * B * H, '[L,B,H]');
  checkLength('c0', c0, L * B * H, '[L,B,H]');
  if (!lstm && c0 !== undefined) throw new Error('c0: an RNN has no cell state');

  const BH = B * H;
  const tape: LayerTape[] = [];
  for (let l = 0; l < L; l++) {
    const In = layerInputSize(cfg, l);
    const input = l === 0 ? x.slice() : tape[l - 1].h.slice(BH); // the lower layer's h_0 … h_{T-1}
    const h = new Float64Array((T + 1) * BH);
    const c = lstm ? new Float64Array((T + 1) * BH) : null;
    const gates = lstm ? new Float64Array(T * B * 4 * H) : null;
    if (h0) h.set(h0.subarray(l * BH, (l + 1) * BH));
    if (c && c0) c.set(c0.subarray(l * BH, (l + 1) * BH));

    for (let t = 0; t < T; t++) {
      const xt = input.subarray(t * B * In, (t + 1) * B * In);
      const hPrev = h.subarray(t * BH, (t + 1) * BH);
      const hNext = h.subarray((t + 1) * BH, (t + 2) * BH);
      if (c && gates) {
        const cPrev = c.subarray(t * BH, (t + 1) * BH);
        const cNext = c.subarray((t + 1) * BH, (t + 2) * BH);
        const gt = gates.subarray(t * 4 * BH, (t + 1) * 4 * BH);
        lstmCellForward(hNext, cNext, gt, xt, hPrev, cPrev, params[l], B, In, H, cfg.cellActivation);
      } else {
        rnnCellForward(hNext, xt, hPrev, params[l], B, In, H, cfg.cellActivation);
      }
    }
    tape.push({ input, gates, h, c });
  }

  const hN = new Float64Array(L * BH);
  const cN = lstm ? new Float64Array(L * BH) : null;
  for (let l = 0; l < L; l++) {
    hN.set(tape[l].h.subarray(T * BH), l * BH);
    if (cN) cN.set(tape[l].c!.subarray(T * BH), l * BH);
  }
  const output = tape[L - 1].h.slice(BH);
  return { T, B, output, hN, cN, tape };
}

const l2 = (a: Float64Array): number => {
  let s = 0;
  for (let n = 0; n < a.length; n++) s += a[n] * a[n];
  return Math.sqrt(s);
};

/**
 * BPTT for the loss whose upstream gradients are dOutput = dL/doutput [T,B,H], dhN = dL/dhN [L,B,H]
 * and dcN = dL/dcN [L,B,H] (missing ones are zero). As in PyTorch, output[T-1] and hN[L-1] are the
 * same tensor, so the top layer's last step receives dOutput[T-1] + dhN[L-1]; a lower layer's last
 * step receives dhN[l] on top of what flows down from the layer above; dcN[l] joins the last step's
 * cell gradient. Layers are processed top-down: each one's dInput is the next lower layer's dh.
 */
export function recurrentBackward(
  cfg: RecurrentConfig, params: LayerParams[], fwd: ForwardResult,
  dOutput: Float64Array, dhN?: Float64Array, dcN?: Float64Array,
): BackwardResult {
  checkRecurrentParams(cfg, params);
  const { hiddenSize: H, numLayers: L } = cfg;
  const { T, B, tape } = fwd;
  const lstm = cfg.cell === 'lstm';
  const BH = B * H;
  checkLength('dOutput', dOutput, T * BH, '[T,B,H]');
  checkLength('dhN', dhN, L * BH, '[L,B,H]');
  checkLength('dcN', dcN, L * BH, '[L,B,H]');
  if (!lstm && dcN !== undefined) throw new Error('dcN: an RNN has no cell state');

  const grads = zeroLayerParams(params);
  const dh0 = new Float64Array(L * BH);
  const dc0 = lstm ? new Float64Array(L * BH) : null;
  const cellGradNorms: (Float64Array | null)[] = new Array(L).fill(null);
  const hiddenGradNorms: Float64Array[] = new Array(L);
  const forgetGates: (Float64Array | null)[] = new Array(L).fill(null);

  let dAbove = dOutput; // [T,B,H] gradient reaching this layer's h_t from above (or from the loss)
  for (let l = L - 1; l >= 0; l--) {
    const In = layerInputSize(cfg, l);
    const { input, gates, h, c } = tape[l];
    const dInput = new Float64Array(T * B * In);
    const dhNext = new Float64Array(BH); // gradient reaching h_t from step t+1 (W_hhᵀ da_{t+1})
    const dcNext = new Float64Array(BH); // gradient reaching c_t from step t+1 (da_{t+1} path, ⊙ f_{t+1})
    if (dcN && lstm) dcNext.set(dcN.subarray(l * BH, (l + 1) * BH));
    const dh = new Float64Array(BH);
    const dhPrev = new Float64Array(BH);
    const dcPrev = new Float64Array(BH);
    const dcTotal = new Float64Array(BH);
    hiddenGradNorms[l] = new Float64Array(T);
    if (lstm) cellGradNorms[l] = new Float64Array(T);

    for (let t = T - 1; t >= 0; t--) {
      for (let n = 0; n < BH; n++) dh[n] = dAbove[t * BH + n] + dhNext[n];
      if (t === T - 1 && dhN) for (let n = 0; n < BH; n++) dh[n] += dhN[l * BH + n];
      hiddenGradNorms[l][t] = l2(dh);

      const xt = input.subarray(t * B * In, (t + 1) * B * In);
      const dxt = dInput.subarray(t * B * In, (t + 1) * B * In);
      const hPrev = h.subarray(t * BH, (t + 1) * BH);
      if (lstm && c && gates) {
        const cPrev = c.subarray(t * BH, (t + 1) * BH);
        const ct = c.subarray((t + 1) * BH, (t + 2) * BH);
        const gt = gates.subarray(t * 4 * BH, (t + 1) * 4 * BH);
        lstmCellBackward(dxt, dhPrev, dcPrev, dcTotal, grads[l], dh, dcNext,
          xt, hPrev, cPrev, ct, gt, params[l], B, In, H, cfg.cellActivation);
        cellGradNorms[l]![t] = l2(dcTotal);
        dcNext.set(dcPrev);
      } else {
        const ht = h.subarray((t + 1) * BH, (t + 2) * BH);
        rnnCellBackward(dxt, dhPrev, grads[l], dh, xt, hPrev, ht, params[l], B, In, H, cfg.cellActivation);
      }
      dhNext.set(dhPrev);
    }

    dh0.set(dhNext, l * BH);
    if (dc0) dc0.set(dcNext, l * BH);
    if (lstm && gates) {
      // f_t sits in gate rows [H, 2H) of every [B,4H] block.
      const f = new Float64Array(T * BH);
      for (let t = 0; t < T; t++)
        for (let b = 0; b < B; b++)
          for (let j = 0; j < H; j++) f[(t * B + b) * H + j] = gates[(t * B + b) * 4 * H + H + j];
      forgetGates[l] = f;
    }
    dAbove = dInput;
  }
  const dx = dAbove; // layer 0's input gradient
  return { dx, dh0, dc0, grads, cellGradNorms, hiddenGradNorms, forgetGates };
}
