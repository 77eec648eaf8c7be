// Shared by the loss kernels (the first code piece of their descriptions in src/kernels/losses.ts): one workgroup of WG invocations,
// the optional 0/1 mask, and a tree reduction of two running sums (loss and counted weight) whose
// fixed order makes the loss bit-identical run to run.

// WG (the workgroup size) and HAS_MASK are declared by the kernel descriptions in src/kernels/losses.ts.

var<workgroup> partial: array<f32, WG>;
var<workgroup> counted: array<f32, WG>;

// Every invocation must call it: it contains barriers.
fn reduce(lid: u32) {
  for (var s = WG / 2u; s > 0u; s = s / 2u) {
    workgroupBarrier();
    if (lid < s) {
      partial[lid] += partial[lid + s];
      counted[lid] += counted[lid + s];
    }
  }
  workgroupBarrier();
}
