import { describe, expect, it } from 'vitest';
import { RecurrentNetwork } from '../../src/model/recurrentNetwork';
import { TrainPlan, type HeadAt, type LossKind } from '../../src/scheduler/trainPlan';
import { modelLossAndGradients } from '../../src/cpu/model';
import type { CellKind } from '../../src/config';
import { writeBatch } from '../../src/train/batch';
import { flatWeights, randomCpuModel, randomTargets } from '../helpers/models';
import { Rng, freshSeed } from '../../src/random';
import { expectClose } from '../helpers/expectClose';
import { gpuForTests, nanFilled } from '../helpers/gpu';

const gpu = await gpuForTests();

interface Case { cell: CellKind; loss: LossKind; headAt: HeadAt; I: number; H: number; L: number; O: number; T: number; B: number; mask: boolean; bidirectional?: boolean; lengths?: boolean; projSize?: number }

const cases: Case[] = [
  { cell: 'lstm', loss: 'mse', headAt: 'last', I: 2, H: 33, L: 1, O: 1, T: 17, B: 3, mask: false },
  { cell: 'lstm', loss: 'mse', headAt: 'all', I: 7, H: 7, L: 2, O: 3, T: 5, B: 1, mask: true },
  { cell: 'lstm', loss: 'crossentropy', headAt: 'all', I: 11, H: 33, L: 2, O: 11, T: 9, B: 3, mask: true },
  { cell: 'lstm', loss: 'crossentropy', headAt: 'last', I: 5, H: 7, L: 1, O: 300, T: 1, B: 1, mask: false },
  { cell: 'rnn', loss: 'mse', headAt: 'all', I: 1, H: 65, L: 2, O: 2, T: 17, B: 3, mask: false },
  { cell: 'rnn', loss: 'crossentropy', headAt: 'last', I: 4, H: 7, L: 1, O: 5, T: 30, B: 300, mask: true },
  // O = 0: no head, MSE on the top layer's h (the benchmark's model).
  { cell: 'lstm', loss: 'mse', headAt: 'all', I: 3, H: 33, L: 1, O: 0, T: 17, B: 3, mask: false },
  // Two directions and per-row lengths: a head on every step counts the steps that exist; a head on
  // the last reads the forward half at each row's last step and the reverse half at step 0.
  { cell: 'lstm', loss: 'crossentropy', headAt: 'last', I: 3, H: 9, L: 2, O: 4, T: 6, B: 3, mask: false, bidirectional: true, lengths: true },
  { cell: 'lstm', loss: 'mse', headAt: 'all', I: 2, H: 7, L: 1, O: 2, T: 5, B: 4, mask: true, bidirectional: true, lengths: true },
  { cell: 'rnn', loss: 'mse', headAt: 'last', I: 2, H: 8, L: 1, O: 3, T: 4, B: 2, mask: false, bidirectional: true },
  { cell: 'lstm', loss: 'mse', headAt: 'last', I: 2, H: 12, L: 1, O: 1, T: 7, B: 3, mask: false, lengths: true },
  // The GRU: its recurrent side has its own gradients (dah) for dW_hh and b_hh.
  { cell: 'gru', loss: 'crossentropy', headAt: 'last', I: 3, H: 10, L: 2, O: 3, T: 5, B: 3, mask: false, bidirectional: true, lengths: true },
  { cell: 'gru', loss: 'mse', headAt: 'all', I: 2, H: 7, L: 1, O: 2, T: 4, B: 2, mask: true },
  // A projection: the head reads h, projSize wide per direction.
  { cell: 'lstm', loss: 'crossentropy', headAt: 'last', I: 3, H: 10, L: 2, O: 3, T: 5, B: 3, mask: false, bidirectional: true, lengths: true, projSize: 4 },
];

