// A small, strict reader and writer for the safetensors format (https://github.com/huggingface/safetensors):
//
//   [8 bytes]  N, u64 little-endian: the header's length in bytes
//   [N bytes]  UTF-8 JSON: {"__metadata__": {string: string}, "<name>": {"dtype": "F32", "shape": [..],
//              "data_offsets": [begin, end]}, ...}, padded with spaces so that 8 + N is a multiple of 8
//   [rest]     the byte buffer: every tensor's row-major little-endian data, offsets relative to its start;
//              the tensors tile it exactly (no gaps, no overlaps, nothing after the last one).
//
// The writer matches the reference implementation byte for byte: tensors ordered by dtype alignment
// (largest first) and then by name, compact JSON, `__metadata__` first (its keys sorted here, where the
// reference uses a hash map's order). No Node imports: this runs in the browser too.

/** A checkpoint that cannot be read or does not fit: the message names the file and the problem, and nothing was loaded. */
export class CheckpointError extends Error {
  override name = 'CheckpointError';
}

export type Dtype = 'F32' | 'F64' | 'I32' | 'I64';
export type TensorData = Float32Array | Float64Array | Int32Array | BigInt64Array;

/** A tensor to write: the dtype follows from the array type (Float32Array → F32, ...). */
export interface TensorIn {
  shape: number[];
  data: TensorData;
}

export interface TensorOut extends TensorIn {
  dtype: Dtype;
}

export interface SafetensorsContents {
  /** In file order (by offset). */
  tensors: Record<string, TensorOut>;
  /** The `__metadata__` map; {} when the file has none. */
  metadata: Record<string, string>;
}

export interface DecodeOptions {
  /** Reject NaN and ±Infinity in F32/F64 tensors. */
  requireFinite?: boolean;
  /** Names the input in every error message (e.g. the file path). */
  source?: string;
}

/** The reference implementation's cap on the header; a larger length field means a corrupt file. */
export const MAX_HEADER_BYTES = 100_000_000;

const DTYPES: Record<Dtype, { size: number; rank: number; make: (buf: ArrayBuffer) => TensorData }> = {
  // rank: the reference's dtype order (increasing alignment), used to sort tensors when writing.
  I32: { size: 4, rank: 0, make: (b) => new Int32Array(b) },
  F32: { size: 4, rank: 1, make: (b) => new Float32Array(b) },
  F64: { size: 8, rank: 2, make: (b) => new Float64Array(b) },
  I64: { size: 8, rank: 3, make: (b) => new BigInt64Array(b) },
};
const KNOWN = Object.keys(DTYPES).join(', ');

const LITTLE_ENDIAN = new Uint8Array(new Uint32Array([1]).buffer)[0] === 1;

function dtypeOf(data: TensorData): Dtype | null {
  if (data instanceof Float32Array) return 'F32';
  if (data instanceof Float64Array) return 'F64';
  if (data instanceof Int32Array) return 'I32';
  if (data instanceof BigInt64Array) return 'I64';
  return null;
}

/** The file's element order is little-endian; on a big-endian host the bytes of each element are reversed. */
function toFileOrder(bytes: Uint8Array, size: number): void {
  if (LITTLE_ENDIAN) return;
  for (let k = 0; k < bytes.length; k += size) bytes.subarray(k, k + size).reverse();
}

const isShape = (s: unknown): s is number[] =>
  Array.isArray(s) && s.every((d) => Number.isSafeInteger(d) && d >= 0);

/** Element count of a shape, or Infinity when it exceeds what a JS number counts exactly. */
function sizeOf(shape: number[]): number {
  let n = 1;
  for (const d of shape) n *= d;
  return Number.isSafeInteger(n) ? n : Infinity;
}

/** Orders names as Rust orders strings (by UTF-8 bytes, i.e. by code point). */
function compareNames(a: string, b: string): number {
  const x = Array.from(a, (c) => c.codePointAt(0)!);
  const y = Array.from(b, (c) => c.codePointAt(0)!);
  for (let k = 0; k < Math.min(x.length, y.length); k++) if (x[k] !== y[k]) return x[k] - y[k];
  return x.length - y.length;
}

