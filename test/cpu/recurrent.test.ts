// The recurrent reference against finite differences (central, float64) of
//   L = Σ output ⊙ R + Σ hN ⊙ Rh + Σ cN ⊙ Rc
// for random cases (fresh seed each run, printed in every failure message), and its diagnostics
// (‖dL/dh_t‖, ‖dL/dc_t‖, f_t) against an independent, perturbable forward written here.
import { describe, expect, it } from 'vitest';
import { matmulABt } from '../../src/cpu/matmul';
import { recurrentBackward, recurrentForward, type ForwardResult } from '../../src/cpu/recurrent';
import type { CellActivation, CellKind, LayerParams, RecurrentConfig } from '../../src/config';
import { gatesPerCell, layerInputSize } from '../../src/config';
import { freshSeed, Rng } from '../../src/random';
import { expectClose } from '../helpers/expectClose';
import { fdGrad, type RecurrentLossCase } from '../helpers/finiteDifferences';

type Case = RecurrentLossCase;

interface Shape {
  cell: CellKind;
  act: CellActivation;
  I: number;
  H: number;
  L: number;
  T: number;
  B: number;
  /** Half of the gate rows get a bias of magnitude ~10, so their pre-activations sit far in the flat tails. */
  saturate?: boolean;
}

function randomCase(rng: Rng, s: Shape): Case {
  const cfg: RecurrentConfig = { cell: s.cell, inputSize: s.I, hiddenSize: s.H, numLayers: s.L, cellActivation: s.act };
  const GH = gatesPerCell(s.cell) * s.H;
  const w = s.saturate ? 0.25 : 0.6;
  const params: LayerParams[] = [];
  for (let l = 0; l < s.L; l++) {
    const p = {
      weightIh: rng.uniformArray(GH * layerInputSize(cfg, l), -w, w),
      weightHh: rng.uniformArray(GH * s.H, -w, w),
      biasIh: rng.uniformArray(GH, -0.5, 0.5),
      biasHh: rng.uniformArray(GH, -0.5, 0.5),
    };
    if (s.saturate) for (let r = 0; r < GH; r += 2) p.biasIh[r] = (rng.next() < 0.5 ? -1 : 1) * rng.uniform(9.5, 11);
    params.push(p);
  }
  const LBH = s.L * s.B * s.H;
  const lstm = s.cell === 'lstm';
  return {
    cfg, params, T: s.T, B: s.B,
    x: rng.uniformArray(s.T * s.B * s.I, -1, 1),
    h0: rng.uniformArray(LBH, -0.8, 0.8),
    c0: lstm ? rng.uniformArray(LBH, -1.5, 1.5) : undefined,
    R: rng.uniformArray(s.T * s.B * s.H, -1, 1),
    Rh: rng.uniformArray(LBH, -1, 1),
    Rc: lstm ? rng.uniformArray(LBH, -1, 1) : undefined,
  };
}

const dot = (a: Float64Array, b: Float64Array): number => {
  let s = 0;
  for (let n = 0; n < a.length; n++) s += a[n] * b[n];
  return s;
};

function lossOf(c: Case, fwd: { output: Float64Array; hN: Float64Array; cN: Float64Array | null }): number {
  return dot(fwd.output, c.R) + dot(fwd.hN, c.Rh) + (fwd.cN && c.Rc ? dot(fwd.cN, c.Rc) : 0);
}

const runLoss = (c: Case): number => lossOf(c, recurrentForward(c.cfg, c.params, c.x, c.T, c.B, c.h0, c.c0));

const STEP = 1e-6;

const central = (f: () => number, a: Float64Array) => fdGrad(f, a, STEP);

