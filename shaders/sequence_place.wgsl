// Where a recurrent kernel reads and writes, for a layer of D directions and per-row lengths (a code
// piece of every recurrent kernel's description: src/kernels/sequencePlace.ts, with a piece that
// defines row_length(b): from the `lengths` binding, or from the last section of the LSTM backward
// kernels' stateGrads). Call enter() first; the helpers then address this workgroup's direction.
//   - The forward direction's step t reads state slot t and writes slot t+1; the reverse direction's
//     step t = T−1−s (s: the step index) reads slot t+1 and writes slot t, so its initial state sits
//     in slot T and its final state in slot 0. Each direction has its own [T+1,B,H] section of h, c.
//   - Gate-sized rows (xproj, gates, da) are [T,B,D·G]: direction d's G columns from d·G.
//   - The layer's output (and its gradient) is [T,B,D·R]: direction d's R columns from d·R, R being
//     the width of h (H, or the LSTM projection's size: set with project_to(R) after enter()); the
//     h states are [D][T+1,B,R] (h_at), the c states [D][T+1,B,H] (state_at).
//   - Per-step diagnostics of backward (ds, dhTotal) are [D][T,B,H].
//   - Backward runs each direction's steps in the reverse of its forward order; a direction's last
//     step in forward order (where dL/dh_N enters) is t = length−1 forward and t = 0 reverse, its
//     first (which read the initial state) t = 0 forward and t = length−1 reverse.
//   - A step at or past a row's length does not exist: the kernels carry the row's state over to the
//     slot they write, store zero gates and output 0 (packed-sequence semantics). With no lengths
//     given, every row is T long.

struct Place { t: u32, read: u32, write: u32 }

var<private> seq_dir: u32;
var<private> seq_here: Place;
var<private> seq_T: u32;
var<private> seq_D: u32;
var<private> seq_B: u32;
var<private> seq_H: u32;
var<private> seq_G: u32;
var<private> seq_R: u32;

fn place(s: u32, d: u32, T: u32) -> Place {
  if (d == 0u) { return Place(s, s, s + 1u); }
  let t = T - 1u - s;
  return Place(t, t + 1u, t);
}

// The place of time t (not a step index) in this direction.
fn at_time(t: u32) -> Place { return place(select(t, seq_T - 1u - t, seq_dir == 1u), seq_dir, seq_T); }

// Direction d (the workgroup's z) at step index s, in a layer of D directions, T steps, B rows, H units, G gate rows.
fn enter(d: u32, s: u32, T: u32, D: u32, B: u32, H: u32, G: u32) {
  seq_dir = d;
  seq_T = T;
  seq_D = D;
  seq_B = B;
  seq_H = H;
  seq_G = G;
  seq_R = H;
  seq_here = place(s, d, T);
}

// For the LSTM with a projection: h (states and output) is R wide.
fn project_to(R: u32) { seq_R = R; }

fn step_exists(t: u32, b: u32) -> bool { return t < row_length(b); }

// The step after t in this direction's forward order (meaningful unless t is its last).
fn next_step(t: u32) -> u32 { return select(t + 1u, t - 1u, seq_dir == 1u); }

// Whether t is row b's last step in this direction's forward order.
fn is_last_step(t: u32, b: u32) -> bool { return select(t + 1u == row_length(b), t == 0u, seq_dir == 1u); }

// Row b's first step in this direction's forward order (the one that read the initial state).
fn first_step(b: u32) -> u32 { return select(0u, row_length(b) - 1u, seq_dir == 1u); }

// The first of row b's H values at time t in this direction's [T,B,H] section of ds or dhTotal.
fn diag_at(t: u32, b: u32) -> u32 { return ((seq_dir * seq_T + t) * seq_B + b) * seq_H; }

// The first of row b's G gate-sized values at time t, this direction's.
fn gate_row(t: u32, b: u32) -> u32 { return (t * seq_B + b) * seq_D * seq_G + seq_dir * seq_G; }

// The first of row b's H state values in slot `slot` of this direction's section.
fn state_at(slot: u32, b: u32) -> u32 { return ((seq_dir * (seq_T + 1u) + slot) * seq_B + b) * seq_H; }

// The first of row b's R output values at time t, this direction's.
fn out_at(t: u32, b: u32) -> u32 { return (t * seq_B + b) * seq_D * seq_R + seq_dir * seq_R; }

// The first of row b's R values of h in slot `slot` of this direction's section.
fn h_at(slot: u32, b: u32) -> u32 { return ((seq_dir * (seq_T + 1u) + slot) * seq_B + b) * seq_R; }

// The first of row b's R values at time t in this direction's [T,B,R] section (dhTotal under a projection).
fn diag_r_at(t: u32, b: u32) -> u32 { return ((seq_dir * seq_T + t) * seq_B + b) * seq_R; }
