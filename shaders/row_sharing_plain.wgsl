// No row sharing: every invocation loads each row's value itself (see row_sharing_subgroup.wgsl).

const SHARE_ROWS = false;

fn share_lane() -> u32 { return 0u; }

fn shared_row(mine: vec4f, r: u32) -> f32 { return mine.x; }

fn shared_row4(mine: vec4f, r: u32) -> f32 { return mine.x; }
