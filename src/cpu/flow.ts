// Gradient-flow statistics on the CPU reference, from a forward tape and its backward pass: the check
// for the GPU diagnostics. See src/diagnostics/flowStats.ts for what each quantity is.
import { activateGrad, activate } from './activation';
import type { BackwardResult, ForwardResult } from './recurrent';
import type { LayerParams, RecurrentConfig } from '../config';
import type { LayerFlow } from '../diagnostics/flowStats';

/**
 * Per layer and direction (index layer·D + direction, in time order): the flow statistics, plus per-sample
 * norms. A direction's "last step" is the last of its forward order: T−1 forward, 0 reverse.
 */
export function referenceFlow(cfg: RecurrentConfig, params: LayerParams[], fwd: ForwardResult, bwd: BackwardResult): LayerFlow[] {
  const { T, B } = fwd;
  const H = cfg.hiddenSize;
  const lstm = cfg.cell === 'lstm';
  return fwd.tape.map((tape, k) => {
    const reverse = tape.direction === 1;
    // Time of the direction's p-th step, and the state slot that step wrote (see LayerTape).
    const timeOf = (p: number) => (reverse ? T - 1 - p : p);
    const written = (t: number) => (reverse ? t : t + 1);
    const flow: LayerFlow = { hiddenGradNorms: Array.from(bwd.hiddenGradNorms[k]) };
    if (cfg.cell !== 'rnn') {
      // The LSTM's forget gate f or the GRU's update gate z: rows [H, 2H) of the 4H gate records.
      const gates = tape.gates!;
      const c = tape.c;
      if (lstm) flow.cellGradNorms = Array.from(bwd.cellGradNorms[k]!);
      flow.forgetMean = [];
      flow.forgetProduct = new Array(T);
      flow.directPath = new Array(T);
      for (let t = 0; t < T; t++) {
        let s = 0;
        for (let b = 0; b < B; b++) for (let j = 0; j < H; j++) s += gates[(t * B + b) * 4 * H + H + j];
        flow.forgetMean.push(s / (B * H));
      }
      // Running product of forget gates from the direction's last step backwards.
      const last = timeOf(T - 1);
      const prod = new Float64Array(B * H).fill(1);
      for (let p = T - 1; p >= 0; p--) {
        const t = timeOf(p);
        let sum = 0;
        let max = 0;
        for (let b = 0; b < B; b++) {
          for (let j = 0; j < H; j++) {
            const e = b * H + j;
            // The GRU's direct path h_k → h_last has no output gate.
            const outGate = c ? gates[(last * B + b) * 4 * H + 3 * H + j] * activateGrad(cfg.cellActivation, activate(cfg.cellActivation, c[(written(last) * B + b) * H + j])) : 1;
            sum += prod[e];
            max = Math.max(max, Math.abs(outGate * prod[e]));
          }
        }
        flow.forgetProduct[t] = sum / (B * H);
        flow.directPath[t] = max;
        for (let b = 0; b < B; b++) for (let j = 0; j < H; j++) prod[b * H + j] *= gates[(t * B + b) * 4 * H + H + j];
      }
    } else {
      const W = params[k].weightHh;
      const rowSq = Array.from({ length: H }, (_, j) => {
        let s = 0;
        for (let q = 0; q < H; q++) s += W[j * H + q] ** 2;
        return s;
      });
      flow.jacobianNorm = Array.from({ length: T }, (_, t) => {
        let total = 0;
        for (let b = 0; b < B; b++) {
          let s = 0;
          for (let j = 0; j < H; j++) s += activateGrad(cfg.cellActivation, tape.h[(written(t) * B + b) * H + j]) ** 2 * rowSq[j];
          total += Math.sqrt(s);
        }
        return total / B;
      });
    }
    return flow;
  });
}
