// WebGPU for a page: the library's Gpu.create() (navigator.gpu), with what can go wrong shown in
// the page in plain words: no WebGPU (which browser or flag is needed), a lost device, and WebGPU
// errors nobody caught (those are bugs: also logged to the console).
import { Gpu } from '../../src/gpu/runtime';
import { formatAdapter, WebGpuUnavailableError } from '../../src/gpu/device';
import type { BaseState } from './state';
import { bindMessages, errorText, showError } from './messages';

const UNCAPTURED = 'WebGPU reported an error';

export interface PageGpu {
  gpu: Gpu;
  /** Resolves when the device is lost (never for our own destroy()). */
  lost: Promise<GPUDeviceLostInfo>;
}

/**
 * Creates the page's device and writes its adapter into #adapter. Returns null (after showing
 * why) where there is no WebGPU. `onFatal` runs (after the message is shown) when the device is
 * lost or WebGPU reports an error nobody caught: results after that cannot be trusted, so the
 * page stops its work.
 */
export async function startGpu(state: BaseState, onFatal?: () => void): Promise<PageGpu | null> {
  bindMessages(state);
  const adapterEl = document.getElementById('adapter');
  let resolveLost!: (info: GPUDeviceLostInfo) => void;
  const lost = new Promise<GPUDeviceLostInfo>((r) => (resolveLost = r));
  try {
    const gpu = await Gpu.create({
      onLost: (info) => {
        state.running = false;
        showError(
          'The GPU device was lost',
          `${info.message || 'The browser gave no details.'} Training has stopped. This happens when the GPU driver resets, ` +
            'the browser reclaims the GPU, or the tab used too much GPU memory. Reload the page to start again.',
          'device-lost',
        );
        resolveLost(info);
        onFatal?.();
      },
      onUncapturedError: (message) => {
        if (state.errors.some((e) => e.startsWith(UNCAPTURED))) return; // the first one says it; the rest follow from it
        console.error(`gateflow: WebGPU error: ${message}`);
        state.running = false;
        showError(UNCAPTURED, `${message}\nThis is a bug in gateflow or in the browser's WebGPU: the work has been stopped. Please report it with the adapter shown above.`, 'uncaptured');
        onFatal?.();
      },
    });
    state.adapter = formatAdapter(gpu.info);
    if (adapterEl) adapterEl.textContent = state.adapter;
    return { gpu, lost };
  } catch (err) {
    if (adapterEl) adapterEl.textContent = 'none';
    if (err instanceof WebGpuUnavailableError) {
      const box = showError('This page needs WebGPU, and this browser has none available', err.message, 'no-webgpu');
      box.dataset.testid = 'no-webgpu';
    } else {
      showError('Could not start WebGPU', errorText(err), 'no-webgpu');
    }
    return null;
  } finally {
    state.ready = true;
  }
}

/** What a training page does around its device: drop it when it is lost, build once it exists. */
export interface PageHooks {
  /** The device is gone (lost, or a WebGPU error): stop the training loop and forget the device. */
  stop(): void;
  /** Refresh the status line. */
  update(): void;
  /** The device is ready: build the models. */
  ready(gpu: Gpu): Promise<void>;
}

/** The start of every training page: acquire the device (or show why not), then hand it over. */
export async function bootTrainingPage(state: BaseState, hooks: PageHooks): Promise<void> {
  const page = await startGpu(state, () => {
    // Lost device or a WebGPU error: nothing more runs on this device (a reload starts afresh).
    hooks.stop();
    hooks.update();
  });
  if (!page) {
    hooks.update();
    return;
  }
  await hooks.ready(page.gpu);
}
