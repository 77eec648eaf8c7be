// PyTorch state_dicts in and out (src/checkpoint/stateDict.ts): the architecture inferred from names
// and shapes, prefixes, round trips, every fixture's weights as a plain state_dict, and bad files.
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { CheckpointError } from '../../src/checkpoint/checkpoint';
import { encodeSafetensors, type TensorIn } from '../../src/checkpoint/safetensors';
import { describeArchitecture, expectArchitectureFits, flatWeightsOf, loadWeights, saveWeights, torchModuleSource, type RecurrentArchitecture } from '../../src/checkpoint/stateDict';
import { configOf } from '../../src/checkpoint/stateDict';
import type { LayerParams } from '../../src/config';
import { recurrentForward } from '../../src/cpu/recurrent';
import { fixtureSequence, recurrentCase } from '../../src/fixtures/check';
import { relErr } from '../../src/fixtures/compare';
import { parseFixture, type RecurrentFixture } from '../../src/fixtures/schema';
import { ParamLayout } from '../../src/model/paramLayout';
import { Rng } from '../../src/random';

const ARCHS: RecurrentArchitecture[] = [
  { cell: 'lstm', inputSize: 5, hiddenSize: 23, numLayers: 2, bidirectional: false, projSize: 0, outputSize: 0 },
  { cell: 'lstm', inputSize: 3, hiddenSize: 7, numLayers: 2, bidirectional: true, projSize: 4, outputSize: 2 },
  { cell: 'gru', inputSize: 4, hiddenSize: 9, numLayers: 1, bidirectional: true, projSize: 0, outputSize: 3 },
  { cell: 'rnn', inputSize: 1, hiddenSize: 6, numLayers: 3, bidirectional: false, projSize: 0, outputSize: 1 },
];

function randomFlat(a: RecurrentArchitecture, seed: number): Float32Array {
  const n = new ParamLayout(configOf(a), a.outputSize).total;
  return new Float32Array(new Rng(seed).uniformArray(n, -1, 1));
}

/** A state_dict as PyTorch would save it: `prefix` + names, F64 or F32, plus a head under `headPrefix`. */
function torchFile(a: RecurrentArchitecture, flat: Float32Array, prefix: string, headPrefix = 'head.', f64 = false, extra: Record<string, TensorIn> = {}): Uint8Array {
  const layout = new ParamLayout(configOf(a), a.outputSize);
  const tensors: Record<string, TensorIn> = { ...extra };
  for (const { name, slice, shape } of layout.tensors()) {
    const data = flat.slice(slice.offset, slice.offset + slice.length);
    const key = name.startsWith('head.') ? headPrefix + name.slice(5) : prefix + name;
    tensors[key] = { shape, data: f64 ? Float64Array.from(data) : data };
  }
  return encodeSafetensors(tensors, { format: 'pt' });
}

describe('loadWeights: the architecture from names and shapes', () => {
  it.each(ARCHS.map((a) => [describeArchitecture(a), a] as const))('%s: inferred under no prefix, "lstm."-style and nested prefixes', (_n, a) => {
    const flat = randomFlat(a, 11);
    for (const [prefix, headPrefix] of [['', 'head.'], [`${a.cell}.`, 'head.'], [`model.encoder.${a.cell}.`, 'model.encoder.head.']] as const) {
      const sd = loadWeights(torchFile(a, flat, prefix, headPrefix, true), { source: 'w.safetensors' });
      expect(sd.architecture).toEqual(a);
      expect(sd.prefix).toBe(prefix);
      expect(sd.headPrefix).toBe(a.outputSize ? headPrefix : null);
      // F64 files are rounded to f32 once: the f32 values come back exactly.
      expect(flatWeightsOf(sd)).toEqual(flat);
    }
  });

  it('gateflow → torch-layout safetensors → gateflow gives identical weights, under `<cell>.` and `head.`', () => {
    for (const a of ARCHS) {
      const flat = randomFlat(a, 12);
      const bytes = saveWeights(a, flat);
      const sd = loadWeights(bytes);
      expect(sd.prefix).toBe(`${a.cell}.`);
      expect(sd.architecture).toEqual(a);
      expect(flatWeightsOf(sd)).toEqual(flat);
    }
  });

  it('prints the PyTorch module whose state_dict that is', () => {
    expect(torchModuleSource(ARCHS[1]!)).toContain('self.lstm = torch.nn.LSTM(3, 7, num_layers=2, bidirectional=True, proj_size=4)');
    expect(torchModuleSource(ARCHS[1]!)).toContain('self.head = torch.nn.Linear(8, 2)');
    expect(torchModuleSource(ARCHS[0]!)).not.toContain('self.head');
    expect(torchModuleSource(ARCHS[2]!)).toContain('self.gru = torch.nn.GRU(4, 9, num_layers=1, bidirectional=True)');
  });

  it('an explicit prefix picks one of two modules; without it the error lists both', () => {
    const a = ARCHS[0]!;
    const one = torchFile(a, randomFlat(a, 1), 'encoder.lstm.');
    const twoModules = encodeSafetensors({
      ...Object.fromEntries(Object.entries(loadWeights(one).tensors).map(([k, t]) => [`encoder.lstm.${k}`, t])),
      ...Object.fromEntries(Object.entries(loadWeights(one).tensors).map(([k, t]) => [`decoder.lstm.${k}`, t])),
    });
    expect(() => loadWeights(twoModules, { source: 'two.safetensors' })).toThrow(/two\.safetensors: several recurrent modules \(prefixes "decoder\.lstm\.", "encoder\.lstm\."\): give the one to load/);
    expect(() => loadWeights(twoModules, { prefix: 'decoder.lstm' })).toThrow(/outside the recurrent module "decoder\.lstm\.".*"encoder\.lstm\.weight_ih_l0"/);
  });
});

