import { describe, expect, it } from 'vitest';
import { gpuForTests } from '../helpers/gpu';
import { formatKernelProfile, profileKernels } from '../../bench/kernelProfile';
import { runBenchCommand } from '../../bench/cli';
import { GEMM_VARIANTS, RECURRENT_VARIANTS, type RecurrentVariant } from '../../src/kernels/registry';
import type { Gpu } from '../../src/gpu/runtime';

const gpu = await gpuForTests();
const shape = { B: 3, T: 5, I: 2, H: 9 };
const byName = (name: string) => RECURRENT_VARIANTS.find((v) => v.name === name)!;

describe.skipIf(!gpu)('kernel profile (gateflow bench --kernels)', () => {
  it.each(['per-step rows', 'persistent'])('%s: validated, then every kernel group of the pass, its dispatches and the FLOPs of its products', async (name) => {
    const variant = byName(name);
    const strategy = variant.strategy;
    const rows = await profileKernels(gpu!, shape, { warmup: 1, repeats: 2, budgetMs: 10_000, seed: 3, variant });
    expect(rows.map((r) => r.group)).toEqual(['projection l0', 'forward steps l0', 'backward steps l0', 'dW_ih l0', 'dW_hh l0', 'db l0', 'dx l0']);
    const dispatches = Object.fromEntries(rows.map((r) => [r.group, r.dispatches]));
    // Per-step: T forward steps, T + 1 backward (the last writes dh0, dc0); persistent: one each.
    expect(dispatches['forward steps l0']).toBe(strategy === 'per-step' ? shape.T : 1);
    expect(dispatches['backward steps l0']).toBe(strategy === 'per-step' ? shape.T + 1 : 1);
    for (const g of ['projection l0', 'dW_ih l0', 'dW_hh l0', 'db l0', 'dx l0']) expect(dispatches[g]).toBe(1);
    for (const r of rows) {
      expect(r.strategy).toBe(strategy);
      expect(r.variant).toBe(`v${variant.version} ${name}`);
      expect(r.relErr).toBeLessThan(1e-4);
      expect(r.minMs).toBeGreaterThan(0);
      expect(r.medianMs).toBeGreaterThanOrEqual(r.minMs);
    }
    // FLOPs of the matrix products, 2·rows·cols·inner: the projection is T·B × 4H × I.
    const projection = rows[0];
    expect(projection.gflops! * projection.minMs * 1e6).toBeCloseTo(2 * shape.T * shape.B * 4 * shape.H * shape.I, 0);
    expect(rows.find((r) => r.group === 'db l0')!.gflops).toBeNull();
    expect(formatKernelProfile(rows)).toContain(`B=3 T=5 I=2 H=9  v${variant.version} ${name}  (strategy ${strategy}; validated`);
  });

  it('a variant whose results are wrong fails validation and is not timed', async () => {
    // The device as a variant whose uploads are off by 1 %: its kernels compute on other numbers than the CPU.
    const skewed = (g: Gpu): Gpu =>
      Object.create(g, { write: { value: (b: GPUBuffer, data: Float32Array, off?: number) => g.write(b, data instanceof Float32Array ? data.map((v) => v * 1.01) : data, off) } }) as Gpu;
    const broken: RecurrentVariant = { ...byName('per-step rows'), version: 99, name: 'broken', view: skewed };
    const lines: string[] = [];
    const rows = await profileKernels(gpu!, shape, { warmup: 1, repeats: 2, budgetMs: 10_000, seed: 3, variant: broken }, (l) => lines.push(l));
    expect(rows).toEqual([]);
    expect(lines.join('\n')).toMatch(/v99 broken B=3 T=5 H=9: VALIDATION FAILED/);
  });

  it('the CLI validates and times every registered variant, printed as JSON with --kernels --json', async () => {
    const out: string[] = [];
    const code = await runBenchCommand({ kernels: true, json: true, quick: true, config: '2,3,2,5', repeats: 1, budget: 0.01, warmup: 0 }, { stdout: (t) => out.push(t), stderr: () => {}, gpu });
    expect(code).toBe(0);
    const report = JSON.parse(out.join(''));
    const variants = new Set(report.kernels.map((r: { variant: string }) => r.variant));
    expect([...variants]).toEqual(RECURRENT_VARIANTS.map((v) => `v${v.version} ${v.name}`));
    expect(report.kernels.map((r: { group: string }) => r.group)).toContain('dW_hh l0');
    expect(new Set(report.gemm.map((g: { variant: string }) => g.variant))).toEqual(new Set(Object.keys(GEMM_VARIANTS)));
    expect(report.gemm.every((g: { validated: boolean }) => g.validated)).toBe(true);
    expect(report.adapter.description).toBe(gpu!.info.description);
  });
});
