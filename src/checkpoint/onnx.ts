// ONNX export: the model as the standard ONNX LSTM / GRU / RNN operators (opset 14), one node per
// layer, both directions in one node, each row's length through `sequence_lens`, and the Linear head
// as MatMul + Add, encoded with onnx-proto (ONNX's protobuf schema compiled by protobufjs): an optional
// peer dependency, loaded when a model is exported (the CLI carries its own copy).
//
// Graph inputs:  x [T, B, I] float32 (time-major);  sequence_lens [B] int32 (each row's steps, 1..T)
// Graph output:  y [T, B, O] for a head on every step, [B, O] for a head on each row's last step
//                (the top layer's final h of each direction, as gateflow's head reads it); without
//                a head the top layer's output [T, B, D·H] (or those final h, [B, D·H]).
// Layouts (ONNX spec): W [D, G·H, In], R [D, G·H, H], B [D, 2·G·H] = (W_b, R_b); gate blocks in
// ONNX's order: LSTM i, o, f, c (PyTorch's i, f, g, o), GRU z, r, h (PyTorch's r, z, n) with
// linear_before_reset = 1 (PyTorch's reset applied after the recurrent product). Y [T, D, B, H] is
// transposed and reshaped to [T, B, D·H] for the next layer, as PyTorch concatenates directions.
// Steps past a row's length output zeros, as gateflow's (and PyTorch's packed sequences) do.
// Dropout between layers is a training-time op and is not exported. ONNX's LSTM has no projection.
import type onnxProto from 'onnx-proto';
import type { CellActivation, CellKind } from '../config';
import type { HeadAt } from '../scheduler/trainPlan';
import type { StateDict } from './stateDict';

type Onnx = typeof onnxProto.onnx;

/** onnx-proto, or an error that says how to get it. */
async function loadOnnxProto(): Promise<Onnx> {
  try {
    const mod = (await import('onnx-proto')) as unknown as { default?: typeof onnxProto } & typeof onnxProto;
    return (mod.default ?? mod).onnx;
  } catch (err) {
    throw new Error(`ONNX export needs the npm package "onnx-proto", which is not installed: run \`npm install onnx-proto\` (${(err as Error).message.split('\n')[0]})`);
  }
}

/** The ONNX opset the exported models import (LSTM, GRU, RNN, Transpose, Reshape, MatMul, Add). */
export const ONNX_OPSET = 14;

/** What exportOnnx needs beyond the weights: where the head reads, and the cells' activation. */
export interface OnnxExportOptions {
  /** Where the head (or, without one, the output) reads: every step ('all', the default) or each row's last step. */
  headAt?: HeadAt;
  /** The cells' φ = ψ (LSTM) or nonlinearity (RNN); default 'tanh'. */
  cellActivation?: CellActivation;
}

/** PyTorch's gate blocks in ONNX's order: ONNX block k is PyTorch block ORDER[cell][k]. */
const ORDER: Record<CellKind, number[]> = { lstm: [0, 3, 1, 2], gru: [1, 0, 2], rnn: [0] };
const OP: Record<CellKind, string> = { lstm: 'LSTM', gru: 'GRU', rnn: 'RNN' };

/** Rows [blocks·H, cols] with the H-row blocks taken in `order`. */
function reorderBlocks(a: Float32Array, H: number, cols: number, order: number[]): Float32Array {
  const out = new Float32Array(a.length);
  order.forEach((src, dst) => out.set(a.subarray(src * H * cols, (src + 1) * H * cols), dst * H * cols));
  return out;
}

const concat = (parts: Float32Array[]): Float32Array => {
  const out = new Float32Array(parts.reduce((n, p) => n + p.length, 0));
  let at = 0;
  for (const p of parts) {
    out.set(p, at);
    at += p.length;
  }
  return out;
};

