// The addressing every recurrent kernel shares (shaders/sequence_place.wgsl): directions, the state
// slots each step reads and writes, and per-row lengths. A code piece, a binding and uniform fields.
import sequencePlaceWgsl from '../../shaders/sequence_place.wgsl?raw';

export const SEQUENCE_PLACE_WGSL = sequencePlaceWgsl;

/** The binding the piece reads: one length per batch row (T for every row when none were given). */
export const LENGTHS_BINDING = { access: 'read', type: 'array<u32>', doc: '[B] steps of each row' } as const;