/** FD noise: the loss's rounding error (∝ Σ|terms|) divided by the step, with a wide margin. */
function fdTolerance(c: Case): { relNorm: number; atol: number; rtol: number } {
  const fwd = recurrentForward(c.cfg, c.params, c.x, c.T, c.B, c.h0, c.c0);
  let mag = 0;
  for (let n = 0; n < c.R.length; n++) mag += Math.abs(fwd.output[n] * c.R[n]);
  for (let n = 0; n < c.Rh.length; n++) mag += Math.abs(fwd.hN[n] * c.Rh[n]);
  if (fwd.cN && c.Rc) for (let n = 0; n < c.Rc.length; n++) mag += Math.abs(fwd.cN[n] * c.Rc[n]);
  return { relNorm: 1e-6, atol: (1e-16 * Math.max(mag, 1)) / STEP * 100, rtol: 1e-6 };
}

/** Pre-activations a_t = W_ih in_t + b_ih + W_hh h_{t-1} + b_hh of every layer, recomputed from the tape with matmulABt. */
function preactivations(c: Case, fwd: ForwardResult): Float64Array[] {
  const { T, B } = c;
  const H = c.cfg.hiddenSize;
  const GH = gatesPerCell(c.cfg.cell) * H;
  return fwd.tape.map((layer, l) => {
    const In = layerInputSize(c.cfg, l);
    const p = c.params[l];
    const a = new Float64Array(T * B * GH);
    for (let t = 0; t < T; t++) {
      const fromInput = matmulABt(layer.input.subarray(t * B * In, (t + 1) * B * In), p.weightIh, B, GH, In, p.biasIh);
      const fromState = matmulABt(layer.h.subarray(t * B * H, (t + 1) * B * H), p.weightHh, B, GH, H, p.biasHh);
      for (let n = 0; n < B * GH; n++) a[t * B * GH + n] = fromInput[n] + fromState[n];
    }
    return a;
  });
}

function checkAllGradients(c: Case, label: string): void {
  const fwd = recurrentForward(c.cfg, c.params, c.x, c.T, c.B, c.h0, c.c0);
  const bwd = recurrentBackward(c.cfg, c.params, fwd, c.R, c.Rh, c.Rc);
  const f = () => runLoss(c);
  const tol = fdTolerance(c);
  expectClose(bwd.dx, central(f, c.x), `${label} dx`, tol);
  expectClose(bwd.dh0, central(f, c.h0), `${label} dh0`, tol);
  if (c.c0) {
    expect(bwd.dc0, `${label} dc0`).not.toBeNull();
    expectClose(bwd.dc0!, central(f, c.c0), `${label} dc0`, tol);
  } else {
    expect(bwd.dc0, `${label} dc0 of an RNN`).toBeNull();
  }
  for (let l = 0; l < c.cfg.numLayers; l++) {
    for (const key of ['weightIh', 'weightHh', 'biasIh', 'biasHh'] as const) {
      expectClose(bwd.grads[l][key], central(f, c.params[l][key]), `${label} layer ${l} ${key}`, tol);
    }
  }
}

const cells: { cell: CellKind; act: CellActivation }[] = [
  { cell: 'lstm', act: 'tanh' },
  { cell: 'lstm', act: 'sigmoid' },
  { cell: 'rnn', act: 'tanh' },
  { cell: 'rnn', act: 'sigmoid' },
];

const sizes = [
  { I: 3, H: 2, L: 1, T: 1, B: 1 },
  { I: 5, H: 7, L: 1, T: 5, B: 3 },
  { I: 3, H: 5, L: 2, T: 4, B: 3 },
  { I: 4, H: 3, L: 2, T: 1, B: 3 },
  { I: 1, H: 3, L: 2, T: 6, B: 1 },
];

describe('recurrentBackward against finite differences', () => {
  for (const { cell, act } of cells) {
    for (const size of sizes) {
      const name = `${cell}/${act} I${size.I} H${size.H} L${size.L} T${size.T} B${size.B}`;
      it(name, () => {
        const seed = freshSeed();
        checkAllGradients(randomCase(new Rng(seed), { cell, act, ...size }), `${name} seed=${seed}`);
      });
    }

    it(`${cell}/${act} with saturated gates (|a| ≥ 8)`, () => {
      const seed = freshSeed();
      const label = `${cell}/${act} saturated seed=${seed}`;
      const c = randomCase(new Rng(seed), { cell, act, I: 3, H: 4, L: 2, T: 5, B: 2, saturate: true });
      const fwd = recurrentForward(c.cfg, c.params, c.x, c.T, c.B, c.h0, c.c0);
      for (const [l, a] of preactivations(c, fwd).entries()) {
        const large = a.filter((v) => Math.abs(v) >= 8).length;
        expect(large / a.length, `${label} layer ${l}: share of |pre-activation| ≥ 8`).toBeGreaterThanOrEqual(0.4);
      }
      checkAllGradients(c, label);
    });
  }
});

