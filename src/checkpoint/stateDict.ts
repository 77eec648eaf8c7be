// Plain PyTorch state_dicts of nn.LSTM / nn.GRU / nn.RNN (and an nn.Linear head) in safetensors, both
// ways. In: the architecture is inferred from the names and shapes (PyTorch's: weight_ih_l{k}[_reverse]
// [G·H, In], weight_hh_l{k} [G·H, R], bias_ih/bias_hh [G·H], weight_hr_l{k} [R, H] with a projection;
// G = 4 LSTM, 3 GRU, 1 RNN), under a module prefix ('lstm.', 'model.rnn.', or none), with the head's
// weight [O, D·R] and bias [O] beside the recurrent module ('head.' in its parent). Out: the same
// names under `<cell>.` and `head.`, which load_state_dict(strict=True) accepts on the module
// torchModuleSource() prints. No Node imports: this runs in the browser too.
import type { CellKind, RecurrentConfig } from '../config';
import { ParamLayout } from '../model/paramLayout';
import type { Float32Tensor } from './checkpoint';
import { META_KEYS } from './checkpoint';
import { flatFromTensors, tensorsFromFlat } from './params';
import { CheckpointError, decodeSafetensors, encodeSafetensors } from './safetensors';

/** What a state_dict's names and shapes say about the model. */
export interface RecurrentArchitecture {
  cell: CellKind;
  inputSize: number;
  hiddenSize: number;
  numLayers: number;
  bidirectional: boolean;
  /** LSTM projection size (0: none). */
  projSize: number;
  /** Rows of the Linear head (0: no head). */
  outputSize: number;
}

/** Weights read by loadWeights: the inferred architecture and the tensors under gateflow's names. */
export interface StateDict {
  architecture: RecurrentArchitecture;
  /** The tensors under gateflow's names (ParamLayout: weight_ih_l0, ..., head.weight, head.bias), F32. */
  tensors: Record<string, Float32Tensor>;
  /** Where they were in the file: the recurrent module's prefix ('' for none) and the head's (null: no head). */
  prefix: string;
  headPrefix: string | null;
}

/** How loadWeights reads a file. */
export interface LoadWeightsOptions {
  /** Names the input in every error (e.g. the file path). */
  source?: string;
  /** The recurrent module's prefix, e.g. 'encoder.lstm.' (a trailing '.' is added); default: found from the names. */
  prefix?: string;
}

const CELL_BY_GATES: Record<number, CellKind> = { 4: 'lstm', 3: 'gru', 1: 'rnn' };
const TENSOR_NAME = /^(weight_ih|weight_hh|bias_ih|bias_hh|weight_hr)_l(\d+)(_reverse)?$/;
const OPTIM_PREFIX = 'optim.';

/** The RecurrentConfig an architecture describes (tanh cells). */
export function configOf(a: RecurrentArchitecture): RecurrentConfig {
  return { cell: a.cell, cellActivation: 'tanh', inputSize: a.inputSize, hiddenSize: a.hiddenSize, numLayers: a.numLayers, bidirectional: a.bidirectional, projSize: a.projSize };
}

/** One line for people: "LSTM, 2 layers, input 5, hidden 23, bidirectional, projection 8, head 3". */
export function describeArchitecture(a: RecurrentArchitecture): string {
  const parts = [a.cell.toUpperCase(), `${a.numLayers} layer${a.numLayers > 1 ? 's' : ''}`, `input ${a.inputSize}`, `hidden ${a.hiddenSize}`];
  if (a.bidirectional) parts.push('bidirectional');
  if (a.projSize) parts.push(`projection ${a.projSize}`);
  parts.push(a.outputSize ? `head ${a.outputSize}` : 'no head');
  return parts.join(', ');
}

/**
 * Reads a safetensors file holding a PyTorch state_dict of one recurrent module (or a gateflow
 * checkpoint: its optimizer state is left out) and infers the architecture. Every problem — no
 * recurrent weights, two candidate modules, missing or unexpected tensors, wrong shapes, non-finite
 * values, an unreadable file — is a CheckpointError naming the file and the problem.
 */
