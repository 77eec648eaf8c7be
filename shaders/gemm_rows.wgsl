// C = A·B (+ bias): the layouts, dims and offsets of gemm.wgsl, with a work split made for CPU
// adapters (lavapipe, SwiftShader). They run LANES invocations side by side in SIMD registers, and
// a load whose address depends only on the workgroup and loop counters is one scalar load there,
// while a per-invocation address is a gather, lane by lane. So each workgroup owns ROWS whole rows
// of C (their A values are such scalar loads, shared by all lanes) and each invocation COLS columns,
// LANES apart: per k, COLS gathers of B and ROWS loads of A feed ROWS·COLS multiply-adds. On
// lavapipe every load in a loop costs about the same (it is emitted lane by lane), so the larger
// ROWS·COLS / (ROWS + COLS), the faster (bench/NOTES.md, v7). With the subgroup prelude
// (row_sharing_subgroup.wgsl) the ROWS loads of A become 2.

override LANES: u32 = 64u;  // workgroup size; a workgroup covers COLS·LANES columns
override ROWS: u32 = 16u;   // rows of C per workgroup, 1..16
override COLS: u32 = 4u;    // columns per invocation, 4 or 8
override A_KM: u32 = 0u;
override B_KN: u32 = 0u;
override HAS_BIAS: u32 = 0u;

struct Dims {
  M: u32, N: u32, K: u32,
  offA: u32, offB: u32, offC: u32, offBias: u32,
  _pad: u32,
}

@group(0) @binding(0) var<storage, read_write> C: array<f32>;
@group(0) @binding(1) var<storage, read> A: array<f32>;
@group(0) @binding(2) var<storage, read> B: array<f32>;
@group(0) @binding(3) var<storage, read> bias: array<f32>;
@group(0) @binding(4) var<uniform> dims: Dims;

fn loadA(m: u32, k: u32) -> f32 {
  if (A_KM == 1u) { return A[dims.offA + k * dims.M + m]; }
  return A[dims.offA + m * dims.K + k];
}

fn loadB(k: u32, n: u32) -> f32 {
  if (B_KN == 1u) { return B[dims.offB + k * dims.N + n]; }
  return B[dims.offB + n * dims.K + k];
}

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
    // The rows' A values: 2 loads per lane shared by shuffles (SHARE_ROWS), or one load per row.
    var lo = 0.0;
    var hi = 0.0;
    if (SHARE_ROWS) {
      lo = loadA(min(m0 + subLane, lastM), k);
      if (ROWS > 8u) { hi = loadA(min(m0 + 8u + subLane, lastM), k); }
    }
    for (var r = 0u; r < ROWS; r++) {
      var av: f32;
      if (SHARE_ROWS) { av = shared_row(lo, hi, r); } else { av = loadA(min(m0 + r, lastM), k); }
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
