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
// before this one (src/kernels/recurrentSteps.ts, lstmBackwardStep): activations.wgsl, row sharing
// (row_sharing_*.wgsl), the weights (weight, weight4: weights_*.wgsl), da (da_load, da_load4,
// da_store_unit: lstm_da_*.wgsl) and the per-unit tail (lstm_cell_backward.wgsl). `gateflow shaders --out DIR` writes the whole module.

// Bindings, uniform struct and override constants: declared by its kernel description in src/kernels/recurrentSteps.ts.
// ROWS, the batch rows per workgroup (1..32), is a module const (fixed per module, so its loops unroll).

// The four [L,B,H] state gradients share one buffer (WebGPU promises only 8 storage buffers per
// stage): sections dh0 (written), dc0 (written), dhN (read), dcN (read).

// da_t[b, r] of the rows b0 + 8q + share_lane(), q = 0..3, as row sharing hands them out (zero where
// the rows are not shared: then da_row loads each row itself).
fn da_mine(t: u32, b0: u32, subLane: u32, r: u32) -> vec4f {
  var mine = vec4f(0.0);
  if (SHARE_ROWS) {
    let B = step.B;
    let G = 4u * step.H;
    mine.x = da_load((t * B + min(b0 + subLane, B - 1u)) * G + r);
    if (ROWS > 8u) { mine.y = da_load((t * B + min(b0 + 8u + subLane, B - 1u)) * G + r); }
    if (ROWS > 16u) { mine.z = da_load((t * B + min(b0 + 16u + subLane, B - 1u)) * G + r); }
    if (ROWS > 24u) { mine.w = da_load((t * B + min(b0 + 24u + subLane, B - 1u)) * G + r); }
  }
  return mine;
}

// da_mine for r..r+3 (r a multiple of 4) at once: one 4-float load per row where da is read four
// floats at a time (a row of da holds 4H floats, so r..r+3 never straddle rows).
fn da_mine4(t: u32, b0: u32, subLane: u32, r: u32) -> array<vec4f, 4> {
  if (SHARE_ROWS && DA_VEC4) {
    let B = step.B;
    let G = 4u * step.H;
    let x = da_load4((t * B + min(b0 + subLane, B - 1u)) * G + r);
    var y = vec4f(0.0);
    if (ROWS > 8u) { y = da_load4((t * B + min(b0 + 8u + subLane, B - 1u)) * G + r); }
    var z = vec4f(0.0);
    if (ROWS > 16u) { z = da_load4((t * B + min(b0 + 16u + subLane, B - 1u)) * G + r); }
    var w = vec4f(0.0);
    if (ROWS > 24u) { w = da_load4((t * B + min(b0 + 24u + subLane, B - 1u)) * G + r); }
    return array<vec4f, 4>(vec4f(x.x, y.x, z.x, w.x), vec4f(x.y, y.y, z.y, w.y), vec4f(x.z, y.z, z.z, w.z), vec4f(x.w, y.w, z.w, w.w));
  }
  return array<vec4f, 4>(da_mine(t, b0, subLane, r), da_mine(t, b0, subLane, r + 1u), da_mine(t, b0, subLane, r + 2u), da_mine(t, b0, subLane, r + 3u));
}

// da_t[b0 + i, r], given da_mine(t, b0, subLane, r).
fn da_row(mine: vec4f, t: u32, b0: u32, i: u32, r: u32) -> vec4f {
  if (SHARE_ROWS) { return vec4f(shared_row(mine, i)); }
  return vec4f(da_load((t * step.B + min(b0 + i, step.B - 1u)) * 4u * step.H + r));
}

// W_hh[r, j..j+3] from the row starting at `row` (only .x where UNITS = 1).
fn unit_weights(row: u32, j: u32) -> vec4f {
  if (UNITS == 1u) { return vec4f(weight(row + j), 0.0, 0.0, 0.0); }
  return weight4(row + j);
}

// (W_hhᵀ · da_t)[b, j] = Σ_r W_hh[r, j] · da_t[b, r] over all 4H gate rows r, for rows b0..b0+ROWS-1
// and the units j..j+UNITS-1. Four rows r per pass, each sum updated once: lavapipe masks every store
// to a loop variable (bench/NOTES.md, v8).
fn recurrent_grad(t: u32, b0: u32, subLane: u32, j: u32, sum: ptr<function, array<vec4f, ROWS>>) {
  let H = step.H;
  for (var r = 0u; r < 4u * H; r += 4u) {
    let w = step.offWhh + r * H;
    let wa0 = unit_weights(w, j);
    let wa1 = unit_weights(w + H, j);
    let wa2 = unit_weights(w + 2u * H, j);
    let wa3 = unit_weights(w + 3u * H, j);
    let m = da_mine4(t, b0, subLane, r);
    for (var i = 0u; i < ROWS; i++) {
      let d0 = da_row(m[0], t, b0, i, r);
      let d1 = da_row(m[1], t, b0, i, r + 1u);
      let d2 = da_row(m[2], t, b0, i, r + 2u);
      let d3 = da_row(m[3], t, b0, i, r + 3u);
      (*sum)[i] = fma(d3, wa3, fma(d2, wa2, fma(d1, wa1, fma(d0, wa0, (*sum)[i]))));
    }
  }
}

@compute @workgroup_size(WG)
fn main(@builtin(workgroup_id) wid: vec3u, @builtin(local_invocation_index) lane: u32) {
  let B = step.B;
  let H = step.H;
  let G = 4u * H;
  let t = step.t;
  let subLane = share_lane();
  let j0 = (wid.x * WG + lane) * UNITS;
  let b0 = wid.y * ROWS;
  let last = t == step.T - 1u;
  var carried: array<vec4f, ROWS>;
  if (step.isFinal == 1u || !last) {
    // Lanes whose units all lie past H load unit 0's weights and write nothing. A group that starts
    // below H ends below it too where W_hh is read four floats per load (H % 4 = 0); elsewhere its
    // loads past the row's end read the next row, and those units are never written.
    recurrent_grad(select(t + 1u, 0u, step.isFinal == 1u), b0, subLane, select(j0, 0u, j0 >= H), &carried);
  }
  // A loop bound known only at run time: unrolled ROWS × UNITS times, this elementwise tail made the
  // shader slow to compile on lavapipe (seconds), for no speed.
  for (var i = 0u; i < min(ROWS, B - b0); i++) {
    let b = b0 + i;
    var group: array<vec4f, 4>;  // for da_store_unit
    for (var u = 0u; u < UNITS; u++) {
      let j = j0 + u;
      if (j >= H) { break; }
      if (step.isFinal == 1u) {
        write_initial_state_grads(b, j, carried[i][u]);
        continue;
      }
      da_store_unit((t * B + b) * G, j, u, cell_backward(t, b, j, carried[i][u]), &group);
    }
  }
}
