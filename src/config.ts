// The configuration types the CPU reference, kernels, model and scheduler share.
// Legend (the same in TS and WGSL): B batch, T time, I input size, H hidden size, L layers,
// G gates per cell (4 for the LSTM, 1 for the vanilla RNN). LSTM gate order i, f, g, o:
// rows [0,H) input gate, [H,2H) forget gate, [2H,3H) candidate, [3H,4H) output gate (PyTorch's).
// All sequences are time-major and flat, row-major: x[t][b][i] = x[(t*B + b)*I + i].

/** The loss a model is trained with: 'mse' or 'crossentropy'. */
export type LossKind = 'mse' | 'crossentropy';

/** The recurrent cell: 'lstm', 'rnn' (torch.nn.RNN's tanh cell) or 'gru' (torch.nn.GRU, reset after the recurrent product). */
export type CellKind = 'lstm' | 'rnn' | 'gru';

/** φ = ψ for the LSTM (tanh is standard; sigmoid is the reference article's variant); the RNN's nonlinearity. */
export type CellActivation = 'tanh' | 'sigmoid';

/** The sizes and cell of a stacked recurrent network, shared by the CPU reference and the GPU. */
export interface RecurrentConfig {
  cell: CellKind;
  inputSize: number;
  hiddenSize: number;
  numLayers: number;
  cellActivation: CellActivation;
  /** Two directions per layer, the reverse one reading the sequence backwards (PyTorch's bidirectional); default false. */
  bidirectional?: boolean;
  /** LSTM only: h = W_hr (o ⊙ ψ(c)) is projSize wide (PyTorch's proj_size, LSTMP); 0 or absent: no projection. */
  projSize?: number;
  /** Dropout probability between stacked layers, in training only (PyTorch's dropout; src/dropout.ts); 0 or absent: none. */
  dropout?: number;
}

/**
 * One layer's (one direction's) parameters in PyTorch layout: weight_ih [G·H, In], weight_hh [G·H, R],
 * bias_ih [G·H], bias_hh [G·H], and with a projection weight_hr [R, H] (R = the width of h, see outputWidth).
 */
export interface LayerParams<A = Float64Array> {
  weightIh: A;
  weightHh: A;
  biasIh: A;
  biasHh: A;
  weightHr?: A;
}

export const gatesPerCell = (cell: CellKind): number => (cell === 'lstm' ? 4 : cell === 'gru' ? 3 : 1);

/** D: the directions of each layer, 2 when bidirectional. Parameters and states are indexed layer·D + direction. */
export const directions = (cfg: RecurrentConfig): number => (cfg.bidirectional ? 2 : 1);

/** R: the width of h (and of each direction's output): projSize when there is a projection, else H. */
export const outputWidth = (cfg: RecurrentConfig): number => (cfg.projSize ? cfg.projSize : cfg.hiddenSize);

/** Size of layer k's input: I for layer 0, the lower layer's D·R outputs above it. */
export const layerInputSize = (cfg: RecurrentConfig, layer: number): number =>
  layer === 0 ? cfg.inputSize : directions(cfg) * outputWidth(cfg);
