import { describe, expect, it } from 'vitest';
import { GemmKernel, type GemmSpec, type GemmVariant } from '../../src/kernels/gemm';
import { matmulABt } from '../../src/cpu/matmul';
import { transpose } from '../helpers/layout';
import { Rng, freshSeed } from '../../src/random';
import { expectClose } from '../helpers/expectClose';
import { gpuForTests, nanFilled, withoutSubgroups } from '../helpers/gpu';

const gpu = await gpuForTests();

type Case = [M: number, N: number, K: number, aLayout: GemmSpec['aLayout'], bLayout: GemmSpec['bLayout'], bias: boolean];

const cases: Case[] = [
  [1, 1, 1, 'MK', 'NK', false],
  [1, 33, 7, 'MK', 'NK', true],
  [37, 29, 65, 'MK', 'NK', true],
  [64, 128, 32, 'MK', 'NK', false],
  [33, 7, 17, 'KM', 'KN', false],
  [132, 7, 100, 'KM', 'KN', false],
  [17, 65, 33, 'MK', 'KN', false],
  [5, 3, 130, 'KM', 'NK', true],
  // Several 'rows' workgroups across N (256 columns each at 64 lanes) and a partial last row block.
  [45, 600, 9, 'MK', 'NK', true],
  [19, 513, 40, 'MK', 'KN', true],
  [50, 260, 23, 'KM', 'KN', false],
];
const variants: GemmVariant[] = ['tiles', 'rows'];
// 'rows' runs twice: as the device is (row sharing through subgroups where it has 8-lane subgroups) and without subgroups.
const runs = [...variants.map((v) => [v, v] as const), ['rows (no subgroups)', 'rows'] as const];

describe.skipIf(!gpu)('gemm kernel vs CPU matmul', () => {
  it.each(runs.flatMap(([run, v]) => cases.map((c) => [run, v, ...c] as const)))('%s M=%i N=%i K=%i A=%s B=%s bias=%s', async (run, variant, M, N, K, aLayout, bLayout, withBias) => {
    const g = run === 'rows (no subgroups)' ? withoutSubgroups(gpu!) : gpu!;
    const seed = freshSeed();
    const rng = new Rng(seed);
    const A = rng.uniformArray(M * K, -1, 1); // logical [M,K]
    const B = rng.uniformArray(N * K, -1, 1); // logical [N,K]
    const bias = withBias ? rng.uniformArray(N, -1, 1) : undefined;
    const storedA = aLayout === 'MK' ? A : transpose(A, M, K);
    const storedB = bLayout === 'NK' ? B : transpose(B, N, K);
    // Offsets inside shared buffers exercise the offset uniforms too.
    const offA = 3;
    const offC = 5;
    const bufA = g.storage(offA + M * K, 'A');
    const bufB = g.storage(N * K, 'B');
    const bufC = g.storage(offC + M * N, 'C');
    const bufBias = g.storage(N, 'bias');
    g.write(bufA, new Float32Array(storedA), offA);
    g.write(bufB, new Float32Array(storedB));
    g.write(bufC, nanFilled(offC + M * N));
    if (bias) g.write(bufBias, new Float32Array(bias));
    const kernel = new GemmKernel(g, {
      M, N, K, aLayout, bLayout,
      a: { buffer: bufA, offset: offA },
      b: { buffer: bufB },
      c: { buffer: bufC, offset: offC },
      bias: bias ? { buffer: bufBias } : undefined,
      variant,
    });
    expect(kernel.variant).toBe(variant);
    const rec = g.recorder();
    kernel.record(rec);
    expect(rec.dispatches).toBe(1);
    g.submit(rec);
    const got = await g.read(bufC, M * N, offC);
    const want = matmulABt(A, B, M, N, K, bias);
    expectClose(got, want, `gemm seed=${seed}`, { relNorm: 1e-5, atol: 1e-5 * K, rtol: 1e-4 });
    const untouched = await g.read(bufC, offC);
    expect([...untouched].every(Number.isNaN), 'elements before the C offset must stay untouched').toBe(true);
    kernel.dispose();
    for (const b of [bufA, bufB, bufC, bufBias]) g.pool.release(b);
  });

  it.each(variants)('%s: rejects a grid over maxComputeWorkgroupsPerDimension before any GPU work', (variant) => {
    const g = gpu!;
    const rows = (g.limits.maxComputeWorkgroupsPerDimension + 1) * 32;
    const small = g.storage(4, 'tiny');
    const kernel = new GemmKernel(g, { M: rows, N: 1, K: 1, aLayout: 'MK', bLayout: 'NK', a: { buffer: small }, b: { buffer: small }, c: { buffer: small }, variant });
    const rec = g.recorder();
    expect(() => kernel.record(rec)).toThrow(/maxComputeWorkgroupsPerDimension/);
    rec.finish();
    kernel.dispose();
    g.pool.release(small);
  });

  it('rejects a buffer over maxStorageBufferBindingSize with the size asked for', () => {
    const g = gpu!;
    const floats = g.limits.maxStorageBufferBindingSize / 4 + 1;
    expect(() => g.storage(floats, 'huge')).toThrow(new RegExp(`${floats * 4} bytes.*maxStorageBufferBindingSize`));
  });
});
