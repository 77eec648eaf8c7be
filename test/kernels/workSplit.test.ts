import { describe, expect, it } from 'vitest';
import { cpuMaxRows } from '../../src/kernels/rowSharing';
import { stepShapes } from '../../src/kernels/recurrentSteps';
import { defaultGemmVariant, rowsGemmShape, SMALL_GEMM } from '../../src/kernels/gemm';
import { checkPlanLimits } from '../../src/scheduler/recurrentPlan';

describe('work split', () => {
  it('CPU adapters take 32 batch rows per workgroup with row sharing, 8 without; GPUs one row and one unit', () => {
    expect(cpuMaxRows('cpu')).toBe(32);
    expect(cpuMaxRows('cpu-unshared')).toBe(8);
    const cpu = stepShapes('lstm', 64, 256, 'cpu');
    expect(cpu.forward).toMatchObject({ rows: 32, units: 1, grid: [4, 2] });
    expect(cpu.backward).toMatchObject({ rows: 32, units: 4, grid: [1, 2] });
    const unshared = stepShapes('lstm', 64, 256, 'cpu-unshared');
    expect(unshared.forward).toMatchObject({ rows: 8, grid: [4, 8] });
    expect(unshared.backward).toMatchObject({ rows: 8, units: 4, grid: [1, 8] });
    const gpu = stepShapes('lstm', 64, 256, 'gpu');
    // The GPU LSTM forward kernel: 64 lanes split k for 4 units of one row; fewer units where that leaves under 128 workgroups.
    expect(gpu.forward).toMatchObject({ lanes: 64, rows: 1, units: 4, grid: [64, 64] });
    expect(stepShapes('lstm', 1, 64, 'gpu').forward).toMatchObject({ units: 1, grid: [64, 1] });
    expect(stepShapes('lstm', 1, 300, 'gpu').forward).toMatchObject({ units: 2, grid: [150, 1] });
    expect(stepShapes('rnn', 64, 256, 'gpu').forward).toMatchObject({ lanes: 64, rows: 1, units: 16, grid: [16, 64] });
    expect(gpu.backward).toMatchObject({ lanes: 64, rows: 1, units: 16, grid: [16, 64] });
    // The RNN kernels keep at most 8 rows whatever the split.
    expect(stepShapes('rnn', 64, 256, 'cpu').forward.rows).toBe(8);
    expect(rowsGemmShape(2048, 1024, 32)).toEqual({ lanes: 64, rows: 32, grid: [4, 64] });
    // Rows are a power of two, so that one module serves several shapes, at most half of M and at least 4.
    expect(rowsGemmShape(5, 20, 32)).toEqual({ lanes: 8, rows: 4, grid: [1, 2] });
    expect(rowsGemmShape(12, 20, 32).rows).toBe(8);
    expect(rowsGemmShape(1, 20, 32).rows).toBe(4);
    expect(stepShapes('lstm', 19, 12, 'cpu').forward.rows).toBe(32);
    expect(stepShapes('lstm', 3, 12, 'cpu').forward.rows).toBe(4);
    expect(stepShapes('rnn', 5, 12, 'cpu').forward.rows).toBe(8);
  });

  it('GPUs take the tiled GEMM; CPU adapters the rows GEMM, or the plain one for products under SMALL_GEMM multiply-adds', () => {
    expect(defaultGemmVariant('gpu', 1, 1, 1)).toBe('tiled');
    expect(defaultGemmVariant('gpu', 4096, 4096, 4096)).toBe('tiled');
    expect(SMALL_GEMM).toBe(64 * 64 * 64);
    expect(defaultGemmVariant('cpu', 64, 64, 63)).toBe('tiles');
    expect(defaultGemmVariant('cpu', 64, 64, 64)).toBe('rows');
    expect(defaultGemmVariant('cpu-unshared', 1024, 512, 160)).toBe('rows');
  });

  it('the limit check counts the workgroups of the split the device uses', () => {
    const limits = { maxStorageBufferBindingSize: 2 ** 30, maxBufferSize: 2 ** 30, maxComputeWorkgroupsPerDimension: 100 } as GPUSupportedLimits;
    const cfg = { cell: 'lstm' as const, inputSize: 1, hiddenSize: 8, numLayers: 1, cellActivation: 'tanh' as const };
    // B = 808: 26 row blocks of 32, 101 of 8, 808 of 1.
    expect(() => checkPlanLimits(limits, cfg, 1, 808, 'cpu')).not.toThrow();
    expect(() => checkPlanLimits(limits, cfg, 1, 808, 'cpu-unshared')).toThrow(/per-step kernels \(batch rows\) need 101 workgroups/);
    expect(() => checkPlanLimits(limits, cfg, 1, 808, 'gpu')).toThrow(/need 808 workgroups/);
  });
});
