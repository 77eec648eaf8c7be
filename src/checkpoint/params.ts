// Between a model's flat f32 parameter buffer (ParamLayout) and a checkpoint's named tensors.
import { CheckpointError } from './safetensors';
import type { Float32Tensor } from './checkpoint';

/** What these helpers need of a layout; ParamLayout has it (`tensors()` gives PyTorch names and shapes). */
export interface TensorLayout {
  readonly total: number;
  tensors(): { name: string; slice: { offset: number; length: number }; shape: number[] }[];
}

/** Named copies of every tensor in `flat`, ready for saveCheckpoint. */
export function tensorsFromFlat(layout: TensorLayout, flat: Float32Array): Record<string, Float32Tensor> {
  if (flat.length !== layout.total) throw new CheckpointError(`flat parameters: expected ${layout.total} values, got ${flat.length}`);
  return Object.fromEntries(
    layout.tensors().map(({ name, slice, shape }) => [name, { shape: shape.slice(), data: flat.slice(slice.offset, slice.offset + slice.length) }]),
  );
}

/**
 * Packs a checkpoint's tensors into the layout's flat buffer. Every tensor of the layout must be there
 * with exactly its shape; a tensor the layout does not have is an error unless `ignore` names it
 * (e.g. an embedding the caller loads separately).
 */
export function flatFromTensors(layout: TensorLayout, tensors: Record<string, Float32Tensor>, ignore: string[] = []): Float32Array {
  const flat = new Float32Array(layout.total);
  const problems: string[] = [];
  const expected = layout.tensors();
  for (const { name, slice, shape } of expected) {
    const t = tensors[name];
    if (!t) problems.push(`missing tensor "${name}" [${shape}]`);
    else if (t.shape.length !== shape.length || t.shape.some((d, k) => d !== shape[k])) problems.push(`tensor "${name}" has shape [${t.shape}], the model needs [${shape}]`);
    else flat.set(t.data, slice.offset);
  }
  const known = new Set([...expected.map((e) => e.name), ...ignore]);
  const extra = Object.keys(tensors).filter((n) => !known.has(n));
  if (extra.length > 0) problems.push(`unexpected tensor(s) ${extra.map((n) => `"${n}"`).join(', ')}`);
  if (problems.length > 0) throw new CheckpointError(`checkpoint does not fit the model: ${problems.join('; ')}`);
  return flat;
}
