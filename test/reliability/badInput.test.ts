// Bad input, tried systematically: every case is an error naming the argument and the problem, thrown
// before any GPU work, and it leaves the model exactly as it was — weights, optimizer state and the
// buffer pool (no plan built, nothing allocated or evicted) compared bit for bit before and after.
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { RecurrentNetwork } from '../../src/model/recurrentNetwork';
import { TrainingSession, type ModelConfig } from '../../src/train/session';
import { ResilientTrainer } from '../../src/train/resilient';
import { Trainer } from '../../src/train/trainer';
import { saveCheckpoint, loadCheckpoint } from '../../src/checkpoint/checkpoint';
import { encodeSafetensors } from '../../src/checkpoint/safetensors';
import type { GpuOptimizerOptions } from '../../src/optim/options';
import type { Gpu } from '../../src/gpu/runtime';
import { gpuForTests } from '../helpers/gpu';
import { runCli } from '../helpers/cli';
import { bits, firstDifference } from './helpers';

const gpu = await gpuForTests();

const LSTM: ModelConfig = { cell: 'lstm', cellActivation: 'tanh', inputSize: 2, hiddenSize: 8, numLayers: 2, outputSize: 3, headAt: 'all', loss: 'crossentropy' };
const REGRESSION: ModelConfig = { ...LSTM, numLayers: 1, outputSize: 1, headAt: 'last', loss: 'mse' };
const ADAM: GpuOptimizerOptions = { kind: 'adam', lr: 0.01, clipNorm: 1 };
const T = 5;
const B = 2;
const xOf = (t = T, b = B, i = 2) => Float32Array.from({ length: t * b * i }, (_, k) => Math.sin(k));
const ids = (n: number) => Array.from({ length: n }, (_, k) => k % 3);

interface World {
  g: Gpu;
  /** A cross-entropy session over every step, trained a few steps. */
  ce: TrainingSession;
  /** An MSE session on the last step. */
  mse: TrainingSession;
  /** A bare network with a training forward done (so backward may follow). */
  net: RecurrentNetwork;
  rnn: RecurrentNetwork;
  /** A network whose (T=1e6, B=2) sequence needs more than maxStorageBufferBindingSize. */
  wide: RecurrentNetwork;
  otherArchitecture: Uint8Array;
  otherOptimizer: Uint8Array;
  incompleteState: Uint8Array;
  nonFinite: Uint8Array;
  notGateflow: Uint8Array;
}

let w: World;

beforeAll(async () => {
  if (!gpu) return;
  const g = gpu;
  const ce = new TrainingSession(g, LSTM, ADAM, { seed: 1 });
  const mse = new TrainingSession(g, REGRESSION, ADAM, { seed: 2 });
  for (let s = 0; s < 3; s++) {
    ce.step({ x: xOf(), T, B, target: ids(T * B) });
    mse.step({ x: xOf(), T, B, target: [0.5, -0.5] });
  }
  const net = new RecurrentNetwork(g, { inputSize: 2, hiddenSize: 8, numLayers: 2 });
  await net.forward({ x: xOf(), T, B });
  const rnn = new RecurrentNetwork(g, { cell: 'rnn', inputSize: 2, hiddenSize: 8 });
  const wide = new RecurrentNetwork(g, { inputSize: 1, hiddenSize: 8 });
  const other = new TrainingSession(g, { ...LSTM, hiddenSize: 9 }, ADAM, { seed: 1 });
  const sgd = new TrainingSession(g, LSTM, { kind: 'sgd', lr: 0.1, momentum: 0.9 }, { seed: 1 });
  const good = loadCheckpoint(await ce.checkpoint());
  // What another tool might write: a gateflow checkpoint (no checksum) missing one optimizer tensor.
  const { 'exp_avg_sq.head.bias': _dropped, ...partialState } = good.optimizer!.state;
  const { checksum: _c, ...config } = good.config;
  const incompleteState = saveCheckpoint({ config, tensors: good.tensors, optimizer: { ...good.optimizer!, state: partialState } });
  const nanTensors = { ...good.tensors, 'weight_hh_l0': { shape: good.tensors.weight_hh_l0.shape, data: good.tensors.weight_hh_l0.data.map((v, k) => (k === 7 ? Number.NaN : v)) } };
  w = {
    g, ce, mse, net, rnn, wide,
    otherArchitecture: await other.checkpoint(),
    otherOptimizer: await sgd.checkpoint(),
    incompleteState,
    nonFinite: saveCheckpoint({ config, tensors: nanTensors, optimizer: good.optimizer }),
    notGateflow: encodeSafetensors({ weight: { shape: [2], data: new Float32Array([1, 2]) } }, { format: 'pt' }),
  };
  other.dispose();
  sgd.dispose();
});

