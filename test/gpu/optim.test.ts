// GPU optimizers and clipping vs the CPU reference (src/cpu/optim.ts, src/cpu/clip.ts; the torch
// fixtures run in fixtures.test.ts), plus the guarantees the CPU cannot check: a skipped step (NaN/Inf grads or loss,
// norm over maxGradNorm) leaves params and state bit-for-bit unchanged, 3 dispatches per step for
// any P, a bit-identical norm run to run, checkpoints that round-trip, nothing leaked.
import { describe, expect, it } from 'vitest';
import { adamInit, adamStep, clipGradNorm, clipGradValue, sgdInit, sgdStep, type AdamState, type SgdState } from '../../src/cpu/optim';
import { GpuOptimizer, OPTIMIZER_DISPATCHES, type OptimizerState } from '../../src/optim/gpuOptimizer';
import { GpuGradClipper } from '../../src/optim/gpuClipper';
import type { ClipOptions, GpuOptimizerOptions } from '../../src/optim/options';
import type { Gpu } from '../../src/gpu/runtime';
import { STATUS_WORDS } from '../../src/kernels/optimLayout';
import { Rng, freshSeed } from '../../src/random';
import { expectClose } from '../helpers/expectClose';
import { gpuForTests } from '../helpers/gpu';

const gpu = await gpuForTests();

const TOL = 1e-5;
/** Largest relative error seen per check, printed at the end for the record. */
const worst: Record<string, number> = {};
function close(actual: ArrayLike<number>, expected: ArrayLike<number>, name: string, group: string): void {
  const { relErr } = expectClose(actual, expected, name, { relNorm: TOL });
  worst[group] = Math.max(worst[group] ?? 0, relErr);
}

const bits = (f: Float32Array): Uint32Array => new Uint32Array(f.buffer, f.byteOffset, f.length);

function upload(g: Gpu, data: ArrayLike<number>, label: string): GPUBuffer {
  const b = g.storage(data.length, label);
  g.write(b, Float32Array.from(data));
  return b;
}

/** One optimizer (or clipper) step as its own submission; returns the dispatches it recorded. */
function step(g: Gpu, k: { record(rec: ReturnType<Gpu['recorder']>): void }): number {
  const rec = g.recorder('optim test step');
  k.record(rec);
  g.submit(rec);
  return rec.dispatches;
}

/** Params, state buffers and step counter, all as raw bits, to prove a skipped step wrote nothing. */
async function snapshot(g: Gpu, opt: GpuOptimizer, params: GPUBuffer): Promise<{ params: Uint32Array; state: Record<string, Uint32Array>; status: Uint32Array }> {
  const p = bits(await g.read(params, opt.count));
  const st = await opt.exportState();
  const state = Object.fromEntries(Object.entries(st.buffers).map(([k, v]) => [k, bits(v)]));
  return { params: p, state, status: bits(await g.read(opt.statusBuffer, STATUS_WORDS)) };
}

function expectSameBits(a: Uint32Array, b: Uint32Array, what: string): void {
  expect(a.length, what).toBe(b.length);
  const diff = a.findIndex((v, i) => v !== b[i]);
  expect(diff, `${what}: first differing word`).toBe(-1);
}

// ---------------------------------------------------------------------------------------------
// The CPU reference: clip (norm, then value) and step, in f64, skipping what the GPU must skip.

interface RefStep {
  grads: Float64Array;
  lr: number;
  /** The step must be skipped (non-finite or guarded): the reference leaves everything alone. */
  skip?: boolean;
}

class CpuReference {
  readonly params: Float64Array;
  private readonly adam: AdamState | null;
  private readonly sgd: SgdState | null;
  norms: number[] = [];
  coefs: number[] = [];

  constructor(p0: Float64Array, private readonly o: GpuOptimizerOptions) {
    this.params = p0.slice();
    this.adam = o.kind === 'adam' ? adamInit([this.params]) : null;
    this.sgd = o.kind === 'sgd' ? sgdInit([this.params]) : null;
  }