/**
 * An independent forward (time outer, layers inner, one scalar at a time) that can add a perturbation
 * to one state element right after it is computed: h_t of a layer (feeding the output, the next step and
 * the layer above) or c_t (feeding h_t and the next step). FD over such perturbations gives the total
 * derivatives dL/dh_t and dL/dc_t that the diagnostics report.
 */
function perturbedLoss(c: Case, at?: { kind: 'h' | 'c'; l: number; t: number; n: number; delta: number }): { loss: number; forget: Float64Array[] } {
  const { T, B } = c;
  const { hiddenSize: H, numLayers: L, cellActivation: act } = c.cfg;
  const lstm = c.cfg.cell === 'lstm';
  const sig = (v: number) => 1 / (1 + Math.exp(-v));
  const phi = (v: number) => (act === 'tanh' ? Math.tanh(v) : sig(v));
  const h = Array.from({ length: L }, (_, l) => Array.from(c.h0.subarray(l * B * H, (l + 1) * B * H)));
  const cs = Array.from({ length: L }, (_, l) => (c.c0 ? Array.from(c.c0.subarray(l * B * H, (l + 1) * B * H)) : []));
  const forget = Array.from({ length: L }, () => new Float64Array(T * B * H));
  let loss = 0;
  for (let t = 0; t < T; t++) {
    let below: number[] = Array.from(c.x.subarray(t * B * c.cfg.inputSize, (t + 1) * B * c.cfg.inputSize));
    for (let l = 0; l < L; l++) {
      const p = c.params[l];
      const In = layerInputSize(c.cfg, l);
      const pre = (row: number, b: number) => {
        let s = p.biasIh[row] + p.biasHh[row];
        for (let k = 0; k < In; k++) s += p.weightIh[row * In + k] * below[b * In + k];
        for (let k = 0; k < H; k++) s += p.weightHh[row * H + k] * h[l][b * H + k];
        return s;
      };
      const hNew = new Array<number>(B * H);
      const cNew = new Array<number>(B * H);
      for (let b = 0; b < B; b++) {
        for (let j = 0; j < H; j++) {
          const n = b * H + j;
          if (lstm) {
            const f = sig(pre(H + j, b));
            forget[l][t * B * H + n] = f;
            cNew[n] = f * cs[l][n] + sig(pre(j, b)) * phi(pre(2 * H + j, b));
            if (at?.kind === 'c' && at.l === l && at.t === t && at.n === n) cNew[n] += at.delta;
            hNew[n] = sig(pre(3 * H + j, b)) * phi(cNew[n]);
          } else {
            hNew[n] = phi(pre(j, b));
          }
          if (at?.kind === 'h' && at.l === l && at.t === t && at.n === n) hNew[n] += at.delta;
        }
      }
      h[l] = hNew;
      if (lstm) cs[l] = cNew;
      below = hNew;
    }
    for (let n = 0; n < B * H; n++) loss += h[L - 1][n] * c.R[t * B * H + n];
  }
  for (let l = 0; l < L; l++) {
    for (let n = 0; n < B * H; n++) {
      loss += h[l][n] * c.Rh[l * B * H + n];
      if (c.Rc) loss += cs[l][n] * c.Rc[l * B * H + n];
    }
  }
  return { loss, forget };
}

const norm = (a: ArrayLike<number>): number => {
  let s = 0;
  for (let n = 0; n < a.length; n++) s += a[n] * a[n];
  return Math.sqrt(s);
};

