import { describe, expect, it } from 'vitest';
import { RecurrentNetwork } from '../../src/model/recurrentNetwork';
import { gradientFlow } from '../../src/diagnostics/gradientFlow';
import { modelLossAndGradients } from '../../src/cpu/model';
import { referenceFlow } from '../../src/cpu/flow';
import { Rng, freshSeed } from '../../src/random';
import { expectClose } from '../helpers/expectClose';
import { gpuForTests } from '../helpers/gpu';
import { flatWeights, randomCpuModel, randomTargets, type ModelSpec } from '../helpers/models';

const gpu = await gpuForTests();

const cases: (ModelSpec & { T: number; B: number })[] = [
  { cell: 'lstm', I: 2, H: 33, L: 2, O: 1, headAt: 'last', loss: 'mse', T: 17, B: 3 },
  { cell: 'lstm', act: 'sigmoid', I: 3, H: 7, L: 1, O: 4, headAt: 'all', loss: 'crossentropy', T: 9, B: 1 },
  { cell: 'lstm', I: 1, H: 7, L: 1, O: 1, headAt: 'last', loss: 'mse', T: 1, B: 2 },
  { cell: 'rnn', I: 2, H: 33, L: 2, O: 1, headAt: 'last', loss: 'mse', T: 17, B: 3 },
  { cell: 'rnn', act: 'sigmoid', I: 5, H: 7, L: 1, O: 3, headAt: 'all', loss: 'mse', T: 30, B: 1 },
  // Per direction: the reverse direction's last step is step 0.
  { cell: 'lstm', I: 2, H: 9, L: 2, O: 1, headAt: 'last', loss: 'mse', T: 11, B: 3, bidirectional: true },
  { cell: 'rnn', I: 2, H: 6, L: 1, O: 2, headAt: 'all', loss: 'mse', T: 7, B: 2, bidirectional: true },
  // The GRU: its update gate z in the forget gate's place.
  { cell: 'gru', I: 2, H: 9, L: 2, O: 1, headAt: 'last', loss: 'mse', T: 11, B: 3, bidirectional: true },
];

describe.skipIf(!gpu)('gradient flow on the GPU vs the CPU reference', () => {
  it.each(cases.map((c) => [`${c.cell}/${c.act ?? 'tanh'} L=${c.L} T=${c.T} B=${c.B} loss@${c.headAt}${c.bidirectional ? ' bidirectional' : ''}`, c] as const))('%s', async (_n, c) => {
    const g = gpu!;
    const seed = freshSeed();
    const rng = new Rng(seed);
    const model = randomCpuModel(rng, c);
    const x = rng.uniformArray(c.T * c.B * c.I, -1, 1);
    const { target } = randomTargets(rng, model, c.T, c.B, false);
    const net = new RecurrentNetwork(g, { ...model.cfg, outputSize: c.O });
    net.setFlatWeights(flatWeights(net, model));
    const flow = await gradientFlow(g, net, { x, T: c.T, B: c.B, target }, { loss: c.loss, lossAt: c.headAt, perSample: true });
    const ref = modelLossAndGradients(model, { x, T: c.T, B: c.B, target });
    const want = referenceFlow(model.cfg, model.layers, ref.forward, ref.backward);
    const tag = `seed=${seed}`;
    expect(flow.cell).toBe(c.cell);
    expect(flow.seqLen).toBe(c.T);
    expect(flow.directions).toBe(c.bidirectional ? 2 : 1);
    expect(flow.layers).toHaveLength(c.L * flow.directions);
    expectClose([flow.loss], [ref.loss], `${tag} loss`, { relNorm: 1e-5 });
    flow.layers.forEach((got, l) => {
      const w = want[l];
      expectClose(got.hiddenGradNorms, w.hiddenGradNorms, `${tag} l${l} hiddenGradNorms`, { relNorm: 1e-4 });
      if (c.cell !== 'rnn') {
        if (c.cell === 'lstm') expectClose(got.cellGradNorms!, w.cellGradNorms!, `${tag} l${l} cellGradNorms`, { relNorm: 1e-4 });
        else expect(got.cellGradNorms).toBeUndefined();
        expectClose(got.forgetMean!, w.forgetMean!, `${tag} l${l} forgetMean`, { relNorm: 1e-5 });
        expectClose(got.forgetProduct!, w.forgetProduct!, `${tag} l${l} forgetProduct`, { relNorm: 1e-5 });
        expectClose(got.directPath!, w.directPath!, `${tag} l${l} directPath`, { relNorm: 1e-5 });
        expect(got.jacobianNorm).toBeUndefined();
      } else {
        expectClose(got.jacobianNorm!, w.jacobianNorm!, `${tag} l${l} jacobianNorm`, { relNorm: 1e-5 });
        expect(got.cellGradNorms).toBeUndefined();
      }
      // Per-sample norms add up (in squares) to the batch norm.
      const per = got.perSample!.hiddenGradNorms.map((row) => Math.sqrt(row.reduce((s, v) => s + v * v, 0)));
      expectClose(per, got.hiddenGradNorms, `${tag} l${l} per-sample hidden norms`, { relNorm: 1e-5 });
    });
    net.dispose();
  });
});
