// Which weights prelude a step kernel gets (shaders/weights_*.wgsl): how it reads the parameter buffer.
import vec4Wgsl from '../../shaders/weights_vec4.wgsl?raw';
import scalarWgsl from '../../shaders/weights_scalar.wgsl?raw';

/**
 * Whether every row of a layer's W_hh [4H,H] starts on a 16-byte boundary inside the parameter
 * buffer, so the kernels may read it four floats per load.
 */
export const weightRowsAligned = (H: number, offWhh: number): boolean => H % 4 === 0 && offWhh % 4 === 0;

/** A kernel's WGSL with the weights prelude in front, and the name suffix that keeps the two apart in the pipeline cache. */
export function withWeights(code: string, aligned: boolean): { code: string; suffix: string } {
  return aligned ? { code: `${vec4Wgsl}\n${code}`, suffix: '+vec4' } : { code: `${scalarWgsl}\n${code}`, suffix: '' };
}
