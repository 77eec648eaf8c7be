// h_{t-1} of a block of ROWS batch rows, for the CPU-adapter forward kernels (LSTM and GRU), where
// every lane of a workgroup needs each row's h_{t-1}[b, k]: with row sharing (row_sharing_*.wgsl)
// each subgroup lane loads a quarter-block of rows and shuffles hand them out.

// h_{t-1}[b, k] of the rows b0 + 8q + share_lane(), q = 0..3, as row sharing hands them out (zero
// where the rows are not shared: then h_prev loads each row itself).
fn h_mine(b0: u32, subLane: u32, k: u32) -> vec4f {
  var mine = vec4f(0.0);
  if (SHARE_ROWS) {
    let B = step.B;
    let slot = seq_here.read;
    mine.x = h[state_at(slot, min(b0 + subLane, B - 1u)) + k];
    if (ROWS > 8u) { mine.y = h[state_at(slot, min(b0 + 8u + subLane, B - 1u)) + k]; }
    if (ROWS > 16u) { mine.z = h[state_at(slot, min(b0 + 16u + subLane, B - 1u)) + k]; }
    if (ROWS > 24u) { mine.w = h[state_at(slot, min(b0 + 24u + subLane, B - 1u)) + k]; }
  }
  return mine;
}

// h_{t-1}[b0 + r, k], given h_mine(b0, subLane, k).
fn h_prev(mine: vec4f, b0: u32, r: u32, k: u32) -> vec4f {
  if (SHARE_ROWS) { return vec4f(shared_row(mine, r)); }
  return vec4f(h[state_at(seq_here.read, min(b0 + r, step.B - 1u)) + k]);
}

