// Node-only: loads TensorFlow.js and its WebGPU or WASM backend for the benchmark.
// - WebGPU: TF.js looks for navigator.gpu when its backend module loads, so navigator.gpu is set to a
//   Dawn GPU object (Dawn's `webgpu` package, the same Vulkan adapter gateflow uses) first. The GPU
//   object is kept in a module-level variable: if it were garbage-collected Dawn would abort.
// - WASM: setWasmPaths gets the package's dist folder as a file path (Node reads the .wasm from disk).
// TF.js is a devDependency, loaded with require only when a tfjs contender runs.
import { createRequire } from 'node:module';
import path from 'node:path';
import type * as TF from '@tensorflow/tfjs';
import type { TfjsHandle } from '../contenders/tfjs';
import { makeTfjsHandle, tfjsWebgpuDevice } from '../contenders/tfjsBackend';

const require = createRequire(import.meta.url);

let dawnGpu: GPU | null = null; // must outlive every device made from it
let tfModule: typeof TF | null = null;
const registered = new Set<string>();

function loadTf(): typeof TF {
  if (tfModule) return tfModule;
  try {
    tfModule = require('@tensorflow/tfjs') as typeof TF;
  } catch (err) {
    throw new Error(`TF.js is not installed (it is a devDependency: run npm ci in the gateflow checkout): ${(err as Error).message}`);
  }
  return tfModule;
}

function installNavigatorGpu(): void {
  if (dawnGpu) return;
  const dawn = require('webgpu') as { create: (flags: string[]) => GPU; globals: object };
  Object.assign(globalThis, dawn.globals);
  dawnGpu = dawn.create([]);
  const nav = (globalThis as { navigator?: object }).navigator ?? {};
  Object.defineProperty(globalThis, 'navigator', { value: Object.assign(Object.create(nav), { gpu: dawnGpu }), configurable: true, writable: true });
}

function register(backend: 'webgpu' | 'wasm'): void {
  if (registered.has(backend)) return;
  if (backend === 'webgpu') {
    installNavigatorGpu(); // before the backend module loads: it registers only if navigator.gpu exists
    loadTf();
    require('@tensorflow/tfjs-backend-webgpu');
  } else {
    loadTf();
    const wasm = require('@tensorflow/tfjs-backend-wasm') as { setWasmPaths: (p: string) => void };
    wasm.setWasmPaths(path.join(path.dirname(require.resolve('@tensorflow/tfjs-backend-wasm/package.json')), 'dist') + path.sep);
  }
  registered.add(backend);
}

/** TF.js with `backend` active (registered once per process). */
export async function loadTfjsNode(backend: 'webgpu' | 'wasm'): Promise<TfjsHandle> {
  register(backend);
  return makeTfjsHandle(loadTf(), backend, 'node-dawn');
}

/** Releases TF.js's WebGPU device (Dawn aborts at exit with a live device). Safe to call when nothing was loaded. */
export async function shutdownTfjsNode(): Promise<void> {
  if (!tfModule || !registered.has('webgpu')) return;
  const device = tfjsWebgpuDevice(tfModule);
  if (!device) return;
  await device.queue.onSubmittedWorkDone();
  tfModule.removeBackend('webgpu');
  device.destroy();
  registered.delete('webgpu');
}
