// One LSTM step of backpropagation through time, for all batch rows: products of diagonal Jacobians.
// Legend: B batch, T time, H hidden; gate order i, f, g, o.
//   dh   = dH_t (from the loss / layer above) [+ dh_N at t = T-1] + W_hhᵀ·da_{t+1}
//   ds   = dh ⊙ o ⊙ ψ'(s_t) + ds_{t+1} ⊙ f_{t+1}     (∂s_{t+1}/∂s_t = D(f_{t+1}); ds_N replaces it at t = T-1)
//   do = dh ⊙ ψ(s_t)   di = ds ⊙ g   dg = ds ⊙ i   df = ds ⊙ s_{t-1}
//   da   = [di·σ', df·σ', dg·φ', do·σ']
// Stored per step: da [T,B,4H] (for the weight gradients), ds and dh [T,B,H] (total gradients, for
// diagnostics). The FINAL pass (after t = 0) writes dh_{-1} = W_hhᵀ·da_0 and ds_{-1} = ds_0 ⊙ f_0.
// Invocation j of workgroup (x, y) handles hidden units x·UNITS·WG + j + u·WG (u < UNITS) for the
// ROWS batch rows y·ROWS...: each W_hh value it loads serves ROWS rows, and da_{t+1}[b, r] is the same
// for the whole workgroup (shared through subgroups on CPU adapters, a broadcast on GPUs).

override WG: u32 = 64u;
override ROWS: u32 = 1u;   // batch rows per workgroup, 1..16
override UNITS: u32 = 1u;  // hidden units per invocation: 1, 4 or 8

struct Step {
  t: u32,
  T: u32,
  B: u32,
  H: u32,
  offWhh: u32,     // W_hh inside params
  offStateGrad: u32, // this layer's [B,H] slice in each section of stateGrads
  isFinal: u32,      // 1: write dh0, dc0 instead of a time step
  section: u32,      // L·B·H: the stride between the sections of stateGrads
}

@group(0) @binding(0) var<storage, read_write> da: array<f32>;     // [T,B,4H]
@group(0) @binding(1) var<storage, read_write> ds: array<f32>;     // [T,B,H] total dL/ds_t
@group(0) @binding(2) var<storage, read_write> dhTotal: array<f32>; // [T,B,H] total dL/dh_t
// The four [L,B,H] state gradients share one buffer (WebGPU promises only 8 storage buffers per
// stage): sections dh0 (written), dc0 (written), dhN (read), dcN (read).
@group(0) @binding(3) var<storage, read_write> stateGrads: array<f32>; // [4,L,B,H]
@group(0) @binding(4) var<storage, read> dH: array<f32>;           // [T,B,H] from the loss or the layer above
@group(0) @binding(5) var<storage, read> gates: array<f32>;        // [T,B,4H] activated i, f, g, o
@group(0) @binding(6) var<storage, read> c: array<f32>;            // [T+1,B,H], slot 0 = s_{-1}
@group(0) @binding(7) var<storage, read> params: array<f32>;
@group(0) @binding(8) var<uniform> step: Step;

