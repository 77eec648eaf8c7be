// Number fields checked against their own limits (the input's min and max, and whole numbers where
// asked): a value outside them gets a message at the field and is never replaced by another, and the
// page acts on a change only when every field is valid. URL parameters fill the fields first, so they
// go through the same checks.
import { clearMessage, showError } from './messages';
import { syncUrl } from './params';

/** The words of the field's label ("Hidden size H"), for its messages. */
function labelOf(input: HTMLInputElement): string {
  const label = input.closest('label');
  const text = label ? Array.from(label.childNodes).filter((n) => n.nodeType === Node.TEXT_NODE).map((n) => n.textContent ?? '').join(' ') : '';
  return text.replace(/\s+/g, ' ').trim() || input.name || input.id;
}

/** Shows `error` at the field (or clears it): a message after the input, aria-invalid, aria-describedby. */
export function markField(input: HTMLInputElement, error: string | null): void {
  const id = `${input.id}-error`;
  let note = document.getElementById(id);
  if (!error) {
    input.removeAttribute('aria-invalid');
    input.removeAttribute('aria-describedby');
    note?.remove();
    return;
  }
  if (!note) {
    note = document.createElement('span');
    note.id = id;
    note.className = 'field-error';
    note.setAttribute('role', 'alert');
    input.insertAdjacentElement('afterend', note);
  }
  note.textContent = error;
  input.setAttribute('aria-invalid', 'true');
  input.setAttribute('aria-describedby', id);
}

export interface NumberRule {
  /** Whole numbers only. */
  integer?: boolean;
  /** Above this (exclusive), where the input's min is inclusive. */
  above?: number;
}

/** Reads number fields, marking each invalid one; `ok` says whether all were valid. */
export class FieldReader {
  readonly errors: string[] = [];

  get ok(): boolean {
    return this.errors.length === 0;
  }

  /** The field's value, or NaN (and a message at the field) when it is not a number within its limits. */
  number(input: HTMLInputElement, rule: NumberRule = {}): number {
    const raw = input.value.trim();
    const v = Number(raw);
    const label = labelOf(input);
    const min = input.min === '' ? -Infinity : Number(input.min);
    const max = input.max === '' ? Infinity : Number(input.max);
    let error: string | null = null;
    if (raw === '' || !Number.isFinite(v)) error = `${label}: enter a number`;
    else if (rule.integer && !Number.isInteger(v)) error = `${label} must be a whole number, not ${raw}`;
    else if (v < min) error = `${label} must be at least ${min}, not ${raw}`;
    else if (v > max) error = `${label} must be at most ${max}, not ${raw}`;
    else if (rule.above !== undefined && !(v > rule.above)) error = `${label} must be above ${rule.above}, not ${raw}`;
    markField(input, error);
    if (error) {
      this.errors.push(error);
      return NaN;
    }
    return v;
  }

  int(input: HTMLInputElement): number {
    return this.number(input, { integer: true });
  }
}

/**
 * The settings read through `f` when every field was valid: the address then carries them (syncUrl)
 * and the message about invalid fields goes. Otherwise null, and one message lists what to fix.
 */
export function acceptSettings<T>(f: FieldReader, settings: T, fields: (HTMLInputElement | HTMLSelectElement)[]): T | null {
  if (!f.ok) {
    showError('Some settings are not valid', `${f.errors.join('. ')}. Nothing changed: fix the marked field${f.errors.length > 1 ? 's' : ''} to go on.`, 'fields');
    return null;
  }
  clearMessage('fields');
  syncUrl(fields);
  return settings;
}
