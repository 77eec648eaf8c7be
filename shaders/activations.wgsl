// The cell activations, shared by the recurrent kernels (a code piece of their descriptions, which
// declare the override ACT_SIGMOID: src/kernels/activations.ts). ACT_SIGMOID selects φ = ψ = σ (the
// reference article's LSTM variant; for the RNN, its nonlinearity) instead of tanh.

fn sigmoid(x: f32) -> f32 { return 1.0 / (1.0 + exp(-x)); }

// tanh of a clamped argument: tanh(±15) is ±1 in f32 already, and some drivers return NaN for huge inputs.
fn cell_act(x: f32) -> f32 {
  if (ACT_SIGMOID == 1u) { return sigmoid(x); }
  return tanh(clamp(x, -15.0, 15.0));
}

// The activation's derivative, from its output y = cell_act(x).
fn cell_act_grad(y: f32) -> f32 {
  if (ACT_SIGMOID == 1u) { return y * (1.0 - y); }
  return 1.0 - y * y;
}
