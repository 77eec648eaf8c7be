// Model checkpoints as safetensors files that PyTorch can read (safetensors.torch.load_file):
//   tensors      parameters under their PyTorch names (weight_ih_l0, ..., head.weight, embedding.weight), F32
//                optimizer state under `optim.<state>.<param>` (e.g. optim.exp_avg.weight_ih_l0), F32, 1-D
//   __metadata__ gateflow.format_version  "1"
//                gateflow.config          the model/task config as canonical JSON (keys sorted)
//                gateflow.optimizer       {"kind", "step", "hyper"} as canonical JSON, when there is an optimizer
//                format                   "pt" (what Hugging Face tools look for)
// No Node imports: this runs in the browser too (file I/O is in ./file.ts).
import { CheckpointError, decodeSafetensors, encodeSafetensors, type TensorIn } from './safetensors';

export { CheckpointError } from './safetensors';

export const CHECKPOINT_FORMAT_VERSION = '1';
export const META_KEYS = { version: 'gateflow.format_version', config: 'gateflow.config', optimizer: 'gateflow.optimizer' } as const;
const OPTIM_PREFIX = 'optim.';

export interface Float32Tensor {
  shape: number[];
  data: Float32Array;
}

export interface OptimizerCheckpoint<H extends object = Record<string, unknown>> {
  /** e.g. 'adam', 'sgd'. */
  kind: string;
  /** Steps taken so far (Adam's bias correction needs it). */
  step: number;
  /** Hyper-parameters (lr, betas, ...): any JSON object. */
  hyper: H;
  /** Buffers by name, e.g. 'exp_avg.weight_ih_l0'; stored as `optim.<name>`. */
  state: Record<string, Float32Array>;
}

export interface Checkpoint<C extends object = Record<string, unknown>> {
  /** Architecture and task info: any JSON object. */
  config: C;
  tensors: Record<string, Float32Tensor>;
  optimizer?: OptimizerCheckpoint<object>;
}

export interface LoadOptions {
  /** Names the input in error messages (e.g. the file path). */
  source?: string;
  /** Accept NaN/Inf in tensors (e.g. to inspect a diverged run); rejected by default. */
  allowNonFinite?: boolean;
}

type Fail = (msg: string) => never;
const isPlainObject = (v: unknown): v is Record<string, unknown> =>
  typeof v === 'object' && v !== null && !Array.isArray(v) && [Object.prototype, null].includes(Object.getPrototypeOf(v));

/**
 * JSON with object keys sorted at every level, so equal configs give equal bytes. Throws (via `fail`)
 * for anything JSON would silently change: NaN/Infinity, undefined, functions, class instances.
 */
function canonicalJson(value: unknown, path: string, fail: Fail): string {
  if (value === null || typeof value === 'string' || typeof value === 'boolean') return JSON.stringify(value);
  if (typeof value === 'number') return Number.isFinite(value) ? JSON.stringify(value) : fail(`${path} is ${value}, which JSON cannot store`);
  if (Array.isArray(value)) return `[${value.map((v, k) => canonicalJson(v, `${path}[${k}]`, fail)).join(',')}]`;
  if (isPlainObject(value)) {
    const keys = Object.keys(value).sort();
    return `{${keys.map((k) => `${JSON.stringify(k)}:${canonicalJson(value[k], `${path}.${k}`, fail)}`).join(',')}}`;
  }
  return fail(`${path} is ${value === undefined ? 'undefined' : Object.prototype.toString.call(value)}, which is not JSON data`);
}

/** Serializes a checkpoint; deterministic (same checkpoint, same bytes). */
export function saveCheckpoint(ck: Checkpoint<object>): Uint8Array {
  const fail: Fail = (msg) => {
    throw new CheckpointError(`saveCheckpoint: ${msg}`);
  };
  if (!isPlainObject(ck.config)) fail('config must be a plain JSON object');
  const metadata: Record<string, string> = {
    format: 'pt',
    [META_KEYS.version]: CHECKPOINT_FORMAT_VERSION,
    [META_KEYS.config]: canonicalJson(ck.config, 'config', fail),
  };
  const tensors: Record<string, TensorIn> = {};
  for (const [name, t] of Object.entries(ck.tensors)) {
    if (name.startsWith(OPTIM_PREFIX)) fail(`tensor "${name}": the prefix "${OPTIM_PREFIX}" is reserved for optimizer state`);
    if (!(t.data instanceof Float32Array)) fail(`tensor "${name}": data must be a Float32Array`);
    tensors[name] = t;
  }
  if (ck.optimizer) {
    const { kind, step, hyper, state } = ck.optimizer;
    if (typeof kind !== 'string' || kind === '') fail('optimizer.kind must be a non-empty string');
    if (!(Number.isSafeInteger(step) && step >= 0)) fail(`optimizer.step must be a non-negative integer, got ${step}`);
    if (!isPlainObject(hyper)) fail('optimizer.hyper must be a plain JSON object');
    metadata[META_KEYS.optimizer] = canonicalJson({ kind, step, hyper }, 'optimizer', fail);
    for (const [name, data] of Object.entries(state)) {
      if (name === '') fail('optimizer.state: empty buffer name');
      if (!(data instanceof Float32Array)) fail(`optimizer.state "${name}": must be a Float32Array`);
      tensors[OPTIM_PREFIX + name] = { shape: [data.length], data };
    }
  }
  return encodeSafetensors(tensors, metadata);
}

