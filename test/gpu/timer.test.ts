import { describe, expect, it } from 'vitest';
import { GpuTimer } from '../../src/gpu/gpuTimer';
import { GemmKernel } from '../../src/kernels/gemm';
import { gpuForTests } from '../helpers/gpu';

const gpu = await gpuForTests();

describe.skipIf(!gpu || !gpu.hasTimestamps)('GPU timer (timestamp-query)', () => {
  it('times the passes of a recording: non-negative, within the wall time, and more work takes longer', async () => {
    const g = gpu!;
    const timer = new GpuTimer(g.device);
    const time = async (n: number) => {
      const a = g.storage(n * n, 'a');
      const c = g.storage(n * n, 'c');
      g.write(a, new Float32Array(n * n).fill(0.5));
      const k = new GemmKernel(g, { M: n, N: n, K: n, aLayout: 'MK', bLayout: 'NK', a: { buffer: a }, b: { buffer: a }, c: { buffer: c } });
      // One untimed run first: lavapipe may compile a pipeline at its first dispatch, which would then
      // count in the timed pass (with a cold shader cache the small product's compile can outlast the big one).
      const warm = g.recorder('warm-up');
      k.record(warm);
      g.submit(warm);
      await g.device.queue.onSubmittedWorkDone();
      const rec = g.recorder('timed', timer);
      k.record(rec);
      rec.copy(c, 0, a, 0, 4); // a second pass after the copy: both are timed
      k.record(rec);
      const t0 = performance.now();
      g.submit(rec);
      await g.device.queue.onSubmittedWorkDone();
      const wall = performance.now() - t0;
      const ms = await timer.readMs();
      k.dispose();
      g.pool.release(a);
      g.pool.release(c);
      return { ms, wall };
    };
    // 16³ against 512³ (32 768× the work), the median of three runs each: other test files compiling
    // shaders on the same two cores stalled a single 32³ run past a single 256³ one (4.2 vs 2.1 ms).
    const median3 = async (n: number) => {
      const runs = [await time(n), await time(n), await time(n)].sort((x, y) => x.ms - y.ms);
      return runs[1];
    };
    const small = await median3(16);
    const big = await median3(512);
    // A 16³ product can fall within one tick of lavapipe's timestamps: 0 is a valid reading there.
    expect(small.ms).toBeGreaterThanOrEqual(0);
    expect(big.ms).toBeGreaterThan(0);
    expect(big.ms).toBeGreaterThan(small.ms);
    expect(big.ms).toBeLessThanOrEqual(big.wall * 1.05 + 0.5);
    timer.destroy();
  });
});
