// Legend (the same in TS and WGSL): B batch, T time, I input size, H hidden size, L layers,
// G gates per cell (4 for the LSTM, 1 for the vanilla RNN). LSTM gate order i, f, g, o:
// rows [0,H) input gate, [H,2H) forget gate, [2H,3H) candidate, [3H,4H) output gate (PyTorch's).
// All sequences are time-major and flat, row-major: x[t][b][i] = x[(t*B + b)*I + i].
//
// Multi-layer LSTM / vanilla RNN over a whole sequence, forward and backward through time (BPTT),
// with PyTorch's options: two directions per layer (bidirectional), the LSTM's projection (proj_size),
// per-row lengths (packed sequences) and dropout between layers (given as fixed masks here).
// Layer k's input is x for k = 0 and layer k-1's outputs above it: [forward, reverse] halves, each R
// wide; output[t] is the top layer's. The per-step math lives in lstmCell.ts, rnnCell.ts and
// projection.ts; this file only walks layers, directions and time.
//
// Lengths: a row's steps at or past its length do not exist. Such a step leaves the row's state as
// it was, outputs 0 and passes gradients through unchanged; so the forward direction's final state
// is the one after the row's last step, and the reverse direction starts there from h0 (exactly what
// pack_padded_sequence(enforce_sorted=False) + pad_packed_sequence(total_length=T) give).
import { lstmCellBackward, lstmCellForward } from './lstmCell';
import { rnnCellBackward, rnnCellForward } from './rnnCell';
import { gruCellBackward, gruCellForward } from './gruCell';
import { projectionBackward, projectionForward } from './projection';
import { directions, gatesPerCell, layerInputSize, outputWidth, type LayerParams, type RecurrentConfig } from '../config';
import { checkLengths } from '../validate';

export { lstmCellBackward, lstmCellForward } from './lstmCell';
export { rnnCellBackward, rnnCellForward } from './rnnCell';

/**
 * What backward needs from one layer's forward pass in one direction. States are indexed so that
 * the forward direction's step t reads slot t and writes slot t+1, and the reverse direction's step t
 * reads slot t+1 and writes slot t (slot 0 then holds its final state, slot T its initial one).
 */
export interface LayerTape {
  /** [T,B,In] the layer's input (x for layer 0, the layer below's outputs, after dropout, otherwise). */
  input: Float64Array;
  /**
   * [T,B,4H] by time: the LSTM's activated gates i, f, g̃, o; the GRU's r, z, n and W_hn·h + b_hn;
   * null for the RNN, whose backward needs only h.
   */
  gates: Float64Array | null;
  /** [T+1,B,R] hidden states. */
  h: Float64Array;
  /** [T+1,B,H] cell states, laid out like h (LSTM); null for the RNN. */
  c: Float64Array | null;
  /** [T,B,H] m = o ⊙ ψ(c) by time, before the projection (LSTM with projSize); else null. */
  m: Float64Array | null;
  /** 0 forward, 1 reverse. */
  direction: number;
}

/** Options of a sequence beyond its tensors. */
export interface SequenceOptions {
  /** One length per batch row, 1 ≤ length ≤ T, any order; absent: every row is T long. */
  lengths?: ArrayLike<number>;
  /**
   * Dropout between layers, as fixed masks: dropoutMasks[k] [T,B,D·R] multiplies layer k's output
   * before layer k+1 reads it (0, or 1/(1−p) for a kept unit). L−1 of them; absent: no dropout.
   */
  dropoutMasks?: Float64Array[];
}

export interface ForwardResult {
  T: number;
  B: number;
  /** [T,B,D·R] the top layer's outputs, forward then reverse halves; 0 past a row's length. */
  output: Float64Array;
  /** [L·D,B,R] every layer's and direction's final h. */
  hN: Float64Array;
  /** [L·D,B,H] every layer's and direction's final c (LSTM); null for the RNN. */
  cN: Float64Array | null;
  /** Index layer·D + direction. */
  tape: LayerTape[];
  /** Per row, its length (T when none were given). */
  lengths: Int32Array;
  dropoutMasks: Float64Array[] | null;
}

