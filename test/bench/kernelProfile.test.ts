import { describe, expect, it } from 'vitest';
import { gpuForTests } from '../helpers/gpu';
import { formatKernelProfile, profileKernels } from '../../bench/kernelProfile';
import { runBenchCommand } from '../../bench/cli';

const gpu = await gpuForTests();
const shape = { B: 3, T: 5, I: 2, H: 9 };

describe.skipIf(!gpu)('kernel profile (gateflow bench --kernels)', () => {
  it.each(['per-step', 'persistent'] as const)('%s: every kernel group of the pass, its dispatches and the FLOPs of its products', async (strategy) => {
    const rows = await profileKernels(gpu!, shape, { warmup: 1, repeats: 2, budgetMs: 10_000, seed: 3, strategy });
    expect(rows.map((r) => r.group)).toEqual(['projection l0', 'forward steps l0', 'backward steps l0', 'dW_ih l0', 'dW_hh l0', 'db l0', 'dx l0']);
    const dispatches = Object.fromEntries(rows.map((r) => [r.group, r.dispatches]));
    // Per-step: T forward steps, T + 1 backward (the last writes dh0, dc0); persistent: one each.
    expect(dispatches['forward steps l0']).toBe(strategy === 'per-step' ? shape.T : 1);
    expect(dispatches['backward steps l0']).toBe(strategy === 'per-step' ? shape.T + 1 : 1);
    for (const g of ['projection l0', 'dW_ih l0', 'dW_hh l0', 'db l0', 'dx l0']) expect(dispatches[g]).toBe(1);
    for (const r of rows) {
      expect(r.strategy).toBe(strategy);
      expect(r.minMs).toBeGreaterThan(0);
      expect(r.medianMs).toBeGreaterThanOrEqual(r.minMs);
    }
    // FLOPs of the matrix products, 2·rows·cols·inner: the projection is T·B × 4H × I.
    const projection = rows[0];
    expect(projection.gflops! * projection.minMs * 1e6).toBeCloseTo(2 * shape.T * shape.B * 4 * shape.H * shape.I, 0);
    expect(rows.find((r) => r.group === 'db l0')!.gflops).toBeNull();
    expect(formatKernelProfile(rows)).toContain(`B=3 T=5 I=2 H=9  (strategy ${strategy})`);
  });

  it('the CLI prints the profile as JSON with --kernels --json', async () => {
    const out: string[] = [];
    const code = await runBenchCommand({ kernels: true, json: true, config: '2,3,2,5', repeats: 1 }, { stdout: (t) => out.push(t), stderr: () => {}, gpu });
    expect(code).toBe(0);
    const report = JSON.parse(out.join(''));
    expect(report.kernels.map((r: { group: string }) => r.group)).toContain('dW_hh l0');
    expect(report.adapter.description).toBe(gpu!.info.description);
  });
});