describe('gradient-flow diagnostics', () => {
  for (const { cell, act } of cells) {
    for (const finalOnly of [false, true]) {
      const name = `${cell}/${act}${finalOnly ? ' (loss on the final state only)' : ''}`;
      it(name, () => {
        const seed = freshSeed();
        const label = `${name} seed=${seed}`;
        const c = randomCase(new Rng(seed), { cell, act, I: 3, H: 4, L: 2, T: 5, B: 3 });
        if (finalOnly) c.R.fill(0);
        const { T, B } = c;
        const { hiddenSize: H, numLayers: L } = c.cfg;
        const BH = B * H;
        const fwd = recurrentForward(c.cfg, c.params, c.x, T, B, c.h0, c.c0);
        const bwd = recurrentBackward(c.cfg, c.params, fwd, c.R, c.Rh, c.Rc);
        const ref = perturbedLoss(c);
        expect(Math.abs(ref.loss - lossOf(c, fwd)), `${label}: independent forward loss`).toBeLessThan(1e-12 * Math.max(1, Math.abs(ref.loss)));

        const tol = { relNorm: 1e-6 };
        for (let l = 0; l < L; l++) {
          const dhNorms = new Float64Array(T);
          const dcNorms = new Float64Array(T);
          for (let t = 0; t < T; t++) {
            const dh = new Float64Array(BH);
            const dc = new Float64Array(BH);
            for (let n = 0; n < BH; n++) {
              const fd = (kind: 'h' | 'c') =>
                (perturbedLoss(c, { kind, l, t, n, delta: STEP }).loss - perturbedLoss(c, { kind, l, t, n, delta: -STEP }).loss) / (2 * STEP);
              dh[n] = fd('h');
              if (cell === 'lstm') dc[n] = fd('c');
            }
            dhNorms[t] = norm(dh);
            dcNorms[t] = norm(dc);
          }
          expectClose(bwd.hiddenGradNorms[l], dhNorms, `${label} hiddenGradNorms[${l}]`, tol);
          if (cell === 'lstm') {
            expectClose(bwd.cellGradNorms[l]!, dcNorms, `${label} cellGradNorms[${l}]`, tol);
            expectClose(bwd.forgetGates[l]!, ref.forget[l], `${label} forgetGates[${l}]`, { relNorm: 1e-14 });
          } else {
            expect(bwd.cellGradNorms[l], `${label} RNN cellGradNorms`).toBeNull();
            expect(bwd.forgetGates[l], `${label} RNN forgetGates`).toBeNull();
          }
        }

        // At the top layer's last step nothing arrives from later steps or from above:
        // dL/dh_{T-1} = R[T-1] + Rh[L-1], and dL/dc_{T-1} = dh ⊙ o ⊙ ψ'(c) + Rc[L-1].
        const top = L - 1;
        const dhLast = new Float64Array(BH);
        for (let n = 0; n < BH; n++) dhLast[n] = c.R[(T - 1) * BH + n] + c.Rh[top * BH + n];
        expectClose([bwd.hiddenGradNorms[top][T - 1]], [norm(dhLast)], `${label} top ‖dh_T-1‖`, { relNorm: 1e-14 });
        if (cell === 'lstm') {
          const { gates, c: cells } = fwd.tape[top];
          const dcLast = new Float64Array(BH);
          for (let b = 0; b < B; b++) {
            for (let j = 0; j < H; j++) {
              const n = b * H + j;
              const o = gates![(T - 1) * 4 * BH + b * 4 * H + 3 * H + j];
              const s = cells![T * BH + n];
              const psiGrad = act === 'tanh' ? 1 - Math.tanh(s) ** 2 : (1 / (1 + Math.exp(-s))) * (1 - 1 / (1 + Math.exp(-s)));
              dcLast[n] = dhLast[n] * o * psiGrad + c.Rc![top * BH + n];
            }
          }
          expectClose([bwd.cellGradNorms[top]![T - 1]], [norm(dcLast)], `${label} top ‖dc_T-1‖`, { relNorm: 1e-13 });
        }
      });
    }
  }
});

