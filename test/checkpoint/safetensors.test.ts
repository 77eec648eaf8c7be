import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { CheckpointError, decodeSafetensors, encodeSafetensors, type TensorData } from '../../src/checkpoint/safetensors';
import { getTensor, parseFixture, tensorData, type RecurrentFixture } from '../../src/fixtures/schema';

const ascii = (s: string): number[] => Array.from(new TextEncoder().encode(s));
const u64le = (n: number): number[] => [n & 0xff, (n >>> 8) & 0xff, (n >>> 16) & 0xff, n >>> 24, 0, 0, 0, 0];
const bytesOf = (a: TensorData): number[] => Array.from(new Uint8Array(a.buffer, a.byteOffset, a.byteLength));

/** A file with an arbitrary header (padded with spaces to 8-byte alignment) and byte buffer. */
function rawFile(header: string, data: ArrayLike<number> = []): Uint8Array {
  const h = ascii(header);
  while ((8 + h.length) % 8 !== 0) h.push(0x20);
  return new Uint8Array([...u64le(h.length), ...h, ...Array.from(data)]);
}

describe('safetensors layout, derived by hand from the spec', () => {
  // The four cases below are also the reference implementation's own serialization test vectors.
  it('one F32 tensor, header already a multiple of 8: N = 64, no padding', () => {
    const json = '{"attn.0":{"dtype":"F32","shape":[1,2,3],"data_offsets":[0,24]}}';
    expect(json.length).toBe(64);
    const f32 = [0, 0, 0, 0, 0, 0, 128, 63, 0, 0, 0, 64, 0, 0, 64, 64, 0, 0, 128, 64, 0, 0, 160, 64]; // 0, 1, ..., 5 (IEEE 754 LE)
    const expected = [...u64le(64), ...ascii(json), ...f32];
    const out = encodeSafetensors({ 'attn.0': { shape: [1, 2, 3], data: new Float32Array([0, 1, 2, 3, 4, 5]) } });
    expect(Array.from(out)).toEqual(expected);
  });

  it('a 65-byte header is padded with 7 spaces to N = 72, so the data starts 8-byte aligned', () => {
    const json = '{"attn0":{"dtype":"F32","shape":[1,1,2,3],"data_offsets":[0,24]}}';
    expect(json.length).toBe(65);
    const out = encodeSafetensors({ attn0: { shape: [1, 1, 2, 3], data: new Float32Array([0, 1, 2, 3, 4, 5]) } });
    expect(Array.from(out.subarray(0, 8 + 72))).toEqual([...u64le(72), ...ascii(json + ' '.repeat(7))]);
    expect(out.length).toBe(8 + 72 + 24);
  });

  it('no tensors: "{}" padded to 8, and metadata comes first', () => {
    expect(Array.from(encodeSafetensors({}))).toEqual([...u64le(8), ...ascii('{}      ')]);
    const json = '{"__metadata__":{"framework":"pt"}}'; // 35 bytes → 40
    expect(Array.from(encodeSafetensors({}, { framework: 'pt' }))).toEqual([...u64le(40), ...ascii(json + '     ')]);
  });

  it('orders tensors by dtype alignment, then name (integer-like names too), and keeps every tensor aligned', () => {
    const out = encodeSafetensors({
      b: { shape: [3], data: new Float32Array([1, 2, 3]) },
      '10': { shape: [1], data: new Int32Array([7]) },
      '2': { shape: [1], data: new Int32Array([8]) },
      a: { shape: [1], data: new Float64Array([0.5]) },
      c: { shape: [2], data: new BigInt64Array([-1n, 2n ** 62n]) },
    }, { z: '1', a: '2' });
    const N = Number(new DataView(out.buffer).getBigUint64(0, true));
    const header = new TextDecoder().decode(out.subarray(8, 8 + N)).trimEnd();
    expect(header).toBe(
      '{"__metadata__":{"a":"2","z":"1"},' +
        '"c":{"dtype":"I64","shape":[2],"data_offsets":[0,16]},' +
        '"a":{"dtype":"F64","shape":[1],"data_offsets":[16,24]},' +
        '"b":{"dtype":"F32","shape":[3],"data_offsets":[24,36]},' +
        '"10":{"dtype":"I32","shape":[1],"data_offsets":[36,40]},' +
        '"2":{"dtype":"I32","shape":[1],"data_offsets":[40,44]}}',
    );
    const back = decodeSafetensors(out);
    expect(Object.keys(back.tensors).sort()).toEqual(['10', '2', 'a', 'b', 'c']);
    expect(Array.from(back.tensors.c.data as BigInt64Array)).toEqual([-1n, 2n ** 62n]);
    expect(back.metadata).toEqual({ a: '2', z: '1' });
  });
});

