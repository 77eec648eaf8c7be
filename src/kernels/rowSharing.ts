// Which row-sharing prelude the CPU-adapter kernels get (shaders/row_sharing_*.wgsl).
import subgroupWgsl from '../../shaders/row_sharing_subgroup.wgsl?raw';
import plainWgsl from '../../shaders/row_sharing_plain.wgsl?raw';
import type { Gpu } from '../gpu/runtime';

/**
 * Whether kernels share workgroup-uniform row values through subgroup shuffles: on a CPU adapter whose
 * subgroups are exactly 8 lanes (lavapipe; the shaders assume that size). Elsewhere every lane loads them.
 */
export const sharesRows = (gpu: Gpu): boolean => gpu.cpuAdapter && gpu.subgroupSize === 8;

/** A kernel's WGSL with the row-sharing prelude in front, and the name suffix that keeps the two apart in the pipeline cache. */
export function withRowSharing(gpu: Gpu, code: string): { code: string; suffix: string } {
  return sharesRows(gpu) ? { code: `${subgroupWgsl}\n${code}`, suffix: '+subgroups' } : { code: `${plainWgsl}\n${code}`, suffix: '' };
}
