import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { CheckpointError, expectArchitecture, loadCheckpoint, saveCheckpoint, type Checkpoint } from '../../src/checkpoint/checkpoint';
import { flatFromTensors, tensorsFromFlat, type TensorLayout } from '../../src/checkpoint/params';
import { decodeSafetensors, encodeSafetensors } from '../../src/checkpoint/safetensors';
import type { RecurrentConfig } from '../../src/config';
import { getTensor, parseFixture, tensorData, type RecurrentFixture } from '../../src/fixtures/schema';
import { ParamLayout } from '../../src/model/paramLayout';
import { Rng } from '../../src/random';

const bits = (a: Float32Array): number[] => Array.from(new Uint32Array(a.buffer, a.byteOffset, a.length));
const randomF32 = (rng: Rng, n: number): Float32Array => Float32Array.from({ length: n }, () => rng.normal());

const arch: RecurrentConfig = { cell: 'lstm', inputSize: 3, hiddenSize: 4, numLayers: 1, cellActivation: 'tanh' };

function sampleCheckpoint(): Checkpoint<object> {
  const rng = new Rng(7);
  const H = arch.hiddenSize;
  return {
    config: { model: { ...arch, outputSize: 2 }, task: { name: 'adding', T: 50 }, note: 'ünïcødé ✓', tags: ['a', 1, null, true] },
    tensors: {
      weight_ih_l0: { shape: [4 * H, 3], data: randomF32(rng, 4 * H * 3) },
      weight_hh_l0: { shape: [4 * H, H], data: randomF32(rng, 4 * H * H) },
      bias_ih_l0: { shape: [4 * H], data: randomF32(rng, 4 * H) },
      bias_hh_l0: { shape: [4 * H], data: randomF32(rng, 4 * H) },
      'head.weight': { shape: [2, H], data: randomF32(rng, 2 * H) },
      'head.bias': { shape: [2], data: new Float32Array([-0, 1e-45]) },
    },
    optimizer: {
      kind: 'adam',
      step: 12,
      hyper: { lr: 1e-3, betas: [0.9, 0.999], eps: 1e-8, weightDecay: 0 },
      state: { 'exp_avg.weight_ih_l0': randomF32(rng, 4 * H * 3), 'exp_avg_sq.weight_ih_l0': randomF32(rng, 4 * H * 3).map(Math.abs) },
    },
  };
}

describe('checkpoint round trip', () => {
  it('gives back the same config, tensors (bit for bit) and optimizer, and the same bytes again', () => {
    const ck = sampleCheckpoint();
    const bytes = saveCheckpoint(ck);
    const back = loadCheckpoint(bytes);
    expect(back.config).toEqual(ck.config);
    expect(Object.keys(back.tensors).sort()).toEqual(Object.keys(ck.tensors).sort());
    for (const [name, t] of Object.entries(ck.tensors)) {
      expect(back.tensors[name].shape, name).toEqual(t.shape);
      expect(bits(back.tensors[name].data), name).toEqual(bits(t.data));
    }
    expect(back.optimizer?.kind).toBe('adam');
    expect(back.optimizer?.step).toBe(12);
    expect(back.optimizer?.hyper).toEqual(ck.optimizer?.hyper);
    for (const [name, s] of Object.entries(ck.optimizer!.state)) expect(bits(back.optimizer!.state[name]), name).toEqual(bits(s));
    expect(saveCheckpoint(back)).toEqual(bytes);
  });

  it('stores PyTorch names, optim.* state and JSON metadata a PyTorch user can read', () => {
    const file = decodeSafetensors(saveCheckpoint(sampleCheckpoint()));
    expect(Object.keys(file.tensors).sort()).toEqual([
      'bias_hh_l0', 'bias_ih_l0', 'head.bias', 'head.weight',
      'optim.exp_avg.weight_ih_l0', 'optim.exp_avg_sq.weight_ih_l0', 'weight_hh_l0', 'weight_ih_l0',
    ]);
    expect(file.tensors['optim.exp_avg.weight_ih_l0'].shape).toEqual([48]);
    expect(file.metadata.format).toBe('pt');
    expect(file.metadata['gateflow.format_version']).toBe('1');
    expect(JSON.parse(file.metadata['gateflow.config']).model.hiddenSize).toBe(4);
    expect(file.metadata['gateflow.optimizer']).toBe('{"hyper":{"betas":[0.9,0.999],"eps":1e-8,"lr":0.001,"weightDecay":0},"kind":"adam","step":12}');
  });

  it('is deterministic: key order and tensor insertion order do not change the bytes', () => {
    const a = sampleCheckpoint();
    const b: Checkpoint<object> = {
      config: Object.fromEntries(Object.entries(a.config).reverse()),
      tensors: Object.fromEntries(Object.entries(a.tensors).reverse()),
      optimizer: a.optimizer,
    };
    expect(saveCheckpoint(b)).toEqual(saveCheckpoint(a));
  });

  it('works without an optimizer', () => {
    const { config, tensors } = sampleCheckpoint();
    const back = loadCheckpoint(saveCheckpoint({ config, tensors }));
    expect(back.optimizer).toBeUndefined();
  });
});

