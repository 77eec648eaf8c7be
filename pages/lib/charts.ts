// Charts for the pages, drawn by Chart.js (axes, ticks, legends, log scales). Live charts coalesce
// their redraws to one per animation frame, however many points arrive.
import {
  BarController, BarElement, CategoryScale, Chart, Decimation, Filler, Legend, LinearScale, LineController, LineElement,
  LogarithmicScale, PointElement, ScatterController, Title, Tooltip, type ChartDataset, type Plugin, type ScaleOptionsByType,
} from 'chart.js';
import { fmtShort } from './dom';

Chart.register(BarController, BarElement, CategoryScale, Decimation, Filler, Legend, LinearScale, LineController, LineElement, LogarithmicScale, PointElement, ScatterController, Title, Tooltip);
Chart.defaults.animation = false;
Chart.defaults.maintainAspectRatio = false;
Chart.defaults.font.family = 'system-ui, -apple-system, "Segoe UI", Roboto, sans-serif';
Chart.defaults.font.size = 12;

export { Chart };

/** A canvas's text alternative: an image whose label says what it shows now (screen readers read it). */
function describeCanvas(canvas: HTMLCanvasElement, text: string): void {
  canvas.setAttribute('role', 'img');
  canvas.setAttribute('aria-label', text);
}


export const COLORS = {
  lstm: '#2563eb',
  rnn: '#d9480f',
  gru: '#2f9e44',
  baseline: '#868e96',
  clip: '#e03131',
  extra: ['#9c36b5', '#f08c00', '#0c8599', '#5c940d'],
};

type Point = { x: number; y: number };

/** A GPU process crash wipes accelerated 2D canvases; the browser then fires contextrestored. */
export function redrawAfterContextLoss(canvas: HTMLCanvasElement, redraw: () => void): void {
  canvas.addEventListener('contextrestored', () => redraw());
}

export interface SeriesSpec {
  label: string;
  color: string;
  dashed?: boolean;
  /** Draw points (few values) or just the line. */
  points?: boolean;
}

export interface LineChartOptions {
  series: SeriesSpec[];
  xTitle: string;
  yTitle: string;
  yLog?: boolean;
  xLog?: boolean;
  yMin?: number;
  yMax?: number;
}

/** A redraw at most once per animation frame. */
function frameThrottle(fn: () => void): () => void {
  let queued = false;
  return () => {
    if (queued) return;
    queued = true;
    requestAnimationFrame(() => {
      queued = false;
      fn();
    });
  };
}

/** Log-axis labels at 1, 2 and 5 × 10^n only, written compactly (0.05, 2, 1e-6). */
export function logTick(v: number | string): string {
  const n = Number(v);
  if (!(n > 0)) return '';
  const mantissa = n / 10 ** Math.floor(Math.log10(n) + 1e-9);
  if (![1, 2, 5].some((m) => Math.abs(mantissa - m) < 1e-6)) return '';
  return n >= 1e-3 && n < 1e5 ? String(Number(n.toPrecision(2))) : n.toExponential(0);
}

function axis(title: string, log: boolean | undefined, extra: object = {}): ScaleOptionsByType<'linear' | 'logarithmic'> {
  return {
    type: log ? 'logarithmic' : 'linear',
    title: { display: true, text: title },
    ...(log ? { ticks: { callback: logTick } } : {}),
    ...extra,
  } as unknown as ScaleOptionsByType<'linear' | 'logarithmic'>;
}

/**
 * A line chart that points are appended to while training runs. The points live here (the
 * decimation plugin replaces what a dataset's `data` returns), and are handed to the chart on
 * each redraw.
 */
export class LiveLineChart {
  readonly chart: Chart<'line', Point[]>;
  /** Points appended since creation or the last clear (what the tests read). */
  appended = 0;
  readonly render: () => void;
  private readonly log: boolean;
  private readonly series: Point[][];
  /** Settings changes drawn as labelled vertical lines at their step (mark()). */
  readonly marks: { x: number; label: string }[] = [];

