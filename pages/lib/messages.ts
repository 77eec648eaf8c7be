// Errors and warnings shown in the page, in plain words (and kept in window.__gateflow for tests).
import type { BaseState } from './state';

let stateRef: BaseState | null = null;

export function bindMessages(state: BaseState): void {
  stateRef = state;
}

function container(): HTMLElement {
  let box = document.getElementById('messages');
  if (!box) {
    box = document.createElement('div');
    box.id = 'messages';
    document.querySelector('main')?.prepend(box);
  }
  return box;
}

function show(kind: 'error' | 'warn' | 'info', title: string, detail: string, key?: string): HTMLElement {
  const box = container();
  // A keyed message replaces its previous version (e.g. "step 40 skipped" → "step 45 skipped").
  let div = key ? box.querySelector<HTMLElement>(`[data-key="${key}"]`) : null;
  if (!div) {
    div = document.createElement('div');
    if (key) div.dataset.key = key;
    box.append(div);
  }
  div.className = `banner ${kind}`;
  div.dataset.testid = kind === 'error' ? 'error' : kind === 'warn' ? 'warning' : 'notice';
  div.setAttribute('role', kind === 'error' ? 'alert' : 'status');
  div.replaceChildren();
  const strong = document.createElement('strong');
  strong.textContent = title;
  div.append(strong, document.createTextNode(detail));
  const list = kind === 'error' ? stateRef?.errors : kind === 'warn' ? stateRef?.warnings : stateRef?.notices;
  list?.push(`${title}: ${detail}`);
  return div;
}

export function showError(title: string, detail: string, key?: string): HTMLElement {
  return show('error', title, detail, key);
}

export function showWarning(title: string, detail: string, key?: string): HTMLElement {
  return show('warn', title, detail, key);
}

/** Something the visitor's action did that they should know of (a model restarted), not a problem. */
export function showNotice(title: string, detail: string, key?: string): HTMLElement {
  return show('info', title, detail, key);
}

export function clearMessage(key: string): void {
  container().querySelector(`[data-key="${key}"]`)?.remove();
}

/** An error's message, for anything thrown. */
export function errorText(err: unknown): string {
  return err instanceof Error ? err.message : String(err);
}
