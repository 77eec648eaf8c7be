// Every variant of the matrix-product and recurrent kernels that ships, in one registry (llm.c's
// dev/cuda style: numbered versions, version 1 the plain one). The parity tests validate each one
// against the CPU reference, and `gateflow bench --kernels --variants` times each one: validate,
// then time. A variant stays only where the bench shows it winning on some adapter class (`wins`).
import type { Gpu } from '../gpu/runtime';
import type { Strategy } from '../scheduler/recurrentPlan';
import { GEMM_VARIANTS, type GemmVariant } from './gemm';

export { GEMM_VARIANTS, type GemmVariant };

/** A way to run the recurrence: a strategy, under the work split of an adapter class. */
export interface RecurrentVariant {
  version: number;
  name: string;
  strategy: Strategy;
  /** The device as this variant sees it: the adapter class whose kernels it selects. */
  view(gpu: Gpu): Gpu;
  /** What it is. */
  about: string;
  /** Where the bench shows it winning (bench/NOTES.md). */
  wins: string;
}

/** The device without subgroups: CPU-adapter kernels load every row's value themselves. */
const unshared = (gpu: Gpu): Gpu => Object.create(gpu.as('cpu'), { subgroupSize: { value: null } }) as Gpu;

export const RECURRENT_VARIANTS: readonly RecurrentVariant[] = [
  {
    version: 1,
    name: 'per-step',
    strategy: 'per-step',
    view: (gpu) => gpu.as('gpu'),
    about: 'one fused dispatch per time step and layer; one invocation per (hidden unit, batch row)',
    wins: 'GPUs where the persistent kernels do not fit (H over workgroup memory), and large B·H',
  },
  {
    version: 2,
    name: 'per-step rows',
    strategy: 'per-step',
    view: (gpu) => gpu.as('cpu'),
    about: 'per-step kernels whose workgroups own up to 32 batch rows (a power of two), shared through 8-lane subgroups; 4 units per backward invocation',
    wins: 'CPU adapters (lavapipe) for B·H > 64: B16/T64/H128 27 ms against 263 ms persistent (bench/NOTES.md v7, v8)',
  },
  {
    version: 3,
    name: 'per-step rows unshared',
    strategy: 'per-step',
    view: unshared,
    about: 'version 2 without subgroups (every lane loads every row), up to 8 rows per workgroup',
    wins: 'CPU adapters without fixed 8-lane subgroups (SwiftShader)',
  },
  {
    version: 4,
    name: 'persistent',
    strategy: 'persistent',
    view: (gpu) => gpu,
    about: 'one dispatch per layer and direction: a workgroup per batch row loops over time with h in workgroup memory',
    wins: 'GPUs where H fits workgroup memory (2T dispatches fewer per step); CPU adapters for B·H ≤ 64 and H ≤ 32 (B1/T256/H16 2.1 against 10.7 ms)',
  },
];