function parseJsonObject(text: string | undefined, key: string, fail: Fail): Record<string, unknown> {
  if (text === undefined) return fail(`metadata "${key}" is missing`);
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (err) {
    fail(`metadata "${key}" is not valid JSON: ${(err as Error).message}`);
  }
  return isPlainObject(value) ? value : fail(`metadata "${key}" must be a JSON object`);
}

/** Parses and validates a checkpoint written by saveCheckpoint; throws CheckpointError naming any problem. */
export function loadCheckpoint(bytes: Uint8Array, opts: LoadOptions = {}): Checkpoint {
  const fail: Fail = (msg) => {
    throw new CheckpointError(opts.source ? `${opts.source}: ${msg}` : msg);
  };
  const file = decodeSafetensors(bytes, { requireFinite: !opts.allowNonFinite, source: opts.source });
  const meta = file.metadata;
  const version = meta[META_KEYS.version];
  if (version === undefined) {
    const keys = Object.keys(meta);
    fail(`not a gateflow checkpoint: no "${META_KEYS.version}" in __metadata__ (found: ${keys.length ? keys.join(', ') : 'none'})`);
  }
  if (version !== CHECKPOINT_FORMAT_VERSION) fail(`checkpoint format version ${JSON.stringify(version)} is not supported (this build reads "${CHECKPOINT_FORMAT_VERSION}")`);
  const config = parseJsonObject(meta[META_KEYS.config], META_KEYS.config, fail);

  const tensors: [string, Float32Tensor][] = [];
  const state: [string, Float32Array][] = [];
  for (const [name, t] of Object.entries(file.tensors)) {
    if (!(t.data instanceof Float32Array)) fail(`tensor "${name}" is ${t.dtype}; gateflow checkpoints store F32 only`);
    if (name.startsWith(OPTIM_PREFIX)) state.push([name.slice(OPTIM_PREFIX.length), t.data as Float32Array]);
    else tensors.push([name, { shape: t.shape, data: t.data as Float32Array }]);
  }
  const ck: Checkpoint = { config, tensors: Object.fromEntries(tensors) };
  if (meta[META_KEYS.optimizer] !== undefined) {
    const o = parseJsonObject(meta[META_KEYS.optimizer], META_KEYS.optimizer, fail);
    if (typeof o.kind !== 'string' || o.kind === '') fail(`"${META_KEYS.optimizer}".kind must be a non-empty string`);
    if (!(Number.isSafeInteger(o.step) && (o.step as number) >= 0)) fail(`"${META_KEYS.optimizer}".step must be a non-negative integer`);
    if (!isPlainObject(o.hyper)) fail(`"${META_KEYS.optimizer}".hyper must be a JSON object`);
    ck.optimizer = { kind: o.kind as string, step: o.step as number, hyper: o.hyper as Record<string, unknown>, state: Object.fromEntries(state) };
  } else if (state.length > 0) {
    fail(`optimizer state tensors (${state.map(([n]) => OPTIM_PREFIX + n).join(', ')}) but no "${META_KEYS.optimizer}" metadata`);
  }
  return ck;
}

/** Where `actual` differs from `expected`, one line per difference; only fields present in `expected` count. */
function differences(actual: unknown, expected: unknown, path: string): string[] {
  const show = (v: unknown) => JSON.stringify(v) ?? String(v);
  if (Array.isArray(expected)) {
    if (!Array.isArray(actual)) return [`${path} is ${show(actual)} in the checkpoint, expected ${show(expected)}`];
    if (actual.length !== expected.length) return [`${path} has ${actual.length} entries in the checkpoint, expected ${expected.length} (${show(expected)})`];
    return expected.flatMap((e, k) => differences(actual[k], e, `${path}[${k}]`));
  }
  if (typeof expected === 'object' && expected !== null) {
    if (!isPlainObject(actual)) return [`${path} is ${show(actual)} in the checkpoint, expected an object`];
    return Object.entries(expected).flatMap(([k, e]) =>
      k in actual ? differences(actual[k], e, `${path}.${k}`) : [`${path}.${k} is missing in the checkpoint, expected ${show(e)}`],
    );
  }
  return actual === expected ? [] : [`${path} is ${show(actual)} in the checkpoint, expected ${show(expected)}`];
}

/**
 * Throws a CheckpointError naming every differing field when the checkpoint's config does not match
 * `expected` (e.g. the RecurrentConfig of the model it is loaded into). Fields the checkpoint has and
 * `expected` lacks (task info, notes) are not compared.
 */
export function expectArchitecture(loaded: { config: object }, expected: object): void {
  const diffs = differences(loaded.config, expected, 'config');
  if (diffs.length > 0) throw new CheckpointError(`checkpoint is for a different architecture: ${diffs.join('; ')}`);
}