export interface BackwardResult {
  /** [T,B,I] dL/dx. */
  dx: Float64Array;
  /** [L·D,B,R] dL/dh0. */
  dh0: Float64Array;
  /** [L·D,B,H] dL/dc0 (LSTM); null for the RNN. */
  dc0: Float64Array | null;
  /** Same layout as the params (index layer·D + direction); bias_ih and bias_hh get the same gradient. */
  grads: LayerParams[];
  /** Per layer·D + direction, [T] by time: ‖dL/dc_t‖₂ over all B·H, the total derivative (LSTM); null for the RNN. */
  cellGradNorms: (Float64Array | null)[];
  /** Per layer·D + direction, [T] by time: ‖dL/dh_t‖₂ over all B·R, everything that reaches h_t (output and the next step). */
  hiddenGradNorms: Float64Array[];
  /** Per layer·D + direction, [T,B,H]: the forget gate f_t (LSTM); null for the RNN. */
  forgetGates: (Float64Array | null)[];
}

/** Zero-filled parameter gradients with the same layout as `params`. */
export function zeroLayerParams(params: LayerParams[]): LayerParams[] {
  return params.map((p) => ({
    weightIh: new Float64Array(p.weightIh.length),
    weightHh: new Float64Array(p.weightHh.length),
    biasIh: new Float64Array(p.biasIh.length),
    biasHh: new Float64Array(p.biasHh.length),
    ...(p.weightHr ? { weightHr: new Float64Array(p.weightHr.length) } : {}),
  }));
}

/** Throws unless the config is valid and every parameter has the size it implies. */
export function checkRecurrentParams(cfg: RecurrentConfig, params: LayerParams[]): void {
  const { hiddenSize: H, numLayers: L } = cfg;
  const GH = gatesPerCell(cfg.cell) * H;
  if (!(Number.isInteger(H) && H > 0 && Number.isInteger(cfg.inputSize) && cfg.inputSize > 0 && Number.isInteger(L) && L > 0)) {
    throw new Error(`cfg: inputSize, hiddenSize and numLayers must be positive integers (got ${cfg.inputSize}, ${H}, ${L})`);
  }
  const P = cfg.projSize ?? 0;
  if (P !== 0) {
    if (cfg.cell !== 'lstm') throw new Error(`cfg: projSize is for the LSTM only (cell '${cfg.cell}')`);
    if (!(Number.isInteger(P) && P > 0 && P < H)) throw new Error(`cfg: projSize must be an integer in [1, hiddenSize = ${H}), got ${P}`);
  }
  const D = directions(cfg);
  const R = outputWidth(cfg);
  if (params.length !== L * D) throw new Error(`params: expected ${L * D} (layer, direction) entries, got ${params.length}`);
  for (let l = 0; l < L; l++) {
    for (let d = 0; d < D; d++) {
      const k = l * D + d;
      const want: Record<string, number> = { weightIh: GH * layerInputSize(cfg, l), weightHh: GH * R, biasIh: GH, biasHh: GH };
      if (P) want.weightHr = P * H;
      for (const key of Object.keys(want) as (keyof LayerParams)[]) {
        const got = params[k][key]?.length;
        if (got !== want[key]) throw new Error(`params[${k}].${key}: expected length ${want[key]}, got ${got}`);
      }
      if (!P && params[k].weightHr) throw new Error(`params[${k}].weightHr: a network without projSize has no projection`);
    }
  }
}

function checkLength(name: string, a: ArrayLike<number> | undefined, n: number, shape: string): void {
  if (a !== undefined && a.length !== n) throw new Error(`${name}: expected length ${n} (${shape}), got ${a.length}`);
}

/** Each row's steps: T for every row when none are given, else the given ones, checked (validate.ts, checkLengths). */
export function rowLengths(lengths: ArrayLike<number> | undefined, T: number, B: number): Int32Array {
  return lengths === undefined ? new Int32Array(B).fill(T) : Int32Array.from(checkLengths(lengths, T, B));
}

