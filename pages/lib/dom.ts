// Small DOM helpers shared by the pages.

/** The element with this id; a clear error when the page's HTML lacks it. */
export function byId<T extends HTMLElement = HTMLElement>(id: string): T {
  const el = document.getElementById(id);
  if (!el) throw new Error(`page is missing the element #${id}`);
  return el as T;
}

export function setText(id: string, text: string): void {
  byId(id).textContent = text;
}

/** Whether a number reads better with an exponent: below 1e-3 or from 1e5 up (0 never). */
const exponential = (v: number): boolean => {
  const a = Math.abs(v);
  return a !== 0 && (a < 1e-3 || a >= 1e5);
};

/** "1.23e-4" for small or large numbers, fixed digits otherwise. */
export function fmt(v: number, digits = 4): string {
  if (!Number.isFinite(v)) return String(v);
  return exponential(v) ? v.toExponential(2) : v.toFixed(digits);
}

/** Like fmt, but 4 significant digits without trailing zeros ("0.5", "123.4"): for chart labels. */
export function fmtShort(v: number): string {
  if (!Number.isFinite(v)) return String(v);
  return exponential(v) ? v.toExponential(2) : String(Number(v.toPrecision(4)));
}

/** Offers `data` as a file download (a Blob URL on a temporary link). */
export function download(data: BlobPart, fileName: string, type: string): void {
  const url = URL.createObjectURL(new Blob([data], { type }));
  const a = document.createElement('a');
  a.href = url;
  a.download = fileName;
  document.body.append(a);
  a.click();
  a.remove();
  setTimeout(() => URL.revokeObjectURL(url), 10_000);
}

/** Resolves on the next animation frame (or after 50 ms where frames do not run, e.g. a hidden tab). */
export function nextFrame(): Promise<void> {
  return new Promise((resolve) => {
    const timer = setTimeout(resolve, 50);
    requestAnimationFrame(() => {
      clearTimeout(timer);
      resolve();
    });
  });
}
