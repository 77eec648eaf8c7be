// The pages' one-step-at-a-time runner (pages/lib/stepper.ts), on Dawn: carrying h and c of every
// layer on the GPU from step to step must give exactly what a forward pass over the whole sequence
// gives, and the closed-loop rollout (one submission) what feeding outputs back by hand gives.
import { describe, expect, it } from 'vitest';
import { gpuForTests } from '../helpers/gpu';
import { expectClose } from '../helpers/expectClose';
import { Rng } from '../../src/random';
import { TrainingSession, type ModelConfig } from '../../src/train/session';
import { Stepper } from '../../pages/lib/stepper';
import { recurrentForward } from '../../src/cpu/recurrent';

const gpu = await gpuForTests();

/** head(h) = W h + b on the CPU, from the model's own weights. */
async function headOnCpu(session: TrainingSession, h: Float32Array, T: number): Promise<Float32Array> {
  const flat = await session.net.getFlatWeights();
  const { head, outputSize: O } = session.net.layout;
  const H = session.config.hiddenSize;
  const out = new Float32Array(T * O);
  for (let t = 0; t < T; t++) {
    for (let o = 0; o < O; o++) {
      let z = flat[head!.bias.offset + o];
      for (let j = 0; j < H; j++) z += flat[head!.weight.offset + o * H + j] * h[t * H + j];
      out[t * O + o] = z;
    }
  }
  return out;
}

describe.skipIf(!gpu)('pages/lib/stepper', () => {
  for (const cell of ['lstm', 'rnn'] as const) {
    it(`${cell}: T single steps with the state carried on the GPU equal one forward pass over T (2 layers, head)`, async () => {
      const config: ModelConfig = { cell, cellActivation: 'tanh', inputSize: 3, hiddenSize: 5, numLayers: 2, outputSize: 4, headAt: 'all', loss: 'mse' };
      const session = new TrainingSession(gpu!, config, { kind: 'adam', lr: 0.01 }, { seed: 3 });
      const stepper = new Stepper(gpu!, session.net, 'mse');
      try {
        const T = 7;
        const x = Float32Array.from(new Rng(5).uniformArray(T * 3, -1, 1));
        const { output } = await session.net.forward({ x, T, B: 1 }, { training: false });
        const expected = await headOnCpu(session, output, T);
        const got = new Float32Array(T * 4);
        for (let t = 0; t < T; t++) got.set((await stepper.step(x.subarray(t * 3, t * 3 + 3), true))!, t * 4);
        expectClose(got, expected, 'stepped outputs', { relNorm: 1e-5 });
        // reset() starts a new sequence: the first step again.
        stepper.reset();
        expectClose((await stepper.step(x.subarray(0, 3), true))!, expected.subarray(0, 4), 'after reset', { relNorm: 1e-5 });
      } finally {
        stepper.dispose();
        session.dispose();
      }
    });
  }

  it('traces what the top layer computed at each step (LSTM gates i, f, g, o, c and h), equal to the CPU reference', async () => {
    const config: ModelConfig = { cell: 'lstm', cellActivation: 'tanh', inputSize: 3, hiddenSize: 5, numLayers: 2, outputSize: 4, headAt: 'all', loss: 'mse' };
    const session = new TrainingSession(gpu!, config, { kind: 'adam', lr: 0.01 }, { seed: 8 });
    const stepper = new Stepper(gpu!, session.net, 'mse');
    try {
      const T = 6;
      const H = 5;
      const x = Float32Array.from(new Rng(9).uniformArray(T * 3, -1, 1));
      stepper.startTrace(T - 1); // one step more than it holds: the last is not kept
      for (let t = 0; t < T; t++) stepper.step(x.subarray(t * 3, t * 3 + 3), false);
      const trace = await stepper.readTrace();
      expect(trace.parts).toEqual(['i', 'f', 'g', 'o', 'c', 'h']);
      expect(trace.steps).toBe(T - 1);
      const params = (await session.net.getWeights()).map((p) => ({ weightIh: Float64Array.from(p.weightIh), weightHh: Float64Array.from(p.weightHh), biasIh: Float64Array.from(p.biasIh), biasHh: Float64Array.from(p.biasHh) }));
      const ref = recurrentForward(session.net.cfg, params, Float64Array.from(x), T, 1);
      const top = ref.tape[1]!;
      const want = new Float64Array((T - 1) * 6 * H);
      for (let t = 0; t < T - 1; t++) {
        want.set(top.gates!.subarray(t * 4 * H, (t + 1) * 4 * H), t * 6 * H);
        want.set(top.c!.subarray((t + 1) * H, (t + 2) * H), t * 6 * H + 4 * H);
        want.set(top.h.subarray((t + 1) * H, (t + 2) * H), t * 6 * H + 5 * H);
      }
      expectClose(trace.data, want, 'trace', { relNorm: 1e-5 });
    } finally {
      stepper.dispose();
      session.dispose();
    }
  });

  it('rollout: n steps in one submission, each output fed back as the next input, equal the same loop done by hand', async () => {
    const config: ModelConfig = { cell: 'lstm', cellActivation: 'tanh', inputSize: 2, hiddenSize: 6, numLayers: 1, outputSize: 2, headAt: 'all', loss: 'mse' };
    const session = new TrainingSession(gpu!, config, { kind: 'adam', lr: 0.01 }, { seed: 11 });
    const stepper = new Stepper(gpu!, session.net, 'mse');
    try {
      const prime = [new Float32Array([0.3, -0.2]), new Float32Array([0.1, 0.5])];
      const n = 9;
      const byHand = new Float32Array(n * 2);
      stepper.reset();
      let out = (await Promise.all(prime.map((p, i) => stepper.step(p, i === prime.length - 1))))[prime.length - 1]!;
      const first = out;
      for (let t = 0; t < n; t++) {
        out = (await stepper.step(out, true))!;
        byHand.set(out, t * 2);
      }
      stepper.reset();
      for (const [i, p] of prime.entries()) stepper.step(p, i === prime.length - 1);
      const rolled = await stepper.rollout(first, n);
      expectClose(rolled, byHand, 'rollout', { relNorm: 1e-6 });
      await expect(async () => {
        const wide = new TrainingSession(gpu!, { ...config, outputSize: 3 }, { kind: 'adam', lr: 0.01 }, { seed: 1 });
        const s = new Stepper(gpu!, wide.net, 'mse');
        try {
          await s.rollout(new Float32Array(3), 2);
        } finally {
          s.dispose();
          wide.dispose();
        }
      }).rejects.toThrow(/inputSize 2 = outputSize 3/);
    } finally {
      stepper.dispose();
      session.dispose();
    }
  });

  it.skipIf(!gpu?.device.features.has('shader-f16'))("refuses a cell trace of an f16 network (its gates are stored as halves)", () => {
    const config: ModelConfig = { cell: 'lstm', cellActivation: 'tanh', inputSize: 3, hiddenSize: 5, numLayers: 1, outputSize: 4, headAt: 'all', loss: 'mse', precision: 'f16' };
    const session = new TrainingSession(gpu!, config, { kind: 'adam', lr: 0.01 });
    const stepper = new Stepper(gpu!, session.net, 'mse');
    try {
      expect(() => stepper.startTrace(4)).toThrow(/the cell trace reads networks of precision 'f32', not 'f16'/);
    } finally {
      stepper.dispose();
      session.dispose();
    }
  });
});