/** Which state slots direction d's step t reads and writes (see LayerTape). */
const slots = (d: number, t: number): { read: number; write: number } => (d === 0 ? { read: t, write: t + 1 } : { read: t + 1, write: t });

/** The float64 CPU reference forward pass of a stacked LSTM/RNN over T steps (x [T,B,I], time-major). */
export function recurrentForward(
  cfg: RecurrentConfig, params: LayerParams[], x: Float64Array, T: number, B: number,
  h0?: Float64Array, c0?: Float64Array, opts: SequenceOptions = {},
): ForwardResult {
  checkRecurrentParams(cfg, params);
  const { inputSize: I, hiddenSize: H, numLayers: L } = cfg;
  if (!(Number.isInteger(T) && T > 0 && Number.isInteger(B) && B > 0)) {
    throw new Error(`T, B: must be positive integers (got ${T}, ${B})`);
  }
  const lstm = cfg.cell === 'lstm';
  const gru = cfg.cell === 'gru';
  const D = directions(cfg);
  const R = outputWidth(cfg);
  const proj = R !== H;
  checkLength('x', x, T * B * I, '[T,B,I]');
  checkLength('h0', h0, L * D * B * R, '[L·D,B,R]');
  checkLength('c0', c0, L * D * B * H, '[L·D,B,H]');
  if (!lstm && c0 !== undefined) throw new Error('c0: an RNN has no cell state');
  const lengths = rowLengths(opts.lengths, T, B);
  const masks = opts.dropoutMasks ?? null;
  if (masks && masks.length !== L - 1) throw new Error(`dropoutMasks: expected ${L - 1} (one between each pair of layers), got ${masks.length}`);
  masks?.forEach((mk, k) => checkLength(`dropoutMasks[${k}]`, mk, T * B * D * R, '[T,B,D·R]'));

  const BH = B * H;
  const BR = B * R;
  const tape: LayerTape[] = [];
  let input = x.slice();
  let out = new Float64Array(0);
  for (let l = 0; l < L; l++) {
    const In = layerInputSize(cfg, l);
    out = new Float64Array(T * B * D * R);
    for (let d = 0; d < D; d++) {
      const k = l * D + d;
      const p = params[k];
      const h = new Float64Array((T + 1) * BR);
      const c = lstm ? new Float64Array((T + 1) * BH) : null;
      const gates = lstm || gru ? new Float64Array(T * B * 4 * H) : null;
      const m = proj ? new Float64Array(T * BH) : null;
      const first = d === 0 ? 0 : T; // the slot that holds the initial state
      if (h0) h.set(h0.subarray(k * BR, (k + 1) * BR), first * BR);
      if (c && c0) c.set(c0.subarray(k * BH, (k + 1) * BH), first * BH);

      for (let step = 0; step < T; step++) {
        const t = d === 0 ? step : T - 1 - step;
        const { read, write } = slots(d, t);
        const xt = input.subarray(t * B * In, (t + 1) * B * In);
        const hPrev = h.subarray(read * BR, (read + 1) * BR);
        const hNext = h.subarray(write * BR, (write + 1) * BR);
        if (c && gates) {
          const cPrev = c.subarray(read * BH, (read + 1) * BH);
          const cNext = c.subarray(write * BH, (write + 1) * BH);
          const gt = gates.subarray(t * 4 * BH, (t + 1) * 4 * BH);
          const mt = m ? m.subarray(t * BH, (t + 1) * BH) : hNext;
          lstmCellForward(mt, cNext, gt, xt, hPrev, cPrev, p, B, In, H, cfg.cellActivation, R);
          if (m) projectionForward(hNext, mt, p.weightHr!, B, H, R);
        } else if (gru && gates) {
          gruCellForward(hNext, gates.subarray(t * 4 * BH, (t + 1) * 4 * BH), xt, hPrev, p, B, In, H);
        } else {
          rnnCellForward(hNext, xt, hPrev, p, B, In, H, cfg.cellActivation);
        }
        for (let b = 0; b < B; b++) {
          if (t < lengths[b]) {
            out.set(hNext.subarray(b * R, (b + 1) * R), (t * B + b) * D * R + d * R);
            continue;
          }
          // A step past the row's length does not exist: the state stays, the output is 0.
          h.copyWithin(write * BR + b * R, read * BR + b * R, read * BR + (b + 1) * R);
          if (c) c.copyWithin(write * BH + b * H, read * BH + b * H, read * BH + (b + 1) * H);
          if (gates) gates.fill(0, (t * B + b) * 4 * H, (t * B + b + 1) * 4 * H);
          if (m) m.fill(0, (t * B + b) * H, (t * B + b + 1) * H);
        }
      }
      tape.push({ input, gates, h, c, m, direction: d });
    }
    if (l < L - 1) {
      input = out.slice();
      const mask = masks?.[l];
      if (mask) for (let n = 0; n < input.length; n++) input[n] *= mask[n];
    }
  }

  const hN = new Float64Array(L * D * BR);
  const cN = lstm ? new Float64Array(L * D * BH) : null;
  tape.forEach((tp, k) => {
    const last = tp.direction === 0 ? T : 0; // the slot holding the final state
    hN.set(tp.h.subarray(last * BR, (last + 1) * BR), k * BR);
    if (cN) cN.set(tp.c!.subarray(last * BH, (last + 1) * BH), k * BH);
  });
  return { T, B, output: out, hN, cN, tape, lengths, dropoutMasks: masks };
}