  constructor(canvas: HTMLCanvasElement, o: LineChartOptions) {
    this.log = !!o.yLog;
    this.series = o.series.map(() => []);
    const datasets: ChartDataset<'line', Point[]>[] = o.series.map((s) => ({
      label: s.label,
      data: [],
      borderColor: s.color,
      backgroundColor: s.color,
      borderWidth: 1.6,
      borderDash: s.dashed ? [6, 4] : undefined,
      pointRadius: s.points ? 2.5 : 0,
      tension: 0,
      spanGaps: false,
    }));
    const markLines: Plugin<'line'> = {
      id: 'settingMarks',
      afterDatasetsDraw: (chart) => {
        const { top, bottom, left, right } = chart.chartArea;
        const ctx = chart.ctx;
        ctx.save();
        ctx.strokeStyle = COLORS.baseline;
        ctx.fillStyle = COLORS.baseline;
        ctx.setLineDash([3, 3]);
        ctx.font = '11px system-ui, sans-serif';
        for (const m of this.marks) {
          const x = chart.scales.x!.getPixelForValue(m.x);
          if (!(x >= left && x <= right)) continue;
          ctx.beginPath();
          ctx.moveTo(x, top);
          ctx.lineTo(x, bottom);
          ctx.stroke();
          ctx.fillText(m.label, Math.min(x + 3, right - ctx.measureText(m.label).width), top + 11);
        }
        ctx.restore();
      },
    };
    this.chart = new Chart<'line', Point[]>(canvas, {
      type: 'line',
      plugins: [markLines],
      data: { datasets },
      options: {
        parsing: false,
        normalized: true,
        interaction: { mode: 'nearest', intersect: false, axis: 'x' },
        scales: {
          x: axis(o.xTitle, o.xLog),
          y: axis(o.yTitle, o.yLog, { min: o.yMin, max: o.yMax }),
        },
        plugins: {
          legend: { labels: { boxWidth: 14, boxHeight: 2 } },
          // Long runs: draw at most ~600 points per series (largest-triangle sampling keeps the shape).
          decimation: { enabled: true, algorithm: 'lttb', samples: 600, threshold: 1200 },
        },
      },
    });
    describeCanvas(canvas, `Chart of ${o.yTitle} against ${o.xTitle}: no data yet`);
    this.render = frameThrottle(() => {
      this.chart.data.datasets.forEach((d, i) => (d.data = this.series[i]));
      this.chart.update('none');
      // The text alternative: each series' latest point.
      const latest = o.series.flatMap((s, i) => {
        const p = this.series[i].at(-1);
        return p ? [`${s.label} ${fmtShort(p.y)} at ${o.xTitle} ${fmtShort(p.x)}`] : [];
      });
      describeCanvas(canvas, `Chart of ${o.yTitle} against ${o.xTitle}: ${latest.length ? latest.join('; ') : 'no data yet'}`);
    });
    redrawAfterContextLoss(canvas, this.render);
  }

  /** Appends (x, y) to a series; values a log axis cannot show (≤ 0, NaN, ±∞) are left out. */
  push(series: number, x: number, y: number): void {
    if (!Number.isFinite(y) || (this.log && y <= 0)) return;
    this.series[series].push({ x, y });
    this.appended++;
    this.render();
  }

  /** Replaces a series' points. */
  set(series: number, points: Point[]): void {
    this.series[series] = points.filter((p) => Number.isFinite(p.y) && (!this.log || p.y > 0));
    this.appended += points.length;
    this.render();
  }

  /** The x of a series' first point (undefined while it has none). */
  firstX(series: number): number | undefined {
    return this.series[series][0]?.x;
  }

  clear(): void {
    this.series.forEach((_, i) => (this.series[i] = []));
    this.marks.length = 0;
    this.appended = 0;
    this.render();
  }

  /** Marks a settings change at step x (a dashed vertical line with its label). */
  mark(x: number, label: string): void {
    this.marks.push({ x, label });
    this.render();
  }

  destroy(): void {
    this.chart.destroy();
  }
}

// --- colour map (viridis) and log colour scale --------------------------------------------------

const VIRIDIS = ['#440154', '#482878', '#3e4989', '#31688e', '#26828e', '#1f9e89', '#35b779', '#6ece58', '#b5de2b', '#fde725'];
const hex = (h: string): [number, number, number] => [1, 3, 5].map((i) => parseInt(h.slice(i, i + 2), 16)) as [number, number, number];
const STOPS = VIRIDIS.map(hex);

/** RGB of viridis at t ∈ [0, 1]. */
export function viridis(t: number): [number, number, number] {
  const u = Math.min(1, Math.max(0, t)) * (STOPS.length - 1);
  const i = Math.min(STOPS.length - 2, Math.floor(u));
  const f = u - i;
  const a = STOPS[i];
  const b = STOPS[i + 1];
  return [0, 1, 2].map((c) => Math.round(a[c] + (b[c] - a[c]) * f)) as [number, number, number];
}

