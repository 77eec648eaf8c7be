// Public entry point of the gateflow library.
export { Gpu } from './gpu/runtime';
export { acquireDevice, formatAdapter, WebGpuUnavailableError, type AdapterDescription } from './gpu/device';
export { RecurrentNetwork, type RecurrentOptions, type SequenceInput, type ForwardOutput, type BackwardOutput } from './model/recurrentNetwork';
export { ParamLayout } from './model/paramLayout';
export type { CellActivation, CellKind, LayerParams, RecurrentConfig } from './cpu/types';
export { recurrentForward, recurrentBackward } from './cpu/recurrent';
