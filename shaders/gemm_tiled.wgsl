// C = A·B (+ bias) for GPUs, tiled through workgroup memory (layouts and indexing: gemm_common.wgsl;
// loads: the operand pieces gemm_{a,b}_{scalar,vec4}.wgsl, four floats per load where aligned).
// A workgroup of 16×16 invocations owns a TILE×TILE block of C (TILE = 64); each invocation a 4×4
// register tile of it. Per TILE_K (16) slice of K, the workgroup first stages A[TILE×TILE_K] and
// B[TILE_K×TILE] in workgroup memory — every invocation loads one 4-float group, consecutive
// invocations reading consecutive addresses along whichever dimension the operand is stored
// contiguously in (coalesced) — then each invocation reads one vec4 of each per k and does 16
// multiply-adds: 2 workgroup-memory loads per 16 FLOP pairs instead of 8 global loads.
// Elements outside [M,K] and [K,N] are staged as 0, so partial tiles need no other case.

// The layout and bias switches, from the uniform (gemm_common.wgsl reads A_KM and B_KN): one
// module serves every layout, so a GPU compiles this kernel once per load width, not per layout too.
var<private> A_KM: u32;
var<private> B_KN: u32;
var<private> HAS_BIAS: u32;

// The TILE rows of A for k-slice row `kk` are tileA[kk·(TILE/4) + m/4][m % 4]; likewise tileB over n.
var<workgroup> tileA: array<vec4f, TILE_K * TILE / 4u>;
var<workgroup> tileB: array<vec4f, TILE_K * TILE / 4u>;

// 4-float groups, zero outside [M, K] or [K, N]: one 4-float load where the group lies inside
// (loadA4 and friends), else four clamped loads, each kept only where its element exists.
fn a_group_along_k(m: u32, k: u32) -> vec4f {
  if (m >= dims.M || k >= dims.K) { return vec4f(0.0); }
  if (k + 3u < dims.K) { return loadA4(m, k); }
  let last = dims.K - 1u;
  let v = vec4f(loadA(m, k), loadA(m, min(k + 1u, last)), loadA(m, min(k + 2u, last)), loadA(m, last));
  return select(vec4f(0.0), v, k + vec4u(0u, 1u, 2u, 3u) < vec4u(dims.K));
}

fn a_group_along_m(k: u32, m: u32) -> vec4f {
  if (m >= dims.M || k >= dims.K) { return vec4f(0.0); }
  if (m + 3u < dims.M) { return loadA4m(k, m); }
  let last = dims.M - 1u;
  let v = vec4f(loadA(m, k), loadA(min(m + 1u, last), k), loadA(min(m + 2u, last), k), loadA(last, k));
  return select(vec4f(0.0), v, m + vec4u(0u, 1u, 2u, 3u) < vec4u(dims.M));
}

fn b_group_along_n(k: u32, n: u32) -> vec4f {
  if (n >= dims.N || k >= dims.K) { return vec4f(0.0); }
  if (n + 3u < dims.N) { return loadB4n(k, n); }
  let last = dims.N - 1u;
  let v = vec4f(loadB(k, n), loadB(k, min(n + 1u, last)), loadB(k, min(n + 2u, last)), loadB(k, last));
  return select(vec4f(0.0), v, n + vec4u(0u, 1u, 2u, 3u) < vec4u(dims.N));
}

fn b_group_along_k(k: u32, n: u32) -> vec4f {
  if (n >= dims.N || k >= dims.K) { return vec4f(0.0); }
  if (k + 3u < dims.K) { return loadB4k(k, n); }
  let last = dims.K - 1u;
  let v = vec4f(loadB(k, n), loadB(min(k + 1u, last), n), loadB(min(k + 2u, last), n), loadB(last, n));
  return select(vec4f(0.0), v, k + vec4u(0u, 1u, 2u, 3u) < vec4u(dims.K));
}