describe('loadWeights: every fixture as a plain state_dict reproduces its outputs', () => {
  const dirs = ['test/fixtures', 'test/fixtures/torch-v2'];
  const fixtures = dirs.flatMap((d) => readdirSync(d).filter((f) => f.endsWith('.json') && f !== 'index.json').map((f) => join(d, f)))
    .map((f) => parseFixture(JSON.parse(readFileSync(f, 'utf8')), f))
    .filter((fx): fx is RecurrentFixture => fx.kind === 'lstm' || fx.kind === 'rnn_tanh' || fx.kind === 'gru');

  it.each(fixtures.map((fx) => [fx.name, fx] as const))('%s', (_n, fx) => {
    const rc = recurrentCase(fx);
    const module = rc.cfg.cell;
    // The fixture's parameters under PyTorch's names in an `nn.<cell>` child, as float64 (torch.double).
    const tensors: Record<string, TensorIn> = {};
    for (const name of fx.param_names) tensors[`${module}.${name}`] = { shape: fx.tensors[name]!.shape, data: fx.tensors[name]!.data };
    const sd = loadWeights(encodeSafetensors(tensors, { format: 'pt' }), { source: fx.name });
    expect(sd.architecture).toEqual({ cell: module, inputSize: rc.cfg.inputSize, hiddenSize: rc.cfg.hiddenSize, numLayers: rc.cfg.numLayers, bidirectional: !!rc.cfg.bidirectional, projSize: rc.cfg.projSize ?? 0, outputSize: 0 });
    const layout = new ParamLayout(configOf(sd.architecture));
    const flat = flatWeightsOf(sd);
    const params: LayerParams[] = layout.layers.map((l) => ({
      weightIh: Float64Array.from(flat.subarray(l.weightIh.offset, l.weightIh.offset + l.weightIh.length)),
      weightHh: Float64Array.from(flat.subarray(l.weightHh.offset, l.weightHh.offset + l.weightHh.length)),
      biasIh: Float64Array.from(flat.subarray(l.biasIh.offset, l.biasIh.offset + l.biasIh.length)),
      biasHh: Float64Array.from(flat.subarray(l.biasHh.offset, l.biasHh.offset + l.biasHh.length)),
      ...(l.weightHr ? { weightHr: Float64Array.from(flat.subarray(l.weightHr.offset, l.weightHr.offset + l.weightHr.length)) } : {}),
    }));
    const out = recurrentForward(rc.cfg, params, rc.x, rc.T, rc.B, rc.h0, rc.c0 ?? undefined, { lengths: rc.lengths ?? undefined });
    // The weights went through f32 (gateflow's precision): outputs agree to f32 rounding.
    expect(relErr(out.output, fixtureSequence(fx, 'output'))).toBeLessThan(1e-5);
  });
});

