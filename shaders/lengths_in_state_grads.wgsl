// Row lengths for sequence_place.wgsl where a kernel has no binding left for them (the LSTM backward
// kernels bind 8 storage buffers, all WebGPU promises): they ride as floats in the last section of
// stateGrads, after its four [L·D,B,H] sections; the kernel says where with set_length_section().
var<private> seq_len_section: u32;
fn set_length_section(at: u32) { seq_len_section = at; }
fn row_length(b: u32) -> u32 { return u32(stateGrads[seq_len_section + b]); }
