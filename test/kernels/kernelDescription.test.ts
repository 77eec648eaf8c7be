import { describe, expect, it } from 'vitest';
import { defineKernel, halfPrecision, hashString, kernelVariant, packStruct, structBytes } from '../../src/kernels/kernel';
import { lstmBackwardStep, lstmForwardStep, weightRowsAligned } from '../../src/kernels/recurrentSteps';
import { gemmKernel } from '../../src/kernels/gemm';
import { halfFloats } from '../../src/scheduler/precision';

const TOY = defineKernel({
  name: 'toy',
  code: ['@compute @workgroup_size(WG) fn main() { out[0] = inp[dims.n] * f32(FLAG); }'],
  storage: { out: { access: 'read_write', doc: 'one float' }, inp: { access: 'read', type: 'array<vec4f>' } },
  uniform: { name: 'dims', struct: { name: 'Dims', fields: [['n', 'u32', 'count'], ['scale', 'f32', ''], ['shift', 'i32', '']] } },
  consts: { ROWS: 8, SHARED: true },
  constants: { WG: 64, FLAG: 0 },
});

describe('kernel descriptions', () => {
  it('declare bindings in order, the uniform last, then consts and overrides, before the code', () => {
    const lines = TOY.source.split('\n');
    const at = (text: string) => lines.findIndex((l) => l.startsWith(text));
    expect(lines).toContain('@group(0) @binding(0) var<storage, read_write> out: array<f32>; // one float');
    expect(lines).toContain('@group(0) @binding(1) var<storage, read> inp: array<vec4f>;');
    expect(lines).toContain('@group(0) @binding(2) var<uniform> dims: Dims;');
    expect(lines).toContain('const ROWS = 8u;');
    expect(lines).toContain('const SHARED = true;');
    expect(lines).toContain('override FLAG: u32 = 0u;');
    expect(at('struct Dims')).toBeLessThan(at('@group(0) @binding(2)'));
    expect(at('@group(0) @binding(2)')).toBeLessThan(at('@compute'));
  });

  it('derive the layout and the entries by name, and refuse a missing or unknown name', () => {
    expect(TOY.layoutEntries().map((e) => e.buffer?.type)).toEqual(['storage', 'read-only-storage', 'uniform']);
    const out = { label: 'out' } as unknown as GPUBuffer;
    const inp = { label: 'inp' } as unknown as GPUBuffer;
    const dims = { label: 'dims' } as unknown as GPUBuffer;
    const entries = TOY.entries({ dims, inp, out });
    expect(entries.map((e) => [e.binding, ((e.resource as GPUBufferBinding).buffer as unknown as { label: string }).label])).toEqual([[0, 'out'], [1, 'inp'], [2, 'dims']]);
    expect(entries[2].resource).toEqual({ buffer: dims });
    const slice = { buffer: dims, offset: 256, size: 16 };
    expect(TOY.entries({ dims: slice, inp, out })[2].resource).toBe(slice);
    expect(() => TOY.entries({ inp, out } as never)).toThrow(/no buffer for binding "dims"/);
    expect(() => TOY.entries({ dims, inp, out, extra: out } as never)).toThrow(/has no binding "extra"/);
  });

  it('pack the uniform by field name (f32, u32, i32 bits), padded to 16 bytes, and refuse bad values', () => {
    const words = TOY.packUniform({ n: 7, scale: 0.1, shift: -3 });
    expect(words.length * 4).toBe(structBytes(TOY.desc.uniform.struct));
    expect(words.length).toBe(4);
    expect(words[0]).toBe(7);
    expect(new Float32Array(words.buffer)[1]).toBe(Math.fround(0.1));
    expect(new Int32Array(words.buffer)[2]).toBe(-3);
    expect(() => TOY.packUniform({ n: 7, scale: 1 } as never)).toThrow(/no value for field "shift"/);
    expect(() => TOY.packUniform({ n: -1, scale: 1, shift: 0 })).toThrow(/field "n" is u32/);
    expect(() => packStruct(TOY.desc.uniform.struct, { n: 1, scale: 1, shift: 1, other: 2 })).toThrow(/no field "other"/);
  });

  it('hash the final source: different sources, different hashes; the same source, the same hash', () => {
    expect(hashString(TOY.source)).toBe(TOY.hash);
    expect(hashString('a')).not.toBe(hashString('b'));
    expect(hashString('ab')).not.toBe(hashString('ba'));
    expect(TOY.hash).toMatch(/^[0-9a-f]{16}$/);
  });

  it('variants are made once per name, and two different sources under one name are an error', () => {
    expect(lstmForwardStep({ rows: 16, weights4: true, share: true })).toBe(lstmForwardStep({ rows: 16, weights4: true, share: true }));
    expect(lstmForwardStep({ rows: 16 }).hash).not.toBe(lstmForwardStep({ rows: 32 }).hash);
    const base = { storage: {}, code: ['fn main() {}'] };
    kernelVariant({ ...base, name: 'twice' });
    expect(() => kernelVariant({ ...base, name: 'twice', code: ['fn other() {}'] })).toThrow(/two kernel variants are named twice/);
    for (const bad of [0, 33, 1.5]) expect(() => lstmBackwardStep({ rows: bad })).toThrow(/rows must be an integer/);
  });

  it('a variant binds what its code reads: 4-float weights, da, operands as array<vec4f>, subgroups enabled', () => {
    const k = lstmBackwardStep({ rows: 32, weights4: true, da4: true, share: true });
    expect(k.source.startsWith('enable subgroups;')).toBe(true);
    expect(k.source).toMatch(/var<storage, read> params: array<vec4f>;/);
    expect(k.source).toMatch(/var<storage, read_write> da: array<vec4f>;/);
    expect(lstmBackwardStep({ rows: 1 }).source).toMatch(/var<storage, read> params: array<f32>;/);
    expect(gemmKernel('tiled', { a4: true, b4: false }).source).toMatch(/var<storage, read> A: array<vec4f>;[^\n]*\n[^\n]*var<storage, read> B: array<f32>;/);
  });

  it('W_hh is read four floats per load only where every row starts on a 16-byte boundary', () => {
    expect(weightRowsAligned(256, 16384)).toBe(true);
    expect(weightRowsAligned(33, 0)).toBe(false); // rows of 33 floats
    expect(weightRowsAligned(32, 6)).toBe(false); // the matrix itself starts off a boundary
  });

  it("halfPrecision retypes the named bindings to f16 (scalar and 4-wide), enables f16, and leaves the rest", () => {
    const f32 = lstmForwardStep({ rows: 8, weights4: true });
    const half = halfPrecision(f32, ['params', 'xproj', 'gates', 'nope']);
    expect(half.name).toBe(`${f32.name}.f16-params-xproj-gates`);
    expect(half.source.startsWith('enable f16;')).toBe(true);
    expect(half.source).toMatch(/var<storage, read> params: array<vec4<f16>>;/);
    expect(half.source).toMatch(/var<storage, read> xproj: array<f16>;/);
    expect(half.source).toMatch(/var<storage, read_write> gates: array<f16>;/);
    expect(half.source).toMatch(/alias gates_elem = f16;/);
    expect(half.source).toMatch(/var<storage, read_write> c: array<f32>;/);
    // The f32 kernel stores through the same alias, as f32; asking again gives the same kernel.
    expect(f32.source).toMatch(/alias gates_elem = f32;/);
    expect(f32.source).not.toMatch(/enable f16|: array<(vec4<)?f16>/);
    expect(halfPrecision(f32, ['params', 'xproj', 'gates'])).toBe(half);
    expect(halfPrecision(f32, ['nope'])).toBe(f32);
    expect(() => halfPrecision(TOY, ['out', 'inp']).source).not.toThrow();
    const lengths = defineKernel({ name: 'toy_u32', code: [''], storage: { n: { access: 'read', type: 'array<u32>' } } });
    expect(() => halfPrecision(lengths, ['n'])).toThrow(/binding "n" of type array<u32> has no f16 form/);
  });

  it('an f16 buffer holds whole 4-value groups, so array<vec4<f16>> reaches every value', () => {
    expect([1, 4, 5, 8, 9].map(halfFloats)).toEqual([2, 2, 4, 4, 6]);
  });
});

