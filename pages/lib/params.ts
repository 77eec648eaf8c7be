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

/** Writes every field's value into the page's address (replacing it in the history): the address reproduces the run. */
export function syncUrl(fields: (HTMLInputElement | HTMLSelectElement)[]): void {
  const q = new URLSearchParams(location.search);
  for (const f of fields) {
    const name = f.name || f.id;
    q.set(name, f instanceof HTMLInputElement && f.type === 'checkbox' ? (f.checked ? '1' : '0') : f.value);
  }
  history.replaceState(history.state, '', `${location.pathname}?${q.toString()}${location.hash}`);
}

/** A "Copy link" button: copies the page's address (every setting is in it) and says so. */
export function bindCopyLink(button: HTMLButtonElement, fields: (HTMLInputElement | HTMLSelectElement)[]): void {
  const label = button.textContent ?? 'Copy link';
  button.addEventListener('click', () => {
    syncUrl(fields);
    const done = (text: string) => {
      button.textContent = text;
      setTimeout(() => (button.textContent = label), 2500);
    };
    // Where the clipboard is not offered (no permission, an insecure origin), the address bar has the same link.
    navigator.clipboard?.writeText(location.href).then(() => done('Link copied'), () => done('Copy the address bar'));
    if (!navigator.clipboard) done('Copy the address bar');
  });
}
