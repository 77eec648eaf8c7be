// Row sharing through subgroups, for CPU adapters whose subgroup is their 8-lane SIMD register (a
// code piece of the CPU-adapter kernels, which then enable subgroups: src/kernels/rowSharing.ts). A
// workgroup that needs one value of each of its ROWS (≤ 32) rows at every step of a loop lets subgroup lane i load rows i, i + 8, i + 16, i + 24 (as
// many as exist: ROWS / 8 loads, not ROWS), then hands every lane every row's value with shuffles,
// which are register moves there.

const SHARE_ROWS = true;

// This invocation's index in its subgroup (every lane is active where this is called).
fn share_lane() -> u32 { return subgroupExclusiveAdd(1u); }

// Row r's value, given each lane's values `mine` of rows share_lane() + 8·q, q = 0..3.
fn shared_row(mine: vec4f, r: u32) -> f32 { return subgroupShuffle(mine[r / 8u], r % 8u); }

// The same where each lane holds four adjacent rows, 4·share_lane() + q (one 4-float load where the
// rows are adjacent in memory).
fn shared_row4(mine: vec4f, r: u32) -> f32 { return subgroupShuffle(mine[r % 4u], r / 4u); }
