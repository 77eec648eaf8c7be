// Which row-sharing code piece the CPU-adapter kernels get (shaders/row_sharing_*.wgsl).
import subgroupWgsl from '../../shaders/row_sharing_subgroup.wgsl?raw';
import plainWgsl from '../../shaders/row_sharing_plain.wgsl?raw';
import type { Gpu } from '../gpu/runtime';

/**
 * Whether kernels share workgroup-uniform row values through subgroup shuffles: on a CPU adapter whose
 * subgroups are exactly 8 lanes (lavapipe; the shaders assume that size). Elsewhere every lane loads them.
 */
export const sharesRows = (gpu: Gpu): boolean => gpu.cpuAdapter && gpu.subgroupSize === 8;

/**
 * How a device splits the matrix-product kernels' work: GPUs one batch row per workgroup ('gpu');
 * CPU adapters whole blocks of rows, up to 32 where rows are shared through subgroups ('cpu') and 8
 * where they are not ('cpu-unshared': every lane then loads every row, and 32 unrolled rows of such
 * loads took lavapipe 10–15 s to compile per kernel, bench/NOTES.md v8).
 */
export type WorkSplit = 'gpu' | 'cpu' | 'cpu-unshared';

export const workSplit = (gpu: Gpu): WorkSplit => (!gpu.cpuAdapter ? 'gpu' : sharesRows(gpu) ? 'cpu' : 'cpu-unshared');

/**
 * The most rows a row-block workgroup takes under this split (the 'rows' GEMM's and the LSTM step
 * kernels'): 32 where rows are shared, 8 where every lane loads them (also a 'rows' GEMM forced onto a GPU).
 */
export const cpuMaxRows = (split: WorkSplit): number => (split === 'cpu' ? 32 : 8);

/**
 * The row-sharing code piece of a kernel, the `enable` it needs and the name suffix of the variant:
 * subgroup shuffles where the device shares rows (sharesRows), per-lane loads elsewhere.
 */
export function rowSharing(share: boolean): { code: string; enables: string[]; suffix: string } {
  return share ? { code: subgroupWgsl, enables: ['subgroups'], suffix: '.sg' } : { code: plainWgsl, enables: [], suffix: '' };
}
