// C = A·B (+ bias) for GPUs (layouts, bindings and loads: gemm_common.wgsl): each invocation
// computes a 4×4 block of C in registers, an 8×8 workgroup a 32×32 tile.

// Bindings, uniform struct and override constants: declared by its kernel description in src/kernels/gemm.ts.

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
    bv = vec4f(f32(bias[dims.offBias + ni.x]), f32(bias[dims.offBias + ni.y]), f32(bias[dims.offBias + ni.z]), f32(bias[dims.offBias + ni.w]));
  }
  let rows = array<vec4f, 4>(acc0 + bv, acc1 + bv, acc2 + bv, acc3 + bv);
  for (var i = 0u; i < 4u; i++) {
    let m = m0 + i;
    if (m >= dims.M) { break; }
    for (var j = 0u; j < 4u; j++) {
      if (n0 + j < dims.N) { C[dims.offC + m * dims.N + n0 + j] = C_elem(rows[i][j]); }
    }
  }
}
