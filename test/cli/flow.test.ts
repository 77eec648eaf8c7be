import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { runCli } from '../helpers/cli';
import { gpuForTests } from '../helpers/gpu';

const gpu = await gpuForTests();

describe.skipIf(!gpu)('gateflow flow', () => {
  it('writes JSON, CSV and an SVG chart, and prints the chosen cell\'s flow with --json', () => {
    const out = mkdtempSync(join(tmpdir(), 'gateflow-flow-'));
    const r = runCli(['flow', '--train-steps', '3', '--seq-len', '12', '--hidden', '8', '--batch', '4', '--forget-bias', '1', '--out', out, '--json']);
    expect(r.status, r.stderr).toBe(0);
    const flow = JSON.parse(r.stdout.trim().split('\n').at(-1)!);
    expect(flow.cell).toBe('lstm');
    expect(flow.seqLen).toBe(12);
    expect(flow.layers).toHaveLength(1);
    for (const key of ['cellGradNorms', 'hiddenGradNorms', 'forgetProduct', 'forgetMean']) expect(flow.layers[0][key], key).toHaveLength(12);
    expect(flow.layers[0].forgetProduct[11]).toBe(1);
    const saved = JSON.parse(readFileSync(join(out, 'flow.json'), 'utf8'));
    expect(Object.keys(saved.runs).sort()).toEqual(['lstm', 'lstm without clipping', 'rnn']);
    expect(saved.runs.rnn.after.layers[0].cellGradNorms).toBeUndefined();
    expect(saved.runs.lstm.steps).toHaveLength(3);
    const csv = readFileSync(join(out, 'flow.csv'), 'utf8').trim().split('\n');
    expect(csv[0]).toMatch(/^run,layer,direction,k,cellGradNorm/);
    expect(csv.length).toBe(1 + 4 * 12); // lstm and rnn, before and after, 12 steps each
    expect(readFileSync(join(out, 'flow.svg'), 'utf8')).toMatch(/^<svg[\s\S]*LSTM at init[\s\S]*<\/svg>$/);
  });

  it('--bidirectional measures each direction: the reverse one\'s last step is step 0', () => {
    const out = mkdtempSync(join(tmpdir(), 'gateflow-flow-'));
    const r = runCli(['flow', '--bidirectional', '--train-steps', '0', '--seq-len', '10', '--hidden', '8', '--batch', '3', '--no-compare', '--out', out, '--json']);
    expect(r.status, r.stderr).toBe(0);
    const flow = JSON.parse(r.stdout.trim().split('\n').at(-1)!);
    expect(flow.directions).toBe(2);
    expect(flow.layers.map((l: { layer: number; direction: string }) => `${l.layer} ${l.direction}`)).toEqual(['0 forward', '0 reverse']);
    // The running forget-gate product is 1 at each direction's own last step.
    expect(flow.layers[0].forgetProduct[9]).toBe(1);
    expect(flow.layers[1].forgetProduct[0]).toBe(1);
  });

  it('--cell gru reports ‖∂L/∂h_k‖, the mean update gate and its running product', () => {
    const out = mkdtempSync(join(tmpdir(), 'gateflow-flow-'));
    const r = runCli(['flow', '--cell', 'gru', '--train-steps', '0', '--seq-len', '9', '--hidden', '8', '--batch', '2', '--no-compare', '--out', out, '--json']);
    expect(r.status, r.stderr).toBe(0);
    const flow = JSON.parse(r.stdout.trim().split('\n').at(-1)!);
    expect(flow.cell).toBe('gru');
    for (const key of ['hiddenGradNorms', 'forgetMean', 'forgetProduct', 'directPath']) expect(flow.layers[0][key], key).toHaveLength(9);
    expect(flow.layers[0].cellGradNorms).toBeUndefined();
    expect(flow.layers[0].forgetProduct[8]).toBe(1);
  });

  it('--cell rnn --json has no LSTM fields', () => {
    const out = mkdtempSync(join(tmpdir(), 'gateflow-flow-'));
    const r = runCli(['flow', '--cell', 'rnn', '--train-steps', '0', '--seq-len', '9', '--hidden', '8', '--batch', '2', '--no-compare', '--out', out, '--json']);
    expect(r.status, r.stderr).toBe(0);
    const flow = JSON.parse(r.stdout.trim().split('\n').at(-1)!);
    expect(flow.cell).toBe('rnn');
    expect(flow.layers[0].hiddenGradNorms).toHaveLength(9);
    expect(flow.layers[0].cellGradNorms).toBeUndefined();
    expect(flow.layers[0].forgetProduct).toBeUndefined();
  });

  it('rejects --loss-at all for the adding task, naming the problem', () => {
    const r = runCli(['flow', '--loss-at', 'all', '--train-steps', '0', '--seq-len', '5', '--hidden', '4', '--batch', '2', '--out', mkdtempSync(join(tmpdir(), 'gateflow-flow-'))]);
    expect(r.status).not.toBe(0);
    expect(r.stderr).toMatch(/loss-at all: the adding task has a target at the last step only/);
  });
});