// (W_hhᵀ · da_t)[b, j] = Σ_r W_hh[r, j] · da_t[b, r] over all 4H gate rows r, for rows b0..b0+ROWS-1
// and the (clamped) units j (sum) and j2 (sum2, when UNITS = 8).
fn recurrent_grad(t: u32, b0: u32, subLane: u32, j: vec4u, j2: vec4u, sum: ptr<function, array<vec4f, 16>>, sum2: ptr<function, array<vec4f, 16>>) {
  let B = step.B;
  let H = step.H;
  let G = 4u * H;
  for (var r = 0u; r < G; r++) {
    let w = step.offWhh + r * H;
    var wr = vec4f(params[w + j.x], 0.0, 0.0, 0.0);
    if (UNITS >= 4u) { wr = vec4f(wr.x, params[w + j.y], params[w + j.z], params[w + j.w]); }
    var wr2 = vec4f(0.0);
    if (UNITS == 8u) { wr2 = vec4f(params[w + j2.x], params[w + j2.y], params[w + j2.z], params[w + j2.w]); }
    // da_t[b, r] of the rows: a load per lane per 8 rows, shared by shuffles (SHARE_ROWS), or one load per row.
    var mine = vec4f(0.0);
    if (SHARE_ROWS) {
      mine.x = da[(t * B + min(b0 + subLane, B - 1u)) * G + r];
      if (ROWS > 8u) { mine.y = da[(t * B + min(b0 + 8u + subLane, B - 1u)) * G + r]; }
    }
    for (var i = 0u; i < ROWS; i++) {
      var dv: f32;
      if (SHARE_ROWS) { dv = shared_row(mine, i); } else { dv = da[(t * B + min(b0 + i, B - 1u)) * G + r]; }
      let d = vec4f(dv);
      (*sum)[i] = fma(d, wr, (*sum)[i]);
      if (UNITS == 8u) { (*sum2)[i] = fma(d, wr2, (*sum2)[i]); }
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
  let j0 = wid.x * UNITS * WG + lane;
  let units = vec4u(j0, j0 + WG, j0 + 2u * WG, j0 + 3u * WG);
  let units2 = units + vec4u(4u * WG);
  let b0 = wid.y * ROWS;
  let last = t == step.T - 1u;
  var carried: array<vec4f, 16>;
  var carried2: array<vec4f, 16>;
  if (step.isFinal == 1u || !last) {
    // Lanes past H compute a clamped copy and write nothing.
    let top = vec4u(H - 1u);
    recurrent_grad(select(t + 1u, 0u, step.isFinal == 1u), b0, subLane, min(units, top), min(units2, top), &carried, &carried2);
  }
  for (var u = 0u; u < UNITS; u++) {
    let j = select(units[u % 4u], units2[u % 4u], u >= 4u);
    if (j >= H) { break; }
    // A loop bound known only at run time: unrolled UNITS × ROWS times, this elementwise tail made
    // the shader slow to compile on lavapipe (seconds), for no speed.
    for (var i = 0u; i < min(ROWS, B - b0); i++) {
      let b = b0 + i;
      let state = step.offStateGrad + b * H + j;
      if (step.isFinal == 1u) {
        stateGrads[state] = select(carried[i][u % 4u], carried2[i][u % 4u], u >= 4u);
        stateGrads[step.section + state] = ds[b * H + j] * gates[b * G + H + j];
        continue;
      }
      let bh = (t * B + b) * H + j;
      var dh = dH[bh];
      var carry: f32;
      if (last) {
        dh += stateGrads[2u * step.section + state];
        carry = stateGrads[3u * step.section + state];
      } else {
        dh += select(carried[i][u % 4u], carried2[i][u % 4u], u >= 4u);
        carry = ds[((t + 1u) * B + b) * H + j] * gates[((t + 1u) * B + b) * G + H + j];
      }
      let row = (t * B + b) * G;
      let ig = gates[row + j];
      let fg = gates[row + H + j];
      let gg = gates[row + 2u * H + j];
      let og = gates[row + 3u * H + j];
      let s = c[((t + 1u) * B + b) * H + j];
      let sPrev = c[bh];
      let psi = cell_act(s);
      let dsTotal = dh * og * cell_act_grad(psi) + carry;
      ds[bh] = dsTotal;
      dhTotal[bh] = dh;
      let dOut = dh * psi;
      da[row + j] = dsTotal * gg * ig * (1.0 - ig);
      da[row + H + j] = dsTotal * sPrev * fg * (1.0 - fg);
      da[row + 2u * H + j] = dsTotal * ig * cell_act_grad(gg);
      da[row + 3u * H + j] = dOut * og * (1.0 - og);
    }
  }
}