export function loadWeights(bytes: Uint8Array, opts: LoadWeightsOptions = {}): StateDict {
  const source = opts.source ?? 'state_dict';
  const fail = (msg: string): never => {
    throw new CheckpointError(`${source}: ${msg}`);
  };
  const file = decodeSafetensors(bytes, { requireFinite: true, source });
  const gateflow = file.metadata[META_KEYS.version] !== undefined;
  const all = Object.entries(file.tensors).filter(([name]) => !(gateflow && name.startsWith(OPTIM_PREFIX)));
  if (all.length === 0) fail('no tensors');

  const prefix = opts.prefix !== undefined ? withDot(opts.prefix) : findPrefix(all.map(([n]) => n), fail);
  const own = all.filter(([name]) => name.startsWith(prefix) && TENSOR_NAME.test(name.slice(prefix.length)));
  if (!own.some(([name]) => name === `${prefix}weight_ih_l0`)) fail(`no tensor "${prefix}weight_ih_l0": not a state_dict of nn.LSTM, nn.GRU or nn.RNN under the prefix "${prefix}"`);
  const shapeOf = (name: string): number[] => file.tensors[prefix + name]?.shape ?? [];

  // Sizes from layer 0 (the shape check below holds every other tensor to them).
  const layers = 1 + Math.max(...own.map(([name]) => Number(TENSOR_NAME.exec(name.slice(prefix.length))![2])));
  const bidirectional = own.some(([name]) => name.endsWith('_reverse'));
  const hr = shapeOf('weight_hr_l0');
  const [gateRows = 0, hhCols = 0] = shapeOf('weight_hh_l0');
  const hiddenSize = hr.length === 2 ? hr[1]! : hhCols;
  const projSize = hr.length === 2 ? hr[0]! : 0;
  const gates = hiddenSize > 0 ? gateRows / hiddenSize : 0;
  const cell = CELL_BY_GATES[gates] ?? fail(`weight_hh_l0 has shape [${shapeOf('weight_hh_l0')}]: ${gateRows} rows for hidden size ${hiddenSize} is not 4 (LSTM), 3 (GRU) or 1 (RNN) gates`);
  const named = /(?:^|\.)(lstm|gru|rnn)\.$/.exec(prefix)?.[1] as CellKind | undefined;
  if (named && named !== cell) fail(`the module is named "${prefix.slice(0, -1)}" but its weights have ${gates} gate block(s) per unit: a ${cell.toUpperCase()}, not a ${named.toUpperCase()}`);
  if (projSize && cell !== 'lstm') fail(`weight_hr_l0 (a projection) belongs to an LSTM, but the weights are a ${cell.toUpperCase()}'s`);
  const inputSize = shapeOf('weight_ih_l0')[1] ?? 0;

  // The head sits beside the recurrent module: '<parent>head.weight' and '.bias'.
  const headPrefix = `${prefix.replace(/[^.]*\.$/, '')}head.`;
  const headWeight = file.tensors[`${headPrefix}weight`];
  const outputSize = headWeight?.shape.length === 2 ? headWeight.shape[0]! : 0;
  const architecture: RecurrentArchitecture = { cell, inputSize, hiddenSize, numLayers: layers, bidirectional, projSize, outputSize };

  const tensors: Record<string, Float32Tensor> = {};
  const unexpected: string[] = [];
  for (const [name, t] of all) {
    const local = name.startsWith(prefix) && TENSOR_NAME.test(name.slice(prefix.length)) ? name.slice(prefix.length) : name.startsWith(headPrefix) && headWeight ? `head.${name.slice(headPrefix.length)}` : null;
    if (local === null) {
      unexpected.push(name);
      continue;
    }
    if (t.dtype !== 'F32' && t.dtype !== 'F64') fail(`tensor "${name}" is ${t.dtype}; weights must be F32 or F64`);
    tensors[local] = { shape: t.shape, data: t.data instanceof Float32Array ? t.data : Float32Array.from(t.data as Float64Array) };
  }
  if (unexpected.length > 0) fail(`tensor(s) outside the recurrent module "${prefix}" and its head "${headPrefix}": ${unexpected.map((n) => `"${n}"`).join(', ')}${opts.prefix === undefined ? ' (give the module\'s prefix if it is another one)' : ''}`);
  if (inputSize <= 0 || hiddenSize <= 0) fail(`weight_ih_l0 [${shapeOf('weight_ih_l0')}] and weight_hh_l0 [${shapeOf('weight_hh_l0')}] give no sizes`);
  // Every tensor of the inferred architecture, with its shape, and nothing else (as PyTorch's strict load).
  try {
    flatFromTensors(new ParamLayout(configOf(architecture), outputSize), tensors);
  } catch (err) {
    fail(`${describeArchitecture(architecture)} by its names: ${(err as Error).message.replace(/^checkpoint does not fit the model: /, '')}`);
  }
  return { architecture, tensors, prefix, headPrefix: headWeight ? headPrefix : null };
}

