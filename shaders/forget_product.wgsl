// The LSTM's direct cell path, as a backward product of diagonal Jacobians (docs/DESIGN.md §1):
//   ∂s_{T-1}/∂s_k (direct path) = D(f_{T-1} ⊙ … ⊙ f_{k+1})
// For each (b, j), walking k from T-1 down to 0 with a running product P:
//   prod[k]   = Π_{t=k+1}^{T-1} f_t          (1 at k = T-1)
//   direct[k] = o_{T-1} ⊙ ψ'(s_{T-1}) ⊙ prod[k]   the diagonal of ∂h_{T-1}/∂s_k along that path
// Legend: B batch, T time, H hidden; gates [T,B,4H] in the order i, f, g, o.

// Bindings, uniform struct and override constants: declared by its kernel description in src/diagnostics/gradientFlow.ts.

@compute @workgroup_size(WG)
fn main(@builtin(global_invocation_id) gid: vec3u) {
  let B = dims.B;
  let H = dims.H;
  let T = dims.T;
  if (gid.x >= B * H) { return; }
  let b = gid.x / H;
  let j = gid.x % H;
  let G = 4u * H;
  let last = (T - 1u) * B + b;
  let outGate = gates[last * G + 3u * H + j] * cell_act_grad(cell_act(c[(T * B + b) * H + j]));
  var p = 1.0;
  for (var k = i32(T) - 1; k >= 0; k--) {
    let row = u32(k) * B + b;
    prod[row * H + j] = p;
    direct[row * H + j] = outGate * p;
    p *= gates[row * G + H + j];
  }
}