describe('checkpoint errors', () => {
  const { config, tensors, optimizer } = sampleCheckpoint();
  const saveCases: [string, Checkpoint<object>, RegExp][] = [
    ['NaN in config', { config: { model: { lr: NaN } }, tensors }, /config\.model\.lr is NaN, which JSON cannot store/],
    ['undefined in config', { config: { a: [1, undefined] }, tensors }, /config\.a\[1\] is undefined/],
    ['typed array in config', { config: { w: new Float32Array(2) }, tensors }, /config\.w is \[object Float32Array\], which is not JSON data/],
    ['reserved tensor name', { config, tensors: { 'optim.x': tensors.bias_ih_l0 } }, /prefix "optim\." is reserved/],
    ['f64 tensor', { config, tensors: { w: { shape: [1], data: new Float64Array(1) as unknown as Float32Array } } }, /data must be a Float32Array/],
    ['negative step', { config, tensors, optimizer: { ...optimizer!, step: -1 } }, /optimizer\.step must be a non-negative integer/],
    ['Infinity in hyper', { config, tensors, optimizer: { ...optimizer!, hyper: { lr: Infinity } } }, /optimizer\.hyper\.lr is Infinity/],
  ];
  it.each(saveCases)('save: %s', (_name, ck, message) => {
    expect(() => saveCheckpoint(ck)).toThrow(CheckpointError);
    expect(() => saveCheckpoint(ck)).toThrow(message);
  });

  const f32 = { shape: [1], data: new Float32Array([1]) };
  const meta = { 'gateflow.format_version': '1', 'gateflow.config': '{}' };
  const loadCases: [string, Uint8Array, RegExp][] = [
    ['plain safetensors file', encodeSafetensors({ w: f32 }, { format: 'pt' }), /not a gateflow checkpoint: no "gateflow\.format_version" in __metadata__ \(found: format\)/],
    ['future version', encodeSafetensors({ w: f32 }, { ...meta, 'gateflow.format_version': '2' }), /format version "2" is not supported/],
    ['config not JSON', encodeSafetensors({ w: f32 }, { ...meta, 'gateflow.config': '{oops' }), /metadata "gateflow\.config" is not valid JSON/],
    ['config not an object', encodeSafetensors({ w: f32 }, { ...meta, 'gateflow.config': '[1]' }), /metadata "gateflow\.config" must be a JSON object/],
    ['missing config', encodeSafetensors({ w: f32 }, { 'gateflow.format_version': '1' }), /metadata "gateflow\.config" is missing/],
    ['F64 tensor', encodeSafetensors({ w: { shape: [1], data: new Float64Array(1) } }, meta), /tensor "w" is F64; gateflow checkpoints store F32 only/],
    ['state without optimizer', encodeSafetensors({ 'optim.exp_avg.w': f32 }, meta), /optimizer state tensors \(optim\.exp_avg\.w\) but no "gateflow\.optimizer"/],
    ['optimizer without kind', encodeSafetensors({}, { ...meta, 'gateflow.optimizer': '{"step":1,"hyper":{}}' }), /"gateflow\.optimizer"\.kind must be a non-empty string/],
    ['NaN weight', encodeSafetensors({ w: { shape: [1], data: new Float32Array([NaN]) } }, meta), /tensor "w": element 0 is NaN/],
  ];
  it.each(loadCases)('load: %s', (_name, bytes, message) => {
    expect(() => loadCheckpoint(bytes)).toThrow(CheckpointError);
    expect(() => loadCheckpoint(bytes)).toThrow(message);
  });

  it('loads non-finite weights when explicitly allowed', () => {
    const bytes = encodeSafetensors({ w: { shape: [1], data: new Float32Array([Infinity]) } }, meta);
    expect(loadCheckpoint(bytes, { allowNonFinite: true }).tensors.w.data[0]).toBe(Infinity);
  });

  it('names the source in load errors', () => {
    expect(() => loadCheckpoint(new Uint8Array(3), { source: 'runs/a.safetensors' })).toThrow(/^runs\/a\.safetensors: truncated/);
  });
});

