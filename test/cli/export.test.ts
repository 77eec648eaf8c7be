// gateflow train|flow --init-from (a PyTorch state_dict) and gateflow export --format torch|onnx.
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import * as ort from 'onnxruntime-node';
import { describe, expect, it } from 'vitest';
import { loadCheckpoint } from '../../src/checkpoint/checkpoint';
import { encodeSafetensors, type TensorIn } from '../../src/checkpoint/safetensors';
import { configOf, flatWeightsOf, loadWeights, type RecurrentArchitecture } from '../../src/checkpoint/stateDict';
import { ParamLayout } from '../../src/model/paramLayout';
import { TrainingSession } from '../../src/train/session';
import { Rng, freshSeed } from '../../src/random';
import { jsonLines, runCli } from '../helpers/cli';
import { gpuForTests } from '../helpers/gpu';

const gpu = await gpuForTests();
const dir = mkdtempSync(join(tmpdir(), 'gateflow-export-'));

// A bidirectional GRU for the adding task (2 inputs, 1 output), saved as PyTorch would: float64, in a
// `model` module with `gru` and `head` children.
const arch: RecurrentArchitecture = { cell: 'gru', inputSize: 2, hiddenSize: 6, numLayers: 1, bidirectional: true, projSize: 0, outputSize: 1 };
const seed = freshSeed();
const flat = new Float32Array(new Rng(seed).uniformArray(new ParamLayout(configOf(arch), 1).total, -0.5, 0.5));
const torchFile = join(dir, 'pytorch.safetensors');
const tensors: Record<string, TensorIn> = {};
for (const { name, slice, shape } of new ParamLayout(configOf(arch), 1).tensors()) {
  tensors[name.startsWith('head.') ? `model.${name}` : `model.gru.${name}`] = { shape, data: Float64Array.from(flat.subarray(slice.offset, slice.offset + slice.length)) };
}
writeFileSync(torchFile, encodeSafetensors(tensors, { format: 'pt' }));
const small = ['--seq-len', '8', '--batch', '4'];

describe.skipIf(!gpu)('gateflow train --init-from and gateflow export', () => {
  const checkpoint = join(dir, 'trained.safetensors');

  it('train --init-from takes the architecture and the weights from a PyTorch state_dict', () => {
    // An update too small to change an f32 weight: the saved weights are the file's.
    const r = runCli(['train', '--init-from', torchFile, '--steps', '1', '--optimizer', 'sgd', '--momentum', '0', '--lr', '1e-30', '--clip', '0', '--json', '--save', checkpoint, ...small]);
    expect(r.status, r.stderr).toBe(0);
    const ck = loadCheckpoint(new Uint8Array(readFileSync(checkpoint)));
    expect(ck.config).toMatchObject({ model: { cell: 'gru', hiddenSize: 6, numLayers: 1, bidirectional: true, outputSize: 1 } });
    expect(flatWeightsOf(loadWeights(new Uint8Array(readFileSync(checkpoint))))).toEqual(flat);
    const text = runCli(['train', '--init-from', torchFile, '--steps', '2', ...small]);
    expect(text.status, text.stderr).toBe(0);
    expect(text.stdout).toContain(`weights from ${torchFile}: GRU, 1 layer, input 2, hidden 6, bidirectional, head 1 (module "model.gru"); its head`);
  });

  it('train --init-from names every option the file contradicts, and the task\'s sizes', () => {
    const r = runCli(['train', '--init-from', torchFile, '--hidden', '5', '--cell', 'lstm', '--steps', '1', ...small]);
    expect(r.status).not.toBe(0);
    expect(r.stderr).toContain(`--init-from ${torchFile} (GRU, 1 layer, input 2, hidden 6, bidirectional, head 1): --cell lstm but the file has gru; --hidden 5 but the file has 6`);
    const copy = runCli(['train', '--init-from', torchFile, '--task', 'copy', '--steps', '1', ...small]);
    expect(copy.status).not.toBe(0);
    expect(copy.stderr).toMatch(/its input size is 2 but task copy feeds \d+/);
  });

  it('flow --init-from measures the given weights', () => {
    const r = runCli(['flow', '--init-from', torchFile, '--train-steps', '0', '--no-compare', '--json', '--out', join(dir, 'flow'), ...small]);
    expect(r.status, r.stderr).toBe(0);
    const flow = jsonLines(r.stdout).at(-1)!;
    expect(flow.cell).toBe('gru');
  });

  it('export --format torch writes <cell>.* and head.* and prints the PyTorch module', () => {
    const out = join(dir, 'torch.safetensors');
    const r = runCli(['export', '--format', 'torch', '--from', checkpoint, '--out', out]);
    expect(r.status, r.stderr).toBe(0);
    expect(r.stdout).toContain('self.gru = torch.nn.GRU(2, 6, num_layers=1, bidirectional=True)');
    expect(r.stdout).toContain('self.head = torch.nn.Linear(12, 1)');
    const sd = loadWeights(new Uint8Array(readFileSync(out)));
    expect(sd.prefix).toBe('gru.');
    expect(Object.keys(sd.tensors)).not.toContain('optim.exp_avg.weight_ih_l0');
    expect(flatWeightsOf(sd)).toEqual(flat);
  });

  it('export --format onnx from a PyTorch file runs in onnxruntime and agrees with gateflow', async () => {
    const out = join(dir, 'model.onnx');
    const r = runCli(['export', '--format', 'onnx', '--init-from', torchFile, '--head-at', 'last', '--out', out]);
    expect(r.status, r.stderr).toBe(0);
    expect(r.stdout).toContain("output y [B, O] (head at 'last')");
    const T = 7;
    const B = 3;
    const x = new Float32Array(new Rng(seed + 1).uniformArray(T * B * 2, 0, 1));
    const lengths = Int32Array.from([7, 3, 5]);
    const session = new TrainingSession(gpu!, { cell: 'gru', inputSize: 2, hiddenSize: 6, bidirectional: true, outputSize: 1, headAt: 'last', loss: 'mse' }, { kind: 'sgd', lr: 0.1 });
    try {
      await session.restoreWeights(new Uint8Array(readFileSync(torchFile)));
      const ours = await session.predict({ x, T, B, lengths });
      const model = await ort.InferenceSession.create(out);
      const { y } = await model.run({ x: new ort.Tensor('float32', x, [T, B, 2]), sequence_lens: new ort.Tensor('int32', lengths, [B]) });
      const theirs = y!.data as Float32Array;
      expect(theirs.length).toBe(B);
      for (let b = 0; b < B; b++) expect(Math.abs(theirs[b]! - ours[b]!)).toBeLessThanOrEqual(1e-5);
      await model.release();
    } finally {
      session.dispose();
    }
  });

  it('export needs one source', () => {
    const r = runCli(['export', '--format', 'torch', '--out', join(dir, 'x.safetensors')]);
    expect(r.status).not.toBe(0);
    expect(r.stderr).toContain('give the weights to export: --from CHECKPOINT (gateflow) or --init-from FILE (a PyTorch state_dict), one of them');
  });
});
