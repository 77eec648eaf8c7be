import { describe, expect, it } from 'vitest';
import { GEMM_VARIANTS, GemmKernel, gemmVec4Operands, type GemmSpec, type GemmVariant } from '../../src/kernels/gemm';
import { matmulABt } from '../../src/cpu/matmul';
import { transpose } from '../helpers/layout';
import { Rng, freshSeed } from '../../src/random';
import { expectClose } from '../helpers/expectClose';
import { gpuForTests, nanFilled, withoutSubgroups } from '../helpers/gpu';
import { LONG } from '../helpers/long';

const gpu = await gpuForTests();

/** Offsets (floats) of A and B inside their buffers: 3 and 0 unless a case says otherwise. */
interface Offsets {
  offA?: number;
  offB?: number;
}

type Case = [M: number, N: number, K: number, aLayout: GemmSpec['aLayout'], bLayout: GemmSpec['bLayout'], bias: boolean, offsets?: Offsets];

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
  // Operands read four floats per load by 'rows' (gemmVec4Operands): A [M,K] and B [N,K] along K,
  // A [K,M] along M, B [K,N] along N, with the remainder loop (K % 4), a last column group past N and
  // a last row block of 12 rows; then shapes with an offset or a length that is not a multiple of 4
  // (one float per load).
  [37, 68, 36, 'MK', 'NK', true, { offA: 8, offB: 4 }],
  [21, 44, 22, 'MK', 'KN', false, { offA: 4, offB: 8 }],
  [44, 20, 13, 'KM', 'KN', true, { offA: 4, offB: 4 }],
  [44, 9, 24, 'KM', 'NK', false, { offA: 8, offB: 0 }],
  [9, 12, 40, 'KM', 'KN', true, { offA: 4, offB: 4 }],
  [21, 44, 20, 'MK', 'KN', false, { offA: 4, offB: 5 }],
  // 'tiled': several 64×64 tiles with partial last ones and K over several 16-wide slices, four floats
  // per load (offsets 4) and one (offset 3), K % 4 ≠ 0 (a partial last group).
  [130, 70, 37, 'MK', 'NK', true],
  [65, 132, 48, 'KM', 'KN', true, { offA: 4, offB: 4 }],
  [129, 68, 52, 'MK', 'NK', false, { offA: 4, offB: 4 }],
  // A [K,M] read four rows per load with M = 4: row blocks must start on a multiple of 4 (a fuzz
  // seed found blocks of 2 rows reading the wrong rows).
  [4, 11, 54, 'KM', 'KN', false, { offA: 0, offB: 0 }],
  [8, 5, 7, 'KM', 'KN', true, { offA: 4, offB: 1 }],
];
// Every registered variant (GEMM_VARIANTS), validated against the CPU. By default a subset of the
// cases that still covers each layout, the bias, partial tiles and row blocks, several workgroups
// across N, K % 4 ≠ 0 and both load widths (each new shape costs lavapipe shader compiles, 0.15–1 s
// per module with an empty cache); all of them with GATEFLOW_LONG=1.
const variants = Object.keys(GEMM_VARIANTS) as GemmVariant[];
const DEFAULT_CASES = [0, 1, 2, 4, 7, 9, 11, 13, 18, 20];
/** 'rows' without subgroups (the fallback of CPU adapters without 8-lane subgroups): a smaller default set. */
const UNSHARED_CASES = [1, 4, 9, 11, 13];
const pick = (indices: number[]) => (LONG ? cases : indices.map((i) => cases[i]));
// 'rows' runs twice: as the device is (row sharing through subgroups where it has 8-lane subgroups) and without subgroups.
const runs = [...variants.map((v) => [v, v, pick(DEFAULT_CASES)] as const), ['rows (no subgroups)', 'rows', pick(UNSHARED_CASES)] as const];

describe('gemmVec4Operands', () => {
  it('reads an operand four floats per load only where its contiguous dimension and offset are multiples of 4', () => {
    const pick = ([M, N, K, aLayout, bLayout, , offsets]: Case) => {
      const slice = (offset: number) => ({ buffer: {} as GPUBuffer, offset });
      return gemmVec4Operands({ M, N, K, aLayout, bLayout, a: slice(offsets?.offA ?? 3), b: slice(offsets?.offB ?? 0) });
    };
    // The six cases above that say so, in order.
    expect(cases.slice(11, 17).map(pick)).toEqual([
      { a4: true, b4: true }, { a4: false, b4: true }, { a4: true, b4: true }, { a4: true, b4: true }, { a4: false, b4: true }, { a4: true, b4: false },
    ]);
    expect(pick([64, 128, 32, 'MK', 'NK', false])).toEqual({ a4: false, b4: true });
    expect(pick([50, 260, 23, 'KM', 'KN', false])).toEqual({ a4: false, b4: true });
    expect(pick([19, 513, 40, 'MK', 'KN', true])).toEqual({ a4: false, b4: false });
  });
});

describe.skipIf(!gpu)('gemm kernel vs CPU matmul', () => {
  const title = ([M, N, K, aLayout, bLayout, bias, offsets]: Case) =>
    `M=${M} N=${N} K=${K} A=${aLayout} B=${bLayout} bias=${bias} offA=${offsets?.offA ?? 3} offB=${offsets?.offB ?? 0}`;
  const runsOfCases = runs.flatMap(([run, variant, runCases]) => runCases.map((c): [string, string, GemmVariant, Case] => [`${run} ${title(c)}`, run, variant, c]));
  it.each(runsOfCases)('%s', async (_name, run, variant, c) => {
    const [M, N, K, aLayout, bLayout, withBias, offsets] = c;
    const g = run === 'rows (no subgroups)' ? withoutSubgroups(gpu!) : gpu!;
    const seed = freshSeed();
    const rng = new Rng(seed);
    const A = rng.uniformArray(M * K, -1, 1); // logical [M,K]
    const B = rng.uniformArray(N * K, -1, 1); // logical [N,K]
    const bias = withBias ? rng.uniformArray(N, -1, 1) : undefined;
    const storedA = aLayout === 'MK' ? A : transpose(A, M, K);
    const storedB = bLayout === 'NK' ? B : transpose(B, N, K);
    // Offsets inside shared buffers exercise the offset uniforms too.
    const offA = offsets?.offA ?? 3;
    const offB = offsets?.offB ?? 0;
    const offC = 5;
    const bufA = g.storage(offA + M * K, 'A');
    const bufB = g.storage(offB + N * K, 'B');
    const bufC = g.storage(offC + M * N, 'C');
    const bufBias = g.storage(N, 'bias');
    g.write(bufA, new Float32Array(storedA), offA);
    g.write(bufB, new Float32Array(storedB), offB);
    g.write(bufC, nanFilled(offC + M * N));
    if (bias) g.write(bufBias, new Float32Array(bias));
    const kernel = new GemmKernel(g, {
      M, N, K, aLayout, bLayout,
      a: { buffer: bufA, offset: offA },
      b: { buffer: bufB, offset: offB },
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
    const rows = (g.limits.maxComputeWorkgroupsPerDimension + 1) * 64; // over the limit in 64-row tiles too
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
