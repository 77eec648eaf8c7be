// Fixture parsing: a broken fixture is rejected with a FixtureError that names the problem, and the
// CPU check notices a perturbed reference value.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { checkFixtureCpu, recurrentCase } from '../../src/fixtures/check';
import { relErr } from '../../src/fixtures/compare';
import { FixtureError, getTensor, parseFixture, type RecurrentFixture } from '../../src/fixtures/schema';

const dir = join(__dirname, '..', 'fixtures');
const load = (file: string): any => JSON.parse(readFileSync(join(dir, file), 'utf8'));

function expectFixtureError(json: unknown, pattern: RegExp): void {
  let caught: unknown;
  try {
    parseFixture(json, 'case.json');
  } catch (e) {
    caught = e;
  }
  expect(caught).toBeInstanceOf(FixtureError);
  expect((caught as Error).message).toMatch(/^case\.json: /);
  expect((caught as Error).message).toMatch(pattern);
}

describe('parseFixture', () => {
  it('parses every kind', () => {
    for (const file of ['lstm_tiny.json', 'rnn_tanh_1layer.json', 'clip_grad_norm.json', 'adam_3steps.json', 'sgd_momentum_3steps.json']) {
      const raw = load(file);
      const fx = parseFixture(raw, file);
      expect(fx.kind).toBe(raw.kind);
      const x = getTensor(fx, Object.keys(raw.tensors)[0]);
      expect(x.data.length).toBe(x.shape.reduce((a: number, d: number) => a * d, 1));
    }
  });

  it('names what is wrong', () => {
    const j = () => load('lstm_tiny.json');
    let f = j();
    f.schema = 'lstm-lib-fixture/v0';
    expectFixtureError(f, /schema.*lstm-lib-fixture\/v0/);
    f = j();
    f.kind = 'peephole_lstm';
    expectFixtureError(f, /unknown kind "peephole_lstm"/);
    f = j();
    f.kind = 'gru';
    expectFixtureError(f, /kind "gru" is a v2 kind/);
    f = j();
    delete f.tensors['grad.c0'];
    expectFixtureError(f, /missing tensor "grad\.c0"/);
    f = j();
    f.tensors.h0.data.pop();
    expectFixtureError(f, /tensor "h0": data has 7 values, shape \[1,2,4\] needs 8/);
    f = j();
    f.tensors.weight_hh_l0 = { shape: [4, 16], data: f.tensors.weight_hh_l0.data };
    expectFixtureError(f, /tensor "weight_hh_l0" has shape \[4,16\], expected \[16,4\]/);
    f = j();
    f.tensors.x.data[3] = 'NaN';
    expectFixtureError(f, /tensor "x": data\[3\]/);
    f = j();
    delete f.loss;
    expectFixtureError(f, /loss must be a finite number/);
    f = j();
    f.config.hidden_size = 0;
    expectFixtureError(f, /config\.hidden_size must be a positive integer/);
    f = j();
    f.config.bidirectional = true;
    expectFixtureError(f, /config\.bidirectional = true is not supported/);
    f = load('adam_3steps.json');
    delete f.tensors['exp_avg_sq.step2.1'];
    expectFixtureError(f, /missing tensor "exp_avg_sq\.step2\.1"/);
    f = load('clip_grad_norm.json');
    f.config.shapes.pop();
    expectFixtureError(f, /config\.shapes/);
    expectFixtureError([], /not a JSON object/);
  });

  it('getTensor names a missing tensor', () => {
    const fx = parseFixture(load('clip_grad_norm.json'));
    expect(() => getTensor(fx, 'grads.9')).toThrow(FixtureError);
    expect(() => getTensor(fx, 'grads.9')).toThrow(/"grads\.9"/);
  });
});

describe('checkFixtureCpu', () => {
  it('fails when one reference value is off by a relative 1e-6', () => {
    const raw = load('lstm_2layer.json');
    const data: number[] = raw.tensors['grad.weight_hh_l1'].data;
    const k = data.findIndex((v) => Math.abs(v) > 0.1);
    data[k] *= 1 + 1e-6;
    const { errors, pass } = checkFixtureCpu(parseFixture(raw));
    expect(pass).toBe(false);
    const bad = Object.keys(errors).filter((name) => errors[name] > 1e-9);
    expect(bad).toEqual(['grad.weight_hh_l1']);
  });

  it('recurrentCase gives the fixture inputs as a runnable case', () => {
    const fx = parseFixture(load('lstm_3layer.json')) as RecurrentFixture;
    const rc = recurrentCase(fx);
    const c = fx.config;
    expect(rc.cfg).toEqual({ cell: 'lstm', inputSize: c.input_size, hiddenSize: c.hidden_size, numLayers: c.num_layers, cellActivation: 'tanh' });
    expect([rc.T, rc.B, rc.params.length]).toEqual([c.seq_len, c.batch, c.num_layers]);
    expect(relErr(rc.params[2].biasHh, fx.tensors.bias_hh_l2.data)).toBe(0);
    expect(relErr(rc.dOutput, fx.tensors.R.data)).toBe(0);
  });
});
