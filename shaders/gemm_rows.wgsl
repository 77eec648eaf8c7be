// C = A·B (+ bias): the layouts, dims and offsets of gemm.wgsl, with a work split made for CPU
// adapters (lavapipe, SwiftShader). They run LANES invocations side by side in SIMD registers, and
// a load whose address depends only on the workgroup and loop counters is one scalar load there,
// while a per-invocation address is a gather, lane by lane. So each workgroup owns ROWS whole rows
// of C (their A values are such scalar loads, shared by all lanes) and each invocation 4 columns,
// LANES apart: per k, 4 gathers of B feed 4·ROWS multiply-adds.

override LANES: u32 = 64u;  // workgroup size; a workgroup covers 4·LANES columns
override ROWS: u32 = 16u;   // rows of C per workgroup, 1..16
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
  let m0 = wid.y * ROWS;
  let n0 = wid.x * 4u * LANES + lane;
  let lastM = dims.M - 1u;
  let lastN = dims.N - 1u;
  // Clamped edge columns and rows keep loads in range; their results are never written.
  let n = min(vec4u(n0, n0 + LANES, n0 + 2u * LANES, n0 + 3u * LANES), vec4u(lastN));
  var acc: array<vec4f, 16>;  // acc[r][c] = C[m0 + r, n[c]]; constant indices once ROWS is known
  for (var k = 0u; k < dims.K; k++) {
    let b = vec4f(loadB(k, n.x), loadB(k, n.y), loadB(k, n.z), loadB(k, n.w));
    for (var r = 0u; r < ROWS; r++) {
      acc[r] = fma(vec4f(loadA(min(m0 + r, lastM), k)), b, acc[r]);
    }
  }
  var bv = vec4f(0.0);
  if (HAS_BIAS == 1u) {
    bv = vec4f(bias[dims.offBias + n.x], bias[dims.offBias + n.y], bias[dims.offBias + n.z], bias[dims.offBias + n.w]);
  }
  for (var r = 0u; r < ROWS; r++) {
    let m = m0 + r;
    if (m > lastM) { break; }
    let row = acc[r] + bv;
    for (var c = 0u; c < 4u; c++) {
      let col = n0 + c * LANES;
      if (col <= lastN) { C[dims.offC + m * dims.N + col] = row[c]; }
    }
  }
}
