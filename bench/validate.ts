// Validation before timing: a contender's inference output, first-step loss and updated weights
// against the CPU reference, as relative L2 errors ‖got − want‖/‖want‖ (relErr from src/fixtures/compare).
// Any NaN/Inf fails. f32 peers must be within 1e-3 of the float64 reference; gateflow's f16 storage
// (precision 'f16') within F16_TOLERANCE, the bound its tests hold it to (test/gpu/precision.test.ts).
import { relErr } from '../src/fixtures/compare';
import type { LayerParams } from '../src/config';
import type { ParamStyle, ParamsView, Update } from './contender';
import type { Problem, Reference } from './problem';

export const TOLERANCE = 1e-3;
export const F16_TOLERANCE = 1e-2;
/**
 * Adam's first step is −lr·g/(|g|+ε) ≈ ∓lr per element: where |g| is at the level of f32 noise its
 * sign (hence a whole ±lr) can flip, so the step itself is checked at 1e-2; the weights still at 1e-3.
 */
export const ADAM_STEP_TOLERANCE = 1e-2;

export interface Check {
  name: string;
  relErr: number;
  tol: number;
  pass: boolean;
}

export interface Validation {
  pass: boolean;
  checks: Check[];
}

function concat(arrays: ArrayLike<number>[]): Float64Array {
  const out = new Float64Array(arrays.reduce((n, a) => n + a.length, 0));
  let o = 0;
  for (const a of arrays) {
    for (let i = 0; i < a.length; i++) out[o + i] = a[i];
    o += a.length;
  }
  return out;
}

function finite(a: ArrayLike<number>): boolean {
  for (let i = 0; i < a.length; i++) if (!Number.isFinite(a[i])) return false;
  return true;
}

export function check(name: string, got: ArrayLike<number> | number, want: ArrayLike<number> | number, tol: number): Check {
  const g = typeof got === 'number' ? [got] : got;
  const w = typeof want === 'number' ? [want] : want;
  const e = finite(g) && g.length === w.length ? relErr(g, w) : Number.POSITIVE_INFINITY;
  return { name, relErr: Number.isNaN(e) ? Number.POSITIVE_INFINITY : e, tol, pass: e <= tol };
}

const sum = (a: ArrayLike<number>, b: ArrayLike<number>): Float64Array => Float64Array.from({ length: a.length }, (_, i) => a[i] + b[i]);

/** The parameters in a style's flat order: weight_ih, weight_hh, then the bias(es). */
export function flatParams(style: ParamStyle, p: ParamsView | LayerParams): Float64Array {
  const v = p as ParamsView;
  if (style === 'torch') {
    if (!v.biasIh || !v.biasHh) throw new Error('torch-style parameters need biasIh and biasHh');
    return concat([v.weightIh, v.weightHh, v.biasIh, v.biasHh]);
  }
  const bias = v.bias ?? (v.biasIh && v.biasHh ? sum(v.biasIh, v.biasHh) : null);
  if (!bias) throw new Error('keras-style parameters need bias (or biasIh and biasHh to add)');
  return concat([v.weightIh, v.weightHh, bias]);
}

/**
 * The expected weights after one step in a style. PyTorch's two biases each take −lr·db, a Keras
 * bias (their sum) takes it once: the same model, a different parameterization of its bias.
 */
export function expectedAfterStep(style: ParamStyle, update: Update, problem: Problem, ref: Reference): Float64Array {
  if (update === 'adam-clip') {
    if (style !== 'torch') throw new Error('adam-clip expectations exist for the PyTorch layout only');
    return flatParams('torch', ref.adamClip);
  }
  if (style === 'torch') return flatParams('torch', ref.sgd);
  const w0 = problem.weights;
  const bias = Float64Array.from({ length: w0.biasIh.length }, (_, i) => w0.biasIh[i] + w0.biasHh[i] - problem.lr * ref.grads.biasIh[i]);
  return concat([ref.sgd.weightIh, ref.sgd.weightHh, bias]);
}

export interface Observed {
  output: ArrayLike<number>;
  loss: number;
  params: ParamsView;
}

/** Compares one contender's inference output, first loss, updated weights and the step itself. */
export function validate(style: ParamStyle, update: Update, problem: Problem, ref: Reference, got: Observed, tol = TOLERANCE): Validation {
  const initial = flatParams(style, problem.weights);
  const want = expectedAfterStep(style, update, problem, ref);
  const have = flatParams(style, got.params);
  const step = (a: Float64Array) => Float64Array.from(a, (v, i) => v - initial[i]);
  const checks = [
    check('inference output h', got.output, ref.output, tol),
    check('loss', got.loss, ref.loss, tol),
    check('updated weights', have, want, tol),
    check('weight step Δθ', have.length === want.length ? step(have) : have, step(want), update === 'adam-clip' ? Math.max(tol, ADAM_STEP_TOLERANCE) : tol),
  ];
  return { pass: checks.every((c) => c.pass), checks };
}