  step(s: RefStep): void {
    if (s.skip) return;
    const o = this.o;
    const g = s.grads.slice();
    const clip = clipGradNorm([g.slice()], o.clipNorm ?? 1); // the norm of the raw grads, for the status
    this.norms.push(clip.totalNorm);
    this.coefs.push(o.clipNorm !== undefined ? clip.clipCoefClamped : 1);
    if (o.clipNorm !== undefined) clipGradNorm([g], o.clipNorm);
    if (o.clipValue !== undefined) clipGradValue([g], o.clipValue);
    if (o.kind === 'adam') {
      adamStep([this.params], [g], this.adam!, { lr: s.lr, beta1: o.beta1 ?? 0.9, beta2: o.beta2 ?? 0.999, eps: o.eps ?? 1e-8, weightDecay: o.weightDecay ?? 0 });
    } else {
      sgdStep([this.params], [g], this.sgd!, { lr: s.lr, momentum: o.momentum ?? 0, weightDecay: o.weightDecay ?? 0, dampening: o.dampening, nesterov: o.nesterov });
    }
  }

  get stepCount(): number {
    return (this.adam ?? this.sgd)!.step;
  }

  get state(): Record<string, Float64Array> {
    if (this.adam) return { exp_avg: this.adam.expAvg[0], exp_avg_sq: this.adam.expAvgSq[0] };
    const buf = this.sgd!.momentumBuffer[0];
    return buf ? { momentum_buffer: buf } : {};
  }
}

async function expectMatchesReference(g: Gpu, opt: GpuOptimizer, params: GPUBuffer, ref: CpuReference, name: string, group: string): Promise<void> {
  close(await g.read(params, opt.count), ref.params, `${name} params`, `${group} params`);
  const st = await opt.exportState();
  expect(st.step, `${name} step count`).toBe(ref.stepCount);
  const want = ref.state;
  expect(Object.keys(st.buffers).sort(), `${name} state buffers`).toEqual(Object.keys(want).sort());
  for (const [k, v] of Object.entries(want)) close(st.buffers[k], v, `${name} ${k}`, `${group} state`);
}

// ---------------------------------------------------------------------------------------------

// The torch fixtures (adam, sgd_momentum, clip_grad_norm) run through src/fixtures/checkGpu.ts in test/gpu/fixtures.test.ts.

