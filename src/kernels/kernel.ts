// One description per GPU kernel, and everything else derived from it.
//
// A description names the kernel's WGSL pieces, its storage bindings (by name, with access mode and
// element type), its uniform struct (fields in order) and its override constants. From it come:
//   - the WGSL declarations (structs, overrides, consts, bindings), put in front of the code, so the
//     .wgsl files hold only functions and never a binding number;
//   - the bind-group layout and the bind-group entries, looked up by name;
//   - the uniform packing, by field name.
// No binding number or uniform offset is written anywhere else. `source` is the exact module that
// is compiled; `gateflow shaders --out DIR` writes it to disk (src/kernels/dump.ts).

/** The 4-byte scalar types a uniform or status struct is made of. */
export type Scalar = 'f32' | 'u32' | 'i32';
export type Field = readonly [name: string, type: Scalar, doc: string];

/** A WGSL struct of 4-byte scalars: word i is field i. */
export interface WgslStruct {
  readonly name: string;
  readonly fields: readonly Field[];
}

export interface StorageBinding {
  readonly access: 'read' | 'read_write';
  /** The binding's WGSL type: `array<f32>` unless given (`array<vec4f>`, `array<i32>`, or a struct). */
  readonly type?: string | WgslStruct;
  /** One line: what the buffer holds (its shape), written beside the declaration. */
  readonly doc?: string;
  /**
   * Declare `alias <name>_elem` as the element type, for code that stores into the buffer in either
   * precision (`gates[i] = gates_elem(v)`; see halfPrecision).
   */
  readonly elemAlias?: boolean;
}

export interface KernelDesc {
  /** Unique per distinct module: a variant's name says its choices (`gemm_rows.r32.a4`). */
  readonly name: string;
  /** WGSL pieces in order, shared helpers first and the kernel's own file last. */
  readonly code: readonly string[];
  /** Storage bindings 0..n−1, in this order. */
  readonly storage: Readonly<Record<string, StorageBinding>>;
  /** The uniform struct, at binding n (after the storage bindings). */
  readonly uniform?: { readonly name: string; readonly struct: WgslStruct };
  /** Override constants (all u32) and their defaults; pipelines set them by name. */
  readonly constants?: Readonly<Record<string, number>>;
  /** Module-level constants fixed when the module is made (a size that must unroll, a feature switch). */
  readonly consts?: Readonly<Record<string, number | boolean>>;
  /** `enable` directives (they must open the module). */
  readonly enables?: readonly string[];
}

type StorageName<D extends KernelDesc> = keyof D['storage'] & string;
type UniformName<D extends KernelDesc> = D['uniform'] extends { name: infer N extends string } ? N : never;
/** The names a bind group is made of: every storage binding and the uniform. */
export type BindingName<D extends KernelDesc> = StorageName<D> | UniformName<D>;
export type UniformField<D extends KernelDesc> = D['uniform'] extends { struct: { fields: readonly (readonly [infer F extends string, Scalar, string])[] } } ? F : never;
export type ConstantName<D extends KernelDesc> = keyof NonNullable<D['constants']> & string;

/** A buffer, or part of one, for a binding. */
export type BindingResource = GPUBuffer | GPUBufferBinding;

const COMPUTE = 0x4; // GPUShaderStage.COMPUTE; numeric so this module loads before Dawn's globals

