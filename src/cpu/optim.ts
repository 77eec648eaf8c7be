// Optimizers with PyTorch 1.13 semantics (torch.optim.SGD, torch.optim.Adam; amsgrad and maximize
// not supported). Each step updates params and state in place; a state is plain data (a step count and
// one buffer per parameter) and converts to/from JSON with the *ToJSON / *FromJSON helpers.
export { clipGradNorm, clipGradValue, type ClipResult } from './clip';

export interface SgdOptions {
  lr: number;
  momentum: number;
  weightDecay: number;
  dampening?: number;
  nesterov?: boolean;
}

export interface SgdState {
  step: number;
  /** Per parameter; null until the first step with momentum ≠ 0 creates it. */
  momentumBuffer: (Float64Array | null)[];
}

export interface AdamOptions {
  lr: number;
  beta1: number;
  beta2: number;
  eps: number;
  weightDecay: number;
}

export interface AdamState {
  step: number;
  /** m, per parameter. */
  expAvg: Float64Array[];
  /** v, per parameter. */
  expAvgSq: Float64Array[];
}

function checkPairs(params: Float64Array[], grads: Float64Array[]): void {
  if (grads.length !== params.length) throw new Error(`grads: expected ${params.length} tensors (one per param), got ${grads.length}`);
  for (let j = 0; j < params.length; j++) {
    if (grads[j].length !== params[j].length) throw new Error(`grads[${j}]: expected length ${params[j].length}, got ${grads[j].length}`);
  }
}

export function sgdInit(params: Float64Array[]): SgdState {
  return { step: 0, momentumBuffer: params.map(() => null) };
}

/**
 *   d = g + weightDecay·p
 *   buf = d                                         on the first step (PyTorch: a clone, no dampening)
 *   buf = momentum·buf + (1 − dampening)·d          afterwards
 *   d = d + momentum·buf  (nesterov)   or   d = buf
 *   p = p − lr·d
 */
export function sgdStep(params: Float64Array[], grads: Float64Array[], state: SgdState, opts: SgdOptions): void {
  checkPairs(params, grads);
  const { lr, momentum, weightDecay } = opts;
  const dampening = opts.dampening ?? 0;
  const nesterov = opts.nesterov ?? false;
  for (let j = 0; j < params.length; j++) {
    const p = params[j];
    const g = grads[j];
    const d = new Float64Array(p.length);
    for (let n = 0; n < p.length; n++) d[n] = g[n] + weightDecay * p[n];
    if (momentum !== 0) {
      let buf = state.momentumBuffer[j];
      if (buf === null) {
        buf = d.slice();
        state.momentumBuffer[j] = buf;
      } else {
        for (let n = 0; n < p.length; n++) buf[n] = momentum * buf[n] + (1 - dampening) * d[n];
      }
      for (let n = 0; n < p.length; n++) d[n] = nesterov ? d[n] + momentum * buf[n] : buf[n];
    }
    for (let n = 0; n < p.length; n++) p[n] -= lr * d[n];
  }
  state.step += 1;
}

export function adamInit(params: Float64Array[]): AdamState {
  return {
    step: 0,
    expAvg: params.map((p) => new Float64Array(p.length)),
    expAvgSq: params.map((p) => new Float64Array(p.length)),
  };
}

/**
 *   s = s + 1;  d = g + weightDecay·p  (L2 penalty on the gradient, not AdamW)
 *   m = β1·m + (1 − β1)·d
 *   v = β2·v + (1 − β2)·d²
 *   denom = √v / √(1 − β2^s) + eps                  eps added after the bias correction
 *   p = p − (lr / (1 − β1^s)) · m / denom
 */
export function adamStep(params: Float64Array[], grads: Float64Array[], state: AdamState, opts: AdamOptions): void {
  checkPairs(params, grads);
  const { lr, beta1, beta2, eps, weightDecay } = opts;
  state.step += 1;
  const biasCorrection1 = 1 - beta1 ** state.step;
  const biasCorrection2 = 1 - beta2 ** state.step;
  const stepSize = lr / biasCorrection1;
  for (let j = 0; j < params.length; j++) {
    const p = params[j];
    const g = grads[j];
    const m = state.expAvg[j];
    const v = state.expAvgSq[j];
    for (let n = 0; n < p.length; n++) {
      const d = g[n] + weightDecay * p[n];
      m[n] = beta1 * m[n] + (1 - beta1) * d;
      v[n] = beta2 * v[n] + (1 - beta2) * d * d;
      const denom = Math.sqrt(v[n]) / Math.sqrt(biasCorrection2) + eps;
      p[n] -= stepSize * (m[n] / denom);
    }
  }
}

export interface SgdStateJSON {
  step: number;
  momentumBuffer: (number[] | null)[];
}

export interface AdamStateJSON {
  step: number;
  expAvg: number[][];
  expAvgSq: number[][];
}

export const sgdStateToJSON = (s: SgdState): SgdStateJSON => ({
  step: s.step,
  momentumBuffer: s.momentumBuffer.map((b) => (b ? Array.from(b) : null)),
});

export const sgdStateFromJSON = (j: SgdStateJSON): SgdState => ({
  step: j.step,
  momentumBuffer: j.momentumBuffer.map((b) => (b ? Float64Array.from(b) : null)),
});

export const adamStateToJSON = (s: AdamState): AdamStateJSON => ({
  step: s.step,
  expAvg: s.expAvg.map((b) => Array.from(b)),
  expAvgSq: s.expAvgSq.map((b) => Array.from(b)),
});

export const adamStateFromJSON = (j: AdamStateJSON): AdamState => ({
  step: j.step,
  expAvg: j.expAvg.map((b) => Float64Array.from(b)),
  expAvgSq: j.expAvgSq.map((b) => Float64Array.from(b)),
});
