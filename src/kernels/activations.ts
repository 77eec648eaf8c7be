import activationsWgsl from '../../shaders/activations.wgsl?raw';
import type { CellActivation } from '../config';

/** The cell activation functions (shaders/activations.wgsl): a code piece for the recurrent kernels, which declare ACTIVATION_CONSTANTS. */
export const ACTIVATIONS_WGSL = activationsWgsl;

/** The override the activation functions read: ACT_SIGMOID = 1 selects φ = ψ = σ instead of tanh. */
export const ACTIVATION_CONSTANTS = { ACT_SIGMOID: 0 } as const;

/** The override value that selects the activation. */
export const activationConstant = (activation: CellActivation): { ACT_SIGMOID: number } => ({ ACT_SIGMOID: activation === 'sigmoid' ? 1 : 0 });
