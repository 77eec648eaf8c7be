// One LSTM step of backpropagation through time, for all batch rows: products of diagonal Jacobians.
// Legend: B batch, T time, H hidden; gate order i, f, g, o.
//   dh   = dH_t (from the loss / layer above) [+ dh_N at t = T-1] + W_hhᵀ·da_{t+1}
//   ds   = dh ⊙ o ⊙ ψ'(s_t) + ds_{t+1} ⊙ f_{t+1}     (∂s_{t+1}/∂s_t = D(f_{t+1}); ds_N replaces it at t = T-1)
//   do = dh ⊙ ψ(s_t)   di = ds ⊙ g   dg = ds ⊙ i   df = ds ⊙ s_{t-1}
//   da   = [di·σ', df·σ', dg·φ', do·σ']
// Stored per step: da [T,B,4H] (for the weight gradients), ds and dh [T,B,H] (total gradients, for
// diagnostics). The FINAL pass (after t = 0) writes dh_{-1} = W_hhᵀ·da_0 and ds_{-1} = ds_0 ⊙ f_0.
// Invocation j of workgroup (x, y) handles the UNITS hidden units from (x·WG + j)·UNITS for the ROWS
// batch rows y·ROWS...: each W_hh value it loads serves ROWS rows, and da_{t+1}[b, r] is the same for
// the whole workgroup (shared through subgroups on CPU adapters, a broadcast on GPUs). The code pieces
// before this one (src/kernels/recurrentSteps.ts, lstmBackwardStep): activations.wgsl, the addressing
// of directions, slots and lengths (sequence_place.wgsl, lengths_in_state_grads.wgsl: workgroup z is
// the direction; step.t is time for the forward direction, T−1−t for the reverse), row sharing
// (row_sharing_*.wgsl), the weights (weight, weight4: weights_*.wgsl), da (da_load, da_load4,
// da_store_unit: lstm_da_*.wgsl) and the per-unit tail (lstm_cell_backward.wgsl). `gateflow shaders --out DIR` writes the whole module.

// Bindings, uniform struct and override constants: declared by its kernel description in src/kernels/recurrentSteps.ts.
// ROWS, the batch rows per workgroup (1..32), is a module const (fixed per module, so its loops unroll).

// The four [L,B,H] state gradients share one buffer (WebGPU promises only 8 storage buffers per
// stage): sections dh0 (written), dc0 (written), dhN (read), dcN (read).

// Whose da the recurrent product reads: the step after t in this direction's forward order, or in
// the final pass each row's first step (which differs per row in the reverse direction).
var<private> carried_final: bool;
var<private> carried_t: u32;

// Where row b's da of that step starts.
fn carried_row(b: u32) -> u32 { return gate_row(select(carried_t, first_step(b), carried_final), b); }

// da[b, r] of the rows b0 + 8q + share_lane(), q = 0..3, as row sharing hands them out (zero where
// the rows are not shared: then da_row loads each row itself).
fn da_mine(b0: u32, subLane: u32, r: u32) -> vec4f {
  var mine = vec4f(0.0);
  if (SHARE_ROWS) {
    let B = step.B;
    mine.x = da_load(carried_row(min(b0 + subLane, B - 1u)) + r);
    if (ROWS > 8u) { mine.y = da_load(carried_row(min(b0 + 8u + subLane, B - 1u)) + r); }
    if (ROWS > 16u) { mine.z = da_load(carried_row(min(b0 + 16u + subLane, B - 1u)) + r); }
    if (ROWS > 24u) { mine.w = da_load(carried_row(min(b0 + 24u + subLane, B - 1u)) + r); }
  }
  return mine;
}

// da_mine for r..r+3 (r a multiple of 4) at once: one 4-float load per row where da is read four
// floats at a time (a row of da holds 4H floats, so r..r+3 never straddle rows).
fn da_mine4(b0: u32, subLane: u32, r: u32) -> array<vec4f, 4> {
  if (SHARE_ROWS && DA_VEC4) {
    let B = step.B;
    let x = da_load4(carried_row(min(b0 + subLane, B - 1u)) + r);
    var y = vec4f(0.0);
    if (ROWS > 8u) { y = da_load4(carried_row(min(b0 + 8u + subLane, B - 1u)) + r); }
    var z = vec4f(0.0);
    if (ROWS > 16u) { z = da_load4(carried_row(min(b0 + 16u + subLane, B - 1u)) + r); }
    var w = vec4f(0.0);
    if (ROWS > 24u) { w = da_load4(carried_row(min(b0 + 24u + subLane, B - 1u)) + r); }
    return array<vec4f, 4>(vec4f(x.x, y.x, z.x, w.x), vec4f(x.y, y.y, z.y, w.y), vec4f(x.z, y.z, z.z, w.z), vec4f(x.w, y.w, z.w, w.w));
  }
  return array<vec4f, 4>(da_mine(b0, subLane, r), da_mine(b0, subLane, r + 1u), da_mine(b0, subLane, r + 2u), da_mine(b0, subLane, r + 3u));
}