/** Serializes tensors (and an optional `__metadata__` string map) to safetensors bytes. Deterministic. */
export function encodeSafetensors(tensors: Record<string, TensorIn>, metadata?: Record<string, string>): Uint8Array {
  const entries = Object.entries(tensors).map(([name, t]) => {
    if (name === '' || name === '__metadata__') throw new CheckpointError(`tensor name ${JSON.stringify(name)} is not allowed`);
    const dtype = dtypeOf(t.data);
    if (!dtype) throw new CheckpointError(`tensor "${name}": data must be a Float32Array, Float64Array, Int32Array or BigInt64Array`);
    if (!isShape(t.shape)) throw new CheckpointError(`tensor "${name}": shape must be an array of non-negative integers, got ${JSON.stringify(t.shape)}`);
    if (sizeOf(t.shape) !== t.data.length) {
      throw new CheckpointError(`tensor "${name}": shape [${t.shape}] has ${sizeOf(t.shape)} elements but data has ${t.data.length}`);
    }
    return { name, dtype, shape: t.shape, data: t.data };
  });
  entries.sort((a, b) => DTYPES[b.dtype].rank - DTYPES[a.dtype].rank || compareNames(a.name, b.name));

  // Built by hand: an object would put integer-like keys ("0", "12") first, whatever the order asked for.
  const members: string[] = [];
  const member = (key: string, value: string) => `${JSON.stringify(key)}:${value}`;
  if (metadata !== undefined) {
    const keys = Object.keys(metadata).sort(compareNames);
    for (const k of keys) {
      if (typeof metadata[k] !== 'string') throw new CheckpointError(`metadata "${k}": values must be strings, got ${typeof metadata[k]}`);
    }
    members.push(member('__metadata__', `{${keys.map((k) => member(k, JSON.stringify(metadata[k]))).join(',')}}`));
  }
  let offset = 0;
  for (const e of entries) {
    const end = offset + e.data.byteLength;
    members.push(member(e.name, JSON.stringify({ dtype: e.dtype, shape: e.shape, data_offsets: [offset, end] })));
    offset = end;
  }
  const json = new TextEncoder().encode(`{${members.join(',')}}`);
  // Pad with spaces so that the byte buffer starts 8-byte aligned (8 + N ≡ 0 mod 8).
  const headerBytes = new Uint8Array(json.length + ((8 - (json.length % 8)) % 8)).fill(0x20);
  headerBytes.set(json);

  const out = new Uint8Array(8 + headerBytes.length + offset);
  new DataView(out.buffer).setBigUint64(0, BigInt(headerBytes.length), true);
  out.set(headerBytes, 8);
  let at = 8 + headerBytes.length;
  for (const e of entries) {
    const bytes = out.subarray(at, at + e.data.byteLength);
    bytes.set(new Uint8Array(e.data.buffer, e.data.byteOffset, e.data.byteLength));
    toFileOrder(bytes, DTYPES[e.dtype].size);
    at += e.data.byteLength;
  }
  return out;
}

const isObject = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);

