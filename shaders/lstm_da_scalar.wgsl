// How the backward step kernel reads and writes da [T,B,4H]: one float per access (see lstm_da_vec4.wgsl).

const DA_VEC4 = false;

fn da_load(i: u32) -> f32 { return da[i]; }

// da[i..i+3].
fn da_load4(i: u32) -> vec4f { return vec4f(da[i], da[i + 1u], da[i + 2u], da[i + 3u]); }

// Unit j's da for the four gates, d = (i, f, g, o), into the step row starting at `row`; `u` is j's
// place among the invocation's units and `group` unused here.
fn da_store_unit(row: u32, j: u32, u: u32, d: vec4f, group: ptr<function, array<vec4f, 4>>) {
  let H = step.H;
  da[row + j] = d.x;
  da[row + H + j] = d.y;
  da[row + 2u * H + j] = d.z;
  da[row + 3u * H + j] = d.w;
}
