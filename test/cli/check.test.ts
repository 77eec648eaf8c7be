import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { runCli } from '../helpers/cli';
import { gpuForTests } from '../helpers/gpu';

const gpu = await gpuForTests();
const fixture = (name: string) => new URL(`../fixtures/${name}`, import.meta.url).pathname;
const dir = mkdtempSync(join(tmpdir(), 'gateflow-check-'));

describe('gateflow check', () => {
  it.skipIf(!gpu)('prints one JSON object with CPU and GPU errors for an LSTM fixture, exit 0', () => {
    const r = runCli(['check', fixture('lstm_2layer.json')]);
    expect(r.status, r.stderr).toBe(0);
    const report = JSON.parse(r.stdout);
    expect(report.fixture).toBe('lstm_2layer');
    expect(report.pass).toBe(true);
    expect(report.cpu.pass).toBe(true);
    expect(report.gpu.pass).toBe(true);
    for (const name of ['loss', 'output', 'h_n', 'c_n', 'grad.x', 'grad.h0', 'grad.c0', 'grad.weight_ih_l1', 'cell_grad_norms', 'forget_gates.l1']) {
      expect(report.cpu.errors[name], name).toBeLessThanOrEqual(1e-9);
      expect(report.gpu.errors[name], name).toBeLessThanOrEqual(1e-4);
    }
  });

  it.skipIf(!gpu)('accepts v2 files (the full nn.LSTM surface) with the same output, through the CPU reference and the GPU', () => {
    const r = runCli(['check', fixture('torch-v2/v2_lstm_lengths_unsorted_bidir_2layer.json')]);
    expect(r.status, r.stderr).toBe(0);
    const report = JSON.parse(r.stdout);
    expect(report.fixture).toBe('v2_lstm_lengths_unsorted_bidir_2layer');
    expect(report.pass).toBe(true);
    for (const name of ['loss', 'output', 'h_n', 'c_n', 'grad.x', 'grad.weight_ih_l1_reverse', 'grad.weight_hh_l0_reverse']) {
      expect(report.cpu.errors[name], name).toBeLessThanOrEqual(1e-9);
      expect(report.gpu.errors[name], name).toBeLessThanOrEqual(1e-4);
    }
  });

  it.skipIf(!gpu)('a v2 file with a projection, bidirectional, 2 layers: weight_hr gradients too', () => {
    const r = runCli(['check', fixture('torch-v2/v2_lstm_proj_2layer_bidir.json')]);
    expect(r.status, r.stderr).toBe(0);
    const report = JSON.parse(r.stdout);
    expect(report.pass).toBe(true);
    for (const name of ['output', 'h_n', 'grad.weight_hr_l1_reverse', 'grad.weight_hh_l0']) expect(report.gpu.errors[name], name).toBeLessThanOrEqual(1e-4);
  });

  it.skipIf(!gpu)('a v2 GRU file, bidirectional with lengths: the CPU reference and the GPU', () => {
    const r = runCli(['check', fixture('torch-v2/v2_gru_bidir_lengths.json')]);
    expect(r.status, r.stderr).toBe(0);
    const report = JSON.parse(r.stdout);
    expect(report.pass).toBe(true);
    expect(report.cpu.errors['grad.weight_hh_l0_reverse']).toBeLessThanOrEqual(1e-9);
    for (const name of ['output', 'h_n', 'grad.x', 'grad.h0', 'grad.weight_hh_l0_reverse', 'grad.bias_hh_l0']) expect(report.gpu.errors[name], name).toBeLessThanOrEqual(1e-4);
  });

  it('supports optimizer and clip fixtures (gpu: null with --no-gpu)', () => {
    for (const name of ['adam_3steps.json', 'sgd_momentum_3steps.json', 'clip_grad_norm.json']) {
      const r = runCli(['check', '--no-gpu', fixture(name)]);
      expect(r.status, r.stderr).toBe(0);
      const report = JSON.parse(r.stdout);
      expect(report.gpu).toBeNull();
      expect(Object.keys(report.cpu.errors).length).toBeGreaterThan(3);
    }
  });

  it.skipIf(!gpu)('runs the optimizer fixtures through the GPU optimizers too', () => {
    const r = runCli(['check', fixture('adam_3steps.json')]);
    expect(r.status, r.stderr).toBe(0);
    const report = JSON.parse(r.stdout);
    expect(report.gpu.pass).toBe(true);
    expect(report.gpu.errors['exp_avg_sq.step3.0']).toBeLessThanOrEqual(1e-5);
  });

  it('exits 1 when a tensor is off, naming it', () => {
    const fx = JSON.parse(readFileSync(fixture('rnn_tanh_1layer.json'), 'utf8'));
    fx.tensors.output.data[3] += 0.01;
    const file = join(dir, 'tampered.json');
    writeFileSync(file, JSON.stringify(fx));
    const r = runCli(['check', '--no-gpu', file]);
    expect(r.status).toBe(1);
    const report = JSON.parse(r.stdout);
    expect(report.pass).toBe(false);
    expect(report.cpu.errors.output).toBeGreaterThan(1e-9);
    expect(report.cpu.errors['grad.x']).toBeLessThanOrEqual(1e-9);
  });

  it.each([
    ['a missing file', 'nope.json', null, /no such file/],
    ['invalid JSON', 'bad.json', '{"schema": ', /not valid JSON/],
    ['an unknown kind', 'kind.json', JSON.stringify({ schema: 'lstm-lib-fixture/v1', kind: 'peephole_lstm', name: 'x', config: {}, tensors: {} }), /unknown kind "peephole_lstm"/],
    ['a wrong schema', 'schema.json', JSON.stringify({ schema: 'other/v2' }), /schema is "other\/v2"/],
  ])('exits 2 with a message for %s', (_what, name, content, message) => {
    const file = join(dir, name as string);
    if (content !== null) writeFileSync(file, content as string);
    const r = runCli(['check', file]);
    expect(r.status).toBe(2);
    expect(r.stderr).toMatch(message as RegExp);
    expect(r.stdout).toBe('');
  });
});
