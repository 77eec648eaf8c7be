import { describe, expect, it } from 'vitest';
import { withRows } from '../../src/kernels/rowsConstant';
import { weightRowsAligned, weightsPrelude } from '../../src/kernels/weights';

describe('kernel preludes', () => {
  it('withRows puts ROWS in front as a const and in the name, so two row counts never share a module', () => {
    const a = withRows({ name: 'k', code: 'fn main() {}' }, 16);
    const b = withRows({ name: 'k', code: 'fn main() {}' }, 32);
    expect(a.code.split('\n')[0]).toBe('const ROWS: u32 = 16u;');
    expect(a.code.endsWith('fn main() {}')).toBe(true);
    expect(a.name).not.toBe(b.name);
    for (const bad of [0, -1, 1.5, Number.NaN]) expect(() => withRows({ name: 'k', code: '' }, bad)).toThrow(/rows must be a positive integer/);
  });

  it('W_hh is read four floats per load only where every row starts on a 16-byte boundary', () => {
    expect(weightRowsAligned(256, 16384)).toBe(true);
    expect(weightRowsAligned(33, 0)).toBe(false); // rows of 33 floats
    expect(weightRowsAligned(32, 6)).toBe(false); // the matrix itself starts off a boundary
    const vec4 = weightsPrelude(true);
    const scalar = weightsPrelude(false);
    expect(vec4.code).toMatch(/var<storage, read> params4: array<vec4f>/);
    expect(scalar.code).toMatch(/var<storage, read> params: array<f32>/);
    expect(vec4.suffix).not.toBe(scalar.suffix);
  });
});
