// The reference's nn.LSTM options — two directions, the LSTM projection, per-row lengths and dropout
// between layers (as fixed masks) — against finite differences (central, float64) of
//   L = Σ output ⊙ R + Σ hN ⊙ Rh + Σ cN ⊙ Rc
// on random cases (fresh seed each run, printed in failure messages), and the meaning of lengths
// checked against running each row alone, truncated to its length.
import { describe, expect, it } from 'vitest';
import { recurrentBackward, recurrentForward, rowLengths, type SequenceOptions } from '../../src/cpu/recurrent';
import { directions, gatesPerCell, layerInputSize, outputWidth, type LayerParams, type RecurrentConfig } from '../../src/config';
import { freshSeed, Rng } from '../../src/random';
import { expectClose } from '../helpers/expectClose';
import { fdGrad, type RecurrentLossCase } from '../helpers/finiteDifferences';
import type { SequenceCase } from '../helpers/models';

/** A SequenceCase (here lengths are any in [1, T], one row of length 1) with dropout p between layers, as a fixed random mask. */
type Options = SequenceCase & { dropout?: number };

interface Case extends RecurrentLossCase {
  opts: SequenceOptions;
}

function randomCase(rng: Rng, o: Options): Case {
  const cfg: RecurrentConfig = { cell: o.cell, inputSize: o.I, hiddenSize: o.H, numLayers: o.L, cellActivation: 'tanh', bidirectional: !!o.bidirectional, projSize: o.projSize ?? 0 };
  const D = directions(cfg);
  const R = outputWidth(cfg);
  const GH = gatesPerCell(o.cell) * o.H;
  const params: LayerParams[] = [];
  for (let l = 0; l < o.L; l++) {
    for (let d = 0; d < D; d++) {
      params.push({
        weightIh: rng.uniformArray(GH * layerInputSize(cfg, l), -0.6, 0.6),
        weightHh: rng.uniformArray(GH * R, -0.6, 0.6),
        biasIh: rng.uniformArray(GH, -0.5, 0.5),
        biasHh: rng.uniformArray(GH, -0.5, 0.5),
        ...(o.projSize ? { weightHr: rng.uniformArray(R * o.H, -0.7, 0.7) } : {}),
      });
    }
  }
  const lstm = o.cell === 'lstm';
  const opts: SequenceOptions = {};
  if (o.lengths) {
    const lengths = Array.from({ length: o.B }, () => 1 + rng.int(o.T));
    if (o.B > 1) lengths[rng.int(o.B)] = 1;
    opts.lengths = lengths;
  }
  if (o.dropout) {
    const keep = 1 / (1 - o.dropout);
    opts.dropoutMasks = Array.from({ length: o.L - 1 }, () => Float64Array.from({ length: o.T * o.B * D * R }, () => (rng.next() < o.dropout! ? 0 : keep)));
  }
  return {
    cfg, params, T: o.T, B: o.B, opts,
    x: rng.uniformArray(o.T * o.B * o.I, -1, 1),
    h0: rng.uniformArray(o.L * D * o.B * R, -0.8, 0.8),
    c0: lstm ? rng.uniformArray(o.L * D * o.B * o.H, -1.5, 1.5) : undefined,
    R: rng.uniformArray(o.T * o.B * D * R, -1, 1),
    Rh: rng.uniformArray(o.L * D * o.B * R, -1, 1),
    Rc: lstm ? rng.uniformArray(o.L * D * o.B * o.H, -1, 1) : undefined,
  };
}

const dot = (a: Float64Array, b: Float64Array): number => {
  let s = 0;
  for (let n = 0; n < a.length; n++) s += a[n] * b[n];
  return s;
};

const forward = (c: Case) => recurrentForward(c.cfg, c.params, c.x, c.T, c.B, c.h0, c.c0, c.opts);
function loss(c: Case): number {
  const f = forward(c);
  return dot(f.output, c.R) + dot(f.hN, c.Rh) + (f.cN && c.Rc ? dot(f.cN, c.Rc) : 0);
}

const STEP = 1e-6;
const central = (f: () => number, a: Float64Array) => fdGrad(f, a, STEP);

function checkAllGradients(c: Case, label: string): void {
  const fwd = forward(c);
  const bwd = recurrentBackward(c.cfg, c.params, fwd, c.R, c.Rh, c.Rc);
  const f = () => loss(c);
  const tol = { relNorm: 1e-6, atol: 1e-7, rtol: 1e-5 };
  expectClose(bwd.dx, central(f, c.x), `${label} dx`, tol);
  expectClose(bwd.dh0, central(f, c.h0), `${label} dh0`, tol);
  if (c.c0) expectClose(bwd.dc0!, central(f, c.c0), `${label} dc0`, tol);
  c.params.forEach((p, k) => {
    for (const key of ['weightIh', 'weightHh', 'biasIh', 'biasHh', 'weightHr'] as const) {
      if (p[key]) expectClose(bwd.grads[k][key]!, central(f, p[key]!), `${label} params[${k}].${key}`, tol);
    }
  });
}

