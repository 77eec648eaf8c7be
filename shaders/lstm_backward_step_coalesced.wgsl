// One LSTM step of backpropagation through time for all batch rows, for GPUs: the same math and
// outputs as lstm_backward_step.wgsl (see it for the equations, the stored tensors and the FINAL
// pass after t = 0, which writes dh_{-1} = W_hhᵀ·da_0 and ds_{-1} = ds_0 ⊙ f_0).
// Legend: B batch, T time, H hidden; gate order i, f, g, o.
// Work split: workgroup (x, y) handles the UNITS = 16 hidden units from x·16 for batch row y, so a
// step has ⌈H/16⌉·B workgroups. Its 64 lanes are 16 units × 4 slices of the 4H gate rows r: lane
// (u, s) sums W_hh[r, j0 + u]·da_{t+1}[y, r] over r ≡ s (mod 4), so the 16 lanes of a slice read 16
// consecutive floats of each W_hh row (coalesced) and every lane reads the same da value (a
// broadcast). The four slices' sums are added in workgroup memory in a fixed order; then the 16
// lanes of slice 0 finish their unit. The code pieces before this one: activations.wgsl, the
// addressing of directions, slots and lengths (sequence_place.wgsl, lengths_in_state_grads.wgsl:
// workgroup z is the direction), the weights (weight: weights_*.wgsl) and the per-unit tail
// (lstm_cell_backward.wgsl).

const UNITS = 16u;
const SLICES = 4u;

var<workgroup> partial: array<f32, 64>;  // [slice·16 + u]

@compute @workgroup_size(64)
fn main(@builtin(workgroup_id) wid: vec3u, @builtin(local_invocation_index) lane: u32) {
  let B = step.B;
  let H = step.H;
  let G = 4u * H;
  enter(wid.z, step.t, step.T, step.D, B, H, G);
  set_length_section(4u * step.section);
  let t = seq_here.t;
  let b = wid.y;
  let u = lane % UNITS;
  let slice = lane / UNITS;
  let j = wid.x * UNITS + u;
  let jj = min(j, H - 1u);  // lanes past H sum for the last unit and write nothing
  let finalPass = step.isFinal == 1u;
  var sum = 0.0;
  if (PROJ) {
    // With a projection: (W_hrᵀ · dh_t)[b, j], dh_t from lstmp_backward_dh.wgsl (R wide).
    project_to(step.R);
    if (!finalPass && step_exists(t, b)) {
      let dhRow = diag_r_at(t, b);
      let w0 = step.offWhr + seq_dir * step.whrStride;
      for (var r = slice; r < step.R; r += SLICES) {
        sum = fma(weight(w0 + r * H + jj), dhTotal[dhRow + r], sum);
      }
    }
  } else if (finalPass || (step_exists(t, b) && !is_last_step(t, b))) {
    // (W_hhᵀ · da)[b, j] for da of the step after t (in this direction's forward order), or of the
    // row's first step in the final pass; none at the row's last step or a step that does not exist.
    let daRow = gate_row(select(next_step(t), first_step(b), finalPass), b);
    let w0 = step.offWhh + seq_dir * step.whhStride;
    for (var r = slice; r < G; r += SLICES) {
      sum = fma(weight(w0 + r * H + jj), da[daRow + r], sum);
    }
  }
  partial[lane] = sum;
  workgroupBarrier();
  if (slice != 0u || j >= H) { return; }
  let carried = ((partial[u] + partial[UNITS + u]) + (partial[2u * UNITS + u] + partial[3u * UNITS + u]));
  if (finalPass) {
    write_initial_state_grads(b, j, carried);
    return;
  }
  let d = cell_backward(t, b, j, carried);
  let row = gate_row(t, b);
  da[row + j] = d.x;
  da[row + H + j] = d.y;
  da[row + 2u * H + j] = d.z;
  da[row + 3u * H + j] = d.w;
}
