import { existsSync, mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { jsonLines, runCli, startCli } from '../helpers/cli';
import { gpuForTests } from '../helpers/gpu';
import { loadCheckpoint } from '../../src/checkpoint/checkpoint';

const gpu = await gpuForTests();
const dir = mkdtempSync(join(tmpdir(), 'gateflow-train-'));
const small = ['--seq-len', '8', '--hidden', '8', '--batch', '4'];

describe.skipIf(!gpu)('gateflow train', () => {
  it('--json prints a line per logged step and a summary; --save writes a checkpoint that --resume continues from', () => {
    const file = join(dir, 'adding.safetensors');
    const r = runCli(['train', '--steps', '20', '--log-every', '5', '--json', '--save', file, ...small]);
    expect(r.status, r.stderr).toBe(0);
    const lines = jsonLines(r.stdout);
    expect(lines.slice(0, -1).map((l) => l.step)).toEqual([5, 10, 15, 20]);
    for (const l of lines.slice(0, -1)) expect(Number.isFinite(l.loss as number) && (l.loss as number) >= 0).toBe(true);
    const summary = lines.at(-1)!;
    expect(summary).toMatchObject({ steps: 20, baseline: 1 / 6, checkpoint: file, interrupted: false });
    for (const key of ['finalLoss', 'seconds', 'adapter']) expect(summary).toHaveProperty(key);
    const ck = loadCheckpoint(new Uint8Array(readFileSync(file)));
    expect(Object.keys(ck.tensors)).toEqual(expect.arrayContaining(['weight_ih_l0', 'weight_hh_l0', 'bias_ih_l0', 'bias_hh_l0', 'head.weight', 'head.bias']));
    expect(ck.optimizer?.step).toBe(20);
    const resumed = runCli(['train', '--steps', '5', '--log-every', '5', '--json', '--resume', file, '--save', file, ...small]);
    expect(resumed.status, resumed.stderr).toBe(0);
    expect(loadCheckpoint(new Uint8Array(readFileSync(file))).optimizer?.step).toBe(25);
  });

  it.skipIf(!gpu?.device.features.has('shader-f16'))('--precision f16 trains in half-precision storage (other losses than f32 from the same seed) and records it in the checkpoint', () => {
    const file = join(dir, 'f16.safetensors');
    const run = (precision: string, extra: string[] = []) => runCli(['train', '--steps', '30', '--log-every', '10', '--json', '--precision', precision, ...extra, ...small]);
    const half = run('f16', ['--save', file]);
    const full = run('f32');
    expect(half.status, half.stderr).toBe(0);
    expect(full.status, full.stderr).toBe(0);
    const losses = (out: string) => jsonLines(out).slice(0, -1).map((l) => l.loss as number);
    expect(losses(half.stdout).every(Number.isFinite)).toBe(true);
    expect(losses(half.stdout)).not.toEqual(losses(full.stdout));
    const ck = loadCheckpoint(new Uint8Array(readFileSync(file)));
    expect((ck.config as { model: { precision?: string } }).model.precision).toBe('f16');
    const bad = runCli(['train', '--precision', 'f8', '--steps', '1', ...small]);
    expect(bad.status).not.toBe(0);
    expect(bad.stderr).toMatch(/--precision.*f8|f8.*--precision/);
  });

  it('learns: the LSTM beats the adding baseline on short sequences', () => {
    const r = runCli(['train', '--steps', '600', '--log-every', '10', '--json', '--seq-len', '10', '--hidden', '16', '--batch', '16', '--lr', '0.02']);
    expect(r.status, r.stderr).toBe(0);
    const summary = jsonLines(r.stdout).at(-1)!;
    expect(summary.finalLoss as number).toBeLessThan((summary.baseline as number) / 10);
  });

  it('--bidirectional on sequences of varying length (--task adding-var): learns, saves PyTorch\'s _reverse tensors, resumes', () => {
    const file = join(dir, 'bidirectional.safetensors');
    const args = ['--task', 'adding-var', '--bidirectional', '--seq-len', '12', '--hidden', '16', '--batch', '16', '--lr', '0.02', '--json', '--log-every', '100'];
    const r = runCli(['train', '--steps', '300', '--save', file, ...args]);
    expect(r.status, r.stderr).toBe(0);
    const summary = jsonLines(r.stdout).at(-1)!;
    expect(summary.finalLoss as number).toBeLessThan((summary.baseline as number) / 10);
    const ck = loadCheckpoint(new Uint8Array(readFileSync(file)));
    expect(Object.keys(ck.tensors).sort()).toEqual(['bias_hh_l0', 'bias_hh_l0_reverse', 'bias_ih_l0', 'bias_ih_l0_reverse', 'head.bias', 'head.weight', 'weight_hh_l0', 'weight_hh_l0_reverse', 'weight_ih_l0', 'weight_ih_l0_reverse']);
    expect(ck.tensors['head.weight'].shape).toEqual([1, 32]);
    const resumed = runCli(['train', '--steps', '10', '--resume', file, ...args]);
    expect(resumed.status, resumed.stderr).toBe(0);
    // A checkpoint of two directions does not load into a network of one.
    const mismatch = runCli(['train', '--steps', '10', '--resume', file, ...args.filter((a) => a !== '--bidirectional')]);
    expect(mismatch.status).not.toBe(0);
    expect(mismatch.stderr).toMatch(/bidirectional/);
  });

  it('--cell gru learns the adding problem', () => {
    const r = runCli(['train', '--cell', 'gru', '--steps', '400', '--log-every', '400', '--json', '--seq-len', '10', '--hidden', '16', '--batch', '16', '--lr', '0.02']);
    expect(r.status, r.stderr).toBe(0);
    const summary = jsonLines(r.stdout).at(-1)!;
    expect(summary.finalLoss as number).toBeLessThan((summary.baseline as number) / 10);
  });

  it('Ctrl-C finishes the step, saves a checkpoint and exits cleanly', async () => {
    const file = join(dir, 'interrupted.safetensors');
    let sent = false;
    const r = await startCli(['train', '--steps', '100000', '--log-every', '5', '--json', '--save', file, ...small], (chunk, child) => {
      if (!sent && chunk.includes('"step"')) {
        sent = true;
        child.kill('SIGINT');
      }
    });
    expect(r.status, r.stderr).toBe(0);
    const summary = jsonLines(r.stdout).at(-1)!;
    expect(summary.interrupted).toBe(true);
    expect(summary.steps as number).toBeLessThan(100000);
    expect(existsSync(file)).toBe(true);
    expect(loadCheckpoint(new Uint8Array(readFileSync(file))).optimizer?.step).toBe(summary.steps);
  });
});

describe('gateflow train: invalid options exit non-zero naming the option', () => {
  it.each([
    [['--hidden', '0'], /--hidden.*positive integer/],
    [['--lr', '-1'], /--lr.*> 0/],
    [['--task', 'nope'], /--task.*nope/],
    [['--cell', 'peephole'], /--cell.*peephole/],
    [['--optimizer', 'rmsprop'], /--optimizer.*rmsprop/],
    [['--seed', '1.5'], /--seed/],
    [['--frobnicate'], /unknown option '--frobnicate'/],
  ])('%j', (args, message) => {
    const r = runCli(['train', ...(args as string[])]);
    expect(r.status).not.toBe(0);
    expect(r.stderr).toMatch(message as RegExp);
  });
});