/** A log10 range [lo, hi] for the colour scale. */
export interface LogRange {
  lo: number;
  hi: number;
}

/**
 * The log10 range covering every positive finite value, at most `decades` wide (below that, values
 * are drawn in the darkest colour): vanishing gradients of 1e-30 must not wash out the rest.
 */
export function logRange(values: Iterable<number>, decades = 12): LogRange | null {
  let max = -Infinity;
  let min = Infinity;
  for (const v of values) {
    if (!(v > 0) || !Number.isFinite(v)) continue;
    max = Math.max(max, v);
    min = Math.min(min, v);
  }
  if (!Number.isFinite(max)) return null;
  const hi = Math.ceil(Math.log10(max) * 4) / 4;
  let lo = Math.floor(Math.log10(min) * 4) / 4;
  lo = Math.max(lo, hi - decades);
  if (hi - lo < 0.5) lo = hi - 0.5;
  return { lo, hi };
}

/** Tick labels at whole numbers only (the heatmap's cells are centred on them). */
const integerTick = (v: number | string): string => (Number.isInteger(Number(v)) ? String(v) : '');

const SUPERSCRIPT: Record<string, string> = { '-': '⁻', '0': '⁰', '1': '¹', '2': '²', '3': '³', '4': '⁴', '5': '⁵', '6': '⁶', '7': '⁷', '8': '⁸', '9': '⁹' };

/** Log-axis labels at powers of ten only: 10⁻³, 10⁰, 10². */
export const powerOfTenTick = (v: number | string): string => {
  const e = Math.log10(Number(v));
  if (Math.abs(e - Math.round(e)) > 1e-9) return '';
  return `10${[...String(Math.round(e))].map((c) => SUPERSCRIPT[c]).join('')}`;
};

// --- heatmap: an image in a Chart.js plot area, with the library's axes ----------------------------

export interface HeatColumn {
  /** Training step the measurement was taken after. */
  step: number;
  /** One value per row (time step k = 0..T-1). */
  values: number[];
}

export interface HeatmapOptions {
  title: string;
  xTitle: string;
  yTitle: string;
}

/**
 * Rows = time step k (0 at the bottom), columns = measurements over training, each cell coloured by
 * log10(value) in a shared LogRange. The cells are an offscreen canvas (one pixel per cell) drawn
 * into the chart area without smoothing; Chart.js draws the axes, ticks and title around it.
 */
export class Heatmap {
  readonly chart: Chart<'scatter'>;
  columns: HeatColumn[] = [];
  /** Past this many columns every other one is dropped (and only every 2nd new one kept), so long runs stay cheap. */
  readonly maxColumns = 400;
  private keepEvery = 1;
  private offered = 0;
  rows = 0;
  range: LogRange | null = null;
  readonly render: () => void;
  private readonly image = document.createElement('canvas');

  constructor(canvas: HTMLCanvasElement, o: HeatmapOptions) {
    const draw: Plugin<'scatter'> = {
      id: 'heatmapImage',
      beforeDatasetsDraw: (chart) => {
        if (this.columns.length === 0) return;
        const { left, top, width, height } = chart.chartArea;
        const ctx = chart.ctx;
        ctx.save();
        ctx.imageSmoothingEnabled = false;
        ctx.drawImage(this.image, left, top, width, height);
        ctx.restore();
      },
    };
    this.chart = new Chart(canvas, {
      type: 'scatter',
      data: { datasets: [{ data: [] }] },
      options: {
        events: [],
        scales: {
          x: { type: 'linear', title: { display: true, text: o.xTitle }, min: 0, max: 1, grid: { display: false }, ticks: { callback: integerTick } },
          y: { type: 'linear', title: { display: true, text: o.yTitle }, min: -0.5, max: 0.5, grid: { display: false }, ticks: { callback: integerTick } },
        },
        plugins: { legend: { display: false }, title: { display: true, text: o.title }, tooltip: { enabled: false } },
      },
      plugins: [draw],
    });
    this.render = frameThrottle(() => {
      this.redraw();
      // The text alternative: how many measurements, and the latest one from its first to its last row.
      const last = this.columns.at(-1);
      describeCanvas(canvas, last
        ? `Heatmap ${o.title}: ${this.columns.length} measurements over ${o.xTitle}; the latest (at ${fmtShort(last.step)}) is ${fmtShort(last.values[0] ?? NaN)} at ${o.yTitle} 0 and ${fmtShort(last.values.at(-1) ?? NaN)} at ${o.yTitle} ${last.values.length - 1}`
        : `Heatmap ${o.title}: no measurement yet`);
    });
    redrawAfterContextLoss(canvas, this.render);
  }

