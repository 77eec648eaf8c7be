// Row lengths from the `lengths` binding ([B] u32), for sequence_place.wgsl.
fn row_length(b: u32) -> u32 { return lengths[b]; }
