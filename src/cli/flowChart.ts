// Gradient-flow pictures as SVG, drawn by Vega-Lite (runs in Node and in the browser, no canvas). For
// `gateflow flow`: kept out of the library's entry, so that a library user never loads Vega.
import * as vega from 'vega';
import { compile, type TopLevelSpec } from 'vega-lite';

export interface NormSeries {
  /** Legend label, e.g. "LSTM ‖∂L/∂s_k‖ at init". */
  label: string;
  values: number[];
}

/** Zeros (underflow) cannot be drawn on a log scale: they are dropped, and the caption says how many. */
function points(series: NormSeries[], x: string): { rows: Record<string, unknown>[]; dropped: number } {
  const rows: Record<string, unknown>[] = [];
  let dropped = 0;
  for (const s of series) {
    s.values.forEach((v, i) => {
      if (v > 0 && Number.isFinite(v)) rows.push({ [x]: i, norm: v, series: s.label });
      else dropped++;
    });
  }
  return { rows, dropped };
}

function panel(title: string, x: string, xTitle: string, yTitle: string, series: NormSeries[]): Record<string, unknown> {
  const { rows, dropped } = points(series, x);
  return {
    title: dropped > 0 ? { text: title, subtitle: `${dropped} zero or non-finite values (f32 underflow) not drawn` } : title,
    width: 640,
    height: 260,
    data: { values: rows },
    mark: { type: 'line', strokeWidth: 1.5 },
    encoding: {
      x: { field: x, type: 'quantitative', title: xTitle },
      y: { field: 'norm', type: 'quantitative', scale: { type: 'log' }, title: yTitle },
      color: { field: 'series', type: 'nominal', title: null, legend: { orient: 'bottom', columns: 2, labelLimit: 400 } },
    },
  };
}

/**
 * Two panels: per-step gradient norms against the time step k (log scale), and the global gradient
 * norm over training steps (log scale). Returns the SVG text.
 */
export async function flowChartSvg(perStep: NormSeries[], overTraining: NormSeries[], title: string): Promise<string> {
  const spec = {
    $schema: 'https://vega.github.io/schema/vega-lite/v6.json',
    title,
    vconcat: [
      panel('Gradient reaching step k from the loss at the last step', 'k', 'time step k', '‖∂L/∂s_k‖ (LSTM) · ‖∂L/∂h_k‖ (RNN)', perStep),
      panel('Global gradient norm during training (before clipping)', 'step', 'training step', '‖∇L‖₂', overTraining),
    ],
    // Each panel has its own legend: the series differ.
    resolve: { scale: { color: 'independent' }, legend: { color: 'independent' } },
    config: { font: 'sans-serif', background: 'white' },
  } as unknown as TopLevelSpec;
  const view = new vega.View(vega.parse(compile(spec).spec), { renderer: 'none' });
  return view.toSVG();
}
