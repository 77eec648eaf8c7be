// The ROWS of the CPU-adapter kernels (rows per workgroup) as a WGSL `const`, not an `override`.

/**
 * A kernel with `const ROWS: u32 = rows;` in front of its code and the count in its name (the
 * pipeline cache keys modules by name). Its accumulator arrays are `array<vec4f, ROWS>`, so their
 * loops over ROWS run over exactly an array's length, which lavapipe's compiler always unrolls;
 * bounded by an override below a longer array's length, a loop of four multiply-add chains per row
 * stayed rolled there, every accumulator access indirect, and the kernel ran 2× slower (bench/NOTES.md, v8).
 */
export function withRows(shader: { name: string; code: string }, rows: number): { name: string; code: string } {
  if (!Number.isInteger(rows) || rows < 1) throw new RangeError(`rows must be a positive integer, got ${rows}`);
  return { name: `${shader.name}#rows=${rows}`, code: `const ROWS: u32 = ${rows}u;\n${shader.code}` };
}