/** The WGSL declaration of a struct, one field a line with its word index and doc. */
export function wgslStruct(s: WgslStruct): string {
  const lines = s.fields.map(([f, type, doc], i) => `  ${f}: ${type},${doc ? ` // [${i}] ${doc}` : ''}`);
  return `struct ${s.name} {\n${lines.join('\n')}\n}`;
}

/** Bytes of a struct in a uniform or storage buffer: its words, rounded up to 16 (WGSL's struct alignment for uniforms). */
export const structBytes = (s: WgslStruct): number => Math.ceil((s.fields.length * 4) / 16) * 16;

/** Packs named values into a struct's words (f32 fields as float bits); a missing field is an error. */
export function packStruct(s: WgslStruct, values: Readonly<Record<string, number>>): Uint32Array<ArrayBuffer> {
  const words = new Uint32Array(structBytes(s) / 4);
  const floats = new Float32Array(words.buffer);
  const ints = new Int32Array(words.buffer);
  s.fields.forEach(([name, type], i) => {
    const v = values[name];
    if (v === undefined) {
      if (name.startsWith('_')) return; // padding
      throw new Error(`struct ${s.name}: no value for field "${name}"`);
    }
    if (type === 'f32') floats[i] = v;
    else if (type === 'i32') ints[i] = v;
    else {
      if (!Number.isInteger(v) || v < 0 || v > 0xffffffff) throw new RangeError(`struct ${s.name}: field "${name}" is u32, got ${v}`);
      words[i] = v;
    }
  });
  for (const name of Object.keys(values)) {
    if (!s.fields.some((f) => f[0] === name)) throw new Error(`struct ${s.name} has no field "${name}"`);
  }
  return words;
}

/** A short stable hash of a string (FNV-1a, 64 bits as two 32-bit lanes), as 16 hex digits. */
export function hashString(text: string): string {
  let h1 = 0x811c9dc5;
  let h2 = 0x01000193 ^ text.length;
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    h1 = Math.imul(h1 ^ c, 0x01000193);
    h2 = Math.imul(h2 ^ c, 0x5bd1e995) ^ (h2 >>> 15);
  }
  return (h1 >>> 0).toString(16).padStart(8, '0') + (h2 >>> 0).toString(16).padStart(8, '0');
}

const typeName = (t: StorageBinding['type']): string => (t === undefined ? 'array<f32>' : typeof t === 'string' ? t : t.name);

/** The element type of an `array<…>` binding type. */
const elementType = (t: StorageBinding['type']): string => {
  const m = /^array<(.+)>$/.exec(typeName(t));
  if (!m) throw new Error(`binding type ${typeName(t)} is not an array`);
  return m[1];
};