/** Parses and validates safetensors bytes; every problem is a CheckpointError that names it. Data is copied. */
export function decodeSafetensors(bytes: Uint8Array, opts: DecodeOptions = {}): SafetensorsContents {
  const fail = (msg: string): never => {
    throw new CheckpointError(opts.source ? `${opts.source}: ${msg}` : msg);
  };
  if (bytes.length < 8) fail(`truncated: ${bytes.length} bytes, too short for the 8-byte header length`);
  const n64 = new DataView(bytes.buffer, bytes.byteOffset, 8).getBigUint64(0, true);
  if (n64 > BigInt(MAX_HEADER_BYTES)) fail(`header length ${n64} exceeds the ${MAX_HEADER_BYTES}-byte limit (corrupt length field?)`);
  const N = Number(n64);
  if (8 + N > bytes.length) fail(`truncated: header length is ${N} bytes but only ${bytes.length - 8} bytes follow the length field`);

  let text = '';
  try {
    text = new TextDecoder('utf-8', { fatal: true, ignoreBOM: true }).decode(bytes.subarray(8, 8 + N));
  } catch {
    fail('header is not valid UTF-8');
  }
  if (!text.startsWith('{')) fail(`header must be a JSON object starting with "{", starts with ${JSON.stringify(text.slice(0, 16))}`);
  let header: unknown;
  try {
    header = JSON.parse(text);
  } catch (err) {
    fail(`header is not valid JSON: ${(err as Error).message}`);
  }
  if (!isObject(header)) fail('header is not a JSON object');

  const metadataPairs: [string, string][] = [];
  const infos: { name: string; dtype: Dtype; shape: number[]; begin: number; end: number }[] = [];
  for (const [name, info] of Object.entries(header as Record<string, unknown>)) {
    if (name === '__metadata__') {
      if (!isObject(info)) fail('"__metadata__" must be an object of strings');
      for (const [k, v] of Object.entries(info as Record<string, unknown>)) {
        if (typeof v !== 'string') fail(`"__metadata__"."${k}" must be a string, got ${JSON.stringify(v)}`);
        metadataPairs.push([k, v as string]);
      }
      continue;
    }
    const where = `tensor "${name}"`;
    if (!isObject(info)) fail(`${where}: entry must be an object {dtype, shape, data_offsets}`);
    const { dtype, shape, data_offsets: offsets, ...extra } = info as Record<string, unknown>;
    if (Object.keys(extra).length > 0) fail(`${where}: unexpected field(s) ${Object.keys(extra).map((k) => JSON.stringify(k)).join(', ')}`);
    if (typeof dtype !== 'string' || !(dtype in DTYPES)) fail(`${where}: unknown dtype ${JSON.stringify(dtype)} (supported: ${KNOWN})`);
    if (!isShape(shape)) fail(`${where}: shape must be an array of non-negative integers, got ${JSON.stringify(shape)}`);
    if (!Array.isArray(offsets) || offsets.length !== 2 || !offsets.every((o) => Number.isSafeInteger(o) && o >= 0)) {
      fail(`${where}: data_offsets must be [begin, end] with non-negative integers, got ${JSON.stringify(offsets)}`);
    }
    const [begin, end] = offsets as number[];
    if (end < begin) fail(`${where}: data_offsets [${begin}, ${end}] are out of order (end before begin)`);
    const d = dtype as Dtype;
    const want = sizeOf(shape as number[]) * DTYPES[d].size;
    if (end - begin !== want) {
      fail(`${where}: shape [${shape}] of ${d} needs ${want} bytes but data_offsets [${begin}, ${end}] span ${end - begin}`);
    }
    infos.push({ name, dtype: d, shape: (shape as number[]).slice(), begin, end });
  }

  // The tensors must tile the byte buffer: sorted by offset, each starts where the previous one ended.
  infos.sort((a, b) => a.begin - b.begin || a.end - b.end);
  let at = 0;
  let prev = 'the start of the byte buffer';
  for (const t of infos) {
    if (t.begin < at) fail(`tensor "${t.name}" [${t.begin}, ${t.end}] overlaps ${prev}, which ends at ${at}`);
    if (t.begin > at) fail(`gap: bytes [${at}, ${t.begin}) between ${prev} and tensor "${t.name}" belong to no tensor`);
    at = t.end;
    prev = `tensor "${t.name}"`;
  }
  const dataStart = 8 + N;
  const available = bytes.length - dataStart;
  if (at > available) fail(`truncated: tensor data needs ${at} bytes after the header but the file has ${available}`);
  if (at < available) fail(`${available - at} trailing bytes after the last tensor (data should end at byte ${dataStart + at}, file has ${bytes.length})`);

  const tensors: [string, TensorOut][] = infos.map((t) => {
    const copy = bytes.slice(dataStart + t.begin, dataStart + t.end);
    const { size, make } = DTYPES[t.dtype];
    toFileOrder(copy, size);
    const data = make(copy.buffer);
    if (opts.requireFinite && (data instanceof Float32Array || data instanceof Float64Array)) {
      const bad = data.findIndex((v) => !Number.isFinite(v));
      if (bad >= 0) fail(`tensor "${t.name}": element ${bad} is ${data[bad]} (non-finite values are rejected)`);
    }
    return [t.name, { dtype: t.dtype, shape: t.shape, data }];
  });
  return { tensors: Object.fromEntries(tensors), metadata: Object.fromEntries(metadataPairs) };
}
