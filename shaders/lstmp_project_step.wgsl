// The projection of an LSTM step (LSTMP, PyTorch's proj_size): h_t = W_hr·m_t, R = projSize wide,
// after lstm_forward_step_coalesced.wgsl wrote m_t = o ⊙ ψ(s_t). Invocation r of workgroup (x, b, d)
// computes h_t[b, x·WG + r] for direction d; where the step does not exist for the row, h is carried
// over and the output is 0 (sequence_place.wgsl). Legend: B batch, T time, H hidden, R projection.

// Bindings, uniform struct and override constants: declared by its kernel description in src/kernels/recurrentSteps.ts.

@compute @workgroup_size(WG)
fn main(@builtin(workgroup_id) wid: vec3u, @builtin(local_invocation_index) lane: u32) {
  let H = step.H;
  enter(wid.z, step.t, step.T, step.D, step.B, H, 4u * H);
  project_to(step.R);
  let t = seq_here.t;
  let b = wid.y;
  let r = wid.x * WG + lane;
  if (r >= step.R) { return; }
  let at = h_at(seq_here.write, b) + r;
  if (!step_exists(t, b)) {
    h[at] = h[h_at(seq_here.read, b) + r];
    out[out_at(t, b) + r] = 0.0;
    return;
  }
  let w = step.offWhr + seq_dir * step.whrStride + r * H;
  let mRow = diag_at(t, b);
  var sum = 0.0;
  for (var j = 0u; j < H; j++) { sum = fma(weight(w + j), m[mRow + j], sum); }
  h[at] = sum;
  out[out_at(t, b) + r] = sum;
}
