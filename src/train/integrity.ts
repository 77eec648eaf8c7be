// A checksum over everything a training checkpoint restores — config, optimizer metadata, every tensor's
// name and bytes — so that a flipped bit anywhere gives an error instead of a silently different model.
// safetensors itself has no checksum. Browser-safe (no Node imports).

const CRC_TABLE = (() => {
  const table = new Uint32Array(256);
  for (let n = 0; n < 256; n++) {
    let c = n;
    for (let k = 0; k < 8; k++) c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1;
    table[n] = c >>> 0;
  }
  return table;
})();

/** CRC-32 (IEEE 802.3, as zlib's crc32), continuing from `crc` (0 to start). */
export function crc32(bytes: Uint8Array, crc = 0): number {
  let c = ~crc >>> 0;
  for (let i = 0; i < bytes.length; i++) c = CRC_TABLE[(c ^ bytes[i]) & 0xff] ^ (c >>> 8);
  return ~c >>> 0;
}

/** JSON with object keys sorted at every level: equal values, equal text. */
export function canonicalJson(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map(canonicalJson).join(',')}]`;
  if (value !== null && typeof value === 'object') {
    const obj = value as Record<string, unknown>;
    return `{${Object.keys(obj).sort().filter((k) => obj[k] !== undefined).map((k) => `${JSON.stringify(k)}:${canonicalJson(obj[k])}`).join(',')}}`;
  }
  return JSON.stringify(value) ?? 'null';
}

/**
 * The checksum of a training checkpoint's contents, as 'crc32:xxxxxxxx'. `metadata` is everything but
 * the tensors (config without the checksum itself, optimizer kind, step and hyper-parameters).
 */
export function contentChecksum(metadata: object, tensors: Record<string, Float32Array>): string {
  const encoder = new TextEncoder();
  let crc = crc32(encoder.encode(canonicalJson(metadata)));
  for (const name of Object.keys(tensors).sort()) {
    const data = tensors[name];
    crc = crc32(encoder.encode(`\n${name}:${data.length}\n`), crc);
    crc = crc32(new Uint8Array(data.buffer, data.byteOffset, data.byteLength), crc);
  }
  return `crc32:${crc.toString(16).padStart(8, '0')}`;
}
