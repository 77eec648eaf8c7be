import activationsWgsl from '../../shaders/activations.wgsl?raw';
import type { CellActivation } from '../cpu/types';

/** A recurrent kernel's WGSL with the shared activation functions (shaders/activations.wgsl) in front. */
export const withActivations = (code: string): string => `${activationsWgsl}\n${code}`;

/** The override constant that selects the activation. */
export const activationConstant = (activation: CellActivation): { ACT_SIGMOID: number } => ({ ACT_SIGMOID: activation === 'sigmoid' ? 1 : 0 });
