// Batch-first ↔ time-major: [A, B, F] → [B, A, F] (the same call converts both ways, swapping the sizes):
// how RecurrentNetwork's batchFirst and batch-first fixtures are read.

export function swapLeadingAxes<A extends Float64Array | Float32Array | Int32Array>(a: A, d0: number, d1: number, F: number): A {
  if (a.length !== d0 * d1 * F) throw new Error(`swapLeadingAxes: ${a.length} values, but [${d0},${d1},${F}] needs ${d0 * d1 * F}`);
  const out = new (a.constructor as new (n: number) => A)(a.length);
  for (let i = 0; i < d0; i++) for (let j = 0; j < d1; j++) out.set(a.subarray((i * d1 + j) * F, (i * d1 + j + 1) * F), (j * d0 + i) * F);
  return out;
}
