// The worker side of a page's GPU: the device is made on the page's first `init` call (which
// answers with the adapter in words, or fails with WebGpuUnavailableError), and a lost device or
// an uncaught WebGPU error becomes a 'fatal' event for the page (pages/lib/gpu.ts shows it); and
// optimizer changes for the workers' sessions. Nothing here touches the DOM.
import { Gpu } from '../../src/gpu/runtime';
import { formatAdapter } from '../../src/gpu/device';
import type { GpuOptimizerOptions } from '../../src/optim/options';
import { TrainingSession, type ModelConfig } from '../../src/train/session';
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

/** A new session, restored from a checkpoint's bytes when given; if that fails it is disposed and the error thrown. */
export function sessionFrom(gpu: Gpu, config: ModelConfig, optimizer: GpuOptimizerOptions, seed: number, bytes?: Uint8Array, source = 'checkpoint'): TrainingSession {
  const next = new TrainingSession(gpu, config, optimizer, { seed });
  try {
    if (bytes) next.restore(bytes, source);
  } catch (err) {
    next.dispose();
    throw err;
  }
  return next;
}

/**
 * A new session with other optimizer settings (learning rate, clipping) that carries on from the
 * old one's weights and optimizer state (through a checkpoint), so training continues where it was.
 * The old session is disposed.
 */
export async function withOptimizer(gpu: Gpu, old: TrainingSession, optimizer: GpuOptimizerOptions, seed: number): Promise<TrainingSession> {
  const next = sessionFrom(gpu, old.config, optimizer, seed, await old.checkpoint(), 'the running session');
  old.dispose();
  return next;
}
