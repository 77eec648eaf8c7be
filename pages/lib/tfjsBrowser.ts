// TensorFlow.js for the benchmark page, loaded on demand (only when a TF.js contender runs): the
// browser twin of bench/node/tfjsNode.ts. WebGPU: tfjs-backend-webgpu on the browser's own adapter.
// WASM: tfjs-backend-wasm with its .wasm files bundled by Vite (URLs below); without cross-origin
// isolation the browser gives it no threads, so the SIMD build runs on one thread.
import type * as TF from '@tensorflow/tfjs';
import type { TfjsHandle } from '../../bench/contenders/tfjs';
import wasmPlain from '@tensorflow/tfjs-backend-wasm/dist/tfjs-backend-wasm.wasm?url';
import wasmSimd from '@tensorflow/tfjs-backend-wasm/dist/tfjs-backend-wasm-simd.wasm?url';
import wasmThreaded from '@tensorflow/tfjs-backend-wasm/dist/tfjs-backend-wasm-threaded-simd.wasm?url';

interface WebGpuBackendInternals {
  device: GPUDevice;
  commandEncoder: GPUCommandEncoder | null;
  endComputePassEncoder(): void;
  submitQueue(): void;
  recordAndSubmit(...args: unknown[]): void;
  adapterInfo?: { vendor?: string; architecture?: string };
}

let tfModule: Promise<typeof TF> | null = null;
const ready = new Map<string, Promise<void>>();
let dispatchCount = 0;

const loadTf = (): Promise<typeof TF> => (tfModule ??= import('@tensorflow/tfjs'));

async function init(backend: 'webgpu' | 'wasm'): Promise<void> {
  const tf = await loadTf();
  if (backend === 'webgpu') {
    await import('@tensorflow/tfjs-backend-webgpu'); // registers 'webgpu' when navigator.gpu exists
    if (!(await tf.setBackend('webgpu'))) throw new Error('TF.js could not start its WebGPU backend in this browser');
    const b = tf.backend() as unknown as WebGpuBackendInternals;
    for (const m of ['endComputePassEncoder', 'submitQueue', 'recordAndSubmit'] as const) {
      if (typeof b[m] !== 'function') throw new Error(`tfjs-backend-webgpu ${tf.version.tfjs}: WebGPUBackend.${m} is gone; update pages/lib/tfjsBrowser.ts`);
    }
    const original = b.recordAndSubmit.bind(b);
    b.recordAndSubmit = (...args: unknown[]) => {
      dispatchCount++;
      return original(...args);
    };
  } else {
    const wasm = await import('@tensorflow/tfjs-backend-wasm');
    wasm.setWasmPaths({ 'tfjs-backend-wasm.wasm': wasmPlain, 'tfjs-backend-wasm-simd.wasm': wasmSimd, 'tfjs-backend-wasm-threaded-simd.wasm': wasmThreaded });
    if (!(await tf.setBackend('wasm'))) throw new Error('TF.js could not start its WASM backend in this browser');
  }
}

/** TF.js with `backend` active (initialised once per page). */
export async function loadTfjsBrowser(backend: 'webgpu' | 'wasm'): Promise<TfjsHandle> {
  let p = ready.get(backend);
  if (!p) {
    p = init(backend);
    ready.set(backend, p);
    p.catch(() => ready.delete(backend));
  }
  await p;
  const tf = await loadTf();
  if (tf.getBackend() !== backend && !(await tf.setBackend(backend))) throw new Error(`TF.js could not switch to ${backend}`);
  await tf.ready();
  const b = tf.backend() as unknown as WebGpuBackendInternals;
  return {
    tf,
    backend,
    async flush() {
      if (backend === 'wasm') return;
      if (b.commandEncoder) {
        b.endComputePassEncoder();
        b.submitQueue();
      }
      await b.device.queue.onSubmittedWorkDone();
    },
    dispatches: () => (backend === 'webgpu' ? dispatchCount : null),
    resetDispatches() {
      dispatchCount = 0;
    },
    describe() {
      if (backend === 'wasm') {
        const flag = (name: string): string => {
          try {
            return String(tf.env().getBool(name));
          } catch {
            return '?';
          }
        };
        return `tfjs-backend-wasm ${tf.version.tfjs} in the browser (SIMD ${flag('WASM_HAS_SIMD_SUPPORT')}, threads ${flag('WASM_HAS_MULTITHREAD_SUPPORT')})`;
      }
      const info = b.adapterInfo;
      return `tfjs-backend-webgpu ${tf.version.tfjs} on ${[info?.vendor, info?.architecture].filter(Boolean).join(' ') || 'the browser adapter'}`;
    },
  };
}