describe.skipIf(!gpu)('GPU gradient clipping', () => {
  it('clipValue alone clamps exactly like clipGradValue; below clipNorm the grads stay as they were', async () => {
    const g = gpu!;
    const seed = freshSeed();
    const rng = new Rng(seed);
    const P = 1013;
    const raw = rng.uniformArray(P, -2, 2);
    const grads = upload(g, raw, 'grads');
    const byValue = new GpuGradClipper(g, { grads, count: P }, { clipValue: 0.7 });
    expect(step(g, byValue)).toBe(3);
    const want = raw.slice();
    clipGradValue([want], 0.7);
    expect(Array.from(await g.read(grads, P)), `seed=${seed}`).toEqual(Array.from(Float32Array.from(want)));
    byValue.dispose();

    g.write(grads, Float32Array.from(raw));
    const norm = Math.hypot(...raw);
    const byNorm = new GpuGradClipper(g, { grads, count: P }, { clipNorm: norm * 1.5 });
    step(g, byNorm);
    const s = await byNorm.readStatus();
    expect(s.clipCoef, `seed=${seed}`).toBe(1);
    expect(s.clipCoefRaw, `seed=${seed}`).toBeGreaterThan(1);
    expect(Array.from(await g.read(grads, P)), `seed=${seed}`).toEqual(Array.from(Float32Array.from(raw)));
    byNorm.dispose();
    g.pool.release(grads);
  });

  it('tiny gradients: the + 1e-6 of torch 1.13 shows in the coefficient', async () => {
    const g = gpu!;
    const seed = freshSeed();
    const raw = new Rng(seed).uniformArray(1000, -1e-5, 1e-5); // norm ≈ 1.8e-4, so 1e-6 is 0.5 %
    const norm = Math.sqrt(raw.reduce((a, v) => a + v * v, 0));
    const grads = upload(g, raw, 'grads');
    const clipper = new GpuGradClipper(g, { grads, count: raw.length }, { clipNorm: 0.5 * norm });
    step(g, clipper);
    const s = await clipper.readStatus();
    const want = raw.slice();
    const r = clipGradNorm([want], 0.5 * norm);
    close([s.clipCoefRaw], [r.clipCoef], `seed=${seed} clip_coef`, 'clip tiny');
    close(await g.read(grads, raw.length), want, `seed=${seed} clipped grads`, 'clip tiny');
    clipper.dispose();
    g.pool.release(grads);
  });

  it('a NaN gradient is left untouched and reported', async () => {
    const g = gpu!;
    const raw = Float32Array.from({ length: 300 }, (_, i) => Math.sin(i));
    raw[123] = Number.NaN;
    const grads = upload(g, raw, 'grads');
    const clipper = new GpuGradClipper(g, { grads, count: raw.length }, { clipNorm: 0.1, clipValue: 0.05 });
    step(g, clipper);
    const s = await clipper.readStatus();
    expect(s.applied).toBe(false);
    expect(s.gradNonFinite).toBe(true);
    expectSameBits(bits(await g.read(grads, raw.length)), bits(raw), 'grads');
    clipper.dispose();
    g.pool.release(grads);
  });

  it('the norm is bit-identical run to run (fixed reduction order)', async () => {
    const g = gpu!;
    const seed = freshSeed();
    const P = 1_000_003;
    const raw = new Rng(seed).uniformArray(P, -1, 1);
    const grads = upload(g, raw, 'grads');
    const clipper = new GpuGradClipper(g, { grads, count: P }, {});
    expect(step(g, clipper), 'norm only: 2 dispatches').toBe(2);
    const first = bits(await g.read(clipper.statusBuffer, 1));
    step(g, clipper);
    const second = bits(await g.read(clipper.statusBuffer, 1));
    expect(second[0]).toBe(first[0]);
    const norm = Math.sqrt(raw.reduce((a, v) => a + v * v, 0));
    close([new Float32Array(first.buffer)[0]], [norm], `seed=${seed} norm of ${P}`, 'norm');
    clipper.dispose();
    g.pool.release(grads);
  });
});

// ---------------------------------------------------------------------------------------------

interface RandomCase {
  name: string;
  opts: GpuOptimizerOptions;
  P: number;
  /** 'active': clipNorm below every step's norm; 'inactive': above every one. */
  clipNorm?: 'active' | 'inactive';
  /** A new learning rate from step 3 on. */
  lrFrom3?: number;
}

const STEPS = 4;
const randomCases: RandomCase[] = [
  { name: 'sgd plain P=1', P: 1, opts: { kind: 'sgd', lr: 0.1 } },
  { name: 'sgd momentum+dampening+wd P=7, clip inactive', P: 7, clipNorm: 'inactive', opts: { kind: 'sgd', lr: 0.05, momentum: 0.9, dampening: 0.1, weightDecay: 0.01 } },
  { name: 'sgd nesterov+wd P=1000003, clip active', P: 1_000_003, clipNorm: 'active', opts: { kind: 'sgd', lr: 0.02, momentum: 0.9, weightDecay: 1e-3, nesterov: true } },
  { name: 'sgd momentum P=1000, clip active + clipValue, lr change', P: 1000, clipNorm: 'active', lrFrom3: 0.3, opts: { kind: 'sgd', lr: 0.1, momentum: 0.5, clipValue: 0.02 } },
  { name: 'adam defaults P=1', P: 1, opts: { kind: 'adam', lr: 1e-3 } },
  { name: 'adam wd P=7, clip inactive, lr change', P: 7, clipNorm: 'inactive', lrFrom3: 0.02, opts: { kind: 'adam', lr: 0.01, beta1: 0.8, beta2: 0.99, eps: 1e-6, weightDecay: 0.01 } },
  { name: 'adam wd P=1000003, clip active', P: 1_000_003, clipNorm: 'active', opts: { kind: 'adam', lr: 0.01, weightDecay: 0.05 } },
  { name: 'adam P=1000, clipValue', P: 1000, opts: { kind: 'adam', lr: 0.01, clipValue: 0.25 } },
];