describe('safetensors round trip', () => {
  it('is bit-exact for every dtype, including NaN payloads, -0, subnormals and infinities', () => {
    const f32 = new Float32Array([0, -0, 1.5, -2.25e-41, 3.4e38, Infinity, -Infinity, 0]);
    new Uint32Array(f32.buffer)[7] = 0x7fc00123; // a NaN with a payload
    const f64 = new Float64Array([Math.PI, -0, 5e-324, NaN, -1e308]);
    const i32 = new Int32Array([0, -1, 2 ** 31 - 1, -(2 ** 31)]);
    const i64 = new BigInt64Array([0n, -1n, 2n ** 63n - 1n, -(2n ** 63n)]);
    const tensors = {
      'layer.f32': { shape: [2, 4], data: f32 },
      f64: { shape: [5], data: f64 },
      i32: { shape: [2, 2], data: i32 },
      i64: { shape: [4], data: i64 },
      empty: { shape: [0, 3], data: new Float32Array(0) },
      scalar: { shape: [], data: new Float32Array([42]) },
    };
    const metadata = { note: 'ünïcødé ✓ "quoted"\n', 'gateflow.config': '{"a":1}' };
    const bytes = encodeSafetensors(tensors, metadata);
    const back = decodeSafetensors(bytes);
    expect(back.metadata).toEqual(metadata);
    for (const [name, t] of Object.entries(tensors)) {
      expect(back.tensors[name].shape, name).toEqual(t.shape);
      expect(back.tensors[name].data.constructor, name).toBe(t.data.constructor);
      expect(bytesOf(back.tensors[name].data), name).toEqual(bytesOf(t.data));
    }
    expect(back.tensors['layer.f32'].dtype).toBe('F32');
    expect(encodeSafetensors(back.tensors, back.metadata)).toEqual(bytes);
  });

  it('writes subarray views correctly and returns copies that own their memory', () => {
    const big = new Float32Array([9, 9, 1, 2, 3, 9]);
    const bytes = encodeSafetensors({ t: { shape: [3], data: big.subarray(2, 5) } });
    const back = decodeSafetensors(bytes);
    expect(Array.from(back.tensors.t.data as Float32Array)).toEqual([1, 2, 3]);
    bytes.fill(0);
    expect(Array.from(back.tensors.t.data as Float32Array)).toEqual([1, 2, 3]);
  });

  it('the writer rejects what it cannot store faithfully', () => {
    const f = new Float32Array(6);
    expect(() => encodeSafetensors({ t: { shape: [2, 2], data: f } })).toThrow(/shape \[2,2\] has 4 elements but data has 6/);
    expect(() => encodeSafetensors({ t: { shape: [2, -3], data: f } })).toThrow(/non-negative integers/);
    expect(() => encodeSafetensors({ __metadata__: { shape: [6], data: f } })).toThrow(/not allowed/);
    expect(() => encodeSafetensors({ t: { shape: [6], data: new Uint8Array(6) as unknown as Float32Array } })).toThrow(/Float32Array/);
    expect(() => encodeSafetensors({}, { k: 1 as unknown as string })).toThrow(/values must be strings/);
  });
});

