// Row lengths from the `lengths` binding ([B] u32), for sequence_place.wgsl (set_length_section is
// then a no-op, for the kernels that can take their lengths either way).
fn row_length(b: u32) -> u32 { return lengths[b]; }
fn set_length_section(at: u32) {}
