// Where the GRU kernels keep row b's gate record at time t, this direction's: 4H floats r, z, n,
// a_h,n (= W_hn·h_{t-1} + b_hn, which the reset gate's gradient needs), [T,B,D·4H] in all.
fn gru_gates_at(t: u32, b: u32) -> u32 { return (t * seq_B + b) * seq_D * 4u * seq_H + seq_dir * 4u * seq_H; }