describe.skipIf(!gpu)('GPU training step (head, loss, BPTT) vs CPU reference', () => {
  const strategies = ['per-step', 'persistent'] as const;
  const label = (c: Case) => `${c.cell} ${c.loss}@${c.headAt} I=${c.I} H=${c.H} L=${c.L} O=${c.O} T=${c.T} B=${c.B}${c.mask ? ' masked' : ''}${c.bidirectional ? ' bidirectional' : ''}${c.lengths ? ' lengths' : ''}${c.projSize ? ` projSize ${c.projSize}` : ''}`;
  // A projection and the GRU have per-step kernels only.
  it.each(strategies.flatMap((strategy) => cases.filter((c) => !(c.projSize && strategy === 'persistent')).map((c) => [`${strategy} ${label(c)}`, c, strategy] as const)))('%s', async (_n, c, strategy) => {
    const g = gpu!;
    const seed = freshSeed();
    const rng = new Rng(seed);
    const model = randomCpuModel(rng, c);
    const x = rng.uniformArray(c.T * c.B * c.I, -1, 1);
    const { target, mask } = randomTargets(rng, model, c.T, c.B, c.mask);
    // Unsorted, one row of length 1.
    const lengths = c.lengths ? Array.from({ length: c.B }, (_, b) => (b === 1 ? 1 : 1 + rng.int(c.T))) : undefined;

    const net = new RecurrentNetwork(g, { ...model.cfg, outputSize: c.O, strategy });
    net.setFlatWeights(flatWeights(net, model));
    const withMask = c.mask || (!!lengths && c.headAt === 'all');
    const plan = new TrainPlan(g, net, c.T, c.B, c.loss, c.headAt, withMask, { withLengths: !!lengths });
    writeBatch(g, net, plan, { x, T: c.T, B: c.B, target, mask, lengths });
    g.write(net.grads, nanFilled(net.layout.total));
    g.write(plan.loss, nanFilled(1));
    const rec = g.recorder();
    plan.encode(rec);
    g.submit(rec);
    const [loss] = await g.read(plan.loss, 1);
    const grads = await g.read(net.grads, net.layout.total);

    const ref = modelLossAndGradients(model, { x, T: c.T, B: c.B, target, mask, lengths });
    const tag = `seed=${seed}`;
    expectClose([loss], [ref.loss], `${tag} loss`, { relNorm: 1e-5 });
    const layers = net.layout.unpack(grads);
    layers.forEach((gl, l) => {
      for (const key of ['weightIh', 'weightHh', 'biasIh', 'biasHh', 'weightHr'] as const) if (ref.layers[l][key]) expectClose(gl[key]!, ref.layers[l][key]!, `${tag} ${key} l${l}`, { relNorm: 1e-4 });
    });
    const head = net.layout.head;
    if (head) {
      expectClose(grads.subarray(head.weight.offset, head.weight.offset + head.weight.length), ref.headWeight, `${tag} head.weight`, { relNorm: 1e-4 });
      expectClose(grads.subarray(head.bias.offset, head.bias.offset + head.bias.length), ref.headBias, `${tag} head.bias`, { relNorm: 1e-4 });
    }
    // Head + loss + head backward: 5 (the loss alone without a head); input gradients for layers above 0: L − 1.
    // Per-step: forward L(1+T), BPTT L(T+4). Persistent: forward 2L, BPTT 4L (the GRU's second bias sum: one more per layer).
    // Two directions run in the same dispatches; dW_hh is one GEMM per direction. A head on the last
    // step that reads per-row steps gathers them and scatters their gradient: 2 more.
    const D = c.bidirectional ? 2 : 1;
    // A projection adds a dispatch per step forward and backward (and one for the final pass), and dW_hr per direction.
    const P = c.projSize ? 1 : 0;
    // The GRU sums its two bias gradients apart: one more.
    const G = c.cell === 'gru' ? 1 : 0;
    const recurrent = strategy === 'per-step' ? c.L * (1 + c.T * (1 + P)) + c.L * ((c.T + 1) * (1 + P) + 2 + D * (1 + P) + G) : 2 * c.L + c.L * (3 + D + G);
    const gathered = c.headAt === 'last' && (D > 1 || !!lengths) ? 2 : 0;
    expect(rec.dispatches).toBe(recurrent + (head ? 5 : 1) + c.L - 1 + gathered);
    plan.dispose();
    net.dispose();
  });
});