describe.skipIf(!gpu)('GPU optimizers vs the CPU reference, random inputs', () => {
  it.each(randomCases.map((c) => [c.name, c] as const))('%s', async (_name, c) => {
    const g = gpu!;
    const seed = freshSeed();
    const rng = new Rng(seed);
    const p0 = rng.uniformArray(c.P, -1, 1);
    const gradSteps = Array.from({ length: STEPS }, () => rng.uniformArray(c.P, -1, 1));
    const norms = gradSteps.map((gs) => Math.sqrt(gs.reduce((a, v) => a + v * v, 0)));
    const opts: GpuOptimizerOptions = { ...c.opts };
    if (c.clipNorm === 'active') opts.clipNorm = 0.5 * Math.min(...norms);
    if (c.clipNorm === 'inactive') opts.clipNorm = 2 * Math.max(...norms);
    const name = `${c.name} seed=${seed}`;

    const params = upload(g, p0, 'params');
    const grads = g.storage(c.P, 'grads');
    const opt = new GpuOptimizer(g, { params, grads, count: c.P }, opts);
    const ref = new CpuReference(p0, opts);
    for (let s = 1; s <= STEPS; s++) {
      const lr = c.lrFrom3 !== undefined && s >= 3 ? c.lrFrom3 : c.opts.lr;
      if (s === 3 && c.lrFrom3 !== undefined) opt.setLearningRate(lr);
      g.write(grads, Float32Array.from(gradSteps[s - 1]));
      expect(step(g, opt)).toBe(OPTIMIZER_DISPATCHES);
      ref.step({ grads: gradSteps[s - 1], lr });
      const st = await opt.readStatus();
      expect(st.applied, `${name} step ${s} applied`).toBe(true);
      close([st.gradNorm], [ref.norms[s - 1]], `${name} step ${s} gradNorm`, 'random gradNorm');
      close([st.clipCoef], [ref.coefs[s - 1]], `${name} step ${s} clipCoef`, 'random clipCoef');
      if (c.clipNorm) expect(st.clipCoef < 1, `${name} clipping ${c.clipNorm}`).toBe(c.clipNorm === 'active');
    }
    expect(opt.learningRate).toBe(c.lrFrom3 ?? c.opts.lr);
    await expectMatchesReference(g, opt, params, ref, name, `random ${c.opts.kind}`);
    opt.dispose();
    g.pool.release(params);
    g.pool.release(grads);
  });

  it('adam: bias correction and ε placement at full f32 precision (β2 = 0.9999, ε = 1e-3, params from 0)', async () => {
    // From p = 0 the params are the sum of the updates themselves, so a 1e-6 bound sees what the
    // 1e-5 bounds above cannot: 1 − β2^t via exp(t·ln β2) − 1 in f32 is off by up to 3e-4 here,
    // and ε before instead of after the bias correction changes the update by far more.
    const g = gpu!;
    const seed = freshSeed();
    const rng = new Rng(seed);
    const P = 1000;
    const opts: GpuOptimizerOptions = { kind: 'adam', lr: 0.1, beta1: 0.9, beta2: 0.9999, eps: 1e-3 };
    const params = upload(g, new Float64Array(P), 'params');
    const grads = g.storage(P, 'grads');
    const opt = new GpuOptimizer(g, { params, grads, count: P }, opts);
    const ref = new CpuReference(new Float64Array(P), opts);
    for (let s = 1; s <= 3; s++) {
      const gs = rng.uniformArray(P, -1, 1);
      g.write(grads, Float32Array.from(gs));
      step(g, opt);
      ref.step({ grads: gs, lr: opts.lr });
      const { relErr } = expectClose(await g.read(params, P), ref.params, `seed=${seed} step ${s} params`, { relNorm: 1e-6 });
      worst['adam precision params (bound 1e-6)'] = Math.max(worst['adam precision params (bound 1e-6)'] ?? 0, relErr);
    }
    opt.dispose();
    g.pool.release(params);
    g.pool.release(grads);
  });
});

// ---------------------------------------------------------------------------------------------

