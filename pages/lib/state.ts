// window.__gateflow: a small, read-only-by-convention view of each page's state for the browser
// tests (and for curious visitors in the console). Pages update it; nothing reads it back.
import { setText } from './dom';

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
  /** Notices of what a control change did (e.g. the model restarted). */
  notices: string[];
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
    page, ready: false, adapter: null, errors: [], warnings: [], notices: [], running: false, submitted: 0, completed: 0, done: false, stepsPerSecond: 0,
    ...extra,
  };
  window.__gateflow = state as BaseState & Record<string, unknown>;
  return state;
}

/** What the status line shows of a training loop (null before one exists). */
interface LoopProgress {
  running: boolean;
  submitted: number;
  completed: number;
  stepsPerSecond: number;
  finished: boolean;
  pending: number;
}

/** Copies a loop's progress into the page state and the step / rate fields of the status line. */
export function syncLoopState(state: BaseState, loop: LoopProgress | null): void {
  state.running = !!loop?.running;
  state.submitted = loop?.submitted ?? 0;
  state.completed = loop?.completed ?? 0;
  state.stepsPerSecond = loop?.stepsPerSecond ?? 0;
  state.done = !!loop && loop.finished && loop.pending === 0;
  setText('step', String(state.completed));
  setText('rate', state.running && state.stepsPerSecond > 0 ? state.stepsPerSecond.toFixed(1) : '–');
}
