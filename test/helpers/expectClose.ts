import { expect } from 'vitest';
import { relErr } from '../../src/fixtures/compare';

export { relErr as relativeError };

type Numeric = ArrayLike<number>;

export interface CloseOptions {
  /** Bound on ‖actual − expected‖ / ‖expected‖ (L2 over the whole tensor). */
  relNorm?: number;
  /** Elementwise bound |a − e| ≤ atol + rtol·|e|, checked when either is given. */
  atol?: number;
  rtol?: number;
}

export interface Comparison {
  relErr: number;
  maxAbs: number;
  worst: string[];
}

/**
 * The one comparison every parity test uses. Fails on a length mismatch, on any NaN/Inf in
 * `actual`, and when the requested tolerances are exceeded; the message lists the first
 * mismatches with their indices so a failure says where to look.
 */
export function expectClose(actual: Numeric, expected: Numeric, name: string, opts: CloseOptions): Comparison {
  expect(actual.length, `${name}: length`).toBe(expected.length);
  const nonFinite: number[] = [];
  for (let i = 0; i < actual.length && nonFinite.length < 5; i++) if (!Number.isFinite(actual[i])) nonFinite.push(i);
  if (nonFinite.length > 0) {
    const shown = nonFinite.map((i) => `[${i}]=${actual[i]}`).join(', ');
    expect.fail(`${name}: non-finite values at ${shown}`);
  }
  const err = relErr(actual, expected);
  let maxAbs = 0;
  const worst: string[] = [];
  const elementwise = opts.atol !== undefined || opts.rtol !== undefined;
  const atol = opts.atol ?? 0;
  const rtol = opts.rtol ?? 0;
  for (let i = 0; i < expected.length; i++) {
    const d = Math.abs(actual[i] - expected[i]);
    maxAbs = Math.max(maxAbs, d);
    if (elementwise && d > atol + rtol * Math.abs(expected[i]) && worst.length < 5) {
      worst.push(`[${i}] got ${actual[i]} want ${expected[i]}`);
    }
  }
  if (opts.relNorm !== undefined && !(err <= opts.relNorm)) {
    expect.fail(`${name}: relative error ${err.toExponential(3)} > ${opts.relNorm} (max abs ${maxAbs.toExponential(3)})`);
  }
  if (worst.length > 0) {
    expect.fail(`${name}: elementwise mismatch (atol ${atol}, rtol ${rtol}, max abs ${maxAbs.toExponential(3)}): ${worst.join('; ')}`);
  }
  return { relErr: err, maxAbs, worst };
}
