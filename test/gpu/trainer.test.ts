import { describe, expect, it } from 'vitest';
import { RecurrentNetwork } from '../../src/model/recurrentNetwork';
import { Trainer, SkippedStepError } from '../../src/train/trainer';
import { modelLossAndGradients, flattenModel, type CpuModel } from '../../src/cpu/model';
import { adamInit, adamStep, clipGradNorm, sgdInit, sgdStep } from '../../src/cpu/optim';
import type { GpuOptimizerOptions } from '../../src/optim/options';
import { Rng, freshSeed } from '../../src/random';
import { expectClose } from '../helpers/expectClose';
import { gpuForTests } from '../helpers/gpu';
import { flatWeights, randomCpuModel, randomTargets, type ModelSpec } from '../helpers/models';

const gpu = await gpuForTests();

/** The CPU model's tensors in flat order become its parameters; a step updates them in place. */
function cpuTrainer(model: CpuModel, opt: GpuOptimizerOptions) {
  const params = flattenModel(model.layers, model.headWeight, model.headBias);
  model.headWeight = params[params.length - 2];
  model.headBias = params[params.length - 1];
  model.layers.forEach((p, l) => {
    p.weightIh = params[4 * l];
    p.weightHh = params[4 * l + 1];
    p.biasIh = params[4 * l + 2];
    p.biasHh = params[4 * l + 3];
  });
  const adam = adamInit(params);
  const sgd = sgdInit(params);
  return (batch: Parameters<typeof modelLossAndGradients>[1]) => {
    const r = modelLossAndGradients(model, batch);
    const grads = flattenModel(r.layers, r.headWeight, r.headBias);
    const clip = opt.clipNorm !== undefined ? clipGradNorm(grads, opt.clipNorm) : null;
    if (opt.kind === 'adam') adamStep(params, grads, adam, { lr: opt.lr, beta1: opt.beta1 ?? 0.9, beta2: opt.beta2 ?? 0.999, eps: opt.eps ?? 1e-8, weightDecay: opt.weightDecay ?? 0 });
    else sgdStep(params, grads, sgd, { lr: opt.lr, momentum: opt.momentum ?? 0, weightDecay: opt.weightDecay ?? 0 });
    return { loss: r.loss, gradNorm: clip?.totalNorm };
  };
}

const cases: { spec: ModelSpec; T: number; B: number; opt: GpuOptimizerOptions; mask: boolean }[] = [
  { spec: { cell: 'lstm', I: 2, H: 33, L: 2, O: 1, headAt: 'last', loss: 'mse' }, T: 13, B: 3, opt: { kind: 'adam', lr: 0.01, clipNorm: 0.5 }, mask: false },
  { spec: { cell: 'lstm', I: 5, H: 7, L: 1, O: 5, headAt: 'all', loss: 'crossentropy' }, T: 9, B: 2, opt: { kind: 'sgd', lr: 0.5, momentum: 0.9, weightDecay: 1e-3 }, mask: true },
  { spec: { cell: 'rnn', I: 3, H: 17, L: 2, O: 2, headAt: 'all', loss: 'mse' }, T: 7, B: 1, opt: { kind: 'adam', lr: 0.005, weightDecay: 0.01, clipNorm: 1 }, mask: false },
];