const withDot = (p: string): string => (p === '' || p.endsWith('.') ? p : `${p}.`);

/** The one prefix under which a `weight_ih_l0` sits; none or several is an error naming them. */
function findPrefix(names: string[], fail: (msg: string) => never): string {
  const found = names.filter((n) => n.endsWith('weight_ih_l0')).map((n) => n.slice(0, -'weight_ih_l0'.length));
  if (found.length === 0) return fail(`no tensor named "…weight_ih_l0": not a state_dict of nn.LSTM, nn.GRU or nn.RNN (tensors: ${names.slice(0, 8).join(', ')}${names.length > 8 ? ', …' : ''})`);
  if (found.length > 1) return fail(`several recurrent modules (prefixes ${found.map((p) => `"${p}"`).join(', ')}): give the one to load`);
  return found[0]!;
}

/**
 * Checks a state_dict against the architecture a caller asked for; every field given that differs is
 * named. A head is compared by its size (0: none).
 */
export function expectArchitectureFits(sd: Pick<StateDict, 'architecture'>, want: Partial<RecurrentArchitecture>, source = 'state_dict'): void {
  const have = sd.architecture;
  const diffs = (Object.keys(want) as (keyof RecurrentArchitecture)[])
    .filter((k) => want[k] !== undefined && want[k] !== have[k])
    .map((k) => `${k} is ${JSON.stringify(have[k])} in the file, the model has ${JSON.stringify(want[k])}`);
  if (diffs.length > 0) throw new CheckpointError(`${source}: weights for a different model (${describeArchitecture(have)}): ${diffs.join('; ')}`);
}

/** The flat parameter buffer of a state_dict for a model of its architecture (ParamLayout order). */
export function flatWeightsOf(sd: StateDict): Float32Array {
  return flatFromTensors(new ParamLayout(configOf(sd.architecture), sd.architecture.outputSize), sd.tensors);
}

/**
 * A weights-only safetensors file of flat parameters in ParamLayout order: `<cell>.weight_ih_l0`, ...,
 * `head.weight`, `head.bias`, with __metadata__ {format: "pt"}. load_state_dict(strict=True) accepts
 * it on torchModuleSource(architecture)'s module.
 */
export function saveWeights(architecture: RecurrentArchitecture, flat: Float32Array): Uint8Array {
  const layout = new ParamLayout(configOf(architecture), architecture.outputSize);
  const module = architecture.cell;  // 'lstm', 'gru' or 'rnn': the child's name in torchModuleSource
  const tensors = Object.entries(tensorsFromFlat(layout, flat)).map(([name, t]) => [name.startsWith('head.') ? name : `${module}.${name}`, t] as const);
  return encodeSafetensors(Object.fromEntries(tensors), { format: 'pt' });
}

/** The PyTorch module whose state_dict saveWeights writes: `lstm` (or `gru`, `rnn`) and `head` children. */
export function torchModuleSource(a: RecurrentArchitecture): string {
  const cls = { lstm: 'LSTM', gru: 'GRU', rnn: 'RNN' }[a.cell];
  const args = [`${a.inputSize}`, `${a.hiddenSize}`, `num_layers=${a.numLayers}`];
  if (a.bidirectional) args.push('bidirectional=True');
  if (a.projSize) args.push(`proj_size=${a.projSize}`);
  const width = (a.bidirectional ? 2 : 1) * (a.projSize || a.hiddenSize);
  const lines = [
    'import torch',
    'from safetensors.torch import load_file',
    '',
    'class Model(torch.nn.Module):',
    '    def __init__(self):',
    '        super().__init__()',
    `        self.${a.cell} = torch.nn.${cls}(${args.join(', ')})  # time-major, as gateflow's default`,
  ];
  if (a.outputSize) lines.push(`        self.head = torch.nn.Linear(${width}, ${a.outputSize})`);
  lines.push('', 'model = Model()', 'model.load_state_dict(load_file("weights.safetensors"), strict=True)');
  return lines.join('\n');
}

