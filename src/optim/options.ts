// Options of the GPU optimizers and clipping, their PyTorch defaults and checks, and how they become
// the Hyper uniform (layout in ../kernels/optimLayout).
import { normGroups } from '../kernels/gradNorm';
import type { HyperField } from '../kernels/optimLayout';

/** Clipping and skip guard, applied on the GPU before the update. */
export interface ClipOptions {
  /** Clip by the global L2 norm: grads · min(clipNorm / (norm + 1e-6), 1) (torch clip_grad_norm_). */
  clipNorm?: number;
  /** Clamp each grad into [−clipValue, clipValue] (torch clip_grad_value_), after clipNorm's scaling. */
  clipValue?: number;
  /** Skip the whole update (params and state untouched) when the pre-clip norm exceeds this. */
  maxGradNorm?: number;
}

/** torch.optim.SGD; defaults as in PyTorch (momentum 0, dampening 0, weightDecay 0, nesterov off). */
export interface GpuSgdOptions extends ClipOptions {
  kind: 'sgd';
  lr: number;
  momentum?: number;
  dampening?: number;
  weightDecay?: number;
  nesterov?: boolean;
}

/** torch.optim.Adam (amsgrad off); defaults as in PyTorch (β 0.9, 0.999; ε 1e-8; weightDecay 0). */
export interface GpuAdamOptions extends ClipOptions {
  kind: 'adam';
  lr: number;
  beta1?: number;
  beta2?: number;
  eps?: number;
  weightDecay?: number;
}

/** The optimizer of a session or trainer: { kind: 'sgd' | 'adam', lr, ... } with clipping and guard options. */
export type GpuOptimizerOptions = GpuSgdOptions | GpuAdamOptions;

function check(name: string, v: number | undefined, ok: (v: number) => boolean, rule: string): void {
  if (v !== undefined && !(Number.isFinite(v) && ok(v))) throw new RangeError(`${name}: must be ${rule}, got ${v}`);
}

export function checkLearningRate(lr: number): void {
  check('lr', lr, (v) => v >= 0, 'a finite number ≥ 0');
}

export function checkClipOptions(o: ClipOptions): void {
  check('clipNorm', o.clipNorm, (v) => v > 0, 'a finite number > 0');
  check('clipValue', o.clipValue, (v) => v >= 0, 'a finite number ≥ 0');
  check('maxGradNorm', o.maxGradNorm, (v) => v > 0, 'a finite number > 0');
}

type Resolved<T extends ClipOptions> = Required<Omit<T, keyof ClipOptions>> & ClipOptions;
export type ResolvedOptions = Resolved<GpuSgdOptions> | Resolved<GpuAdamOptions>;

/** The options with PyTorch's defaults filled in, checked the way torch checks them. */
export function resolveOptions(o: GpuOptimizerOptions): ResolvedOptions {
  checkLearningRate(o.lr);
  checkClipOptions(o);
  check('weightDecay', o.weightDecay, (v) => v >= 0, 'a finite number ≥ 0');
  const clip = { clipNorm: o.clipNorm, clipValue: o.clipValue, maxGradNorm: o.maxGradNorm };
  if (o.kind === 'sgd') {
    check('momentum', o.momentum, (v) => v >= 0, 'a finite number ≥ 0');
    check('dampening', o.dampening, () => true, 'a finite number');
    const r = { kind: 'sgd' as const, lr: o.lr, momentum: o.momentum ?? 0, dampening: o.dampening ?? 0, weightDecay: o.weightDecay ?? 0, nesterov: o.nesterov ?? false, ...clip };
    if (r.nesterov && (r.momentum <= 0 || r.dampening !== 0)) throw new RangeError('nesterov: needs momentum > 0 and dampening 0 (as in torch)');
    return r;
  }
  if (o.kind !== 'adam') throw new RangeError(`kind: must be 'sgd' or 'adam', got ${JSON.stringify((o as { kind: unknown }).kind)}`);
  for (const b of ['beta1', 'beta2'] as const) check(b, o[b], (v) => v >= 0 && v < 1, 'in [0, 1)');
  check('eps', o.eps, (v) => v >= 0, 'a finite number ≥ 0');
  return { kind: 'adam', lr: o.lr, beta1: o.beta1 ?? 0.9, beta2: o.beta2 ?? 0.999, eps: o.eps ?? 1e-8, weightDecay: o.weightDecay ?? 0, ...clip };
}

/**
 * The Hyper uniform's values. Differences and logs are taken here in f64 and rounded once (see
 * HYPER_FIELDS); ln 0 is clamped to −100, where β^t already underflows to 0 in f32.
 */
export function hyperValues(o: ResolvedOptions | (ClipOptions & { kind: 'clip' }), count: number, lossOffset: number): Record<HyperField, number> {
  const adam = o.kind === 'adam' ? o : null;
  const sgd = o.kind === 'sgd' ? o : null;
  const logBeta = (b: number) => Math.max(Math.log(b), -100);
  return {
    count,
    numGroups: normGroups(count),
    lossOffset,
    lr: adam?.lr ?? sgd?.lr ?? 0,
    beta1: adam?.beta1 ?? 0,
    beta2: adam?.beta2 ?? 0,
    oneMinusBeta1: adam ? 1 - adam.beta1 : 0,
    oneMinusBeta2: adam ? 1 - adam.beta2 : 0,
    logBeta1: adam ? logBeta(adam.beta1) : 0,
    logBeta2: adam ? logBeta(adam.beta2) : 0,
    eps: adam?.eps ?? 0,
    weightDecay: adam?.weightDecay ?? sgd?.weightDecay ?? 0,
    momentum: sgd?.momentum ?? 0,
    oneMinusDampening: sgd ? 1 - sgd.dampening : 0,
    clipNorm: o.clipNorm ?? 0,
    clipValue: o.clipValue ?? 0,
    maxGradNorm: o.maxGradNorm ?? 0,
  };
}