// da[b0 + i, r], given da_mine(b0, subLane, r).
fn da_row(mine: vec4f, b0: u32, i: u32, r: u32) -> vec4f {
  if (SHARE_ROWS) { return vec4f(shared_row(mine, i)); }
  return vec4f(da_load(carried_row(min(b0 + i, step.B - 1u)) + r));
}

// W_hh[r, j..j+3] from the row starting at `row` (only .x where UNITS = 1).
fn unit_weights(row: u32, j: u32) -> vec4f {
  if (UNITS == 1u) { return vec4f(weight(row + j), 0.0, 0.0, 0.0); }
  return weight4(row + j);
}

// (W_hhᵀ · da)[b, j] = Σ_r W_hh[r, j] · da[b, r] over all 4H gate rows r (da of carried_row), for rows b0..b0+ROWS-1
// and the units j..j+UNITS-1. Four rows r per pass, each sum updated once: lavapipe masks every store
// to a loop variable (bench/NOTES.md, v8).
fn recurrent_grad(b0: u32, subLane: u32, j: u32, sum: ptr<function, array<vec4f, ROWS>>) {
  let H = step.H;
  let w0 = step.offWhh + seq_dir * step.whhStride;
  for (var r = 0u; r < 4u * H; r += 4u) {
    let w = w0 + r * H;
    let wa0 = unit_weights(w, j);
    let wa1 = unit_weights(w + H, j);
    let wa2 = unit_weights(w + 2u * H, j);
    let wa3 = unit_weights(w + 3u * H, j);
    let m = da_mine4(b0, subLane, r);
    for (var i = 0u; i < ROWS; i++) {
      let d0 = da_row(m[0], b0, i, r);
      let d1 = da_row(m[1], b0, i, r + 1u);
      let d2 = da_row(m[2], b0, i, r + 2u);
      let d3 = da_row(m[3], b0, i, r + 3u);
      (*sum)[i] = fma(d3, wa3, fma(d2, wa2, fma(d1, wa1, fma(d0, wa0, (*sum)[i]))));
    }
  }
}

@compute @workgroup_size(WG)
fn main(@builtin(workgroup_id) wid: vec3u, @builtin(local_invocation_index) lane: u32) {
  let B = step.B;
  let H = step.H;
  let G = 4u * H;
  enter(wid.z, step.t, step.T, step.D, B, H, G);
  set_length_section(4u * step.section);
  let t = seq_here.t;
  let subLane = share_lane();
  let j0 = (wid.x * WG + lane) * UNITS;
  let b0 = wid.y * ROWS;
  // No step comes after the last time of this direction's forward order (T−1 forward, 0 reverse:
  // step.t = T−1 either way): there the recurrent product is skipped. Elsewhere a row whose last
  // step is t reads the zero da its nonexistent next step wrote, and the tail ignores it. (The
  // condition reads the uniform only: row sharing's shuffles need subgroup-uniform control flow.)
  let lastTime = step.t + 1u == step.T;
  let finalPass = step.isFinal == 1u;
  carried_final = finalPass;
  carried_t = select(next_step(t), 0u, lastTime);
  var carried: array<vec4f, ROWS>;
  if (finalPass || !lastTime) {
    // Lanes whose units all lie past H load unit 0's weights and write nothing. A group that starts
    // below H ends below it too where W_hh is read four floats per load (H % 4 = 0); elsewhere its
    // loads past the row's end read the next row, and those units are never written.
    recurrent_grad(b0, subLane, select(j0, 0u, j0 >= H), &carried);
  }
  // A loop bound known only at run time: unrolled ROWS × UNITS times, this elementwise tail made the
  // shader slow to compile on lavapipe (seconds), for no speed.
  for (var i = 0u; i < min(ROWS, B - b0); i++) {
    let b = b0 + i;
    var group: array<vec4f, 4>;  // for da_store_unit
    for (var u = 0u; u < UNITS; u++) {
      let j = j0 + u;
      if (j >= H) { break; }
      if (finalPass) {
        write_initial_state_grads(b, j, carried[i][u]);
        continue;
      }
      da_store_unit(gate_row(t, b), j, u, cell_backward(t, b, j, carried[i][u]), &group);
    }
  }
}
