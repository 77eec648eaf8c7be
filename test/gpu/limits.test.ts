import { describe, expect, it } from 'vitest';
import { RecurrentNetwork } from '../../src/model/recurrentNetwork';
import { checkPlanLimits, resolveStrategy } from '../../src/scheduler/recurrentPlan';
import { gpuForTests, withoutSubgroups } from '../helpers/gpu';
import { sharesRows } from '../../src/kernels/rowSharing';

const gpu = await gpuForTests();

describe.skipIf(!gpu)('device limits', () => {
  it('a sequence whose buffers exceed maxStorageBufferBindingSize fails before any allocation, naming the limit and size', () => {
    const g = gpu!;
    const net = new RecurrentNetwork(g, { inputSize: 3, hiddenSize: 256 });
    const before = g.pool.stats;
    const max = g.limits.maxStorageBufferBindingSize;
    const T = Math.floor(max / (1024 * 4)) + 1; // [T,1,4H] with 4H = 1024 floats: just over the limit
    const bytes = T * 1024 * 4;
    expect(() => net.plan(T, 1, true)).toThrow(new RegExp(`needs ${bytes} bytes, over this device's maxStorageBufferBindingSize of ${max}`));
    expect(g.pool.stats).toEqual(before);
    net.dispose();
  });

  it('a batch too wide for maxComputeWorkgroupsPerDimension fails with the limit named', () => {
    const limits = { ...gpu!.limits, maxStorageBufferBindingSize: 2 ** 40, maxBufferSize: 2 ** 40, maxComputeWorkgroupsPerDimension: 100 };
    const cfg = { cell: 'lstm' as const, inputSize: 2, hiddenSize: 64, numLayers: 1, cellActivation: 'tanh' as const };
    expect(() => checkPlanLimits(limits, cfg, 1, 101)).toThrow(/needs? 101 workgroups, over this device's maxComputeWorkgroupsPerDimension of 100/);
    expect(() => checkPlanLimits(limits, cfg, 1, 100)).not.toThrow();
  });

  it("the test device keeps WebGPU's default of 8 storage buffers per stage, so every kernel here also runs in browsers", () => {
    expect(gpu!.limits.maxStorageBuffersPerShaderStage).toBe(8);
  });

  it('a CPU adapter with fixed 8-lane subgroups gets them, so the tests run the row-sharing kernels', () => {
    const g = gpu!;
    if (!g.cpuAdapter || !g.info.features.includes('subgroups')) return; // a real GPU: its own split is tested
    expect(g.subgroupSize).toBe(8);
    expect(sharesRows(g)).toBe(true);
    expect(sharesRows(withoutSubgroups(g))).toBe(false);
  });

  it('the persistent strategy is refused where its state does not fit workgroup memory, and auto falls back to per-step', () => {
    const limits = { ...gpu!.limits, maxComputeWorkgroupStorageSize: 16384 };
    const big = { cell: 'lstm' as const, inputSize: 2, hiddenSize: 1025, numLayers: 1, cellActivation: 'tanh' as const };
    expect(() => resolveStrategy(limits, big, 'persistent')).toThrow(/hiddenSize 1025 in workgroup memory, over this device's maxComputeWorkgroupStorageSize of 16384/);
    expect(resolveStrategy(limits, big, 'auto')).toBe('per-step');
    expect(resolveStrategy(limits, { ...big, hiddenSize: 1024 }, 'auto')).toBe('persistent');
    expect(resolveStrategy(limits, { ...big, hiddenSize: 1024 }, 'per-step')).toBe('per-step');
    // On a CPU-emulated adapter, auto keeps persistent for small batch·hidden (≤ 64) and hidden (≤ 32) only.
    expect(resolveStrategy(limits, { ...big, hiddenSize: 16 }, 'auto', 4, true)).toBe('persistent');
    expect(resolveStrategy(limits, { ...big, hiddenSize: 32 }, 'auto', 2, true)).toBe('persistent');
    expect(resolveStrategy(limits, { ...big, hiddenSize: 16 }, 'auto', 5, true)).toBe('per-step');
    expect(resolveStrategy(limits, { ...big, hiddenSize: 64 }, 'auto', 1, true)).toBe('per-step');
    expect(resolveStrategy(limits, { ...big, hiddenSize: 32 }, 'auto', 16, true)).toBe('per-step');
    expect(resolveStrategy(limits, { ...big, hiddenSize: 32 }, 'auto', 16, false)).toBe('persistent');
  });

  it('rejects bad shapes and values before GPU work, naming the argument', async () => {
    const g = gpu!;
    const net = new RecurrentNetwork(g, { inputSize: 2, hiddenSize: 3, numLayers: 2 });
    await expect(net.forward({ x: new Float32Array(5), T: 2, B: 1 })).rejects.toThrow(/x has 5 values but \[T,B,I\] = \[2,1,2\] needs 4/);
    await expect(net.forward({ x: [1, 2, NaN, 4], T: 2, B: 1 })).rejects.toThrow(/x contains NaN at index 2/);
    await expect(net.forward({ x: [1, 2, 3, 4], T: 2, B: 1, h0: [1, 2, 3] })).rejects.toThrow(/h0 has 3 values but \[L·D,B,H\] = \[2,1,3\] needs 6/);
    await expect(net.forward({ x: [], T: 0, B: 1 })).rejects.toThrow(/T \(sequence length\) must be a positive integer, got 0/);
    expect(() => net.setWeights([])).toThrow(/params: expected 2 \(layer, direction\) entries, got 0/);
    expect(() => new RecurrentNetwork(g, { inputSize: 2, hiddenSize: -1 })).toThrow(/hiddenSize must be a positive integer, got -1/);
    net.dispose();
  });
});
