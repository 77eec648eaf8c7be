// Every PyTorch fixture in test/fixtures/ (v1) and test/fixtures/torch-v2/ (the full nn.LSTM surface)
// through the CPU reference: every error ≤ 1e-9.
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { checkFixtureCpu, FIXTURE_TOLERANCE } from '../../src/fixtures/check';
import { parseFixture } from '../../src/fixtures/schema';

const dir = join(__dirname, '..', 'fixtures');
const cases = (sub: string) => readdirSync(join(dir, sub)).filter((f) => f.endsWith('.json') && f !== 'index.json').sort().map((f) => join(sub, f));
const files = [...cases('.'), ...cases('torch-v2')];

describe('PyTorch fixtures through the CPU reference', () => {
  it('finds the fixtures', () => {
    expect(files.filter((f) => f.startsWith('torch-v2')).length).toBe(12); // every lstm and gru case of v2
    expect(files.length).toBeGreaterThan(20);
  });

  it.each(files)('%s', (file) => {
    const fx = parseFixture(JSON.parse(readFileSync(join(dir, file), 'utf8')), file);
    const { errors, pass } = checkFixtureCpu(fx);
    const entries = Object.entries(errors).sort((a, b) => b[1] - a[1]);
    expect(entries.length).toBeGreaterThan(0);
    const [worstName, worst] = entries[0];
    console.log(`${file}: ${entries.length} quantities, worst ${worstName} = ${worst.toExponential(2)}`);
    const failing = entries.filter(([, e]) => !(e <= FIXTURE_TOLERANCE));
    expect(failing, `${file}: errors above ${FIXTURE_TOLERANCE}`).toEqual([]);
    expect(pass).toBe(true);
    // Every output tensor of the fixture is compared (inputs are everything the run is fed with).
    const isInput = /^(x|h0|c0|R|Rh|Rc|(weight_(ih|hh|hr)|bias_(ih|hh))_l\d+(_reverse)?|grads\..*|params\.\d+)$/;
    const unchecked = Object.keys(fx.tensors).filter((name) => !isInput.test(name) && !(name in errors));
    expect(unchecked, `${file}: tensors the check ignores`).toEqual([]);
  });
});
