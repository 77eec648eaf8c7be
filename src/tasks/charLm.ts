// Character-level language modelling on a small bundled public-domain text: at every step the model
// sees a character and predicts the next one (cross-entropy on all steps). Sequences are windows of the
// text starting at uniformly random positions. Inputs: ids [T,B] (`inputIds`, for an embedding) and their
// one-hot encoding [T,B,V]; targets: the next character's id, [T,B].
//
// Baseline: a predictor that ignores its inputs can do no better than the text's unigram distribution p
// (cross-entropy Σ_c p_c·(−log q_c) is minimized by q = p), which scores the unigram entropy
// H = −Σ_c p_c log p_c nats per character.
import type { Rng } from '../random';
import corpusFile from './data/devils-dictionary.txt?raw';
import { checkBatchSize, oneHot, TaskError, type ClassificationBatch, type Task } from './task';
import { buildVocab, tokenize, type Vocab } from './vocab';

/** The bundled text's first line: where it comes from and its public-domain status. */
export const CORPUS_SOURCE = corpusFile.slice(0, corpusFile.indexOf('\n'));
/** The bundled text itself (everything after the first line). */
export const CORPUS_TEXT = corpusFile.slice(corpusFile.indexOf('\n') + 1);

/** −Σ p log p (nats) of the token frequencies. */
export function unigramEntropy(tokens: Int32Array, V: number): number {
  const counts = new Float64Array(V);
  for (const id of tokens) counts[id]++;
  let h = 0;
  for (const c of counts) if (c > 0) h -= (c / tokens.length) * Math.log(c / tokens.length);
  return h;
}

/** A character-model task with its vocabulary and the whole text as token ids. */
export interface CharLmTask extends Task {
  readonly vocab: Vocab;
  readonly tokens: Int32Array;
  /**
   * Batch `index` of one long reading of the text per row, for training with carried states: row b
   * starts at b/B of the way through the text and each index moves it T characters on (around the
   * end to the start), so chunk index + 1 continues chunk index.
   */
  chunk(index: number, T: number, B: number): ClassificationBatch;
}

/** A character language model over `text` (by default the bundled public-domain corpus). */
export function charLmTask(text: string = CORPUS_TEXT): CharLmTask {
  const vocab = buildVocab(text);
  const tokens = tokenize(text, vocab);
  const V = vocab.chars.length;
  if (tokens.length < 2) throw new TaskError('char-lm: the text needs at least 2 characters');
  const task: CharLmTask = {
    name: 'char-lm',
    description: `next-character prediction on ${tokens.length} characters of text (${V} distinct); cross-entropy on every step`,
    inputSize: V,
    outputSize: V,
    loss: 'crossentropy',
    lossAt: 'all',
    baseline: unigramEntropy(tokens, V),
    baselineDerivation: 'predict the unigram distribution: cross-entropy = unigram entropy of the text',
    minSteps: 1,
    defaultSteps: 100,
    vocab,
    tokens,
    batch(rng: Rng, T: number, B: number): ClassificationBatch {
      checkBatchSize(task, T, B);
      if (T >= tokens.length) throw new TaskError(`char-lm: T must be below the text length ${tokens.length}, got ${T}`);
      const inputIds = new Int32Array(T * B);
      const targets = new Int32Array(T * B);
      for (let b = 0; b < B; b++) {
        const start = rng.int(tokens.length - T);
        for (let t = 0; t < T; t++) {
          inputIds[t * B + b] = tokens[start + t];
          targets[t * B + b] = tokens[start + t + 1];
        }
      }
      return { loss: 'crossentropy', T, B, inputs: oneHot(inputIds, V), inputIds, targets };
    },
    chunk(index: number, T: number, B: number): ClassificationBatch {
      checkBatchSize(task, T, B);
      if (!Number.isInteger(index) || index < 0) throw new TaskError(`char-lm: chunk index must be a non-negative integer, got ${index}`);
      const N = tokens.length - 1; // positions that have a next character
      const inputIds = new Int32Array(T * B);
      const targets = new Int32Array(T * B);
      for (let b = 0; b < B; b++) {
        const start = Math.floor((b * N) / B) + index * T;
        for (let t = 0; t < T; t++) {
          const at = (start + t) % N;
          inputIds[t * B + b] = tokens[at];
          targets[t * B + b] = tokens[at + 1];
        }
      }
      return { loss: 'crossentropy', T, B, inputs: oneHot(inputIds, V), inputIds, targets };
    },
  };
  return task;
}
