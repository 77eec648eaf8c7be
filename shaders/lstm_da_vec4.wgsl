// How the backward step kernel reads and writes da [T,B,4H]: four floats per access, where each
// invocation owns whole groups of 4 adjacent units and H % 4 = 0 (`da` bound as array<vec4f>; CPU
// adapters, chosen by src/kernels/recurrentSteps.ts). Lavapipe pays far less for a 4-float load than for four 1-float
// ones (bench/NOTES.md, v8), and whole-vector stores never write part of a vector another
// invocation owns.

const DA_VEC4 = true;

fn da_load(i: u32) -> f32 { return da[i / 4u][i % 4u]; }

// da[i..i+3]; i is a multiple of 4.
fn da_load4(i: u32) -> vec4f { return da[i / 4u]; }

// Unit j's da for the four gates, d = (i, f, g, o), into the step row starting at `row`: collected
// in `group` (per gate, the invocation's current 4-unit group) and stored when the group's last
// unit (u % 4 = 3) is in.
fn da_store_unit(row: u32, j: u32, u: u32, d: vec4f, group: ptr<function, array<vec4f, 4>>) {
  let q = u % 4u;
  (*group)[0][q] = d.x;
  (*group)[1][q] = d.y;
  (*group)[2][q] = d.z;
  (*group)[3][q] = d.w;
  if (q == 3u) {
    let H = step.H;
    let first = row + j - 3u;
    da[first / 4u] = (*group)[0];
    da[(first + H) / 4u] = (*group)[1];
    da[(first + 2u * H) / 4u] = (*group)[2];
    da[(first + 3u * H) / 4u] = (*group)[3];
  }
}
