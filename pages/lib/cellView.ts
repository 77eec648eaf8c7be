// The gates made visible: a text drawn character by character with the colour of one cell unit's
// value (a gate, the cell state or h) after the network read that character, from a CellTrace the
// GPU wrote while sampling (pages/lib/stepper.ts). Also which units are worth a look.
import type { CellTrace } from './stepper';

export const PART_NAMES: Record<string, string> = {
  c: 'cell state c (tanh)',
  h: 'hidden state h',
  i: 'input gate i',
  f: 'forget gate f',
  o: 'output gate o',
  g: 'candidate g',
};

/** Gates live in [0, 1]; c (through tanh), g and h in [−1, 1]. */
const isGate = (part: string): boolean => part === 'i' || part === 'f' || part === 'o';

/** The value of `unit`'s `part` at each traced step (c through tanh, as the cell uses it). */
export function unitSeries(trace: CellTrace, part: string, unit: number): Float32Array {
  const p = trace.parts.indexOf(part);
  if (p < 0) throw new Error(`the trace has no part "${part}" (it has ${trace.parts.join(', ')})`);
  const width = trace.parts.length * trace.hidden;
  return Float32Array.from({ length: trace.steps }, (_, t) => {
    const v = trace.data[t * width + p * trace.hidden + unit]!;
    return part === 'c' ? Math.tanh(v) : v;
  });
}

/** The units whose `part` varies most over the trace (the ones that switch on and off with the text), most first. */
export function interestingUnits(trace: CellTrace, part: string, count: number): number[] {
  const scores = Array.from({ length: trace.hidden }, (_, j) => {
    const s = unitSeries(trace, part, j);
    const mean = s.reduce((a, v) => a + v, 0) / Math.max(1, s.length);
    return { j, variance: s.reduce((a, v) => a + (v - mean) ** 2, 0) / Math.max(1, s.length) };
  });
  return scores.sort((a, b) => b.variance - a.variance).slice(0, count).map((s) => s.j);
}

/** A background colour for value v: gates white → green, signed values blue (−) → white → red (+). */
function colour(part: string, v: number): string {
  if (isGate(part)) return `rgba(47, 158, 68, ${Math.max(0, Math.min(1, v)).toFixed(3)})`;
  const a = Math.min(1, Math.abs(v)).toFixed(3);
  return v >= 0 ? `rgba(217, 72, 15, ${a})` : `rgba(37, 99, 235, ${a})`;
}

/**
 * Draws `text` into `target`, one span per character coloured by the unit's value after reading it
 * (characters past the trace stay plain); each span's title gives the value.
 */
export function renderCellView(target: HTMLElement, text: string, trace: CellTrace, part: string, unit: number): void {
  const series = unitSeries(trace, part, unit);
  const chars = [...text];
  const frag = document.createDocumentFragment();
  chars.forEach((ch, t) => {
    const span = document.createElement('span');
    span.textContent = ch;
    if (t < series.length) {
      span.style.background = colour(part, series[t]!);
      span.title = `${PART_NAMES[part] ?? part}, unit ${unit}: ${series[t]!.toFixed(3)}`;
    }
    frag.append(span);
  });
  target.replaceChildren(frag);
  target.setAttribute('aria-label', `The sampled text coloured by unit ${unit}'s ${PART_NAMES[part] ?? part}: from ${Math.min(...series).toFixed(2)} to ${Math.max(...series).toFixed(2)} over ${series.length} characters`);
}
