import { describe, expect, it } from 'vitest';
import { softmaxCrossEntropy } from '../../src/cpu/loss';
import { Rng } from '../../src/random';
import { CORPUS_SOURCE, CORPUS_TEXT, charLmTask, unigramEntropy } from '../../src/tasks/charLm';
import { TaskError } from '../../src/tasks/task';
import { buildVocab, detokenize, sampleNext, tokenize } from '../../src/tasks/vocab';

const task = charLmTask();
const { vocab, tokens } = task;
const V = vocab.chars.length;

describe('bundled text and vocabulary', () => {
  it('is a 20–60 KB public-domain text with its source named in the first line', () => {
    expect(CORPUS_SOURCE).toMatch(/Devil's Dictionary.*Ambrose Bierce.*Public domain/);
    const bytes = new TextEncoder().encode(CORPUS_TEXT).length;
    expect(bytes).toBeGreaterThan(20_000);
    expect(bytes).toBeLessThan(60_000);
    expect(CORPUS_TEXT).toContain('ABASEMENT, n.');
  });

  it('the vocabulary is the sorted unique characters, and ids round-trip to the text', () => {
    expect(vocab.chars).toEqual([...new Set(CORPUS_TEXT)].sort());
    expect(task.inputSize).toBe(V);
    expect(task.outputSize).toBe(V);
    expect(detokenize(tokenize(CORPUS_TEXT, vocab), vocab)).toBe(CORPUS_TEXT);
    expect(tokens.length).toBe(CORPUS_TEXT.length);
  });

  it('counts characters by code point and rejects unknown ones by name and position', () => {
    const v = buildVocab('b😀a');
    expect(v.chars).toEqual(['a', 'b', '😀']);
    expect(Array.from(tokenize('😀ab', v))).toEqual([2, 0, 1]);
    expect(() => tokenize('abc€', vocab)).toThrow(new TaskError(`tokenize: character "€" (U+20AC) at position 3 is not in the vocabulary of ${V} characters`));
    expect(() => tokenize('a😀\t', v)).toThrow('character "\\t" (U+0009) at position 2');
    expect(() => detokenize([0, V], vocab)).toThrow(`detokenize: id ${V} at position 1 is outside [0, ${V})`);
  });
});

describe('char-lm chunks (for carried states)', () => {
  it('chunk index + 1 continues chunk index in every row, around the end of the text', () => {
    const T = 37;
    const B = 4;
    const N = tokens.length - 1;
    // Indices near where the last row runs past the end of the text and starts over.
    const wrap = Math.floor((N - Math.floor((3 * N) / 4)) / T);
    for (const index of [0, 1, wrap - 1, wrap, wrap + 1]) {
      const a = task.chunk(index, T, B);
      const b = task.chunk(index + 1, T, B);
      for (let r = 0; r < B; r++) {
        const start = (Math.floor((r * N) / B) + index * T) % N;
        for (let t = 0; t < T; t++) {
          expect(a.inputIds![t * B + r]).toBe(tokens[(start + t) % N]);
          expect(a.targets[t * B + r]).toBe(tokens[((start + t) % N) + 1]);
          expect(b.inputIds![t * B + r]).toBe(tokens[(start + T + t) % N]);
        }
      }
    }
    expect(() => task.chunk(-1, T, B)).toThrow(TaskError);
  });
});

describe('char-lm batches', () => {
  it('are windows of the text: targets are the inputs shifted by one', () => {
    const T = 30;
    const B = 5;
    const batch = task.batch(new Rng(11), T, B);
    if (batch.loss !== 'crossentropy') throw new Error('char-lm must be a classification batch');
    const { inputs, inputIds, targets, mask } = batch;
    expect([inputs.length, inputIds!.length, targets.length, mask]).toEqual([T * B * V, T * B, T * B, undefined]);
    for (let b = 0; b < B; b++) {
      const ids = Array.from({ length: T }, (_, t) => inputIds![t * B + b]);
      const window = detokenize([...ids, targets[(T - 1) * B + b]], vocab);
      expect(CORPUS_TEXT).toContain(window);
      for (let t = 0; t + 1 < T; t++) expect(targets[t * B + b]).toBe(inputIds![(t + 1) * B + b]);
      for (let t = 0; t < T; t++) expect(inputs[(t * B + b) * V + ids[t]]).toBe(1);
    }
    expect(inputs.reduce((s, v) => s + v, 0)).toBe(T * B);
  });

  it('is deterministic by seed', () => {
    expect(task.batch(new Rng(4), 20, 3)).toEqual(task.batch(new Rng(4), 20, 3));
    expect(task.batch(new Rng(5), 20, 3).inputIds).not.toEqual(task.batch(new Rng(4), 20, 3).inputIds);
  });

  it('baseline: the unigram entropy, which the unigram predictor scores on sampled batches', () => {
    const H = task.baseline;
    expect(H).toBe(unigramEntropy(tokens, V));
    expect(H).toBeGreaterThan(0);
    expect(H).toBeLessThan(Math.log(V));
    const counts = new Float64Array(V);
    for (const id of tokens) counts[id]++;
    const logP = Array.from(counts, (c) => Math.log(c / tokens.length));
    // On a small batch the generic loss gives the same number as −mean log p (softmax(log p) = p).
    const small = task.batch(new Rng(1), 8, 4);
    const logits = new Float64Array(8 * 4 * V);
    for (let r = 0; r < 32; r++) logits.set(logP, r * V);
    const direct = -Array.from(small.targets, (id) => logP[id]).reduce((s, v) => s + v, 0) / 32;
    expect(softmaxCrossEntropy(logits, small.targets as Int32Array, V).loss).toBeCloseTo(direct, 12);
    // Over many windows; windows are the independent samples (steps within one are correlated).
    const T = 100;
    const B = 4000;
    const { targets } = task.batch(new Rng(2), T, B);
    const perSeq = new Float64Array(B);
    for (let t = 0; t < T; t++) for (let b = 0; b < B; b++) perSeq[b] -= logP[targets[t * B + b]] / T;
    const mean = perSeq.reduce((s, v) => s + v, 0) / B;
    const se = Math.sqrt(perSeq.reduce((s, v) => s + (v - mean) ** 2, 0) / (B - 1) / B);
    console.log(`char-lm: ${tokens.length} chars, V = ${V}, unigram entropy ${H.toFixed(4)} nats (log V = ${Math.log(V).toFixed(4)}); unigram predictor on ${T * B} sampled targets: ${mean.toFixed(4)} (se ${se.toExponential(1)})`);
    expect(Math.abs(mean - H)).toBeLessThan(5 * se);
  });

  it('rejects T not below the text length', () => {
    const tiny = charLmTask('abcab');
    expect(() => tiny.batch(new Rng(1), 5, 1)).toThrow('char-lm: T must be below the text length 5, got 5');
    expect(tiny.batch(new Rng(1), 4, 2).targets.length).toBe(8);
  });
});

describe('sampleNext', () => {
  it('temperature 0 takes the argmax (first on ties) without drawing from the rng', () => {
    const rng = new Rng(3);
    expect(sampleNext([1, 5, 5, -2], 0, rng)).toBe(1);
    expect(rng.next()).toBe(new Rng(3).next());
  });

  it('draws from softmax(logits / temperature)', () => {
    const logits = [0, Math.log(2), Math.log(5), Math.log(0.5)];
    const rng = new Rng(12);
    const n = 40_000;
    for (const temperature of [1, 2]) {
      const w = logits.map((z) => Math.exp(z / temperature));
      const p = w.map((x) => x / w.reduce((s, v) => s + v, 0));
      const counts = new Array(4).fill(0);
      for (let k = 0; k < n; k++) counts[sampleNext(logits, temperature, rng)]++;
      // Each frequency within 5 binomial standard errors.
      counts.forEach((c, k) => expect(Math.abs(c / n - p[k]), `τ=${temperature}, class ${k}`).toBeLessThan(5 * Math.sqrt((p[k] * (1 - p[k])) / n)));
    }
    expect(sampleNext([0, 1, 10], 1e-3, new Rng(1))).toBe(2);
  });

  it('is deterministic by seed and checks its arguments', () => {
    const draw = (seed: number) => {
      const rng = new Rng(seed);
      return Array.from({ length: 50 }, () => sampleNext([0.1, 0.2, 0.3], 1, rng));
    };
    expect(draw(9)).toEqual(draw(9));
    expect(() => sampleNext([], 1, new Rng(1))).toThrow('sampleNext: no logits');
    expect(() => sampleNext([0, NaN], 1, new Rng(1))).toThrow('sampleNext: logits[1] is NaN');
    expect(() => sampleNext([0], -1, new Rng(1))).toThrow('temperature must be finite and ≥ 0, got -1');
  });
});
