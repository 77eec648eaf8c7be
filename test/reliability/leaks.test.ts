// Long runs keep memory flat: the buffer pool's counters are exactly the same after warm-up however
// many more steps run, the JS heap stays bounded, and dispose() gives every buffer back.
import { describe, expect, it } from 'vitest';
import { TrainingSession } from '../../src/train/session';
import { RecurrentNetwork } from '../../src/model/recurrentNetwork';
import type { PoolStats } from '../../src/gpu/bufferPool';
import { Rng } from '../../src/random';
import { gpuForTests } from '../helpers/gpu';
import { MiB, SMALL, addingBatch, gc, heapUsed, sized } from './helpers';

const gpu = await gpuForTests();

const STEPS = sized(2000, 20000);
const WARM_UP = 500;
/** Five shapes against a plan cache of four: every call misses the LRU cache, builds a plan and disposes one. */
const SHAPES: [T: number, B: number][] = [[5, 2], [3, 1], [7, 2], [5, 3], [4, 2]];
/** With gc, growth past warm-up must be noise; without, only a runaway leak is caught. */
const HEAP_BOUND = gc ? 8 * MiB : 64 * MiB;

const fmt = (s: PoolStats) => `${s.liveBuffers} buffers, ${(s.liveBytes / 1024).toFixed(1)} KiB live (${s.inUse} in use, ${(s.pooledBytes / 1024).toFixed(1)} KiB pooled)`;

