// Page settings from the URL (?steps=20&hidden=16): the tests use them to keep runs small, and a
// visitor can share a link to a configuration. Each setting falls back to the page's default.

const query = new URLSearchParams(location.search);

/** A numeric URL parameter, or `fallback` when absent or not a finite number. */
export function numParam(name: string, fallback: number): number {
  const raw = query.get(name);
  if (raw === null || raw.trim() === '') return fallback;
  const v = Number(raw);
  return Number.isFinite(v) ? v : fallback;
}

export function strParam(name: string, fallback: string): string {
  return query.get(name) ?? fallback;
}

/** ?x=1 / ?x=true / ?x (empty) → true; ?x=0 / ?x=false → false; absent → fallback. */
export function boolParam(name: string, fallback: boolean): boolean {
  const raw = query.get(name);
  if (raw === null) return fallback;
  return !['0', 'false', 'no', 'off'].includes(raw.toLowerCase());
}

/** Sets an input's initial value from the URL parameter of the same name, when given. */
export function initInput(input: HTMLInputElement | HTMLSelectElement, name = input.name || input.id): void {
  const raw = query.get(name);
  if (raw === null) return;
  if (input instanceof HTMLInputElement && input.type === 'checkbox') input.checked = boolParam(name, input.checked);
  else input.value = raw;
}

/** The training-loop settings every training page reads from the URL: seed, step limit, report interval. */
export function loopParams(): { seed: number; maxSteps: number; reportEvery: number } {
  const steps = numParam('steps', 0);
  return {
    seed: numParam('seed', 1),
    maxSteps: steps > 0 ? steps : Infinity,
    reportEvery: Math.max(1, Math.round(numParam('every', 5))),
  };
}