const guardOpts: Record<'sgd' | 'adam', GpuOptimizerOptions> = {
  sgd: { kind: 'sgd', lr: 0.05, momentum: 0.9, dampening: 0.1, weightDecay: 0.01 },
  adam: { kind: 'adam', lr: 0.01, weightDecay: 0.01 },
};

/** A fresh optimizer over random params with `loss` optional; the caller drives the steps. */
function setup(g: Gpu, kind: 'sgd' | 'adam', P: number, extra: ClipOptions & { loss?: boolean } = {}) {
  const seed = freshSeed();
  const rng = new Rng(seed);
  const p0 = rng.uniformArray(P, -1, 1);
  const params = upload(g, p0, 'params');
  const grads = g.storage(P, 'grads');
  const loss = extra.loss ? g.storage(4, 'loss') : null;
  const { loss: _l, ...clip } = extra;
  const opts = { ...guardOpts[kind], ...clip } as GpuOptimizerOptions;
  const opt = new GpuOptimizer(g, { params, grads, count: P, loss: loss ? { buffer: loss, offset: 2 } : undefined }, opts);
  const ref = new CpuReference(p0, opts);
  const release = () => {
    opt.dispose();
    for (const b of [params, grads, loss]) if (b) g.pool.release(b);
  };
  return { seed, rng, params, grads, loss, opt, ref, opts, release };
}