describe('safetensors reader rejects corrupt files with a CheckpointError that names the problem', () => {
  const good = encodeSafetensors(
    { w: { shape: [2, 3], data: new Float32Array([1, 2, 3, 4, 5, 6]) }, b: { shape: [2], data: new Float32Array([7, 8]) } },
    { k: 'v' },
  );
  const N = Number(new DataView(good.buffer).getBigUint64(0, true));
  const withLength = (n: bigint): Uint8Array => {
    const out = good.slice();
    new DataView(out.buffer).setBigUint64(0, n, true);
    return out;
  };
  const replaceInHeader = (from: string, to: string): Uint8Array => {
    const header = new TextDecoder().decode(good.subarray(8, 8 + N));
    expect(header).toContain(from);
    expect(to.length).toBe(from.length);
    return new Uint8Array([...good.subarray(0, 8), ...ascii(header.replace(from, to)), ...good.subarray(8 + N)]);
  };
  const f32 = (...v: number[]) => bytesOf(new Float32Array(v));

  const cases: [string, Uint8Array, RegExp][] = [
    ['empty file', new Uint8Array(0), /truncated: 0 bytes, too short for the 8-byte header length/],
    ['7 bytes', good.slice(0, 7), /truncated: 7 bytes/],
    ['cut inside the header', good.slice(0, 8 + N - 5), /truncated: header length is \d+ bytes but only \d+ bytes follow/],
    ['cut inside the data', good.slice(0, good.length - 3), /truncated: tensor data needs 32 bytes after the header but the file has 29/],
    ['header length field beyond the file', withLength(BigInt(good.length)), /header length is \d+ bytes but only/],
    ['header length field absurd (2^63)', withLength(2n ** 63n), /exceeds the 100000000-byte limit/],
    ['header length field too short (JSON cut)', withLength(BigInt(N - 8)), /header is not valid JSON/],
    ['trailing bytes', new Uint8Array([...good, 0, 0, 0, 0]), /4 trailing bytes after the last tensor/],
    ['header not UTF-8', (() => { const b = good.slice(); b[9] = 0xff; return b; })(), /header is not valid UTF-8/],
    ['header not JSON', replaceInHeader('"shape"', '"shape\''), /header is not valid JSON/],
    ['header is a JSON array', rawFile('[1,2]'), /header must be a JSON object starting with "\{"/],
    ['header with a BOM', new Uint8Array([...u64le(8), 0xef, 0xbb, 0xbf, ...ascii('{}   ')]), /starting with "\{"/],
    ['unknown dtype', replaceInHeader('"F32"', '"F17"'), /tensor "\w": unknown dtype "F17" \(supported: I32, F32, F64, I64\)/],
    ['unsupported real dtype', rawFile('{"x":{"dtype":"BF16","shape":[2],"data_offsets":[0,4]}}', [0, 0, 0, 0]), /unknown dtype "BF16"/],
    ['shape/offset size mismatch', replaceInHeader('[2,3]', '[3,3]'), /tensor "w": shape \[3,3\] of F32 needs 36 bytes but data_offsets \[8, 32\] span 24/],
    ['negative shape', rawFile('{"x":{"dtype":"F32","shape":[-1],"data_offsets":[0,4]}}', f32(1)), /shape must be an array of non-negative integers/],
    ['fractional offset', rawFile('{"x":{"dtype":"F32","shape":[1],"data_offsets":[0,4.5]}}', f32(1)), /data_offsets must be \[begin, end\]/],
    ['three offsets', rawFile('{"x":{"dtype":"F32","shape":[1],"data_offsets":[0,4,8]}}', f32(1)), /data_offsets must be \[begin, end\]/],
    ['offsets out of order', rawFile('{"x":{"dtype":"F32","shape":[0],"data_offsets":[4,0]}}', f32(1)), /\[4, 0\] are out of order/],
    ['overlapping tensors', rawFile('{"x":{"dtype":"F32","shape":[2],"data_offsets":[0,8]},"y":{"dtype":"F32","shape":[2],"data_offsets":[4,12]}}', f32(1, 2, 3)), /tensor "y" \[4, 12\] overlaps tensor "x", which ends at 8/],
    ['duplicate offsets', rawFile('{"x":{"dtype":"F32","shape":[1],"data_offsets":[0,4]},"y":{"dtype":"F32","shape":[1],"data_offsets":[0,4]}}', f32(1)), /overlaps tensor "x"/],
    ['gap between tensors', rawFile('{"x":{"dtype":"F32","shape":[1],"data_offsets":[0,4]},"y":{"dtype":"F32","shape":[1],"data_offsets":[8,12]}}', f32(1, 2, 3)), /gap: bytes \[4, 8\) between tensor "x" and tensor "y"/],
    ['first tensor not at 0', rawFile('{"x":{"dtype":"F32","shape":[1],"data_offsets":[4,8]}}', f32(1, 2)), /gap: bytes \[0, 4\) between the start of the byte buffer and tensor "x"/],
    ['metadata value not a string', rawFile('{"__metadata__":{"step":3}}'), /"__metadata__"."step" must be a string, got 3/],
    ['metadata not an object', rawFile('{"__metadata__":"x"}'), /"__metadata__" must be an object of strings/],
    ['tensor entry not an object', rawFile('{"x":[0,4]}', f32(1)), /tensor "x": entry must be an object/],
    ['unexpected field', rawFile('{"x":{"dtype":"F32","shape":[1],"data_offsets":[0,4],"offsets":[0,4]}}', f32(1)), /unexpected field\(s\) "offsets"/],
  ];

  it.each(cases)('%s', (_name, bytes, message) => {
    expect(() => decodeSafetensors(bytes)).toThrow(CheckpointError);
    expect(() => decodeSafetensors(bytes)).toThrow(message);
  });

  it('has at least ten distinct corruption cases', () => {
    expect(cases.length).toBeGreaterThanOrEqual(10);
  });

  it('prefixes errors with the source name', () => {
    expect(() => decodeSafetensors(good.slice(0, 20), { source: 'model.safetensors' })).toThrow(/^model\.safetensors: truncated/);
  });

  it('rejects non-finite values only when asked', () => {
    const bytes = encodeSafetensors({ w: { shape: [3], data: new Float32Array([1, NaN, 2]) }, i: { shape: [1], data: new Int32Array([5]) } });
    expect(Number.isNaN((decodeSafetensors(bytes).tensors.w.data as Float32Array)[1])).toBe(true);
    expect(() => decodeSafetensors(bytes, { requireFinite: true })).toThrow(/tensor "w": element 1 is NaN \(non-finite values are rejected\)/);
    const inf = encodeSafetensors({ d: { shape: [2], data: new Float64Array([0, -Infinity]) } });
    expect(() => decodeSafetensors(inf, { requireFinite: true })).toThrow(/element 1 is -Infinity/);
  });

  it('every truncation of a valid file is a CheckpointError', () => {
    for (let cut = 0; cut < good.length; cut++) {
      expect(() => decodeSafetensors(good.subarray(0, cut)), `cut at ${cut}`).toThrow(CheckpointError);
    }
  });

  it('flipping any bit of the length field or header either still decodes or is a CheckpointError, never another exception', () => {
    let rejected = 0;
    for (let pos = 0; pos < 8 + N; pos++) {
      for (let bit = 0; bit < 8; bit++) {
        const bytes = good.slice();
        bytes[pos] ^= 1 << bit;
        try {
          decodeSafetensors(bytes);
        } catch (err) {
          expect(err, `byte ${pos} bit ${bit}: ${(err as Error).message}`).toBeInstanceOf(CheckpointError);
          rejected++;
        }
      }
    }
    // Most flips break something; a few (e.g. inside the metadata value, or a padding space) are harmless.
    console.log(`header bit flips: ${rejected} of ${(8 + N) * 8} rejected`);
    expect(rejected).toBeGreaterThan(0.8 * (8 + N) * 8);
  });
});

