// Clipping and optimizers beyond the PyTorch fixtures (which the fixture test already runs): weight
// decay, dampening, nesterov, clipping below the threshold, clipGradValue, state round trips. Expected
// values come from the PyTorch update formulas written out element by element here.
import { describe, expect, it } from 'vitest';
import {
  adamInit, adamStateFromJSON, adamStateToJSON, adamStep, clipGradNorm, clipGradValue,
  sgdInit, sgdStateFromJSON, sgdStateToJSON, sgdStep, type SgdOptions,
} from '../../src/cpu/optim';
import { freshSeed, Rng } from '../../src/random';
import { expectClose } from '../helpers/expectClose';

const sizes = [5, 1, 12];
const randomTensors = (rng: Rng, scale: number) => sizes.map((n) => rng.uniformArray(n, -scale, scale));
const copy = (ts: Float64Array[]) => ts.map((t) => t.slice());
const globalNorm = (ts: Float64Array[]) => Math.sqrt(ts.reduce((s, t) => s + t.reduce((a, v) => a + v * v, 0), 0));

describe('clipGradNorm', () => {
  it('above the threshold: scales everything by maxNorm / (norm + 1e-6), keeping the direction', () => {
    const seed = freshSeed();
    const rng = new Rng(seed);
    const grads = randomTensors(rng, 3);
    const before = copy(grads);
    const norm = globalNorm(before);
    const maxNorm = norm * rng.uniform(0.1, 0.9);
    const r = clipGradNorm(grads, maxNorm);
    expectClose([r.totalNorm], [norm], `seed=${seed} totalNorm`, { relNorm: 1e-14 });
    expectClose([r.clipCoef], [maxNorm / (norm + 1e-6)], `seed=${seed} clipCoef`, { relNorm: 1e-14 });
    expect(r.clipCoefClamped).toBe(r.clipCoef);
    expect(r.clipped).toBe(true);
    before.forEach((g, j) => expectClose(grads[j], g.map((v) => v * r.clipCoef), `seed=${seed} grads[${j}]`, { relNorm: 1e-15 }));
    const after = globalNorm(grads);
    expect(after, `seed=${seed}: the + 1e-6 leaves the clipped norm just below maxNorm`).toBeLessThan(maxNorm);
    expectClose([after], [(maxNorm * norm) / (norm + 1e-6)], `seed=${seed} clipped norm`, { relNorm: 1e-14 });
  });

  it('below the threshold: coefficient clamped to 1, gradients unchanged', () => {
    const seed = freshSeed();
    const rng = new Rng(seed);
    const grads = randomTensors(rng, 1);
    const before = copy(grads);
    const norm = globalNorm(before);
    const r = clipGradNorm(grads, norm * rng.uniform(1.1, 3));
    expect(r.clipCoef, `seed=${seed}`).toBeGreaterThan(1);
    expect(r.clipCoefClamped).toBe(1);
    expect(r.clipped).toBe(false);
    before.forEach((g, j) => expectClose(grads[j], g, `seed=${seed} grads[${j}]`, { relNorm: 0 }));
  });
});

describe('clipGradValue', () => {
  it('clamps each element into [−v, v] and leaves the rest alone', () => {
    const seed = freshSeed();
    const rng = new Rng(seed);
    const grads = randomTensors(rng, 2);
    const before = copy(grads);
    const v = rng.uniform(0.3, 1.2);
    clipGradValue(grads, v);
    let clamped = 0;
    before.forEach((g, j) =>
      g.forEach((x, n) => {
        const want = x > v ? v : x < -v ? -v : x;
        if (want !== x) clamped++;
        expect(grads[j][n], `seed=${seed} grads[${j}][${n}] (was ${x}, v = ${v})`).toBe(want);
      }),
    );
    expect(clamped, `seed=${seed}: some elements must have been outside [−v, v]`).toBeGreaterThan(0);
    expect(() => clipGradValue(grads, -1)).toThrow(/^clipValue:/);
  });
});

/** torch.optim.SGD's update, one element at a time. */
function sgdReference(p0: number[], gs: number[][], o: Required<SgdOptions>): { p: number[]; buf: number[] } {
  const p = p0.slice();
  const buf: number[] = [];
  gs.forEach((g, s) => {
    for (let n = 0; n < p.length; n++) {
      let d = g[n] + o.weightDecay * p[n];
      if (o.momentum !== 0) {
        buf[n] = s === 0 ? d : o.momentum * buf[n] + (1 - o.dampening) * d;
        d = o.nesterov ? d + o.momentum * buf[n] : buf[n];
      }
      p[n] = p[n] - o.lr * d;
    }
  });
  return { p, buf };
}