  reset(rows: number): void {
    this.rows = rows;
    this.columns = [];
    this.keepEvery = 1;
    this.offered = 0;
    this.render();
  }

  /** Adds a measurement; columns are expected at evenly spaced steps. */
  add(column: HeatColumn): void {
    if (this.offered++ % this.keepEvery !== 0) return;
    this.columns.push(column);
    if (this.columns.length > this.maxColumns) {
      this.columns = this.columns.filter((_, i) => i % 2 === 0);
      this.keepEvery *= 2;
    }
    this.render();
  }

  setRange(range: LogRange | null): void {
    this.range = range;
    this.render();
  }

  /** Every value, for a shared colour range. */
  *values(): Iterable<number> {
    for (const c of this.columns) yield* c.values;
  }

  private redraw(): void {
    const n = this.columns.length;
    const T = this.rows;
    const scales = this.chart.options.scales!;
    if (n > 0 && T > 0 && this.range) {
      this.image.width = n;
      this.image.height = T;
      const ctx = this.image.getContext('2d')!;
      const img = ctx.createImageData(n, T);
      const { lo, hi } = this.range;
      this.columns.forEach((col, j) => {
        for (let k = 0; k < T; k++) {
          const v = col.values[k];
          const t = v > 0 && Number.isFinite(v) ? (Math.log10(v) - lo) / (hi - lo) : 0;
          const [r, g, b] = Number.isFinite(v) ? viridis(t) : [255, 0, 255];
          const p = ((T - 1 - k) * n + j) * 4; // k = 0 at the bottom
          img.data[p] = r;
          img.data[p + 1] = g;
          img.data[p + 2] = b;
          img.data[p + 3] = 255;
        }
      });
      ctx.putImageData(img, 0, 0);
      // Each column spans half a measurement interval either side of its step.
      const first = this.columns[0].step;
      const last = this.columns[n - 1].step;
      const gap = n > 1 ? (last - first) / (n - 1) : 1;
      scales.x!.min = first - gap / 2;
      scales.x!.max = last + gap / 2;
      scales.y!.min = -0.5;
      scales.y!.max = T - 0.5;
    }
    this.chart.update('none');
  }

  destroy(): void {
    this.chart.destroy();
  }
}

/** A vertical colour bar for a LogRange, on a logarithmic Chart.js axis (so its ticks are the library's). */
export class ColorLegend {
  readonly chart: Chart<'scatter'>;
  private range: LogRange = { lo: -3, hi: 0 };

  constructor(canvas: HTMLCanvasElement, title: string) {
    const gradient: Plugin<'scatter'> = {
      id: 'colorBar',
      beforeDatasetsDraw: (chart) => {
        const { left, top, width, height, bottom } = chart.chartArea;
        const ctx = chart.ctx;
        const g = ctx.createLinearGradient(0, bottom, 0, top);
        for (let i = 0; i <= 20; i++) {
          const [r, gg, b] = viridis(i / 20);
          g.addColorStop(i / 20, `rgb(${r},${gg},${b})`);
        }
        ctx.save();
        ctx.fillStyle = g;
        ctx.fillRect(left, top, width, height);
        ctx.restore();
      },
    };
    this.chart = new Chart(canvas, {
      type: 'scatter',
      data: { datasets: [{ data: [] }] },
      options: {
        events: [],
        layout: { padding: { top: 8, bottom: 40 } },
        scales: {
          x: { display: false, min: 0, max: 1 },
          y: { type: 'logarithmic', position: 'right', min: 1e-3, max: 1, grid: { display: false }, ticks: { callback: powerOfTenTick, autoSkip: false } },
        },
        plugins: { legend: { display: false }, tooltip: { enabled: false }, title: { display: true, text: title } },
      },
      plugins: [gradient],
    });
    this.describe = (r) => describeCanvas(canvas, `Colour scale of ${title}: dark purple 1e${r.lo} to yellow 1e${r.hi} (log scale)`);
    this.describe(this.range);
  }

  private readonly describe: (range: LogRange) => void;

  setRange(range: LogRange | null): void {
    if (!range) return;
    if (range.lo === this.range.lo && range.hi === this.range.hi) return;
    this.range = range;
    this.describe(range);
    const y = this.chart.options.scales!.y!;
    y.min = 10 ** range.lo;
    y.max = 10 ** range.hi;
    this.chart.update('none');
  }

  destroy(): void {
    this.chart.destroy();
  }
}
