// window.__gateflow: a small, read-only-by-convention view of each page's state for the browser
// tests (and for curious visitors in the console). Pages update it; nothing reads it back.

export interface BaseState {
  page: string;
  /** True once WebGPU setup finished (with a device or with an error shown). */
  ready: boolean;
  /** formatAdapter() of the device in use, or null. */
  adapter: string | null;
  /** Messages shown to the visitor as errors (plain words), oldest first. */
  errors: string[];
  /** Messages shown as warnings (e.g. skipped steps). */
  warnings: string[];
  running: boolean;
  /** Training steps submitted / known complete (from the last report). */
  submitted: number;
  completed: number;
  /** True when a run with a step limit (?steps=N) has finished and its last report arrived. */
  done: boolean;
  stepsPerSecond: number;
}

declare global {
  interface Window {
    __gateflow?: BaseState & Record<string, unknown>;
  }
}

export function pageState<T extends object>(page: string, extra: T): BaseState & T {
  const state: BaseState & T = {
    page, ready: false, adapter: null, errors: [], warnings: [], running: false, submitted: 0, completed: 0, done: false, stepsPerSecond: 0,
    ...extra,
  };
  window.__gateflow = state as BaseState & Record<string, unknown>;
  return state;
}