describe('sgdStep', () => {
  const variants: Required<SgdOptions>[] = [
    { lr: 0.05, momentum: 0.9, weightDecay: 0.1, dampening: 0, nesterov: false },
    { lr: 0.02, momentum: 0.8, weightDecay: 0.03, dampening: 0.3, nesterov: false },
    { lr: 0.1, momentum: 0.7, weightDecay: 0.2, dampening: 0, nesterov: true },
    { lr: 0.3, momentum: 0, weightDecay: 0.05, dampening: 0, nesterov: false },
  ];
  for (const o of variants) {
    it(`follows the formula: ${JSON.stringify(o)}`, () => {
      const seed = freshSeed();
      const rng = new Rng(seed);
      const params = randomTensors(rng, 2);
      const steps = [0, 1, 2, 3].map(() => randomTensors(rng, 1));
      const want = params.map((p, j) => sgdReference([...p], steps.map((g) => [...g[j]]), o));
      const state = sgdInit(params);
      for (const g of steps) sgdStep(params, copy(g), state, o);
      expect(state.step).toBe(steps.length);
      params.forEach((p, j) => {
        expectClose(p, want[j].p, `seed=${seed} params[${j}]`, { relNorm: 1e-15 });
        if (o.momentum !== 0) expectClose(state.momentumBuffer[j]!, want[j].buf, `seed=${seed} buf[${j}]`, { relNorm: 1e-15 });
        else expect(state.momentumBuffer[j]).toBeNull();
      });
    });
  }

  it('state survives a JSON round trip', () => {
    const seed = freshSeed();
    const rng = new Rng(seed);
    const o = variants[0];
    const a = randomTensors(rng, 1);
    const b = copy(a);
    const steps = [0, 1, 2].map(() => randomTensors(rng, 1));
    const sa = sgdInit(a);
    let sb = sgdInit(b);
    steps.forEach((g, s) => {
      sgdStep(a, copy(g), sa, o);
      sgdStep(b, copy(g), sb, o);
      if (s === 1) sb = sgdStateFromJSON(JSON.parse(JSON.stringify(sgdStateToJSON(sb))));
    });
    a.forEach((p, j) => expectClose(b[j], p, `seed=${seed} params[${j}]`, { relNorm: 0 }));
    expect(sb.step).toBe(sa.step);
  });
});

describe('adamStep', () => {
  it('first step moves each parameter by lr·g/(|g| + eps) (bias correction cancels the betas)', () => {
    const seed = freshSeed();
    const rng = new Rng(seed);
    const params = randomTensors(rng, 1);
    const grads = randomTensors(rng, 1e-3);
    const before = copy(params);
    const o = { lr: 0.01, beta1: 0.9, beta2: 0.999, eps: 1e-8, weightDecay: 0 };
    adamStep(params, grads, adamInit(params), o);
    params.forEach((p, j) =>
      expectClose(p, before[j].map((v, n) => v - (o.lr * grads[j][n]) / (Math.abs(grads[j][n]) + o.eps)), `seed=${seed} params[${j}]`, { relNorm: 1e-14 }),
    );
  });

  it('weight decay adds weightDecay·p to the gradient before the moments (L2, not AdamW)', () => {
    const seed = freshSeed();
    const rng = new Rng(seed);
    const o = { lr: 0.003, beta1: 0.85, beta2: 0.99, eps: 1e-6, weightDecay: 0.07 };
    const params = randomTensors(rng, 2);
    const steps = [0, 1, 2].map(() => randomTensors(rng, 1));
    // PyTorch's Adam, element by element.
    const want = params.map((p0, j) => {
      const p = [...p0];
      const m = p.map(() => 0);
      const v = p.map(() => 0);
      steps.forEach((gs, s) => {
        const t = s + 1;
        for (let n = 0; n < p.length; n++) {
          const g = gs[j][n] + o.weightDecay * p[n];
          m[n] = o.beta1 * m[n] + (1 - o.beta1) * g;
          v[n] = o.beta2 * v[n] + (1 - o.beta2) * g * g;
          const denom = Math.sqrt(v[n]) / Math.sqrt(1 - o.beta2 ** t) + o.eps;
          p[n] -= (o.lr / (1 - o.beta1 ** t)) * (m[n] / denom);
        }
      });
      return { p, m, v };
    });
    let state = adamInit(params);
    steps.forEach((g, s) => {
      adamStep(params, copy(g), state, o);
      if (s === 0) state = adamStateFromJSON(JSON.parse(JSON.stringify(adamStateToJSON(state))));
    });
    expect(state.step).toBe(3);
    params.forEach((p, j) => {
      expectClose(p, want[j].p, `seed=${seed} params[${j}]`, { relNorm: 1e-14 });
      expectClose(state.expAvg[j], want[j].m, `seed=${seed} exp_avg[${j}]`, { relNorm: 1e-14 });
      expectClose(state.expAvgSq[j], want[j].v, `seed=${seed} exp_avg_sq[${j}]`, { relNorm: 1e-14 });
    });
  });

  it('rejects mismatched gradients, naming them', () => {
    const params = [new Float64Array(3)];
    expect(() => adamStep(params, [new Float64Array(2)], adamInit(params), { lr: 1, beta1: 0.9, beta2: 0.99, eps: 1e-8, weightDecay: 0 })).toThrow(/^grads\[0\]:/);
    expect(() => sgdStep(params, [], sgdInit(params), { lr: 1, momentum: 0, weightDecay: 0 })).toThrow(/^grads:/);
  });
});
