import { expect, it } from 'vitest';
import { flowChartSvg } from '../../src/cli/flowChart';

it('draws both panels as SVG, one line per series, and says how many zeros it could not draw', async () => {
  const decay = Array.from({ length: 20 }, (_, k) => 10 ** (k - 19));
  const flat = Array.from({ length: 20 }, (_, k) => 1 + 0.01 * k);
  const svg = await flowChartSvg(
    [{ label: 'RNN at init', values: [0, 0, ...decay.slice(2)] }, { label: 'LSTM at init', values: flat }],
    [{ label: 'with clipping', values: [3, 2, 1] }, { label: 'without clipping', values: [3, 50, 1] }],
    'test chart',
  );
  expect(svg.startsWith('<svg')).toBe(true);
  for (const label of ['RNN at init', 'LSTM at init', 'with clipping', 'without clipping', 'test chart']) expect(svg).toContain(label);
  expect(svg).toContain('2 zero or non-finite values');
  // Four line marks (one path per series) at least.
  expect((svg.match(/<path[^>]*class="[^"]*"/g) ?? []).length + (svg.match(/aria-roledescription="line mark"/g) ?? []).length).toBeGreaterThanOrEqual(4);
});
