// Each row's last output, for a head that reads one vector per sequence (headAt 'last') of a network
// with two directions or per-row lengths: the forward half at the row's last step (length − 1), the
// reverse half at step 0 (where the reverse direction ends), i.e. the top layer's final h of each
// direction, as PyTorch users concatenate h_n of a bidirectional layer.
//   GATHER (mode 0): rows[b, d·H + j] = seq[t_d(b), b, d·H + j]
//   SCATTER (mode 1): seq[t_d(b), b, d·H + j] = rows[b, d·H + j]   (the rest of seq is zeroed before)
// Legend: B batch, T time, H hidden, D directions; seq is [T,B,D·H], rows [B,D·H].

// Bindings, uniform struct and override constants: declared by its kernel description in src/kernels/lastOutputs.ts.

@compute @workgroup_size(WG)
fn main(@builtin(global_invocation_id) gid: vec3u) {
  let W = dims.D * dims.H;
  let i = gid.x;
  if (i >= dims.B * W) { return; }
  let b = i / W;
  let col = i % W;
  let d = col / dims.H;
  let t = select(lengths[b] - 1u, 0u, d == 1u);
  let at = (t * dims.B + b) * W + col;
  if (dims.mode == 0u) {
    rows[i] = seq[at];
  } else {
    seq[at] = rows[i];
  }
}
