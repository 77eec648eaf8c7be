// The LSTM's direct cell path, as a backward product of diagonal Jacobians (docs/DESIGN.md §1):
//   ∂s_last/∂s_k (direct path) = D(f_last ⊙ … ⊙ f_next(k))
// over the steps after k in this direction's forward order (the forward direction's last step is
// T−1, the reverse direction's 0: sequence_place.wgsl; workgroup z is the direction). For each (b, j),
// walking k back from the last step with a running product P:
//   prod[k]   = Π over the steps after k of f      (1 at the last step)
//   direct[k] = o_last ⊙ ψ'(s_last) ⊙ prod[k]        the diagonal of ∂h_last/∂s_k along that path
// Legend: B batch, T time, H hidden; gates [T,B,D·4H] in the order i, f, g, o; prod, direct [D][T,B,H].
// With IS_GRU the same walk runs over the GRU's update gate z (gates r, z, n, ·: z where f is):
// ∂h_last/∂h_k along the direct path is D(z_last ⊙ … ⊙ z_next(k)), with no output gate (direct = prod).

// Bindings, uniform struct and override constants: declared by its kernel description in src/diagnostics/gradientFlow.ts.

@compute @workgroup_size(WG)
fn main(@builtin(global_invocation_id) gid: vec3u) {
  let B = dims.B;
  let H = dims.H;
  let T = dims.T;
  enter(gid.z, 0u, T, dims.D, B, H, 4u * H);
  if (gid.x >= B * H) { return; }
  let b = gid.x / H;
  let j = gid.x % H;
  let last = at_time(select(T - 1u, 0u, gid.z == 1u));
  var outGate = 1.0;
  if (IS_GRU == 0u) { outGate = gates[gate_row(last.t, b) + 3u * H + j] * cell_act_grad(cell_act(c[state_at(last.write, b) + j])); }
  var p = 1.0;
  for (var s = i32(T) - 1; s >= 0; s--) {
    let t = place(u32(s), gid.z, T).t;
    let e = diag_at(t, b) + j;
    prod[e] = p;
    direct[e] = outGate * p;
    p *= gates[gate_row(t, b) + H + j];
  }
}
