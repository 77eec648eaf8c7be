// Which weights prelude a step kernel gets (shaders/weights_*.wgsl): how it reads the parameter buffer.
import vec4Wgsl from '../../shaders/weights_vec4.wgsl?raw';
import scalarWgsl from '../../shaders/weights_scalar.wgsl?raw';

/**
 * Whether every row of a layer's W_hh [4H,H] starts on a 16-byte boundary inside the parameter
 * buffer, so the kernels may read it four floats per load.
 */
export const weightRowsAligned = (H: number, offWhh: number): boolean => H % 4 === 0 && offWhh % 4 === 0;

/** WGSL put in front of a kernel, and the name suffix that keeps kernels with different preludes apart in the pipeline cache. */
export interface Prelude {
  code: string;
  suffix: string;
}

/** The weights prelude: W_hh read four floats per load where its rows are aligned, else one. */
export const weightsPrelude = (aligned: boolean): Prelude => (aligned ? { code: vec4Wgsl, suffix: '+vec4' } : { code: scalarWgsl, suffix: '' });