describe.skipIf(!gpu)('Trainer: GPU training steps vs the CPU reference', () => {
  it.each(cases.map((c) => [`${c.spec.cell} ${c.spec.loss}@${c.spec.headAt} ${c.opt.kind}${c.opt.clipNorm ? ' clip' : ''}`, c] as const))('10 steps agree: %s', async (_n, c) => {
    const g = gpu!;
    const seed = freshSeed();
    const rng = new Rng(seed);
    const model = randomCpuModel(rng, c.spec);
    const net = new RecurrentNetwork(g, { ...model.cfg, outputSize: c.spec.O });
    net.setFlatWeights(flatWeights(net, model));
    const trainer = new Trainer(g, net, { loss: c.spec.loss, headAt: c.spec.headAt, optimizer: c.opt });
    const cpuStep = cpuTrainer(model, c.opt);
    const reports = [];
    const cpuLosses = [];
    for (let s = 0; s < 10; s++) {
      const x = rng.uniformArray(c.T * c.B * c.spec.I, -1, 1);
      const { target, mask } = randomTargets(rng, model, c.T, c.B, c.mask);
      const batch = { x, T: c.T, B: c.B, target, mask };
      reports.push(trainer.step(batch, { report: true })!);
      cpuLosses.push(cpuStep(batch));
    }
    const done = await Promise.all(reports);
    expect(done.every((r) => r.applied)).toBe(true);
    expect(done.map((r) => r.call)).toEqual([1, 2, 3, 4, 5, 6, 7, 8, 9, 10]);
    expectClose(done.map((r) => r.loss), cpuLosses.map((l) => l.loss), `seed=${seed} losses`, { relNorm: 1e-4 });
    if (c.opt.clipNorm !== undefined) expectClose(done.map((r) => r.gradNorm), cpuLosses.map((l) => l.gradNorm!), `seed=${seed} grad norms`, { relNorm: 1e-4 });
    const got = await net.getFlatWeights();
    expectClose(got, flatWeights(net, model), `seed=${seed} weights after 10 steps`, { relNorm: 1e-4 });
    // One submission per step, no read-back inside: forward, loss, backward, norm, clip, update.
    expect(trainer.dispatchesPerStep).toBeGreaterThan(0);
    trainer.dispose();
    net.dispose();
  });

  it('a step with a non-finite loss leaves weights and optimizer state bit-for-bit unchanged, then training continues', async () => {
    const g = gpu!;
    const rng = new Rng(freshSeed());
    const model = randomCpuModel(rng, { cell: 'lstm', I: 2, H: 7, L: 1, O: 1, headAt: 'last', loss: 'mse' });
    const net = new RecurrentNetwork(g, { ...model.cfg, outputSize: 1 });
    const flat = flatWeights(net, model);
    net.setFlatWeights(flat);
    const trainer = new Trainer(g, net, { loss: 'mse', headAt: 'last', optimizer: { kind: 'adam', lr: 0.01 } });
    const batch = () => ({ x: rng.uniformArray(5 * 2 * 2, -1, 1), T: 5, B: 2, target: rng.uniformArray(2, -1, 1) });
    expect((await trainer.step(batch(), { report: true }))!.applied).toBe(true);
    const before = await net.getFlatWeights();
    const stateBefore = await trainer.optimizer.exportState();
    // A huge (finite) head weight makes the logits, and so the loss, overflow to Infinity.
    const poisoned = before.slice();
    poisoned[net.layout.head!.weight.offset] = 3e38;
    poisoned[net.layout.head!.weight.offset + 1] = 3e38;
    net.setFlatWeights(poisoned);
    const report = (await trainer.step(batch(), { report: true }))!;
    expect(report.applied).toBe(false);
    expect(report.lossNonFinite || report.gradNonFinite).toBe(true);
    expect(() => { throw new SkippedStepError({ ...report }); }).toThrow(/step 2: .*the update was skipped/);
    const after = await net.getFlatWeights();
    expect(new Uint32Array(after.buffer)).toEqual(new Uint32Array(poisoned.buffer));
    const stateAfter = await trainer.optimizer.exportState();
    expect(stateAfter.step).toBe(stateBefore.step);
    for (const [name, data] of Object.entries(stateBefore.buffers)) expect(new Uint32Array(stateAfter.buffers[name].buffer), name).toEqual(new Uint32Array(data.buffer));
    // Restore sane weights: the next step applies again.
    net.setFlatWeights(before);
    expect((await trainer.step(batch(), { report: true }))!.applied).toBe(true);
    trainer.dispose();
    net.dispose();
  });

  it('rejects a bad batch before any GPU work, naming the tensor', () => {
    const g = gpu!;
    const net = new RecurrentNetwork(g, { inputSize: 2, hiddenSize: 5, outputSize: 3 });
    const trainer = new Trainer(g, net, { loss: 'crossentropy', headAt: 'all', optimizer: { kind: 'sgd', lr: 0.1 } });
    const x = new Float32Array(4 * 1 * 2).fill(0.5);
    expect(() => trainer.step({ x, T: 4, B: 1, target: [0, 1, 2, 3] })).toThrow(/target\[3\] = 3 is not a class id in \[0, 3\)/);
    expect(() => trainer.step({ x, T: 4, B: 1, target: [0, 1, 2] })).toThrow(/target has 3 class ids/);
    expect(() => trainer.step({ x: x.slice(1), T: 4, B: 1, target: [0, 1, 2, 0] })).toThrow(/x has 7 values/);
    trainer.dispose();
    net.dispose();
  });
});
