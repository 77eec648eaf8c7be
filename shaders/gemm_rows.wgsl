// C = A·B (+ bias) for CPU adapters (lavapipe, SwiftShader; layouts and bindings: gemm_common.wgsl,
// loads: the operand pieces). They run 8 invocations side by side in SIMD registers, and in
// lavapipe's compiler every load inside a loop is emitted lane by lane, uniform address or not, and
// every store to a loop variable is masked: the cost is per load and per update (bench/NOTES.md, v7,
// v8). So a workgroup owns ROWS whole rows of C and each invocation 4 adjacent columns; per four k,
// 4 loads of B (one where the B piece reads four floats per load) and 4·ROWS loads of A feed
// 16·ROWS multiply-adds and ROWS accumulator updates. With row sharing (row_sharing_subgroup.wgsl)
// the loads of A drop to ROWS / 2, or with 4-float loads to ROWS / 8 (A [M,K]) or 4 (A [K,M]).
// 32 rows × 4 columns measured best (bench/NOTES.md, v8).

// Bindings, uniform struct and override constants: declared by its kernel description in src/kernels/gemm.ts.
// ROWS, the rows of C per workgroup (1..32), is a module const (fixed per module, so its loops unroll).

// A[m, k] of this lane's share of the rows, as row sharing hands them out: rows m0 + 4·share_lane() + q
// where A is [K,M] (adjacent rows, one 4-float load where its piece reads four at a time), else
// rows m0 + 8q + share_lane(), q = 0..3. Zero where rows are not shared (a_row then loads each row itself).
fn a_mine(m0: u32, subLane: u32, k: u32) -> vec4f {
  var mine = vec4f(0.0);
  if (SHARE_ROWS && A_KM == 1u) {
    // Rows that start past M load row 0's values; they are never written.
    let m = m0 + 4u * subLane;
    mine = loadA4m(k, select(m, 0u, m >= dims.M));
  } else if (SHARE_ROWS) {
    let lastM = dims.M - 1u;
    mine.x = loadA(min(m0 + subLane, lastM), k);
    if (ROWS > 8u) { mine.y = loadA(min(m0 + 8u + subLane, lastM), k); }
    if (ROWS > 16u) { mine.z = loadA(min(m0 + 16u + subLane, lastM), k); }
    if (ROWS > 24u) { mine.w = loadA(min(m0 + 24u + subLane, lastM), k); }
  }
  return mine;
}

// a_mine for k..k+3 at once: [q] holds a_mine(m0, subLane, k + q), from one 4-float load per row
// where A is [M,K] and its piece reads four at a time.
fn a_mine4(m0: u32, subLane: u32, k: u32) -> array<vec4f, 4> {
  if (SHARE_ROWS && A_KM == 0u) {
    let lastM = dims.M - 1u;
    let r0 = loadA4(min(m0 + subLane, lastM), k);
    var r1 = vec4f(0.0);
    if (ROWS > 8u) { r1 = loadA4(min(m0 + 8u + subLane, lastM), k); }
    var r2 = vec4f(0.0);
    if (ROWS > 16u) { r2 = loadA4(min(m0 + 16u + subLane, lastM), k); }
    var r3 = vec4f(0.0);
    if (ROWS > 24u) { r3 = loadA4(min(m0 + 24u + subLane, lastM), k); }
    return array<vec4f, 4>(vec4f(r0.x, r1.x, r2.x, r3.x), vec4f(r0.y, r1.y, r2.y, r3.y), vec4f(r0.z, r1.z, r2.z, r3.z), vec4f(r0.w, r1.w, r2.w, r3.w));
  }
  return array<vec4f, 4>(a_mine(m0, subLane, k), a_mine(m0, subLane, k + 1u), a_mine(m0, subLane, k + 2u), a_mine(m0, subLane, k + 3u));
}

// A[m0 + r, k] as a vec4, given a_mine(m0, subLane, k).
fn a_row(mine: vec4f, m0: u32, r: u32, k: u32) -> vec4f {
  if (SHARE_ROWS && A_KM == 1u) { return vec4f(shared_row4(mine, r)); }
  if (SHARE_ROWS) { return vec4f(shared_row(mine, r)); }
  return vec4f(loadA(min(m0 + r, dims.M - 1u), k));
}

// B[k..k+3, n..n+3] as four vec4s, [q] = B[k + q, n..n+3]: 4-float loads along whichever dimension
// B is stored contiguously in.
fn b_block(k: u32, n: u32) -> array<vec4f, 4> {
  if (B_KN == 1u) {
    return array<vec4f, 4>(loadB4n(k, n), loadB4n(k + 1u, n), loadB4n(k + 2u, n), loadB4n(k + 3u, n));
  } else {
    let last = dims.N - 1u;
    let c0 = loadB4k(k, min(n, last));
    let c1 = loadB4k(k, min(n + 1u, last));
    let c2 = loadB4k(k, min(n + 2u, last));
    let c3 = loadB4k(k, min(n + 3u, last));
    return array<vec4f, 4>(vec4f(c0.x, c1.x, c2.x, c3.x), vec4f(c0.y, c1.y, c2.y, c3.y), vec4f(c0.z, c1.z, c2.z, c3.z), vec4f(c0.w, c1.w, c2.w, c3.w));
  }
}

@compute @workgroup_size(LANES)
fn main(@builtin(workgroup_id) wid: vec3u, @builtin(local_invocation_index) lane: u32) {
  let subLane = share_lane();
  let m0 = wid.y * ROWS;
  let n0 = (wid.x * LANES + lane) * 4u;
  let lastN = dims.N - 1u;
  // An invocation whose columns start past N loads column 0's values and writes nothing; where B is
  // read four floats per load (N % 4 = 0), columns that start below N end below it too.
  let n = select(n0, 0u, n0 > lastN);
  // acc[r] = C[m0 + r, n0..n0+3]; constant indices once ROWS is known.
  var acc: array<vec4f, ROWS>;
  let K4 = dims.K - dims.K % 4u;
  for (var k = 0u; k < K4; k += 4u) {
    let b = b_block(k, n);
    let mine = a_mine4(m0, subLane, k);
    for (var r = 0u; r < ROWS; r++) {
      let a0 = a_row(mine[0], m0, r, k);
      let a1 = a_row(mine[1], m0, r, k + 1u);
      let a2 = a_row(mine[2], m0, r, k + 2u);
      let a3 = a_row(mine[3], m0, r, k + 3u);
      acc[r] = fma(a3, b[3], fma(a2, b[2], fma(a1, b[1], fma(a0, b[0], acc[r]))));
    }
  }
  for (var k = K4; k < dims.K; k++) {  // the last K % 4 k
    let b = vec4f(loadB(k, min(n, lastN)), loadB(k, min(n + 1u, lastN)), loadB(k, min(n + 2u, lastN)), loadB(k, min(n + 3u, lastN)));
    let mine = a_mine(m0, subLane, k);
    for (var r = 0u; r < ROWS; r++) { acc[r] = fma(a_row(mine, m0, r, k), b, acc[r]); }
  }
  // A loop bound known only at run time keeps this tail from being unrolled ROWS times (compile time).
  for (var r = 0u; r < min(ROWS, dims.M - m0); r++) {
    let row = dims.offC + (m0 + r) * dims.N;
    for (var c = 0u; c < 4u; c++) {
      let col = n0 + c;
      if (col > lastN) { break; }
      var v = acc[r][c];
      if (HAS_BIAS == 1u) { v += f32(bias[dims.offBias + col]); }
      C[row + col] = C_elem(v);
    }
  }
}