describe('recurrentForward / recurrentBackward conventions', () => {
  it('missing h0/c0 mean zeros, and missing dhN/dcN mean no final-state loss', () => {
    const seed = freshSeed();
    const c = randomCase(new Rng(seed), { cell: 'lstm', act: 'tanh', I: 3, H: 4, L: 2, T: 3, B: 2 });
    const zeros = new Float64Array(c.h0.length);
    const a = recurrentForward(c.cfg, c.params, c.x, c.T, c.B);
    const b = recurrentForward(c.cfg, c.params, c.x, c.T, c.B, zeros, zeros);
    expectClose(a.output, b.output, `seed=${seed} output`, { relNorm: 0 });
    expectClose(a.cN!, b.cN!, `seed=${seed} cN`, { relNorm: 0 });
    const g1 = recurrentBackward(c.cfg, c.params, a, c.R);
    const g2 = recurrentBackward(c.cfg, c.params, a, c.R, zeros, zeros);
    expectClose(g1.dx, g2.dx, `seed=${seed} dx`, { relNorm: 0 });
    expectClose(g1.grads[0].weightHh, g2.grads[0].weightHh, `seed=${seed} dW_hh`, { relNorm: 0 });
  });

  it('output is the top layer h, hN/cN the last step of every layer, bias grads are equal', () => {
    const seed = freshSeed();
    const c = randomCase(new Rng(seed), { cell: 'lstm', act: 'tanh', I: 2, H: 3, L: 3, T: 4, B: 2 });
    const fwd = recurrentForward(c.cfg, c.params, c.x, c.T, c.B, c.h0, c.c0);
    const BH = c.B * c.cfg.hiddenSize;
    expectClose(fwd.output.subarray((c.T - 1) * BH), fwd.hN.subarray(2 * BH), `seed=${seed} output[T-1] = hN[L-1]`, { relNorm: 0 });
    expectClose(fwd.tape[1].input, fwd.tape[0].h.subarray(BH), `seed=${seed} layer 1 input = layer 0 h`, { relNorm: 0 });
    expectClose(fwd.tape[0].h.subarray(0, BH), c.h0.subarray(0, BH), `seed=${seed} tape h[0] = h0`, { relNorm: 0 });
    const bwd = recurrentBackward(c.cfg, c.params, fwd, c.R, c.Rh, c.Rc);
    for (const g of bwd.grads) expectClose(g.biasIh, g.biasHh, `seed=${seed} bias grads`, { relNorm: 0 });
  });

  it('rejects inputs of the wrong size, naming them', () => {
    const c = randomCase(new Rng(freshSeed()), { cell: 'rnn', act: 'tanh', I: 2, H: 3, L: 1, T: 2, B: 2 });
    expect(() => recurrentForward(c.cfg, c.params, c.x.subarray(1), c.T, c.B)).toThrow(/^x:/);
    expect(() => recurrentForward(c.cfg, c.params, c.x, c.T, c.B, new Float64Array(5))).toThrow(/^h0:/);
    expect(() => recurrentForward(c.cfg, c.params, c.x, c.T, c.B, c.h0, c.h0)).toThrow(/^c0:/);
    expect(() => recurrentForward(c.cfg, [], c.x, c.T, c.B)).toThrow(/^params:/);
    const bad = [{ ...c.params[0], weightHh: new Float64Array(4) }];
    expect(() => recurrentForward(c.cfg, bad, c.x, c.T, c.B)).toThrow(/^params\[0\]\.weightHh:/);
    const fwd = recurrentForward(c.cfg, c.params, c.x, c.T, c.B);
    expect(() => recurrentBackward(c.cfg, c.params, fwd, c.R.subarray(1))).toThrow(/^dOutput:/);
    expect(() => recurrentBackward(c.cfg, c.params, fwd, c.R, c.Rh, c.Rh)).toThrow(/^dcN:/);
  });
});