describe('expectArchitecture', () => {
  const loaded = loadCheckpoint(saveCheckpoint(sampleCheckpoint()));

  it('accepts the same architecture and ignores fields the expectation leaves out', () => {
    expect(() => expectArchitecture(loaded, { model: arch })).not.toThrow();
    expect(() => expectArchitecture(loaded, { model: { hiddenSize: 4 }, task: { name: 'adding' } })).not.toThrow();
  });

  it('names every differing field', () => {
    const run = () => expectArchitecture(loaded, { model: { ...arch, hiddenSize: 32, cell: 'rnn' } });
    expect(run).toThrow(CheckpointError);
    expect(run).toThrow('checkpoint is for a different architecture: config.model.cell is "lstm" in the checkpoint, expected "rnn"; config.model.hiddenSize is 4 in the checkpoint, expected 32');
  });

  it('reports missing fields, array lengths and type changes', () => {
    expect(() => expectArchitecture(loaded, { model: { dropout: 0 } })).toThrow('config.model.dropout is missing in the checkpoint, expected 0');
    expect(() => expectArchitecture(loaded, { tags: ['a', 1] })).toThrow('config.tags has 4 entries in the checkpoint, expected 2');
    expect(() => expectArchitecture(loaded, { note: { text: 'x' } })).toThrow('config.note is "ünïcødé ✓" in the checkpoint, expected an object');
  });
});

describe('flat parameters <-> checkpoint tensors', () => {
  const file = join(__dirname, '..', 'fixtures', 'lstm_2layer.json');
  const fx = parseFixture(JSON.parse(readFileSync(file, 'utf8')), 'lstm_2layer.json') as RecurrentFixture;
  const cfg: RecurrentConfig = {
    cell: 'lstm', inputSize: fx.config.input_size, hiddenSize: fx.config.hidden_size, numLayers: fx.config.num_layers, cellActivation: 'tanh',
  };
  const layout: TensorLayout = new ParamLayout(cfg);

  it('round-trips a PyTorch fixture through ParamLayout, a checkpoint file and back, exactly', () => {
    const flat = layout.tensors().reduce((acc, { name, slice }) => {
      acc.set(tensorData(fx, name), slice.offset);
      return acc;
    }, new Float32Array(layout.total));
    const tensors = tensorsFromFlat(layout, flat);
    for (const name of fx.param_names) expect(tensors[name].shape, name).toEqual(getTensor(fx, name).shape);
    const back = loadCheckpoint(saveCheckpoint({ config: { model: cfg }, tensors }));
    expectArchitecture(back, { model: cfg });
    expect(bits(flatFromTensors(layout, back.tensors))).toEqual(bits(flat));
    for (const name of fx.param_names) expect(Array.from(back.tensors[name].data), name).toEqual(Array.from(tensorData(fx, name)));
  });

  it('says which tensors are missing, misshapen or unexpected', () => {
    const tensors = tensorsFromFlat(layout, new Float32Array(layout.total));
    delete tensors.bias_hh_l1;
    tensors.weight_hh_l0 = { shape: [40, 11], data: new Float32Array(440) };
    tensors['embedding.weight'] = { shape: [5, 6], data: new Float32Array(30) };
    expect(() => flatFromTensors(layout, tensors)).toThrow(
      'checkpoint does not fit the model: tensor "weight_hh_l0" has shape [40,11], the model needs [40,10]; missing tensor "bias_hh_l1" [40]; unexpected tensor(s) "embedding.weight"',
    );
    tensors.weight_hh_l0 = { shape: [40, 10], data: new Float32Array(400) };
    tensors.bias_hh_l1 = { shape: [40], data: new Float32Array(40) };
    expect(() => flatFromTensors(layout, tensors, ['embedding.weight'])).not.toThrow();
    expect(() => tensorsFromFlat(layout, new Float32Array(3))).toThrow(/expected \d+ values, got 3/);
  });
});