afterAll(() => {
  if (!w) return;
  for (const x of [w.ce, w.mse, w.net, w.rnn, w.wide]) x.dispose();
});

/** Everything a bad call must not change: weights, optimizer state and step, the buffer pool's counters. */
async function worldState(): Promise<{ arrays: Record<string, Uint32Array>; pool: object; steps: number[] }> {
  const arrays: Record<string, Uint32Array> = {};
  const steps: number[] = [];
  for (const [name, s] of [['ce', w.ce], ['mse', w.mse]] as const) {
    arrays[`${name} weights`] = bits(await s.net.getFlatWeights());
    const st = await s.trainer.optimizer.exportState();
    for (const [k, v] of Object.entries(st.buffers)) arrays[`${name} ${k}`] = bits(v);
    steps.push(st.step);
  }
  for (const [name, n] of [['net', w.net], ['rnn', w.rnn], ['wide', w.wide]] as const) arrays[`${name} weights`] = bits(await n.getFlatWeights());
  // Read last: the reads above use (pooled) staging buffers too.
  return { arrays, pool: w.g.pool.stats, steps };
}

type Case = [name: string, run: () => unknown, error: RegExp];

const cases: Case[] = [
  // Constructors: sizes and kinds.
  ['inputSize 0', () => new RecurrentNetwork(w.g, { inputSize: 0, hiddenSize: 8 }), /inputSize must be a positive integer, got 0/],
  ['negative hiddenSize', () => new RecurrentNetwork(w.g, { inputSize: 2, hiddenSize: -4 }), /hiddenSize must be a positive integer, got -4/],
  ['fractional hiddenSize', () => new RecurrentNetwork(w.g, { inputSize: 2, hiddenSize: 2.5 }), /hiddenSize must be a positive integer, got 2.5/],
  ['NaN numLayers', () => new RecurrentNetwork(w.g, { inputSize: 2, hiddenSize: 8, numLayers: Number.NaN }), /numLayers must be a positive integer, got NaN/],
  ['unknown cell', () => new RecurrentNetwork(w.g, { cell: 'peephole' as 'lstm', inputSize: 2, hiddenSize: 8 }), /cell must be 'lstm', 'rnn' or 'gru', got peephole/],
  ['unknown cellActivation', () => new RecurrentNetwork(w.g, { inputSize: 2, hiddenSize: 8, cellActivation: 'relu' as 'tanh' }), /cellActivation must be 'tanh' or 'sigmoid', got relu/],
  ['negative outputSize', () => new RecurrentNetwork(w.g, { inputSize: 2, hiddenSize: 8, outputSize: -1 }), /outputSize must be a positive integer, got -1/],
  ['an option the network does not have', () => new RecurrentNetwork(w.g, { inputSize: 2, hiddenSize: 8, peepholes: true, bidirectonal: true } as never), /RecurrentNetwork options: unknown options "peepholes", "bidirectonal"/],
  ['a seed that is not a u32', () => new RecurrentNetwork(w.g, { inputSize: 2, hiddenSize: 8, seed: -1 }), /seed must be an integer in \[0, 2\^32\), got -1/],
  ['parameters over the device limit', () => new RecurrentNetwork(w.g, { inputSize: 2, hiddenSize: 4096 }), /hiddenSize=4096.*parameters need \d+ bytes, over this device's maxStorageBufferBindingSize/],
  // forward / backward: shapes, ranks, values, limits.
  ['x of the wrong length', () => w.net.forward({ x: xOf().subarray(1), T, B }), /x has 19 values but \[T,B,I\] = \[5,2,2\] needs 20/],
  ['x of the wrong rank (nested arrays)', () => w.net.forward({ x: [[[1, 2], [3, 4]]] as unknown as number[], T: 1, B: 2 }), /x has 1 values but \[T,B,I\] = \[1,2,2\] needs 4/],
  ['empty sequence', () => w.net.forward({ x: [], T: 0, B }), /T \(sequence length\) must be a positive integer, got 0/],
  ['negative batch', () => w.net.forward({ x: xOf(), T, B: -1 }), /B \(batch size\) must be a positive integer, got -1/],
  ['NaN in x', () => w.net.forward({ x: xOf().map((v, k) => (k === 5 ? Number.NaN : v)), T, B }), /x contains NaN at index 5/],
  ['Infinity in x', () => w.net.forward({ x: xOf().map((v, k) => (k === 0 ? Number.POSITIVE_INFINITY : v)), T, B }), /x contains Infinity at index 0/],
  ['h0 of the wrong shape', () => w.net.forward({ x: xOf(), T, B, h0: new Float32Array(5) }), /h0 has 5 values but \[L·D,B,H\] = \[2,2,8\] needs 32/],
  ['c0 for an RNN', () => w.rnn.forward({ x: xOf(), T, B, c0: new Float32Array(16) }), /c0 is only for LSTMs/],
  ['a sequence over the device limit', () => w.wide.forward({ x: new Float32Array(1_000_000 * 2), T: 1_000_000, B: 2 }), /T=1000000, B=2: the .* buffer needs \d+ bytes, over this device's maxStorageBufferBindingSize of \d+/],
  ['backward without a forward', () => w.rnn.backward({ dOutput: new Float32Array(T * B * 8) }), /backward needs a preceding forward with training: true/],
  ['dOutput of the wrong length', () => w.net.backward({ dOutput: new Float32Array(7) }), /dOutput has 7 values but \[T,B,D·H\] = \[5,2,8\] needs 80/],
  ['NaN in dhN', () => w.net.backward({ dOutput: new Float32Array(80), dhN: new Float32Array(32).fill(Number.NaN) }), /dhN contains NaN at index 0/],
  // Weights.
  ['setWeights with a layer missing', () => w.net.setWeights([]), /params: expected 2 \(layer, direction\) entries, got 0/],
  ['NaN in a weight', () => w.net.setFlatWeights(new Float32Array(w.net.layout.total).fill(Number.NaN)), /weights: value at index 0 is NaN \(weights must be finite\)/],
  ['flat weights of the wrong length', () => w.net.setFlatWeights(new Float32Array(3)), /weights: expected \d+ values, got 3/],
  // Training batches.
  ['class id out of range', () => w.ce.step({ x: xOf(), T, B, target: ids(T * B).map((v, k) => (k === 2 ? 3 : v)) }), /target\[2\] = 3 is not a class id in \[0, 3\)/],
  ['negative class id', () => w.ce.step({ x: xOf(), T, B, target: ids(T * B).map((v, k) => (k === 4 ? -1 : v)) }), /target\[4\] = -1 is not a class id/],
  ['fractional class id', () => w.ce.step({ x: xOf(), T, B, target: ids(T * B).map((v, k) => (k === 0 ? 1.5 : v)) }), /target\[0\] = 1.5 is not a class id/],
  ['too few class ids', () => w.ce.step({ x: xOf(), T, B, target: ids(9) }), /target has 9 class ids but \[T·B\] = 10 rows need 10/],
  ['mismatched batch (x for B=2, B=3 claimed)', () => w.ce.step({ x: xOf(), T, B: 3, target: ids(15) }), /x has 20 values but \[T,B,I\] = \[5,3,2\] needs 30/],
  ['MSE target of the wrong length', () => w.mse.step({ x: xOf(), T, B, target: [1, 2, 3] }), /target has 3 values but \[B,O\] = \[2,1\] needs 2/],
  ['NaN in an MSE target', () => w.mse.step({ x: xOf(), T, B, target: [1, Number.NaN] }), /target contains NaN at index 1/],
  ['mask that is not 0/1', () => w.ce.step({ x: xOf(), T, B, target: ids(10), mask: [1, 0.5, 1, 1, 1, 1, 1, 1, 1, 1] }), /mask\[1\] = 0.5: mask values must be 0 or 1/],
  ['batch without T', () => w.ce.step({ x: xOf(), B, target: ids(10) } as never), /batch.T \(sequence length\) must be a positive integer, got undefined/],
  ['no batch at all', () => w.ce.step(null as never), /batch must be an object/],
  ['a training batch over the device limit', () => w.mse.step({ x: new Float32Array(600_000 * 2 * 2), T: 600_000, B: 2, target: [0, 0] }), /T=600000, B=2: the .* buffer needs \d+ bytes, over this device's maxStorageBufferBindingSize/],
  // Sessions, trainers and optimizer options.
  ['misspelt config key', () => new TrainingSession(w.g, { ...LSTM, hiden: 8 } as ModelConfig, ADAM, { seed: 1 }), /model config: unknown option "hiden"/],
  ['misspelt optimizer key', () => new TrainingSession(w.g, LSTM, { kind: 'adam', lr: 0.01, clipnorm: 1 } as GpuOptimizerOptions, { seed: 1 }), /adam optimizer options: unknown option "clipnorm"/],
  ['negative learning rate', () => new TrainingSession(w.g, LSTM, { kind: 'sgd', lr: -1 }, { seed: 1 }), /lr: must be a finite number ≥ 0, got -1/],
  ['unknown optimizer', () => new TrainingSession(w.g, LSTM, { kind: 'rmsprop', lr: 0.1 } as never, { seed: 1 }), /optimizer.kind must be 'sgd' or 'adam', got "rmsprop"/],
  ['NaN maxGradNorm', () => new TrainingSession(w.g, LSTM, { ...ADAM, maxGradNorm: Number.NaN }, { seed: 1 }), /maxGradNorm: must be a finite number > 0, got NaN/],
  ['unknown loss', () => new TrainingSession(w.g, { ...LSTM, loss: 'hinge' as 'mse' }, ADAM, { seed: 1 }), /loss must be 'mse' or 'crossentropy', got "hinge"/],
  ['cross-entropy without a head', () => new TrainingSession(w.g, { ...LSTM, outputSize: 0 }, ADAM, { seed: 1 }), /loss 'crossentropy' needs a head \(outputSize > 0\)/],
  ['unknown headAt', () => new Trainer(w.g, w.net, { loss: 'mse', headAt: 'middle' as 'all', optimizer: ADAM }), /headAt must be 'all' or 'last', got "middle"/],
  ['negative seed', () => new TrainingSession(w.g, LSTM, ADAM, { seed: -1 }), /init.seed must be an integer in \[0, 2\^32\), got -1/],
  ['snapshotEvery 0', () => ResilientTrainer.create({ config: LSTM, optimizer: ADAM, init: { seed: 1 }, batchAt: () => ({ x: xOf(), T, B, target: ids(10) }), snapshotEvery: 0 }), /snapshotEvery must be a positive integer, got 0/],
  ['unknown ResilientTrainer option', () => ResilientTrainer.create({ config: LSTM, optimizer: ADAM, init: { seed: 1 }, batchAt: () => ({ x: xOf(), T, B, target: ids(10) }), snapshotEvry: 5 } as never), /ResilientTrainer options: unknown option "snapshotEvry"/],
  // Checkpoints.
  ['checkpoint of another architecture', () => w.ce.restore(w.otherArchitecture, 'other.safetensors'), /other.safetensors: checkpoint is for a different architecture: config.hiddenSize is 9 in the checkpoint, expected 8/],
  ['checkpoint of another optimizer', () => w.ce.restore(w.otherOptimizer, 'sgd.safetensors'), /sgd.safetensors: optimizer is sgd, this session uses adam/],
  ['checkpoint with optimizer state missing', () => w.ce.restore(w.incompleteState, 'partial.safetensors'), /partial.safetensors: optimizer state "exp_avg_sq.head.bias" is missing/],
  ['checkpoint with a NaN weight', () => w.ce.restore(w.nonFinite, 'nan.safetensors'), /nan.safetensors: tensor "weight_hh_l0": element 7 is NaN/],
  ['safetensors that is not a gateflow checkpoint', () => w.ce.restore(w.notGateflow, 'torch.safetensors'), /torch.safetensors: not a gateflow checkpoint/],
  ['empty checkpoint', () => w.ce.restore(new Uint8Array(0), 'empty.safetensors'), /empty.safetensors: truncated: 0 bytes/],
];

describe.skipIf(!gpu)(`bad input through the public API (${cases.length} cases)`, () => {
  it.each(cases)('%s', async (_name, run, error) => {
    const before = await worldState();
    let thrown: unknown = null;
    try {
      await run();
    } catch (err) {
      thrown = err;
    }
    expect(thrown, 'it must throw').toBeInstanceOf(Error);
    expect((thrown as Error).message).toMatch(error);
    const after = await worldState();
    expect(after.pool, 'buffer pool counters (no GPU work)').toEqual(before.pool);
    expect(after.steps, 'optimizer steps').toEqual(before.steps);
    for (const [name, data] of Object.entries(before.arrays)) expect(firstDifference(after.arrays[name], data), `${name}: first changed word`).toBe(-1);
  });
});

describe.skipIf(!gpu)('bad input through the CLI: non-zero exit, the option named, no file changed', () => {
  const dir = mkdtempSync(join(tmpdir(), 'gateflow-badcli-'));
  const small = ['--seq-len', '6', '--hidden', '8', '--batch', '4', '--steps', '3'];
  const saved = join(dir, 'h8.safetensors');
  const truncated = join(dir, 'truncated.safetensors');
  beforeAll(() => {
    const r = runCli(['train', ...small, '--save', saved]);
    expect(r.status, r.stderr).toBe(0);
    writeFileSync(truncated, readFileSync(saved).subarray(0, 100));
  });

  it.each([
    [['--max-grad-norm', '-1'], /--max-grad-norm.*must be a number > 0, got "-1"/],
    [['--max-grad-norm', 'abc'], /--max-grad-norm.*must be a number > 0, got "abc"/],
    [['--snapshot-every', '0'], /--snapshot-every.*must be a positive integer, got "0"/],
    [['--checkpoint-every', '5'], /--checkpoint-every needs --save <file>/],
    [['--batch', '0'], /--batch.*must be a positive integer, got "0"/],
    [['--seq-len', '-3'], /--seq-len.*must be a positive integer/],
    [['--layers', '1e400'], /--layers.*must be a positive integer/],
    [['--on-non-finite', 'ignore'], /--on-non-finite.*ignore.*Allowed choices are stop, skip/],
    [['--seq-len', '5000000', '--batch', '64'], /--seq-len 5000000 with --batch 64 and --hidden 8: T=5000000, B=64: the .* buffer needs \d+ bytes, over this device's maxStorageBufferBindingSize/],
    [['--resume', join(dir, 'missing.safetensors')], /checkpoint file not found: .*missing\.safetensors/],
    [['--resume', truncated, '--save', truncated], /truncated\.safetensors: truncated/],
    [['--hidden', '9', '--resume', saved, '--save', saved], /h8\.safetensors: checkpoint is for a different architecture: config\.hiddenSize is 8 in the checkpoint, expected 9/],
    [['--optimizer', 'sgd', '--resume', saved, '--save', saved], /h8\.safetensors: optimizer is adam, this session uses sgd/],
  ])('%j', (args, message) => {
    const files = [saved, truncated].map((f) => readFileSync(f));
    const r = runCli(['train', ...small, ...(args as string[])]);
    expect(r.status, r.stdout).not.toBe(0);
    expect(r.stderr).toMatch(message as RegExp);
    [saved, truncated].forEach((f, k) => expect(readFileSync(f).equals(files[k]), `${f} unchanged`).toBe(true));
  });
});
