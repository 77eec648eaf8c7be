// WebGPU for a page whose worker owns the device (the library's Gpu.create() runs there), with what
// can go wrong shown in the page in plain words: no WebGPU (which browser or flag is needed), a lost
// device, and WebGPU errors nobody caught (those are bugs: also logged to the console).
import { missingWebGpuApi } from '../../src/gpu/device';
import type { WorkerClient } from './workerRpc';
import type { BaseState } from './state';
import { bindMessages, errorText, showError } from './messages';

const UNCAPTURED = 'WebGPU reported an error';

/**
 * A page's WebGPU, owned by its worker (pages/lib/workerRpc.ts): the worker's `init` makes the device
 * and names its adapter (written into #adapter), its `fatal` events (a lost device, an uncaught
 * WebGPU error) are shown in plain words and then `onFatal` runs: results after that cannot be
 * trusted, so the page stops its work. False (after showing why) where there is no WebGPU.
 */
export async function startWorkerGpu(state: BaseState, worker: WorkerClient, onFatal?: () => void): Promise<boolean> {
  bindMessages(state);
  worker.on('fatal', (data) => {
    const d = data as { kind: 'lost' | 'uncaptured' | 'worker'; message: string };
    if (d.kind === 'lost') showLost(state, d.message);
    else if (d.kind === 'worker') showError("The page's worker stopped", `${d.message || 'The browser gave no details.'} Nothing more runs; reload the page to start again.`, 'worker');
    else if (!showUncaptured(state, d.message)) return;
    onFatal?.();
  });
  try {
    // A browser without the WebGPU API has it in neither the page nor the worker: say so from here.
    const missing = missingWebGpuApi();
    if (missing) throw missing;
    const { adapter } = await worker.call<{ adapter: string }>('init');
    showAdapter(state, adapter);
    return true;
  } catch (err) {
    showNoWebgpu(err);
    return false;
  } finally {
    state.ready = true;
  }
}

function showAdapter(state: BaseState, adapter: string): void {
  state.adapter = adapter;
  const el = document.getElementById('adapter');
  if (el) el.textContent = adapter;
}

function showLost(state: BaseState, message: string): void {
  state.running = false;
  showError(
    'The GPU device was lost',
    `${message || 'The browser gave no details.'} Training has stopped. This happens when the GPU driver resets, ` +
      'the browser reclaims the GPU, or the tab used too much GPU memory. Reload the page to start again.',
    'device-lost',
  );
}

/** Shows the first uncaught WebGPU error (the rest follow from it); true when this one was shown. */
function showUncaptured(state: BaseState, message: string): boolean {
  if (state.errors.some((e) => e.startsWith(UNCAPTURED))) return false;
  console.error(`gateflow: WebGPU error: ${message}`);
  state.running = false;
  showError(UNCAPTURED, `${message}\nThis is a bug in gateflow or in the browser's WebGPU: the work has been stopped. Please report it with the adapter shown above.`, 'uncaptured');
  return true;
}

function showNoWebgpu(err: unknown): void {
  const el = document.getElementById('adapter');
  if (el) el.textContent = 'none';
  // By name: an error from a worker arrives as a plain Error carrying it.
  if (err instanceof Error && err.name === 'WebGpuUnavailableError') {
    const box = showError('This page needs WebGPU, and this browser has none available', err.message, 'no-webgpu');
    box.dataset.testid = 'no-webgpu';
  } else {
    showError('Could not start WebGPU', errorText(err), 'no-webgpu');
  }
}
