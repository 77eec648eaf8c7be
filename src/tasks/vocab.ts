// Character vocabularies, tokenization and sampling for the character language model.
import type { Rng } from '../random';
import { TaskError } from './task';

/** A character vocabulary: sorted characters and their ids. */
export interface Vocab {
  /** The characters (Unicode code points), sorted; a token id is an index into this list. */
  readonly chars: readonly string[];
  readonly ids: ReadonlyMap<string, number>;
}

const codePoint = (c: string): number => c.codePointAt(0)!;
const describeChar = (c: string): string => `${JSON.stringify(c)} (U+${codePoint(c).toString(16).toUpperCase().padStart(4, '0')})`;

/** The sorted unique characters of `text`. */
export function buildVocab(text: string): Vocab {
  const chars = [...new Set(text)].sort((a, b) => codePoint(a) - codePoint(b));
  return { chars, ids: new Map(chars.map((c, k) => [c, k])) };
}

/** Token ids of `text`; a character outside the vocabulary is a TaskError naming it and its position. */
export function tokenize(text: string, vocab: Vocab): Int32Array {
  const chars = [...text];
  const out = new Int32Array(chars.length);
  chars.forEach((c, k) => {
    const id = vocab.ids.get(c);
    if (id === undefined) {
      throw new TaskError(`tokenize: character ${describeChar(c)} at position ${k} is not in the vocabulary of ${vocab.chars.length} characters`);
    }
    out[k] = id;
  });
  return out;
}

/** The text of token ids (the inverse of tokenize). */
export function detokenize(ids: ArrayLike<number>, vocab: Vocab): string {
  let out = '';
  for (let k = 0; k < ids.length; k++) {
    const c = vocab.chars[ids[k]];
    if (c === undefined) throw new TaskError(`detokenize: id ${ids[k]} at position ${k} is outside [0, ${vocab.chars.length})`);
    out += c;
  }
  return out;
}

/**
 * A token id drawn from softmax(logits / temperature). Temperature 0 takes the argmax (the first one on
 * ties) and draws nothing from `rng`; otherwise exactly one `rng.next()` is drawn.
 */
export function sampleNext(logits: ArrayLike<number>, temperature: number, rng: Rng): number {
  if (logits.length === 0) throw new TaskError('sampleNext: no logits');
  if (!(Number.isFinite(temperature) && temperature >= 0)) throw new TaskError(`sampleNext: temperature must be finite and ≥ 0, got ${temperature}`);
  let best = 0;
  for (let k = 0; k < logits.length; k++) {
    if (!Number.isFinite(logits[k])) throw new TaskError(`sampleNext: logits[${k}] is ${logits[k]}`);
    if (logits[k] > logits[best]) best = k;
  }
  if (temperature === 0) return best;
  const weights = Array.from(logits, (z) => Math.exp((z - logits[best]) / temperature));
  let u = rng.next() * weights.reduce((s, w) => s + w, 0);
  for (let k = 0; k < weights.length; k++) {
    u -= weights[k];
    if (u < 0) return k;
  }
  return best; // only reachable through rounding at the very top of the range
}
