// Browser-safe checkpoint API; Node file helpers live in ./file.ts.
export { CheckpointError, MAX_HEADER_BYTES, decodeSafetensors, encodeSafetensors, type DecodeOptions, type Dtype, type SafetensorsContents, type TensorData, type TensorIn, type TensorOut } from './safetensors';
export { CHECKPOINT_FORMAT_VERSION, META_KEYS, expectArchitecture, loadCheckpoint, saveCheckpoint, type Checkpoint, type Float32Tensor, type LoadOptions, type OptimizerCheckpoint } from './checkpoint';
export { flatFromTensors, tensorsFromFlat, type TensorLayout } from './params';