describe('loadWeights: bad files are errors naming the file and the problem', () => {
  const a = ARCHS[1]!;
  const flat = randomFlat(a, 3);
  const good = torchFile(a, flat, 'lstm.');
  const without = (name: string): Uint8Array => {
    const sd = loadWeights(good);
    const t = Object.fromEntries(Object.entries(sd.tensors).filter(([k]) => k !== name).map(([k, v]) => [k.startsWith('head.') ? k : `lstm.${k}`, v]));
    return encodeSafetensors(t);
  };
  const torchTensors = (bytes: Uint8Array): Record<string, TensorIn> => Object.fromEntries(Object.entries(loadWeights(bytes).tensors).map(([k, v]) => [k.startsWith('head.') ? k : `lstm.${k}`, v]));
  const cases: [string, () => Uint8Array, RegExp][] = [
    ['a missing tensor', () => without('bias_hh_l1_reverse'), /bad\.safetensors: LSTM, 2 layers.*missing tensor "bias_hh_l1_reverse" \[28\]/],
    ['a wrong shape', () => encodeSafetensors({ ...torchTensors(good), 'lstm.bias_ih_l1': { shape: [27], data: new Float32Array(27) } }), /bad\.safetensors: .*tensor "bias_ih_l1" has shape \[27\], the model needs \[28\]/],
    ['a tensor of a layer the others lack', () => torchFile(a, flat, 'lstm.', 'head.', false, { 'lstm.weight_ih_l2': { shape: [28, 8], data: new Float32Array(224) } }), /bad\.safetensors: LSTM, 3 layers, .* by its names: missing tensor "weight_hh_l2" \[28,4\]/],
    ['a tensor of another module', () => torchFile(a, flat, 'lstm.', 'head.', false, { 'embedding.weight': { shape: [2, 3], data: new Float32Array(6) } }), /outside the recurrent module "lstm\." and its head "head\.": "embedding\.weight"/],
    ['a NaN', () => {
      const bad = flat.slice();
      bad[5] = NaN;
      return torchFile(a, bad, 'lstm.');
    }, /bad\.safetensors: .*non-finite|NaN/],
    ['a truncated file', () => good.slice(0, good.length - 10), /bad\.safetensors: .*(truncated|tile|bytes)/],
    ['bytes past the last tensor', () => {
      const b = new Uint8Array(good.length + 16);
      b.set(good);
      return b;
    }, /bad\.safetensors: .*(after|past|trailing|tile)/],
    ['an oversized header length', () => {
      const b = good.slice();
      new DataView(b.buffer).setBigUint64(0, 10n ** 12n, true);
      return b;
    }, /bad\.safetensors: header length .* exceeds/],
    ['no recurrent weights', () => encodeSafetensors({ 'fc.weight': { shape: [2, 2], data: new Float32Array(4) } }), /bad\.safetensors: no tensor named "…weight_ih_l0"/],
    ['a gate count of no cell', () => encodeSafetensors({ weight_ih_l0: { shape: [10, 3], data: new Float32Array(30) }, weight_hh_l0: { shape: [10, 5], data: new Float32Array(50) } }), /weight_hh_l0 has shape \[10,5\]: 10 rows for hidden size 5 is not 4 \(LSTM\), 3 \(GRU\) or 1 \(RNN\)/],
    ['a module named for another cell', () => torchFile(ARCHS[2]!, randomFlat(ARCHS[2]!, 4), 'lstm.'), /named "lstm" but its weights have 3 gate block\(s\) per unit: a GRU, not a LSTM/],
    ['integer weights', () => encodeSafetensors({ weight_ih_l0: { shape: [4, 1], data: new Int32Array(4) }, weight_hh_l0: { shape: [4, 1], data: new Int32Array(4) }, bias_ih_l0: { shape: [4], data: new Float32Array(4) }, bias_hh_l0: { shape: [4], data: new Float32Array(4) } }), /bad\.safetensors: tensor "weight_(ih|hh)_l0" is I32; weights must be F32 or F64/],
  ];
  it.each(cases)('%s', (_n, make, message) => {
    let caught: unknown;
    try {
      loadWeights(make(), { source: 'bad.safetensors' });
    } catch (err) {
      caught = err;
    }
    expect(caught).toBeInstanceOf(CheckpointError);
    expect((caught as Error).message).toMatch(message);
  });

  it('names every field that differs from the model it is for', () => {
    const sd = loadWeights(good);
    expect(() => expectArchitectureFits(sd, { hiddenSize: 8, bidirectional: false, cell: 'lstm' }, 'w.safetensors')).toThrow(
      'w.safetensors: weights for a different model (LSTM, 2 layers, input 3, hidden 7, bidirectional, projection 4, head 2): hiddenSize is 7 in the file, the model has 8; bidirectional is true in the file, the model has false',
    );
  });
});