const l2 = (a: Float64Array): number => {
  let s = 0;
  for (let n = 0; n < a.length; n++) s += a[n] * a[n];
  return Math.sqrt(s);
};

/**
 * BPTT for the loss whose upstream gradients are dOutput = dL/doutput [T,B,D·R], dhN = dL/dhN
 * [L·D,B,R] and dcN = dL/dcN [L·D,B,H] (missing ones are zero). A direction's final state is the
 * state its last step wrote, so dhN and dcN enter there and flow back with the step gradients; output
 * and hN are different tensors in PyTorch's autograd but the same values, so both gradients add up.
 * Layers are processed top-down; each one's input gradient (both directions summed, times the
 * dropout mask) is the next lower layer's output gradient.
 */
export function recurrentBackward(
  cfg: RecurrentConfig, params: LayerParams[], fwd: ForwardResult,
  dOutput: Float64Array, dhN?: Float64Array, dcN?: Float64Array,
): BackwardResult {
  checkRecurrentParams(cfg, params);
  const { hiddenSize: H, numLayers: L } = cfg;
  const { T, B, tape, lengths } = fwd;
  const lstm = cfg.cell === 'lstm';
  const gru = cfg.cell === 'gru';
  const D = directions(cfg);
  const R = outputWidth(cfg);
  const BH = B * H;
  const BR = B * R;
  checkLength('dOutput', dOutput, T * B * D * R, '[T,B,D·R]');
  checkLength('dhN', dhN, L * D * BR, '[L·D,B,R]');
  checkLength('dcN', dcN, L * D * BH, '[L·D,B,H]');
  if (!lstm && dcN !== undefined) throw new Error('dcN: an RNN has no cell state');

  const grads = zeroLayerParams(params);
  const dh0 = new Float64Array(L * D * BR);
  const dc0 = lstm ? new Float64Array(L * D * BH) : null;
  const cellGradNorms: (Float64Array | null)[] = new Array(L * D).fill(null);
  const hiddenGradNorms: Float64Array[] = new Array(L * D);
  const forgetGates: (Float64Array | null)[] = new Array(L * D).fill(null);

  let dAbove = dOutput; // [T,B,D·R] gradient reaching this layer's outputs from above (or from the loss)
  for (let l = L - 1; l >= 0; l--) {
    const In = layerInputSize(cfg, l);
    const dInput = new Float64Array(T * B * In);
    const dxt = new Float64Array(B * In);
    for (let d = 0; d < D; d++) {
      const k = l * D + d;
      const { input, gates, h, c, m } = tape[k];
      // The gradient reaching the state this direction's next processed step reads: initially dL/d(final state).
      const dhNext = dhN ? dhN.slice(k * BR, (k + 1) * BR) : new Float64Array(BR);
      const dcNext = dcN && lstm ? dcN.slice(k * BH, (k + 1) * BH) : new Float64Array(BH);
      const dh = new Float64Array(BR);
      const dc = new Float64Array(BH);
      const dm = m ? new Float64Array(BH) : null;
      const dhPrev = new Float64Array(BR);
      const dcPrev = new Float64Array(BH);
      const dcTotal = new Float64Array(BH);
      hiddenGradNorms[k] = new Float64Array(T);
      if (lstm) cellGradNorms[k] = new Float64Array(T);

      for (let step = T - 1; step >= 0; step--) {
        const t = d === 0 ? step : T - 1 - step;
        const { read, write } = slots(d, t);
        for (let b = 0; b < B; b++) {
          const valid = t < lengths[b];
          for (let j = 0; j < R; j++) dh[b * R + j] = valid ? dAbove[(t * B + b) * D * R + d * R + j] + dhNext[b * R + j] : 0;
          for (let j = 0; j < H; j++) dc[b * H + j] = valid ? dcNext[b * H + j] : 0;
        }
        hiddenGradNorms[k][t] = l2(dh);

        const xt = input.subarray(t * B * In, (t + 1) * B * In);
        const hPrev = h.subarray(read * BR, (read + 1) * BR);
        if (lstm && c && gates) {
          const cPrev = c.subarray(read * BH, (read + 1) * BH);
          const ct = c.subarray(write * BH, (write + 1) * BH);
          const gt = gates.subarray(t * 4 * BH, (t + 1) * 4 * BH);
          let dCell = dh;
          if (m && dm) {
            projectionBackward(dm, grads[k].weightHr!, dh, m.subarray(t * BH, (t + 1) * BH), params[k].weightHr!, B, H, R);
            dCell = dm;
          }
          lstmCellBackward(dxt, dhPrev, dcPrev, dcTotal, grads[k], dCell, dc,
            xt, hPrev, cPrev, ct, gt, params[k], B, In, H, cfg.cellActivation, R);
          cellGradNorms[k]![t] = l2(dcTotal);
        } else if (gru && gates) {
          gruCellBackward(dxt, dhPrev, grads[k], dh, xt, hPrev, gates.subarray(t * 4 * BH, (t + 1) * 4 * BH), params[k], B, In, H);
        } else {
          const ht = h.subarray(write * BR, (write + 1) * BR);
          rnnCellBackward(dxt, dhPrev, grads[k], dh, xt, hPrev, ht, params[k], B, In, H, cfg.cellActivation);
        }
        for (let n = 0; n < dxt.length; n++) dInput[t * B * In + n] += dxt[n];
        // A step that does not exist passes the state gradients through unchanged.
        for (let b = 0; b < B; b++) {
          if (t < lengths[b]) continue;
          dhPrev.set(dhNext.subarray(b * R, (b + 1) * R), b * R);
          if (lstm) dcPrev.set(dcNext.subarray(b * H, (b + 1) * H), b * H);
        }
        dhNext.set(dhPrev);
        if (lstm) dcNext.set(dcPrev);
      }

      dh0.set(dhNext, k * BR);
      if (dc0) dc0.set(dcNext, k * BH);
      if (gates && lstm) {
        // f_t sits in gate rows [H, 2H) of every [B,4H] block.
        const f = new Float64Array(T * BH);
        for (let n = 0; n < T * B; n++) for (let j = 0; j < H; j++) f[n * H + j] = gates[n * 4 * H + H + j];
        forgetGates[k] = f;
      }
    }
    const mask = l > 0 ? fwd.dropoutMasks?.[l - 1] : undefined;
    if (mask) for (let n = 0; n < dInput.length; n++) dInput[n] *= mask[n];
    dAbove = dInput;
  }
  const dx = dAbove; // layer 0's input gradient
  return { dx, dh0, dc0, grads, cellGradNorms, hiddenGradNorms, forgetGates };
}