/** The WGSL a description declares, in front of its code. */
function declarations(d: KernelDesc): string[] {
  const out: string[] = [];
  const structs = new Map<string, WgslStruct>();
  for (const b of Object.values(d.storage)) if (b.type && typeof b.type !== 'string') structs.set(b.type.name, b.type);
  if (d.uniform) structs.set(d.uniform.struct.name, d.uniform.struct);
  for (const s of structs.values()) out.push(wgslStruct(s));
  for (const [name, value] of Object.entries(d.consts ?? {})) out.push(`const ${name} = ${typeof value === 'boolean' ? value : `${value}u`};`);
  for (const [name, value] of Object.entries(d.constants ?? {})) out.push(`override ${name}: u32 = ${value}u;`);
  for (const [name, b] of Object.entries(d.storage)) if (b.elemAlias) out.push(`alias ${name}_elem = ${elementType(b.type)};`);
  Object.entries(d.storage).forEach(([name, b], i) => {
    out.push(`@group(0) @binding(${i}) var<storage, ${b.access}> ${name}: ${typeName(b.type)};${b.doc ? ` // ${b.doc}` : ''}`);
  });
  if (d.uniform) out.push(`@group(0) @binding(${Object.keys(d.storage).length}) var<uniform> ${d.uniform.name}: ${d.uniform.struct.name};`);
  return out;
}

/** The module's WGSL: `enable`s, a header naming the kernel, the declarations, then the code pieces. */
function composeSource(desc: KernelDesc): string {
  const header = `// ${desc.name}: generated by gateflow from its kernel description (src/kernels). Declarations first, then the code.`;
  const enables = (desc.enables ?? []).map((e) => `enable ${e};`);
  return [...enables, header, ...declarations(desc), '', ...desc.code].join('\n');
}

/**
 * A kernel made from its description: the final WGSL (`source`), its hash, and the derived
 * bind-group layout, bind groups and uniform packing. Immutable; pipelines come from the Gpu's
 * cache (PipelineCache), keyed by the hash of `source` plus the constants.
 */
export class Kernel<const D extends KernelDesc = KernelDesc> {
  readonly source: string;
  readonly hash: string;
  /** Binding index of each name. */
  private readonly bindings: ReadonlyMap<string, number>;

  constructor(readonly desc: D) {
    this.source = composeSource(desc);
    this.hash = hashString(this.source);
    const names = [...Object.keys(desc.storage), ...(desc.uniform ? [desc.uniform.name] : [])];
    this.bindings = new Map(names.map((n, i) => [n, i]));
  }

  get name(): string {
    return this.desc.name;
  }

  /** Bytes of one uniform struct (0 without a uniform). */
  get uniformBytes(): number {
    return this.desc.uniform ? structBytes(this.desc.uniform.struct) : 0;
  }

  /** The uniform struct's words for these field values. */
  packUniform(values: Readonly<Record<UniformField<D>, number>>): Uint32Array<ArrayBuffer> {
    if (!this.desc.uniform) throw new Error(`kernel ${this.name} has no uniform`);
    return packStruct(this.desc.uniform.struct, values);
  }

  /** The layout entries, one per binding, in binding order. */
  layoutEntries(): GPUBindGroupLayoutEntry[] {
    const entries: GPUBindGroupLayoutEntry[] = Object.values(this.desc.storage).map((b, binding) => ({
      binding,
      visibility: COMPUTE,
      buffer: { type: b.access === 'read' ? 'read-only-storage' : 'storage' },
    }));
    if (this.desc.uniform) entries.push({ binding: entries.length, visibility: COMPUTE, buffer: { type: 'uniform' } });
    return entries;
  }

  /** Bind-group entries from resources by name; every binding must be given, and no other name. */
  entries(resources: Readonly<Record<BindingName<D>, BindingResource>>): GPUBindGroupEntry[] {
    const given = resources as Readonly<Record<string, BindingResource>>;
    for (const name of Object.keys(given)) {
      if (!this.bindings.has(name)) throw new Error(`kernel ${this.name} has no binding "${name}"`);
    }
    return [...this.bindings].map(([name, binding]) => {
      const r = given[name];
      if (!r) throw new Error(`kernel ${this.name}: no buffer for binding "${name}"`);
      return { binding, resource: 'buffer' in r ? r : { buffer: r } };
    });
  }
}

/** Describes a kernel (see KernelDesc); `const` keeps its names as literal types for the typed lookups. */
export const defineKernel = <const D extends KernelDesc>(desc: D): Kernel<D> => new Kernel(desc);

const variants = new Map<string, Kernel>();

/**
 * A kernel variant made once per name: for descriptions built from choices (rows per workgroup,
 * 4-float loads), so that asking twice gives the same Kernel (and the same compiled module).
 */
export function kernelVariant<const D extends KernelDesc>(desc: D): Kernel<D> {
  const known = variants.get(desc.name);
  if (known) {
    if (known.source !== composeSource(desc)) throw new Error(`two kernel variants are named ${desc.name}`);
    return known as Kernel<D>;
  }
  const k = new Kernel(desc);
  variants.set(desc.name, k);
  return k;
}

/** The f16 storage type of each f32 one. */
const HALF_TYPES: Readonly<Record<string, string>> = { 'array<f32>': 'array<f16>', 'array<vec4f>': 'array<vec4<f16>>' };

/**
 * The variant of a kernel whose named storage bindings hold f16 (array<f16>, array<vec4<f16>>)
 * where the original holds f32; the names it does not have are skipped. Its code must read them
 * through conversions (`f32(params[i])`, `vec4f(...)`: identities in f32) and store through
 * `<name>_elem(v)` (elemAlias), so one source serves both precisions; arithmetic stays f32.
 */
export function halfPrecision<const D extends KernelDesc>(kernel: Kernel<D>, names: readonly string[]): Kernel<D> {
  const desc = kernel.desc;
  const half = names.filter((n) => n in desc.storage);
  if (half.length === 0) return kernel;
  const storage: Record<string, StorageBinding> = {};
  for (const [name, b] of Object.entries(desc.storage)) {
    if (!half.includes(name)) {
      storage[name] = b;
      continue;
    }
    const type = HALF_TYPES[typeName(b.type)];
    if (!type) throw new Error(`kernel ${desc.name}: binding "${name}" of type ${typeName(b.type)} has no f16 form`);
    storage[name] = { ...b, type };
  }
  return kernelVariant({ ...desc, name: `${desc.name}.f16-${half.join('-')}`, enables: [...(desc.enables ?? []), 'f16'], storage }) as Kernel<D>;
}
