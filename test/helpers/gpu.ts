import { Gpu } from '../../src/gpu/runtime';

const inCi = (): boolean => !!process.env.CI && process.env.CI !== 'false' && process.env.CI !== '0';

let shared: Promise<Gpu | null> | null = null;
const uncaptured: string[] = [];

/** WebGPU errors nobody caught since the last call (validation, out of memory); the setup file fails the test on any. */
export function takeUncapturedErrors(): string[] {
  return uncaptured.splice(0);
}

/**
 * The device GPU tests run on. In CI a missing adapter is a failure (the error is thrown);
 * elsewhere the GPU tests skip, and one loud line says why and how to fix it.
 */
export function gpuForTests(): Promise<Gpu | null> {
  shared ??= Gpu.create({ onUncapturedError: (m) => uncaptured.push(m) }).catch((err: Error) => {
    if (inCi()) throw new Error(`CI=true but no WebGPU adapter could be had: ${err.message}`);
    console.warn(`\n*** GPU TESTS SKIPPED: ${err.message} ***\n`);
    return null;
  });
  return shared;
}

/** A buffer's worth of NaN: written into outputs before a run so unwritten elements are caught. */
export function nanFilled(n: number): Float32Array<ArrayBuffer> {
  return new Float32Array(n).fill(Number.NaN);
}

/** The same device without subgroups: CPU-adapter kernels load every row's value themselves instead of sharing loads. */
export function withoutSubgroups(gpu: Gpu): Gpu {
  return Object.create(gpu, { subgroupSize: { value: null } }) as Gpu;
}
