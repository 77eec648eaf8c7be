// The addressing every recurrent kernel shares (shaders/sequence_place.wgsl): directions, the state
// slots each step reads and writes, and per-row lengths. Code pieces, a binding and uniform fields.
import sequencePlaceWgsl from '../../shaders/sequence_place.wgsl?raw';
import lengthsBindingWgsl from '../../shaders/lengths_binding.wgsl?raw';
import lengthsInStateGradsWgsl from '../../shaders/lengths_in_state_grads.wgsl?raw';

/** The addressing, with row lengths from the `lengths` binding (LENGTHS_BINDING). */
export const SEQUENCE_PLACE_WGSL = [sequencePlaceWgsl, lengthsBindingWgsl].join('\n');

/**
 * The addressing for the LSTM backward kernels, which bind the 8 storage buffers WebGPU promises
 * already: the row lengths ride in the last section of their stateGrads buffer (as floats).
 */
export const SEQUENCE_PLACE_STATE_GRADS_WGSL = [sequencePlaceWgsl, lengthsInStateGradsWgsl].join('\n');

/** The binding the piece reads: one length per batch row (T for every row when none were given). */
export const LENGTHS_BINDING = { access: 'read', type: 'array<u32>', doc: '[B] steps of each row' } as const;
