// C = A·B (+ bias) for CPU adapters (lavapipe, SwiftShader; layouts, bindings and loads:
// gemm_common.wgsl). They run 8 invocations side by side in SIMD registers, and in lavapipe's
// compiler every load inside a loop is emitted lane by lane, uniform address or not: the cost is
// per element loaded (bench/NOTES.md, v7). So a workgroup owns ROWS whole rows of C and each
// invocation COLS columns, LANES apart: per k, COLS loads of B and ROWS loads of A feed ROWS·COLS
// multiply-adds. With the subgroup prelude (row_sharing_subgroup.wgsl) the ROWS loads of A become 2.

override LANES: u32 = 64u;  // workgroup size; a workgroup covers COLS·LANES columns
override ROWS: u32 = 16u;   // rows of C per workgroup, 1..16
override COLS: u32 = 4u;    // columns per invocation, 4 or 8

@compute @workgroup_size(LANES)
fn main(@builtin(workgroup_id) wid: vec3u, @builtin(local_invocation_index) lane: u32) {
  let subLane = share_lane();
  let m0 = wid.y * ROWS;
  let n0 = wid.x * COLS * LANES + lane;
  let lastM = dims.M - 1u;
  let lastN = dims.N - 1u;
  // Clamped edge columns and rows keep loads in range; their results are never written.
  let step = vec4u(0u, LANES, 2u * LANES, 3u * LANES);
  let n = min(vec4u(n0) + step, vec4u(lastN));
  let n2 = min(vec4u(n0 + 4u * LANES) + step, vec4u(lastN));  // columns 4..7, used when COLS = 8
  // acc[r][c] = C[m0 + r, n[c]], acc2 the same for n2; constant indices once ROWS is known.
  var acc: array<vec4f, 16>;
  var acc2: array<vec4f, 16>;
  for (var k = 0u; k < dims.K; k++) {
    let b = vec4f(loadB(k, n.x), loadB(k, n.y), loadB(k, n.z), loadB(k, n.w));
    var b2 = vec4f(0.0);
    if (COLS == 8u) { b2 = vec4f(loadB(k, n2.x), loadB(k, n2.y), loadB(k, n2.z), loadB(k, n2.w)); }
    // The rows' A values: a load per lane per 8 rows, shared by shuffles (SHARE_ROWS), or one load per row.
    var mine = vec4f(0.0);
    if (SHARE_ROWS) {
      mine.x = loadA(min(m0 + subLane, lastM), k);
      if (ROWS > 8u) { mine.y = loadA(min(m0 + 8u + subLane, lastM), k); }
    }
    for (var r = 0u; r < ROWS; r++) {
      var av: f32;
      if (SHARE_ROWS) { av = shared_row(mine, r); } else { av = loadA(min(m0 + r, lastM), k); }
      let a = vec4f(av);
      acc[r] = fma(a, b, acc[r]);
      if (COLS == 8u) { acc2[r] = fma(a, b2, acc2[r]); }
    }
  }
  for (var half = 0u; half < COLS / 4u; half++) {
    let cols = select(n, n2, half == 1u);
    var bv = vec4f(0.0);
    if (HAS_BIAS == 1u) {
      bv = vec4f(bias[dims.offBias + cols.x], bias[dims.offBias + cols.y], bias[dims.offBias + cols.z], bias[dims.offBias + cols.w]);
    }
    // A loop bound known only at run time keeps this tail from being unrolled ROWS times (compile time).
    for (var r = 0u; r < min(ROWS, dims.M - m0); r++) {
      let m = m0 + r;
      let row = select(acc[r], acc2[r], half == 1u) + bv;
      for (var c = 0u; c < 4u; c++) {
        let col = n0 + (4u * half + c) * LANES;
        if (col <= lastN) { C[dims.offC + m * dims.N + col] = row[c]; }
      }
    }
  }
}