describe('safetensors from a PyTorch fixture', () => {
  it('stores lstm_2layer.json weights under their PyTorch names and reads back exactly the same f32 values', () => {
    const file = join(__dirname, '..', 'fixtures', 'lstm_2layer.json');
    const fx = parseFixture(JSON.parse(readFileSync(file, 'utf8')), 'lstm_2layer.json') as RecurrentFixture;
    expect(fx.param_names.length).toBe(8);
    const tensors = Object.fromEntries(
      fx.param_names.map((name) => [name, { shape: getTensor(fx, name).shape, data: Float32Array.from(tensorData(fx, name)) }]),
    );
    const back = decodeSafetensors(encodeSafetensors(tensors), { requireFinite: true });
    expect(Object.keys(back.tensors).sort()).toEqual([...fx.param_names].sort());
    for (const name of fx.param_names) {
      const want = tensorData(fx, name);
      const got = back.tensors[name];
      expect(got.dtype).toBe('F32');
      expect(got.shape, name).toEqual(getTensor(fx, name).shape);
      expect(got.data.length).toBe(want.length);
      // The fixture's inputs are float32-exact, so the f32 file holds the f64 values without rounding.
      for (let k = 0; k < want.length; k++) if (got.data[k] !== want[k]) expect.fail(`${name}[${k}]: got ${got.data[k]}, want ${want[k]}`);
    }
  });
});