describe.skipIf(!gpu)('nothing lost on bad numbers', () => {
  it.each([['sgd'], ['adam']] as const)('%s: NaN or Inf in the grads skips the step bit-for-bit; the next finite step applies', async (kind) => {
    const g = gpu!;
    const P = 1001;
    const t = setup(g, kind, P, { clipNorm: 5 });
    const name = `${kind} seed=${t.seed}`;
    const lr = t.opts.lr;
    for (let s = 0; s < 2; s++) {
      const gs = t.rng.uniformArray(P, -1, 1);
      g.write(t.grads, Float32Array.from(gs));
      step(g, t.opt);
      t.ref.step({ grads: gs, lr });
    }
    for (const bad of [Number.NaN, Number.POSITIVE_INFINITY, Number.NEGATIVE_INFINITY]) {
      const before = await snapshot(g, t.opt, t.params);
      const gs = Float32Array.from(t.rng.uniformArray(P, -1, 1));
      gs[t.rng.int(P)] = bad;
      g.write(t.grads, gs);
      expect(step(g, t.opt)).toBe(OPTIMIZER_DISPATCHES);
      const st = await t.opt.readStatus();
      expect(st.applied, `${name} ${bad}: applied`).toBe(false);
      expect(st.gradNonFinite, `${name} ${bad}: gradNonFinite`).toBe(true);
      expect(Number.isFinite(st.gradNorm)).toBe(false);
      const after = await snapshot(g, t.opt, t.params);
      expectSameBits(after.params, before.params, `${name} ${bad}: params`);
      for (const k of Object.keys(before.state)) expectSameBits(after.state[k], before.state[k], `${name} ${bad}: ${k}`);
      expect(st.step, `${name} ${bad}: step count`).toBe(2);
    }
    expect((await t.opt.readStatus()).skipped).toBe(3);
    const gs = t.rng.uniformArray(P, -1, 1);
    g.write(t.grads, Float32Array.from(gs));
    step(g, t.opt);
    t.ref.step({ grads: gs, lr });
    const st = await t.opt.readStatus();
    expect(st.applied && st.step === 3, `${name}: the finite step after applies as step 3`).toBe(true);
    await expectMatchesReference(g, t.opt, t.params, t.ref, `${name} after skips`, `skip ${kind}`);
    t.release();
  });

  it.each([['sgd'], ['adam']] as const)('%s: a NaN or Inf loss skips the step bit-for-bit; the next finite one applies', async (kind) => {
    const g = gpu!;
    const P = 77;
    const t = setup(g, kind, P, { loss: true });
    const name = `${kind} seed=${t.seed}`;
    const lr = t.opts.lr;
    const run = async (lossValue: number) => {
      const gs = t.rng.uniformArray(P, -1, 1);
      g.write(t.grads, Float32Array.from(gs));
      g.write(t.loss!, new Float32Array([Number.NaN, Number.NaN, lossValue, Number.NaN])); // only [2] is the loss
      step(g, t.opt);
      return gs;
    };
    t.ref.step({ grads: await run(0.5), lr });
    expect((await t.opt.readStatus()).loss).toBe(0.5);
    for (const bad of [Number.NaN, Number.POSITIVE_INFINITY]) {
      const before = await snapshot(g, t.opt, t.params);
      await run(bad);
      const st = await t.opt.readStatus();
      expect(st.applied, `${name} loss ${bad}`).toBe(false);
      expect(st.lossNonFinite && !st.gradNonFinite, `${name} loss ${bad}: flags ${JSON.stringify(st)}`).toBe(true);
      const after = await snapshot(g, t.opt, t.params);
      expectSameBits(after.params, before.params, `${name} loss ${bad}: params`);
      for (const k of Object.keys(before.state)) expectSameBits(after.state[k], before.state[k], `${name} loss ${bad}: ${k}`);
      expect(st.step).toBe(1);
    }
    t.ref.step({ grads: await run(0.25), lr });
    expect((await t.opt.readStatus()).applied).toBe(true);
    await expectMatchesReference(g, t.opt, t.params, t.ref, `${name} after bad losses`, `skip ${kind}`);
    t.release();
  });

  it.each([['sgd'], ['adam']] as const)('%s: maxGradNorm skips steps whose pre-clip norm is over it', async (kind) => {
    const g = gpu!;
    const P = 500;
    // Norms of uniform(±s) grads are about s·√(P/3) ≈ 12.9·s; clipping at 1 stays active throughout.
    const t = setup(g, kind, P, { clipNorm: 1, maxGradNorm: 20 });
    const name = `${kind} seed=${t.seed}`;
    const lr = t.opts.lr;
    for (const [scale, applies] of [[0.5, true], [5, false], [1, true]] as const) {
      const gs = t.rng.uniformArray(P, -scale, scale);
      const before = await snapshot(g, t.opt, t.params);
      g.write(t.grads, Float32Array.from(gs));
      step(g, t.opt);
      t.ref.step({ grads: gs, lr, skip: !applies });
      const st = await t.opt.readStatus();
      expect(st.applied, `${name} scale ${scale}: norm ${st.gradNorm}`).toBe(applies);
      expect(st.overMaxGradNorm).toBe(!applies);
      if (applies) expect(st.clipCoef, `${name}: clipNorm 1 is below every norm here`).toBeLessThan(1);
      if (!applies) expectSameBits((await snapshot(g, t.opt, t.params)).params, before.params, `${name}: params`);
    }
    await expectMatchesReference(g, t.opt, t.params, t.ref, `${name} guard`, `skip ${kind}`);
    t.release();
  });
});

// ---------------------------------------------------------------------------------------------

