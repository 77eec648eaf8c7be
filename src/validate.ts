// Input checks that run before any GPU work, with messages that name the argument and the problem.

export function checkPositiveInt(name: string, value: unknown): number {
  if (typeof value !== 'number' || !Number.isInteger(value) || value < 1) {
    throw new RangeError(`${name} must be a positive integer, got ${String(value)}`);
  }
  return value;
}

/** Checks length and finiteness; returns the data as a Float32Array ready to upload. */
export function checkTensor(name: string, data: unknown, shape: number[], shapeNames: string): Float32Array<ArrayBuffer> {
  const want = shape.reduce((a, b) => a * b, 1);
  if (!data || typeof (data as ArrayLike<number>).length !== 'number') {
    throw new TypeError(`${name} must be a Float32Array/Float64Array/number[] of ${shapeNames} = [${shape.join(',')}], got ${typeof data}`);
  }
  const arr = data as ArrayLike<number>;
  if (arr.length !== want) {
    throw new RangeError(`${name} has ${arr.length} values but ${shapeNames} = [${shape.join(',')}] needs ${want}`);
  }
  const out = new Float32Array(want);
  for (let i = 0; i < want; i++) {
    const v = arr[i];
    if (!Number.isFinite(v)) throw new RangeError(`${name} contains ${v} at index ${i} (values must be finite)`);
    out[i] = v;
  }
  return out;
}

/** Checks that `value` is one of `choices`, naming the argument and the choices. */
export function checkOneOf<T extends string>(name: string, value: unknown, choices: readonly T[]): T {
  if (typeof value !== 'string' || !(choices as readonly string[]).includes(value)) {
    throw new RangeError(`${name} must be ${choices.map((c) => `'${c}'`).join(' or ')}, got ${JSON.stringify(value) ?? String(value)}`);
  }
  return value as T;
}

/**
 * Rejects keys an options object does not know (a misspelt `clipnorm` would otherwise be ignored
 * silently), naming each one and listing the known keys.
 */
export function checkKnownKeys(name: string, options: unknown, known: readonly string[]): void {
  if (typeof options !== 'object' || options === null || Array.isArray(options)) {
    throw new TypeError(`${name} must be an object, got ${options === null ? 'null' : Array.isArray(options) ? 'an array' : typeof options}`);
  }
  const unknown = Object.keys(options).filter((k) => !known.includes(k) && (options as Record<string, unknown>)[k] !== undefined);
  if (unknown.length > 0) {
    throw new RangeError(`${name}: unknown option${unknown.length > 1 ? 's' : ''} ${unknown.map((k) => `"${k}"`).join(', ')} (known: ${known.join(', ')})`);
  }
}

/** Per-row sequence lengths: B integers in [1, T], any order (packed-sequence semantics); as u32 for the GPU. */
export function checkLengths(lengths: unknown, T: number, B: number): Uint32Array<ArrayBuffer> {
  if (!lengths || typeof (lengths as ArrayLike<number>).length !== 'number') throw new TypeError(`lengths must be an array of ${B} integers (one per batch row), got ${typeof lengths}`);
  const arr = lengths as ArrayLike<number>;
  if (arr.length !== B) throw new RangeError(`lengths has ${arr.length} values but needs one per batch row (B = ${B})`);
  const out = new Uint32Array(B);
  for (let b = 0; b < B; b++) {
    const n = arr[b];
    if (!Number.isInteger(n) || n < 1 || n > T) throw new RangeError(`lengths[${b}] = ${n}: a length must be an integer in [1, T = ${T}]`);
    out[b] = n;
  }
  return out;
}