// ONNX's TensorProto.DataType and AttributeProto.AttributeType values (onnx.proto).
const FLOAT = 1;
const INT32 = 6;
const INT64 = 7;
const ATTR = { INT: 2, STRING: 3, INTS: 7, STRINGS: 8 } as const;

function floatTensor(name: string, dims: number[], data: Float32Array): onnxProto.onnx.ITensorProto {
  return { name, dims, dataType: FLOAT, rawData: new Uint8Array(data.buffer.slice(data.byteOffset, data.byteOffset + data.byteLength)) };
}

const intTensor = (name: string, dims: number[], values: number[], type: 'INT32' | 'INT64'): onnxProto.onnx.ITensorProto =>
  type === 'INT64' ? { name, dims, dataType: INT64, int64Data: values } : { name, dims, dataType: INT32, int32Data: values };

const attr = {
  int: (name: string, i: number): onnxProto.onnx.IAttributeProto => ({ name, type: ATTR.INT, i }),
  ints: (name: string, ints: number[]): onnxProto.onnx.IAttributeProto => ({ name, type: ATTR.INTS, ints }),
  string: (name: string, s: string): onnxProto.onnx.IAttributeProto => ({ name, type: ATTR.STRING, s: new TextEncoder().encode(s) }),
  strings: (name: string, strings: string[]): onnxProto.onnx.IAttributeProto => ({ name, type: ATTR.STRINGS, strings: strings.map((s) => new TextEncoder().encode(s)) }),
};

function valueInfo(name: string, elemType: number, dims: (number | string)[]): onnxProto.onnx.IValueInfoProto {
  return { name, type: { tensorType: { elemType, shape: { dim: dims.map((d) => (typeof d === 'string' ? { dimParam: d } : { dimValue: d })) } } } };
}

