import type { Gpu } from '../gpu/runtime';
import type { RecurrentNetwork } from '../model/recurrentNetwork';
import type { TrainPlan } from '../scheduler/trainPlan';
import { checkTensor } from '../validate';

/** One batch of a task: inputs [T,B,I] and targets for the head's rows (all steps or the last). */
export interface Batch {
  x: ArrayLike<number>;
  T: number;
  B: number;
  /** MSE: [N,O] values; cross-entropy: [N] class ids (N = T·B for 'all', B for 'last'). */
  target: ArrayLike<number>;
  /** MSE: per element; cross-entropy: per row. 0/1. */
  mask?: ArrayLike<number>;
}

/** Checks a batch against the plan's shapes (before any GPU work) and uploads it. */
export function writeBatch(gpu: Gpu, net: RecurrentNetwork, plan: TrainPlan, batch: Batch): void {
  const N = plan.N;
  const O = net.layout.head ? net.layout.outputSize : net.cfg.hiddenSize;
  const rows = plan.headAt === 'all' ? '[T·B' : '[B';
  let target: Float32Array | Int32Array;
  if (plan.lossKind === 'mse') {
    target = checkTensor('target', batch.target, [N, O], `${rows},O]`);
  } else {
    const ids = batch.target;
    if (!ids || ids.length !== N) throw new RangeError(`target has ${ids?.length ?? 0} class ids but ${rows}] = ${N} rows need ${N}`);
    const out = new Int32Array(N);
    for (let r = 0; r < N; r++) {
      const y = ids[r];
      if (!Number.isInteger(y) || y < 0 || y >= O) throw new RangeError(`target[${r}] = ${y} is not a class id in [0, ${O})`);
      out[r] = y;
    }
    target = out;
  }
  let mask: Float32Array | null = null;
  if (plan.mask) {
    const count = plan.lossKind === 'mse' ? N * O : N;
    mask = checkTensor('mask', batch.mask, [count], plan.lossKind === 'mse' ? `${rows},O]` : `${rows}]`);
    const bad = mask.findIndex((m) => m !== 0 && m !== 1);
    if (bad >= 0) throw new RangeError(`mask[${bad}] = ${mask[bad]}: mask values must be 0 or 1`);
  } else if (batch.mask) {
    throw new Error('mask given but the plan was built without one');
  }
  // writeInputs checks x before writing anything, so a bad batch leaves the GPU untouched.
  net.writeInputs(plan.recurrent, { x: batch.x, T: batch.T, B: batch.B });
  gpu.write(plan.target, target);
  if (plan.mask && mask) gpu.write(plan.mask, mask);
}