// Stages the k-slice [k0, k0 + TILE_K) of this workgroup's A rows and B columns; `lid` is 0..255.
fn stage(lid: u32, m0: u32, n0: u32, k0: u32) {
  if (A_KM == 1u) {
    // A [K,M]: 16 invocations read 64 consecutive m of one k.
    let kk = lid / 16u;
    let mq = (lid % 16u) * 4u;
    tileA[kk * (TILE / 4u) + mq / 4u] = a_group_along_m(k0 + kk, m0 + mq);
  } else {
    // A [M,K]: 4 invocations read 16 consecutive k of one m.
    let m = lid / 4u;
    let kq = (lid % 4u) * 4u;
    let v = a_group_along_k(m0 + m, k0 + kq);
    let at = kq * (TILE / 4u) + m / 4u;
    tileA[at][m % 4u] = v.x;
    tileA[at + TILE / 4u][m % 4u] = v.y;
    tileA[at + 2u * (TILE / 4u)][m % 4u] = v.z;
    tileA[at + 3u * (TILE / 4u)][m % 4u] = v.w;
  }
  if (B_KN == 1u) {
    // B [K,N]: 16 invocations read 64 consecutive n of one k.
    let kk = lid / 16u;
    let nq = (lid % 16u) * 4u;
    tileB[kk * (TILE / 4u) + nq / 4u] = b_group_along_n(k0 + kk, n0 + nq);
  } else {
    // B [N,K]: 4 invocations read 16 consecutive k of one n.
    let n = lid / 4u;
    let kq = (lid % 4u) * 4u;
    let v = b_group_along_k(k0 + kq, n0 + n);
    let at = kq * (TILE / 4u) + n / 4u;
    tileB[at][n % 4u] = v.x;
    tileB[at + TILE / 4u][n % 4u] = v.y;
    tileB[at + 2u * (TILE / 4u)][n % 4u] = v.z;
    tileB[at + 3u * (TILE / 4u)][n % 4u] = v.w;
  }
}

@compute @workgroup_size(16, 16)
fn main(@builtin(workgroup_id) wid: vec3u, @builtin(local_invocation_id) local: vec3u, @builtin(local_invocation_index) lid: u32) {
  A_KM = dims.aKM;
  B_KN = dims.bKN;
  HAS_BIAS = dims.hasBias;
  let m0 = wid.y * TILE;
  let n0 = wid.x * TILE;
  // acc[i] = C[m0 + 4·local.y + i, n0 + 4·local.x .. +3]
  var acc = array<vec4f, 4>(vec4f(0.0), vec4f(0.0), vec4f(0.0), vec4f(0.0));
  // Every invocation runs every slice (the barriers need uniform control flow); edges hold zeros.
  for (var k0 = 0u; k0 < dims.K; k0 += TILE_K) {
    stage(lid, m0, n0, k0);
    workgroupBarrier();
    for (var kk = 0u; kk < TILE_K; kk++) {
      let a = tileA[kk * (TILE / 4u) + local.y];
      let b = tileB[kk * (TILE / 4u) + local.x];
      acc[0] = fma(vec4f(a.x), b, acc[0]);
      acc[1] = fma(vec4f(a.y), b, acc[1]);
      acc[2] = fma(vec4f(a.z), b, acc[2]);
      acc[3] = fma(vec4f(a.w), b, acc[3]);
    }
    workgroupBarrier();
  }
  let n = n0 + 4u * local.x;
  var bv = vec4f(0.0);
  if (HAS_BIAS == 1u) {
    for (var j = 0u; j < 4u; j++) { if (n + j < dims.N) { bv[j] = f32(bias[dims.offBias + n + j]); } }
  }
  for (var i = 0u; i < 4u; i++) {
    let m = m0 + 4u * local.y + i;
    if (m >= dims.M) { break; }
    for (var j = 0u; j < 4u; j++) {
      if (n + j < dims.N) { C[dims.offC + m * dims.N + n + j] = C_elem(acc[i][j] + bv[j]); }
    }
  }
}
