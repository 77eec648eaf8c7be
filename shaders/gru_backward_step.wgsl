// One GRU step of backpropagation through time for all batch rows (gru_cell.wgsl has the equations),
// the work split of lstm_backward_step_coalesced.wgsl for GPUs: 16 units × 4 slices of the 3H gate
// rows per workgroup, one row b, direction d. With dh the total gradient reaching h_t:
//   dh = dH_t [+ dh_N at the row's last step] + W_hhᵀ·dah_next + dh_next ⊙ z_next
// The FINAL pass writes dh_{-1} = W_hhᵀ·dah_first + dh_first ⊙ z_first into the dh0 section of
// stateGrads. "Next", "last" and "first" follow the direction's forward order. The code pieces
// before this one: sequence_place.wgsl with lengths_in_state_grads.wgsl, gru_gates.wgsl,
// gru_cell_backward.wgsl, gru_step_backward.wgsl.

const UNITS = 16u;
const SLICES = 4u;

var<workgroup> partial: array<f32, 64>;

@compute @workgroup_size(64)
fn main(@builtin(workgroup_id) wid: vec3u, @builtin(local_invocation_index) lane: u32) {
  let B = step.B;
  let H = step.H;
  let G = 3u * H;
  enter(wid.z, step.t, step.T, step.D, B, H, G);
  set_length_section(4u * step.section);
  let t = seq_here.t;
  let b = wid.y;
  let u = lane % UNITS;
  let slice = lane / UNITS;
  let j = wid.x * UNITS + u;
  let jj = min(j, H - 1u);
  let finalPass = step.isFinal == 1u;
  // The step whose gradients flow into this one: the next in forward order, or the row's first.
  let src = select(next_step(t), first_step(b), finalPass);
  let carries = finalPass || (step_exists(t, b) && !is_last_step(t, b));
  var sum = 0.0;
  if (carries) {
    let row = gate_row(src, b);
    let w0 = step.offWhh + seq_dir * step.whhStride;
    for (var r = slice; r < G; r += SLICES) {
      sum = fma(weight(w0 + r * H + jj), dah[row + r], sum);
    }
  }
  partial[lane] = sum;
  workgroupBarrier();
  if (slice != 0u || j >= H) { return; }
  var carried = (partial[u] + partial[UNITS + u]) + (partial[2u * UNITS + u] + partial[3u * UNITS + u]);
  if (carries) { carried += gru_direct_path(src, b, j); }
  gru_step_backward(t, b, j, carried, finalPass);
}