describe.skipIf(!gpu)('no leaks over long runs', () => {
  it(`${STEPS} training steps (H=8, shapes changing every step): pool stats at step ${WARM_UP} and ${STEPS} identical, heap bounded`, async () => {
    const g = gpu!;
    const session = new TrainingSession(g, SMALL, { kind: 'adam', lr: 0.01, clipNorm: 1 }, { seed: 1 });
    const samples = new Map<number, PoolStats>();
    let heapAtWarmUp = 0;
    let rssAtWarmUp = 0;
    const t0 = performance.now();
    for (let s = 1; s <= STEPS; s++) {
      const [T, B] = SHAPES[s % SHAPES.length];
      const report = session.step(addingBatch(7, s, T, B), { report: s % 50 === 0 });
      if (report) expect((await report).applied, `step ${s}`).toBe(true);
      if (s === WARM_UP) {
        heapAtWarmUp = await heapUsed();
        rssAtWarmUp = process.memoryUsage().rss;
      }
      if (s >= WARM_UP && s % SHAPES.length === WARM_UP % SHAPES.length) samples.set(s, g.pool.stats);
    }
    await g.device.queue.onSubmittedWorkDone();
    const rssGrowth = process.memoryUsage().rss - rssAtWarmUp;
    const seconds = (performance.now() - t0) / 1000;
    const heapGrowth = (await heapUsed()) - heapAtWarmUp;
    const atWarmUp = samples.get(WARM_UP)!;
    console.log(`training: ${STEPS} steps in ${seconds.toFixed(1)} s (${(STEPS / seconds).toFixed(0)} steps/s); pool ${fmt(atWarmUp)} at step ${WARM_UP} and ${fmt(g.pool.stats)} at ${STEPS}; heap growth ${(heapGrowth / MiB).toFixed(2)} MiB (gc: ${!!gc}), RSS growth ${(rssGrowth / MiB).toFixed(1)} MiB`);
    for (const [s, stats] of samples) expect(stats, `pool stats at step ${s} vs step ${WARM_UP}`).toEqual(atWarmUp);
    expect(g.pool.stats).toEqual(atWarmUp);
    expect(heapGrowth).toBeLessThan(HEAP_BOUND);
    // Native memory (Dawn's objects, the driver) is outside the JS heap: only a runaway leak is caught here.
    expect(rssGrowth).toBeLessThan(256 * MiB);
    session.dispose();
  });

  it(`${STEPS} forward-only calls with changing T and B: pool stats identical after warm-up, heap bounded`, async () => {
    const g = gpu!;
    const net = new RecurrentNetwork(g, { inputSize: 3, hiddenSize: 8, numLayers: 2 });
    const rng = new Rng(3);
    const samples = new Map<number, PoolStats>();
    let heapAtWarmUp = 0;
    const t0 = performance.now();
    for (let s = 1; s <= STEPS; s++) {
      const [T, B] = SHAPES[s % SHAPES.length];
      const out = await net.forward({ x: rng.uniformArray(T * B * 3, -1, 1), T, B }, { training: false });
      expect(out.output.length).toBe(T * B * 8);
      if (s === WARM_UP) heapAtWarmUp = await heapUsed();
      if (s >= WARM_UP && s % SHAPES.length === WARM_UP % SHAPES.length) samples.set(s, g.pool.stats);
    }
    const seconds = (performance.now() - t0) / 1000;
    const heapGrowth = (await heapUsed()) - heapAtWarmUp;
    const atWarmUp = samples.get(WARM_UP)!;
    console.log(`forward: ${STEPS} calls in ${seconds.toFixed(1)} s; pool ${fmt(atWarmUp)} at call ${WARM_UP}, ${fmt(g.pool.stats)} at ${STEPS}; heap growth ${(heapGrowth / MiB).toFixed(2)} MiB`);
    for (const [s, stats] of samples) expect(stats, `pool stats at call ${s} vs call ${WARM_UP}`).toEqual(atWarmUp);
    expect(heapGrowth).toBeLessThan(HEAP_BOUND);
    net.dispose();
  });

  it('sequence lengths that never repeat: the pool keeps at most maxPooledBytes idle, live memory stays bounded', async () => {
    const g = gpu!;
    const cap = 64 * 1024;
    const oldCap = g.pool.maxPooledBytes;
    g.pool.maxPooledBytes = cap;
    try {
      const net = new RecurrentNetwork(g, { inputSize: 3, hiddenSize: 8 });
      const inUseBaseline = g.pool.stats.liveBytes - g.pool.stats.pooledBytes;
      let maxLive = 0;
      const calls = sized(300, 3000);
      for (let T = 1; T <= calls; T++) {
        await net.forward({ x: new Float32Array(T * 3).fill(0.5), T, B: 1 }, { training: false });
        const s = g.pool.stats;
        expect(s.pooledBytes, `T=${T}`).toBeLessThanOrEqual(cap);
        maxLive = Math.max(maxLive, s.liveBytes);
      }
      // Live = in use (the network and its ≤ 4 cached plans, the largest ones last) + at most the cap.
      const cachedPlans = [calls, calls - 1, calls - 2, calls - 3].reduce((sum, T) => sum + planBytes(T), 0);
      console.log(`${calls} distinct lengths: max live ${(maxLive / 1024).toFixed(0)} KiB (bound ${((inUseBaseline + cachedPlans + cap) / 1024).toFixed(0)} KiB)`);
      expect(maxLive).toBeLessThanOrEqual(inUseBaseline + cachedPlans + cap);
      net.dispose();
    } finally {
      g.pool.maxPooledBytes = oldCap;
    }
  });

  it('dispose() gives back every buffer: in-use count returns to the baseline, and after trim() so does everything', async () => {
    const g = gpu!;
    g.pool.trim();
    const baseline = g.pool.stats;
    const session = new TrainingSession(g, { ...SMALL, numLayers: 2 }, { kind: 'sgd', lr: 0.1, momentum: 0.9 }, { seed: 2 });
    for (let s = 0; s < 20; s++) session.step(addingBatch(1, s, 3 + (s % 6), 1 + (s % 3)));
    await session.net.forward({ x: new Float32Array(4 * 2 * 2), T: 4, B: 2 }, { training: false });
    await session.checkpoint();
    expect(g.pool.stats.inUse).toBeGreaterThan(baseline.inUse);
    session.dispose();
    expect(g.pool.stats.inUse).toBe(baseline.inUse);
    g.pool.trim();
    expect(g.pool.stats).toEqual(baseline);
    // A network used on its own, forward and backward, the same.
    const net = new RecurrentNetwork(g, { cell: 'rnn', inputSize: 2, hiddenSize: 5, numLayers: 2 });
    await net.forward({ x: new Float32Array(3 * 2 * 2), T: 3, B: 2 });
    await net.backward({ dOutput: new Float32Array(3 * 2 * 5) });
    net.dispose();
    expect(g.pool.stats.inUse).toBe(baseline.inUse);
    g.pool.trim();
    expect(g.pool.stats).toEqual(baseline);
  });
});

/** Bytes of one inference plan of the network above (I=3, H=8, L=1, B=1), with the pool's 256-byte buckets. */
function planBytes(T: number): number {
  const bucket = (floats: number) => Math.max(256, Math.ceil((floats * 4) / 256) * 256);
  const storage = [T * 3, 8, 8, T * 32, (T + 1) * 8, (T + 1) * 8, T * 32].reduce((s, f) => s + bucket(f), 0);
  return storage + 16 * 1024; // uniforms of the kernels (a few per plan), generously
}