/** The ONNX model (serialized ModelProto) of a state_dict's weights. */
export async function exportOnnx(sd: Pick<StateDict, 'architecture' | 'tensors'>, opts: OnnxExportOptions = {}): Promise<Uint8Array> {
  const a = sd.architecture;
  if (a.projSize) throw new RangeError(`ONNX's LSTM operator has no projection: a model with projSize ${a.projSize} cannot be exported to ONNX (export it with --format torch instead)`);
  const headAt = opts.headAt ?? 'all';
  const activation = opts.cellActivation ?? 'tanh';
  const H = a.hiddenSize;
  const D = a.bidirectional ? 2 : 1;
  const order = ORDER[a.cell];
  const tensor = (name: string): Float32Array => {
    const t = sd.tensors[name];
    if (!t) throw new RangeError(`exportOnnx: the weights have no tensor "${name}"`);
    return t.data;
  };
  const nodes: onnxProto.onnx.INodeProto[] = [];
  const initializers: onnxProto.onnx.ITensorProto[] = [intTensor('flatten_directions', [3], [0, 0, -1], 'INT64')];
  let x = 'x';
  for (let l = 0; l < a.numLayers; l++) {
    const inputSize = l === 0 ? a.inputSize : D * H;
    const suffixes = D === 2 ? ['', '_reverse'] : [''];
    const W = concat(suffixes.map((s) => reorderBlocks(tensor(`weight_ih_l${l}${s}`), H, inputSize, order)));
    const R = concat(suffixes.map((s) => reorderBlocks(tensor(`weight_hh_l${l}${s}`), H, H, order)));
    const B = concat(suffixes.flatMap((s) => [reorderBlocks(tensor(`bias_ih_l${l}${s}`), H, 1, order), reorderBlocks(tensor(`bias_hh_l${l}${s}`), H, 1, order)]));
    const G = order.length;
    initializers.push(floatTensor(`W_l${l}`, [D, G * H, inputSize], W), floatTensor(`R_l${l}`, [D, G * H, H], R), floatTensor(`B_l${l}`, [D, 2 * G * H], B));
    const attributes = [attr.int('hidden_size', H), attr.string('direction', D === 2 ? 'bidirectional' : 'forward')];
    if (a.cell === 'gru') attributes.push(attr.int('linear_before_reset', 1));
    if (activation === 'sigmoid') {
      // LSTM: f (gates), g (φ), h (ψ); GRU: f, g; RNN: its nonlinearity — per direction.
      const perDirection = { lstm: ['Sigmoid', 'Sigmoid', 'Sigmoid'], gru: ['Sigmoid', 'Sigmoid'], rnn: ['Sigmoid'] }[a.cell];
      attributes.push(attr.strings('activations', Array.from({ length: D }, () => perDirection).flat()));
    }
    // Y_h [D, B, H]: each direction's final h (forward at the row's last step, reverse at step 0).
    nodes.push({ opType: OP[a.cell], name: `${a.cell}_l${l}`, input: [x, `W_l${l}`, `R_l${l}`, `B_l${l}`, 'sequence_lens'], output: [`Y_l${l}`, `Y_h_l${l}`], attribute: attributes });
    // Y [T, D, B, H] → [T, B, D, H] → [T, B, D·H]: directions side by side, as PyTorch's output.
    nodes.push({ opType: 'Transpose', input: [`Y_l${l}`], output: [`Y_l${l}_tbdh`], attribute: [attr.ints('perm', [0, 2, 1, 3])] });
    nodes.push({ opType: 'Reshape', input: [`Y_l${l}_tbdh`, 'flatten_directions'], output: [`out_l${l}`] });
    x = `out_l${l}`;
  }
  if (headAt === 'last') {
    // What gateflow's head reads per row (last_outputs.wgsl): the top layer's final h of each direction,
    // as PyTorch users concatenate h_n: Y_h [D, B, H] → [B, D, H] → [B, D·H].
    const top = `Y_h_l${a.numLayers - 1}`;
    initializers.push(intTensor('flatten_rows', [2], [0, -1], 'INT64'));
    nodes.push(
      { opType: 'Transpose', input: [top], output: ['final_bdh'], attribute: [attr.ints('perm', [1, 0, 2])] },
      { opType: 'Reshape', input: ['final_bdh', 'flatten_rows'], output: ['out_last'] },
    );
    x = 'out_last';
  }
  const width = D * H;
  let outputDims: (number | string)[] = headAt === 'last' ? ['B', width] : ['T', 'B', width];
  if (a.outputSize) {
    const weight = tensor('head.weight');
    // nn.Linear keeps weight [O, F]; MatMul wants [F, O].
    const transposed = new Float32Array(weight.length);
    for (let o = 0; o < a.outputSize; o++) for (let f = 0; f < width; f++) transposed[f * a.outputSize + o] = weight[o * width + f]!;
    initializers.push(floatTensor('head_weight_t', [width, a.outputSize], transposed), floatTensor('head_bias', [a.outputSize], tensor('head.bias')));
    nodes.push({ opType: 'MatMul', input: [x, 'head_weight_t'], output: ['head_out'] }, { opType: 'Add', input: ['head_out', 'head_bias'], output: ['y'] });
    outputDims = headAt === 'last' ? ['B', a.outputSize] : ['T', 'B', a.outputSize];
  } else {
    nodes.push({ opType: 'Identity', input: [x], output: ['y'] });
  }
  const model: onnxProto.onnx.IModelProto = {
    irVersion: 7,
    producerName: 'gateflow',
    opsetImport: [{ domain: '', version: ONNX_OPSET }],
    graph: {
      name: `gateflow_${a.cell}`,
      node: nodes,
      initializer: initializers,
      input: [valueInfo('x', FLOAT, ['T', 'B', a.inputSize]), valueInfo('sequence_lens', INT32, ['B'])],
      output: [valueInfo('y', FLOAT, outputDims)],
    },
  };
  const onnx = await loadOnnxProto();
  return onnx.ModelProto.encode(onnx.ModelProto.create(model)).finish();
}
