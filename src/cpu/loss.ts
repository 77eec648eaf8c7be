// Losses, each returning the mean loss and its gradient with respect to the prediction.
// Legend: N rows, C classes. A mask marks what counts (1) and what is ignored (0); the mean runs over
// the counted elements (MSE) or rows (cross-entropy). With nothing counted the loss and gradient are 0.

export interface LossResult {
  loss: number;
  /** dLoss/dprediction, same layout as the prediction. */
  grad: Float64Array;
}

function checkMask(mask: ArrayLike<number>, n: number, what: string): number {
  if (mask.length !== n) throw new Error(`mask: expected length ${n} (one per ${what}), got ${mask.length}`);
  let counted = 0;
  for (let k = 0; k < n; k++) {
    if (mask[k] !== 0 && mask[k] !== 1) throw new Error(`mask: values must be 0 or 1, mask[${k}] = ${mask[k]}`);
    counted += mask[k];
  }
  return counted;
}

/** loss = (1/n) Σ m (pred − target)², grad = (2/n) m (pred − target); n = number of counted elements. */
export function mseLoss(pred: Float64Array, target: Float64Array, mask?: ArrayLike<number>): LossResult {
  if (target.length !== pred.length) throw new Error(`target: expected length ${pred.length} (as pred), got ${target.length}`);
  const n = mask ? checkMask(mask, pred.length, 'element') : pred.length;
  const grad = new Float64Array(pred.length);
  if (n === 0) return { loss: 0, grad };
  let sum = 0;
  for (let k = 0; k < pred.length; k++) {
    if (mask && mask[k] === 0) continue;
    const d = pred[k] - target[k];
    sum += d * d;
    grad[k] = (2 * d) / n;
  }
  return { loss: sum / n, grad };
}

/**
 * Per row r: loss_r = logsumexp(z_r) − z_r[y_r], computed as log Σ exp(z − max) + max − z[y] so large
 * logits do not overflow; dloss_r/dz_r = softmax(z_r) − onehot(y_r). The result is the mean over counted rows.
 */
export function softmaxCrossEntropy(logits: Float64Array, targets: Int32Array, C: number, mask?: ArrayLike<number>): LossResult {
  if (!(Number.isInteger(C) && C > 0)) throw new Error(`C: must be a positive integer, got ${C}`);
  const N = targets.length;
  if (logits.length !== N * C) throw new Error(`logits: expected length ${N * C} ([N,C] with N = targets.length = ${N}, C = ${C}), got ${logits.length}`);
  for (let r = 0; r < N; r++) {
    if (!(targets[r] >= 0 && targets[r] < C)) throw new Error(`targets: targets[${r}] = ${targets[r]} is outside [0, ${C})`);
  }
  const n = mask ? checkMask(mask, N, 'row') : N;
  const grad = new Float64Array(N * C);
  if (n === 0) return { loss: 0, grad };
  let sum = 0;
  for (let r = 0; r < N; r++) {
    if (mask && mask[r] === 0) continue;
    let max = -Infinity;
    for (let k = 0; k < C; k++) max = Math.max(max, logits[r * C + k]);
    let z = 0;
    for (let k = 0; k < C; k++) z += Math.exp(logits[r * C + k] - max);
    const logSumExp = Math.log(z) + max;
    sum += logSumExp - logits[r * C + targets[r]];
    for (let k = 0; k < C; k++) {
      const softmax = Math.exp(logits[r * C + k] - logSumExp);
      grad[r * C + k] = (softmax - (k === targets[r] ? 1 : 0)) / n;
    }
  }
  return { loss: sum / n, grad };
}
