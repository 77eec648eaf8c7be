// The cell view's numbers (pages/lib/cellView.ts): one unit's series out of a trace, and the units
// that vary most, on a trace built by hand.
import { describe, expect, it } from 'vitest';
import { interestingUnits, unitSeries } from '../../pages/lib/cellView';
import type { CellTrace } from '../../pages/lib/stepper';

/** An LSTM trace of 4 steps, 3 units: part p of unit j at step t holds (t + 1)·(p + 1)·(j + 1)/100, except c. */
function trace(c: (t: number, j: number) => number): CellTrace {
  const parts = ['i', 'f', 'g', 'o', 'c', 'h'];
  const H = 3;
  const data = new Float32Array(4 * parts.length * H);
  for (let t = 0; t < 4; t++) {
    for (let p = 0; p < parts.length; p++) {
      for (let j = 0; j < H; j++) data[(t * parts.length + p) * H + j] = parts[p] === 'c' ? c(t, j) : ((t + 1) * (p + 1) * (j + 1)) / 100;
    }
  }
  return { steps: 4, parts, hidden: H, data };
}

describe('cell view', () => {
  it("reads one unit's part at every step; the cell state through tanh", () => {
    const tr = trace((t, j) => t - j);
    expect(Array.from(unitSeries(tr, 'f', 2))).toEqual([0.06, 0.12, 0.18, 0.24].map(Math.fround)); // (t + 1)·2·3/100
    expect(Array.from(unitSeries(tr, 'c', 1))).toEqual([-1, 0, 1, 2].map((v) => Math.fround(Math.tanh(v))));
    expect(() => unitSeries({ ...tr, parts: ['h'] }, 'c', 0)).toThrow(/no part "c" \(it has h\)/);
  });

  it('ranks units by how much they vary over the text', () => {
    // Unit 2 swings from −3 to 3, unit 0 barely moves, unit 1 is constant.
    const tr = trace((t, j) => (j === 2 ? (t % 2 ? 3 : -3) : j === 0 ? t * 0.1 : 0.5));
    expect(interestingUnits(tr, 'c', 3)).toEqual([2, 0, 1]);
    expect(interestingUnits(tr, 'c', 1)).toEqual([2]);
    // Gate f grows with the unit index: unit 2 varies most.
    expect(interestingUnits(tr, 'f', 2)).toEqual([2, 1]);
  });
});
