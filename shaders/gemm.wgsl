// C = A·B (+ bias), with either operand stored transposed:
//   A is [M,K] row-major (A_KM = 0) or [K,M] (A_KM = 1);
//   B is [N,K] row-major (B_KN = 0, i.e. C = A·Bᵀ) or [K,N] (B_KN = 1).
// The LSTM uses three forms: input projection X·W_ihᵀ (0,0), weight gradient daᵀ·X (1,1),
// and dx = da·W_ih (0,1). Each invocation computes a 4×4 block of C in registers;
// element offsets let one buffer hold several tensors.

override WG: u32 = 8u;      // workgroup is WG×WG invocations
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

@compute @workgroup_size(WG, WG)
fn main(@builtin(global_invocation_id) gid: vec3u) {
  let n0 = gid.x * 4u;
  let m0 = gid.y * 4u;
  if (m0 >= dims.M || n0 >= dims.N) { return; }
  // Clamp edge rows/columns so loads stay in range; their results are never written.
  let mi = vec4u(min(m0, dims.M - 1u), min(m0 + 1u, dims.M - 1u), min(m0 + 2u, dims.M - 1u), min(m0 + 3u, dims.M - 1u));
  let ni = vec4u(min(n0, dims.N - 1u), min(n0 + 1u, dims.N - 1u), min(n0 + 2u, dims.N - 1u), min(n0 + 3u, dims.N - 1u));
  var acc0 = vec4f(0.0);
  var acc1 = vec4f(0.0);
  var acc2 = vec4f(0.0);
  var acc3 = vec4f(0.0);
  for (var k = 0u; k < dims.K; k++) {
    let b = vec4f(loadB(k, ni.x), loadB(k, ni.y), loadB(k, ni.z), loadB(k, ni.w));
    acc0 = fma(vec4f(loadA(mi.x, k)), b, acc0);
    acc1 = fma(vec4f(loadA(mi.y, k)), b, acc1);
    acc2 = fma(vec4f(loadA(mi.z, k)), b, acc2);
    acc3 = fma(vec4f(loadA(mi.w, k)), b, acc3);
  }
  var bv = vec4f(0.0);
  if (HAS_BIAS == 1u) {
    bv = vec4f(bias[dims.offBias + ni.x], bias[dims.offBias + ni.y], bias[dims.offBias + ni.z], bias[dims.offBias + ni.w]);
  }
  let rows = array<vec4f, 4>(acc0 + bv, acc1 + bv, acc2 + bv, acc3 + bv);
  for (var i = 0u; i < 4u; i++) {
    let m = m0 + i;
    if (m >= dims.M) { break; }
    for (var j = 0u; j < 4u; j++) {
      if (n0 + j < dims.N) { C[dims.offC + m * dims.N + n0 + j] = rows[i][j]; }
    }
  }
}
