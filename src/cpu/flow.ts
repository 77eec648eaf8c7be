// Gradient-flow statistics on the CPU reference, from a forward tape and its backward pass: the check
// for the GPU diagnostics. See src/diagnostics/flowStats.ts for what each quantity is.
import { activateGrad, activate } from './activation';
import type { BackwardResult, ForwardResult } from './recurrent';
import type { LayerParams, RecurrentConfig } from '../config';
import type { LayerFlow } from '../diagnostics/flowStats';

/** Per layer: the flow statistics, plus per-sample norms. Needs dhTotal/ds per step, recomputed here from the tape. */
export function referenceFlow(cfg: RecurrentConfig, params: LayerParams[], fwd: ForwardResult, bwd: BackwardResult): LayerFlow[] {
  const { T, B } = fwd;
  const H = cfg.hiddenSize;
  const lstm = cfg.cell === 'lstm';
  return fwd.tape.map((tape, l) => {
    const flow: LayerFlow = { hiddenGradNorms: Array.from(bwd.hiddenGradNorms[l]) };
    if (lstm) {
      const gates = tape.gates!;
      const c = tape.c!;
      flow.cellGradNorms = Array.from(bwd.cellGradNorms[l]!);
      flow.forgetMean = [];
      flow.forgetProduct = new Array(T);
      flow.directPath = new Array(T);
      for (let t = 0; t < T; t++) {
        let s = 0;
        for (let b = 0; b < B; b++) for (let j = 0; j < H; j++) s += gates[(t * B + b) * 4 * H + H + j];
        flow.forgetMean.push(s / (B * H));
      }
      // Running product of forget gates from the last step backwards.
      const prod = new Float64Array(B * H).fill(1);
      for (let k = T - 1; k >= 0; k--) {
        let sum = 0;
        let max = 0;
        for (let b = 0; b < B; b++) {
          for (let j = 0; j < H; j++) {
            const e = b * H + j;
            const outGate = gates[((T - 1) * B + b) * 4 * H + 3 * H + j] * activateGrad(cfg.cellActivation, activate(cfg.cellActivation, c[(T * B + b) * H + j]));
            sum += prod[e];
            max = Math.max(max, Math.abs(outGate * prod[e]));
          }
        }
        flow.forgetProduct[k] = sum / (B * H);
        flow.directPath[k] = max;
        for (let b = 0; b < B; b++) for (let j = 0; j < H; j++) prod[b * H + j] *= gates[(k * B + b) * 4 * H + H + j];
      }
    } else {
      const W = params[l].weightHh;
      const rowSq = Array.from({ length: H }, (_, j) => {
        let s = 0;
        for (let k = 0; k < H; k++) s += W[j * H + k] ** 2;
        return s;
      });
      flow.jacobianNorm = Array.from({ length: T }, (_, t) => {
        let total = 0;
        for (let b = 0; b < B; b++) {
          let s = 0;
          for (let j = 0; j < H; j++) s += activateGrad(cfg.cellActivation, tape.h[((t + 1) * B + b) * H + j]) ** 2 * rowSq[j];
          total += Math.sqrt(s);
        }
        return total / B;
      });
    }
    return flow;
  });
}
