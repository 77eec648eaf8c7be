import { readdirSync, readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { parseFixture } from '../../src/fixtures/schema';
import { checkFixtureGpu, gpuTolerance } from '../../src/fixtures/checkGpu';
import { gpuForTests } from '../helpers/gpu';

const gpu = await gpuForTests();
const dir = new URL('../fixtures/', import.meta.url);
const fixtures = readdirSync(dir)
  .filter((f) => f.endsWith('.json') && f !== 'index.json')
  .map((f) => parseFixture(JSON.parse(readFileSync(new URL(f, dir), 'utf8')), f));

describe.skipIf(!gpu)('torch fixtures through the GPU path', () => {
  it('every kind of fixture is there to run', () => {
    expect(fixtures.length).toBeGreaterThanOrEqual(14);
    expect(new Set(fixtures.map((f) => f.kind))).toEqual(new Set(['lstm', 'rnn_tanh', 'adam', 'sgd_momentum', 'clip_grad_norm']));
  });

  it.each(fixtures.map((fx) => [`${fx.kind} ${fx.name}`, fx] as const))('%s', async (_name, fx) => {
    const result = await checkFixtureGpu(gpu!, fx);
    // Every output of the fixture is compared (3 optimizer steps × params and state, clipped grads, ...).
    expect(Object.keys(result.errors).length).toBeGreaterThanOrEqual(fx.kind === 'clip_grad_norm' ? 5 : 8);
    const failures = Object.entries(result.errors).filter(([name, e]) => !(e <= gpuTolerance(name)));
    expect(failures, `errors over tolerance: ${JSON.stringify(failures)}`).toEqual([]);
    expect(result.pass).toBe(true);
    // The diagnostics of every layer are checked too.
    if (fx.kind === 'lstm') {
      for (let k = 0; k < fx.config.num_layers; k++) {
        const suffix = k === 0 ? '' : `.l${k}`;
        if (fx.tensors[`cell_grad_norms${suffix}`]) expect(Object.keys(result.errors)).toContain(`cell_grad_norms${suffix}`);
        if (fx.tensors[`forget_gates${suffix}`]) expect(Object.keys(result.errors)).toContain(`forget_gates${suffix}`);
      }
    }
  });
});