describe.skipIf(!gpu)('GPU optimizer plumbing', () => {
  it('dispatches per step: 3, the same for P = 1 and P = 1000003', () => {
    const g = gpu!;
    const counts: string[] = [];
    for (const P of [1, 1_000_003]) {
      for (const opts of [guardOpts.sgd, guardOpts.adam, { kind: 'sgd', lr: 0.1 } as const]) {
        const params = g.storage(P, 'params');
        const grads = g.storage(P, 'grads');
        const opt = new GpuOptimizer(g, { params, grads, count: P }, { ...opts, clipNorm: 1, clipValue: 1, maxGradNorm: 10 });
        const rec = g.recorder();
        opt.record(rec);
        rec.finish();
        counts.push(`${opts.kind} P=${P}: ${rec.dispatches}`);
        expect(rec.dispatches).toBe(OPTIMIZER_DISPATCHES);
        opt.dispose();
        g.pool.release(params);
        g.pool.release(grads);
      }
    }
    expect(OPTIMIZER_DISPATCHES).toBeLessThanOrEqual(3);
    console.info(`dispatches per optimizer step: ${counts.join(', ')}`);
  });

  it.each([['sgd'], ['adam']] as const)('%s: exportState/importState round-trips into a fresh optimizer', async (kind) => {
    const g = gpu!;
    const P = 333;
    const a = setup(g, kind, P);
    for (let s = 0; s < 2; s++) {
      g.write(a.grads, Float32Array.from(a.rng.uniformArray(P, -1, 1)));
      step(g, a.opt);
    }
    const saved: OptimizerState = await a.opt.exportState();
    expect(saved.step).toBe(2);
    const params = upload(g, await g.read(a.params, P), 'params copy');
    const b = new GpuOptimizer(g, { params, grads: a.grads, count: P }, a.opts);
    b.importState(saved);
    expect((await b.exportState()).step).toBe(2);
    step(g, a.opt); // the same grads for both
    step(g, b);
    expectSameBits(bits(await g.read(params, P)), bits(await g.read(a.params, P)), `${kind} params after step 3`);
    const [sa, sb] = [await a.opt.exportState(), await b.exportState()];
    expect(sb.step).toBe(3);
    for (const k of Object.keys(sa.buffers)) expectSameBits(bits(sb.buffers[k]), bits(sa.buffers[k]), `${kind} ${k}`);
    expect(() => b.importState({ step: 1, buffers: {} })).toThrow(/state\.buffers: expected/);
    const wrongLength = Object.fromEntries(Object.keys(saved.buffers).map((k) => [k, new Float32Array(P + 1)]));
    if (Object.keys(wrongLength).length > 0) expect(() => b.importState({ step: 1, buffers: wrongLength })).toThrow(/expected 333 values/);
    b.dispose();
    g.pool.release(params);
    a.release();
  });

  it('dispose returns every buffer to the pool; bad options are rejected before any GPU work', () => {
    const g = gpu!;
    const params = g.storage(10, 'params');
    const grads = g.storage(10, 'grads');
    const loss = g.storage(1, 'loss');
    const inUse = g.pool.stats.inUse;
    for (const opts of [guardOpts.sgd, guardOpts.adam, { kind: 'sgd', lr: 1 } as const]) {
      new GpuOptimizer(g, { params, grads, count: 10, loss: { buffer: loss } }, { ...opts, clipNorm: 1, clipValue: 1, maxGradNorm: 1 }).dispose();
      expect(g.pool.stats.inUse, `${opts.kind}`).toBe(inUse);
    }
    new GpuGradClipper(g, { grads, count: 10 }, { clipNorm: 1 }).dispose();
    expect(g.pool.stats.inUse).toBe(inUse);
    const t = { params, grads, count: 10 };
    expect(() => new GpuOptimizer(g, t, { kind: 'adam', lr: 0.1, beta2: 1 })).toThrow(/^beta2:/);
    expect(() => new GpuOptimizer(g, t, { kind: 'sgd', lr: -1 })).toThrow(/^lr:/);
    expect(() => new GpuOptimizer(g, t, { kind: 'sgd', lr: 0.1, momentum: 0.9, dampening: 0.1, nesterov: true })).toThrow(/^nesterov:/);
    expect(() => new GpuOptimizer(g, t, { kind: 'sgd', lr: 0.1, clipNorm: 0 })).toThrow(/^clipNorm:/);
    expect(() => new GpuOptimizer(g, { ...t, count: 0 }, { kind: 'sgd', lr: 0.1 })).toThrow(/^count:/);
    expect(() => new GpuOptimizer(g, { ...t, count: 1000 }, { kind: 'sgd', lr: 0.1 })).toThrow(/fewer than count/);
    expect(() => new GpuOptimizer(g, { ...t, loss: { buffer: loss, offset: 64 } }, { kind: 'sgd', lr: 0.1 })).toThrow(/^loss\.offset/);
    expect(g.pool.stats.inUse).toBe(inUse);
    for (const b of [params, grads, loss]) g.pool.release(b);
  });

  it('worst relative errors (report)', () => {
    console.info(`worst relative errors: ${Object.entries(worst).map(([k, v]) => `${k} ${v.toExponential(2)}`).join('; ')}`);
    expect(Object.values(worst).every((v) => v <= TOL)).toBe(true);
  });
});
