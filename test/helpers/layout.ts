/** Aᵀ for a row-major A[rows, cols]: how the tests store operands in their transposed layouts. */
export function transpose(A: ArrayLike<number>, rows: number, cols: number): Float64Array {
  const out = new Float64Array(rows * cols);
  for (let r = 0; r < rows; r++) for (let c = 0; c < cols; c++) out[c * rows + r] = A[r * cols + c];
  return out;
}
