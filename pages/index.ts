// The index page only says which WebGPU adapter this browser offers (or why there is none).
import { formatAdapter, WebGpuUnavailableError } from '../src/gpu/device';
import { Gpu } from '../src/gpu/runtime';
import { pageState } from './lib/state';
import { bindMessages, errorText, showError } from './lib/messages';

const state = pageState('index', {});
bindMessages(state);

async function main(): Promise<void> {
  const el = document.getElementById('adapter')!;
  try {
    const gpu = await Gpu.create();
    state.adapter = formatAdapter(gpu.info);
    el.textContent = state.adapter;
    gpu.destroy();
  } catch (err) {
    el.textContent = 'none';
    const box = showError('The pages need WebGPU, and this browser has none available', errorText(err), 'no-webgpu');
    if (err instanceof WebGpuUnavailableError) box.dataset.testid = 'no-webgpu';
  } finally {
    state.ready = true;
  }
}

void main();
