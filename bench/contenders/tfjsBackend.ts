// A TfjsHandle over an already loaded TF.js: switches to the backend, counts WebGPU dispatches and
// knows how to wait for queued work. No Node module here: the Node loader (bench/node/tfjsNode.ts)
// and a page's loader differ only in how they load TF.js and point the WASM backend at its files.
import type * as TF from '@tensorflow/tfjs';
import type { TfjsHandle } from './tfjs';

/** The internals of tfjs-backend-webgpu 4.x that flush() and the dispatch counter use. */
interface WebGpuBackendInternals {
  device: GPUDevice;
  commandEncoder: GPUCommandEncoder | null;
  adapterInfo?: { vendor?: string; architecture?: string };
  bufferManager?: { freeBuffers?: Map<string, GPUBuffer[]>; numFreeBuffers: number; numBytesAllocated: number };
  endComputePassEncoder(): void;
  submitQueue(): void;
  recordAndSubmit(...args: unknown[]): void;
}

const counters = new WeakMap<object, { n: number }>();

/** Every GPU program TF.js runs goes through recordAndSubmit, one dispatch each: wrap it once per backend. */
function counterFor(tf: typeof TF, b: WebGpuBackendInternals): { n: number } {
  let c = counters.get(b);
  if (c) return c;
  for (const m of ['endComputePassEncoder', 'submitQueue', 'recordAndSubmit'] as const) {
    if (typeof b[m] !== 'function') throw new Error(`tfjs-backend-webgpu ${tf.version.tfjs}: WebGPUBackend.${m} is gone; update bench/contenders/tfjsBackend.ts`);
  }
  const counter = { n: 0 };
  const original = b.recordAndSubmit.bind(b);
  b.recordAndSubmit = (...args: unknown[]) => {
    counter.n++;
    return original(...args);
  };
  counters.set(b, counter);
  return (c = counter);
}

/** Makes `backend` TF.js's active backend (it must be registered and loadable) and wraps it. */
export async function makeTfjsHandle(tf: typeof TF, backend: 'webgpu' | 'wasm', runtime: string): Promise<TfjsHandle> {
  if (tf.getBackend() !== backend && !(await tf.setBackend(backend))) throw new Error(`TF.js could not initialise its ${backend} backend`);
  await tf.ready();
  if (backend === 'wasm') {
    const flag = (name: string): string => {
      try {
        return String(tf.env().getBool(name)); // evaluated (asynchronously) when the backend started
      } catch {
        return '?';
      }
    };
    return {
      tf,
      backend,
      flush: async () => {}, // WASM kernels run synchronously
      dispatches: () => null,
      resetDispatches: () => {},
      releaseMemory: () => {},
      describe: () => `tfjs-backend-wasm ${tf.version.tfjs} (SIMD ${flag('WASM_HAS_SIMD_SUPPORT')}, threads ${flag('WASM_HAS_MULTITHREAD_SUPPORT')}) via ${runtime}`,
    };
  }
  const b = tf.backend() as unknown as WebGpuBackendInternals;
  const counter = counterFor(tf, b);
  return {
    tf,
    backend,
    async flush() {
      // TF.js batches dispatches into an open compute pass: end and submit it, then wait for the queue.
      if (b.commandEncoder) {
        b.endComputePassEncoder();
        b.submitQueue();
      }
      await b.device.queue.onSubmittedWorkDone();
    },
    dispatches: () => counter.n,
    resetDispatches() {
      counter.n = 0;
    },
    releaseMemory() {
      // TF.js keeps every buffer it ever freed for reuse. On a CPU adapter each buffer is a host
      // memory mapping, and a long run of many shapes would pile up toward vm.max_map_count: destroy
      // the idle ones between contenders (the keys stay: its releaseBuffer ignores an empty map).
      const bm = b.bufferManager;
      if (!bm?.freeBuffers) return;
      for (const list of bm.freeBuffers.values()) {
        for (const buffer of list) {
          bm.numBytesAllocated -= buffer.size;
          buffer.destroy();
        }
        list.length = 0;
      }
      bm.numFreeBuffers = 0;
    },
    describe: () => `tfjs-backend-webgpu ${tf.version.tfjs} on ${[b.adapterInfo?.vendor, b.adapterInfo?.architecture].filter(Boolean).join(' ') || 'unknown adapter'} via ${runtime}`,
  };
}

/** The WebGPU device TF.js's active webgpu backend uses (to destroy it at the end of a run), if any. */
export function tfjsWebgpuDevice(tf: typeof TF): GPUDevice | null {
  try {
    const b = tf.findBackend('webgpu') as unknown as WebGpuBackendInternals | null;
    return b?.device ?? null;
  } catch {
    return null;
  }
}