const CASES: (Options & { name: string })[] = [
  { name: 'lstm bidirectional, 2 layers', cell: 'lstm', I: 3, H: 4, L: 2, T: 4, B: 2, bidirectional: true },
  { name: 'rnn bidirectional, T=1, batch 1', cell: 'rnn', I: 2, H: 3, L: 2, T: 1, B: 1, bidirectional: true },
  { name: 'lstm projection 5→2, 2 layers', cell: 'lstm', I: 3, H: 5, L: 2, T: 4, B: 2, projSize: 2 },
  { name: 'lstm projection, bidirectional, unsorted lengths', cell: 'lstm', I: 2, H: 4, L: 2, T: 5, B: 3, projSize: 3, bidirectional: true, lengths: true },
  { name: 'lstm unsorted lengths with a length-1 row', cell: 'lstm', I: 3, H: 3, L: 1, T: 6, B: 4, lengths: true },
  { name: 'rnn bidirectional with lengths', cell: 'rnn', I: 3, H: 4, L: 2, T: 5, B: 3, bidirectional: true, lengths: true },
  { name: 'lstm dropout 0.4 between 3 layers, bidirectional', cell: 'lstm', I: 2, H: 3, L: 3, T: 3, B: 2, bidirectional: true, dropout: 0.4 },
  { name: 'rnn dropout 0.5 with lengths', cell: 'rnn', I: 2, H: 3, L: 2, T: 4, B: 3, dropout: 0.5, lengths: true },
  { name: 'gru, T=1, batch 1', cell: 'gru', I: 3, H: 4, L: 1, T: 1, B: 1 },
  { name: 'gru bidirectional with unsorted lengths, 2 layers, dropout 0.3', cell: 'gru', I: 2, H: 5, L: 2, T: 5, B: 3, bidirectional: true, lengths: true, dropout: 0.3 },
];

describe('the reference with nn.LSTM options, against finite differences', () => {
  it.each(CASES)('$name', (o) => {
    const seed = freshSeed();
    checkAllGradients(randomCase(new Rng(seed), o), `${o.name} (seed ${seed})`);
  });
});

describe('lengths mean what packed sequences mean', () => {
  it.each([
    { cell: 'gru' as const, bidirectional: true, projSize: 0 },
    { cell: 'lstm' as const, bidirectional: true, projSize: 0 },
    { cell: 'lstm' as const, bidirectional: false, projSize: 2 },
    { cell: 'rnn' as const, bidirectional: true, projSize: 0 },
  ])('each row equals that row run alone over its own length ($cell, bidirectional $bidirectional, projSize $projSize)', (o) => {
    const seed = freshSeed();
    const c = randomCase(new Rng(seed), { ...o, I: 3, H: 4, L: 2, T: 6, B: 4, lengths: true });
    const tag = `seed ${seed}`;
    const fwd = forward(c);
    const D = directions(c.cfg);
    const R = outputWidth(c.cfg);
    const H = c.cfg.hiddenSize;
    const lengths = c.opts.lengths!;
    for (let b = 0; b < c.B; b++) {
      const n = lengths[b];
      const row = (a: Float64Array, rows: number, width: number) => {
        const out = new Float64Array(rows * width);
        for (let r = 0; r < rows; r++) out.set(a.subarray((r * c.B + b) * width, (r * c.B + b + 1) * width), r * width);
        return out;
      };
      const I = c.cfg.inputSize;
      const alone = recurrentForward(c.cfg, c.params, row(c.x, n, I), n, 1, row(c.h0, 2 * D, R), c.c0 ? row(c.c0, 2 * D, H) : undefined);
      expectClose(row(fwd.output, n, D * R), alone.output, `${tag} row ${b} (length ${n}) output`, { relNorm: 1e-13 });
      expectClose(row(fwd.hN, 2 * D, R), alone.hN, `${tag} row ${b} hN`, { relNorm: 1e-13 });
      if (fwd.cN) expectClose(row(fwd.cN, 2 * D, H), alone.cN!, `${tag} row ${b} cN`, { relNorm: 1e-13 });
      // Past its length a row's output is exactly 0.
      for (let t = n; t < c.T; t++) for (let j = 0; j < D * R; j++) expect(fwd.output[(t * c.B + b) * D * R + j]).toBe(0);
    }
  });

  it('lengths of T are the same as no lengths, and all-ones dropout masks the same as none', () => {
    const c = randomCase(new Rng(freshSeed()), { cell: 'lstm', I: 2, H: 3, L: 2, T: 4, B: 3, bidirectional: true });
    const plain = forward(c);
    const D = directions(c.cfg);
    const same = recurrentForward(c.cfg, c.params, c.x, c.T, c.B, c.h0, c.c0, { lengths: [4, 4, 4], dropoutMasks: [new Float64Array(c.T * c.B * D * 3).fill(1)] });
    expect(same.output).toEqual(plain.output);
    expect(same.hN).toEqual(plain.hN);
  });

  it('refuses lengths out of range or of the wrong count, a projection of an RNN or ≥ H, naming them', () => {
    expect(() => rowLengths([3, 0], 4, 2)).toThrow(/lengths\[1\] = 0: a length must be an integer in \[1, T = 4\]/);
    expect(() => rowLengths([3, 5], 4, 2)).toThrow(/lengths\[1\] = 5/);
    expect(() => rowLengths([2.5, 1], 4, 2)).toThrow(/lengths\[0\] = 2.5/);
    expect(() => rowLengths([1, 2, 3], 4, 2)).toThrow(/lengths has 3 values but needs one per batch row \(B = 2\)/);
    expect(Array.from(rowLengths(undefined, 4, 3))).toEqual([4, 4, 4]);
    const c = randomCase(new Rng(1), { cell: 'lstm', I: 2, H: 3, L: 1, T: 2, B: 1 });
    expect(() => recurrentForward({ ...c.cfg, projSize: 3 }, c.params, c.x, 2, 1)).toThrow(/projSize must be an integer in \[1, hiddenSize = 3\), got 3/);
    expect(() => recurrentForward({ ...c.cfg, cell: 'rnn', projSize: 2 }, c.params, c.x, 2, 1)).toThrow(/projSize is for the LSTM only/);
    expect(() => recurrentForward({ ...c.cfg, bidirectional: true }, c.params, c.x, 2, 1)).toThrow(/params: expected 2 \(layer, direction\) entries, got 1/);
  });
});
