// The worker side of a page's GPU: the device is made on the page's first `init` call (which
// answers with the adapter in words, or fails with WebGpuUnavailableError), and a lost device or
// an uncaught WebGPU error becomes a 'fatal' event for the page (pages/lib/gpu.ts shows it).
import { Gpu } from '../../src/gpu/runtime';
import { formatAdapter } from '../../src/gpu/device';
import { serve } from './workerRpc';

/** Serves `make(device)`'s methods and `init`; `device()` is the worker's device (an error before init). Returns the events, as serve(). */
export function serveWithGpu(make: (device: () => Gpu) => Record<string, (args: never) => unknown>): { emit(event: string, data: unknown): void } {
  let gpu: Gpu | null = null;
  const device = (): Gpu => {
    if (!gpu) throw new Error('the worker has no GPU device yet: the page calls init first');
    return gpu;
  };
  const events = serve({
    ...make(device),
    async init(): Promise<{ adapter: string }> {
      gpu ??= await Gpu.create({
        onLost: (info) => events.emit('fatal', { kind: 'lost', message: info.message }),
        onUncapturedError: (message) => events.emit('fatal', { kind: 'uncaptured', message }),
      });
      return { adapter: formatAdapter(gpu.info) };
    },
  });
  return events;
}
