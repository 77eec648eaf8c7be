// A GPU device lost mid-training (simulated with device.destroy()) is reported, a new device is made,
// the last in-memory snapshot restored and the batches since replayed: the run ends with exactly the
// weights of a run that was never interrupted.
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { Gpu } from '../../src/gpu/runtime';
import { DeviceLostError } from '../../src/gpu/device';
import { ResilientTrainer, type ResilientOptions, type TrainingEvent } from '../../src/train/resilient';
import type { StepReport } from '../../src/train/trainer';
import { loadCheckpoint } from '../../src/checkpoint/checkpoint';
import { gpuForTests } from '../helpers/gpu';
import { jsonLines, runCli } from '../helpers/cli';
import { SMALL, addingBatch, bits, firstDifference, sized } from './helpers';

const gpu = await gpuForTests();
const STEPS = 60;

/** Devices made by the trainers here, each checked for uncaught WebGPU errors. */
const uncaught: string[] = [];
const createGpu = () => Gpu.create({ onUncapturedError: (m) => uncaught.push(m), onLost: () => undefined });

function options(extra: Partial<ResilientOptions> = {}): ResilientOptions {
  return {
    config: SMALL,
    optimizer: { kind: 'adam', lr: 0.02, clipNorm: 1 },
    init: { seed: 11, forgetBias: 1 },
    batchAt: (i) => addingBatch(5, i),
    snapshotEvery: 10,
    createGpu,
    ...extra,
  };
}

/** Final weights and Adam state (raw bits), and the last report seen for every reported step. */
async function finish(rt: ResilientTrainer): Promise<{ weights: Uint32Array; state: Record<string, Uint32Array>; step: number }> {
  const weights = bits(await rt.session.net.getFlatWeights());
  const exported = await rt.session.trainer.optimizer.exportState();
  const state = Object.fromEntries(Object.entries(exported.buffers).map(([k, v]) => [k, bits(v)]));
  rt.dispose();
  return { weights, state, step: exported.step };
}

type Uninterrupted = Awaited<ReturnType<typeof finish>> & { reports: Map<number, StepReport> };
let referenceRun: Promise<Uninterrupted> | null = null;

/** The run that is never interrupted (made once: each device costs lavapipe its shader compiles). */
function uninterrupted(): Promise<Uninterrupted> {
  referenceRun ??= (async () => {
    const reports = new Map<number, StepReport>();
    const rt = await ResilientTrainer.create(options());
    await rt.train(STEPS, { reportEvery: 5, onReport: (r) => reports.set(r.call, r) });
    return { ...(await finish(rt)), reports };
  })();
  return referenceRun;
}

describe.skipIf(!gpu)('device loss during training', () => {
  it('is reported, recovered on a new device from the last snapshot, and ends with the uninterrupted run\'s weights bit for bit', async () => {
    const reference = await uninterrupted();
    const events: TrainingEvent[] = [];
    const reports = new Map<number, StepReport>();
    let lost = false;
    let rt: ResilientTrainer;
    const firstGpus: Gpu[] = [];
    rt = await ResilientTrainer.create(options({
      onEvent: (e) => events.push(e),
      batchAt: (i) => {
        if (i === 37 && !lost) {
          lost = true;
          firstGpus.push(rt.gpu);
          rt.gpu.device.destroy(); // the device dies under the trainer: step 38 is submitted to a dead device
        }
        return addingBatch(5, i);
      },
    }));
    const result = await rt.train(STEPS, { reportEvery: 5, onReport: (r) => reports.set(r.call, r) });
    expect(result).toEqual({ step: STEPS, interrupted: false });
    expect(rt.recoveries).toBe(1);
    expect(rt.gpu).not.toBe(firstGpus[0]);
    const lostEvent = events.find((e) => e.type === 'device-lost');
    expect(lostEvent, JSON.stringify(events)).toBeDefined();
    if (lostEvent?.type === 'device-lost') {
      expect(lostEvent.error).toBeInstanceOf(DeviceLostError);
      expect(lostEvent.error.message).toMatch(/^GPU device lost \(destroyed\): .*; at step \d+, last snapshot at step 30$/);
    }
    expect(events.find((e) => e.type === 'recovered')).toMatchObject({ type: 'recovered', fromStep: 30, recoveries: 1 });
    const got = await finish(rt);
    expect(got.step).toBe(STEPS);
    expect(firstDifference(got.weights, reference.weights), 'first weight that differs from the uninterrupted run').toBe(-1);
    for (const [name, data] of Object.entries(reference.state)) expect(firstDifference(got.state[name], data), name).toBe(-1);
    // Every step's report (the replayed ones last) matches the uninterrupted run's, loss bits included.
    expect([...reports.keys()].sort((a, b) => a - b)).toEqual([...reference.reports.keys()]);
    for (const [call, r] of reference.reports) expect(bits([reports.get(call)!.loss]), `loss of step ${call}`).toEqual(bits([r.loss]));
    expect(uncaught).toEqual([]);
  });

  it('a loss during a snapshot read keeps the previous snapshot (never one from a dead device)', async () => {
    const reference = await uninterrupted();
    const events: TrainingEvent[] = [];
    let lost = false;
    let rt: ResilientTrainer;
    rt = await ResilientTrainer.create(options({
      onEvent: (e) => events.push(e),
      batchAt: (i) => {
        if (i === 19 && !lost) {
          lost = true;
          rt.gpu.device.destroy(); // step 20 goes to a dead device, then the snapshot at step 20 reads from it
        }
        return addingBatch(5, i);
      },
    }));
    await rt.train(STEPS, { reportEvery: 5 });
    expect(events.filter((e) => e.type === 'snapshot').map((e) => e.step)).toEqual([10, 20, 30, 40, 50]); // 20 only once, after the replay
    expect(events.find((e) => e.type === 'recovered')).toMatchObject({ fromStep: 10 });
    const got = await finish(rt);
    expect(firstDifference(got.weights, reference.weights)).toBe(-1);
  });

  it('gives up with a DeviceLostError after maxRecoveries losses without progress, and says so', async () => {
    let rt: ResilientTrainer;
    // Each recovery is a new device; GATEFLOW_LONG=1 allows two before giving up.
    const maxRecoveries = sized(1, 2);
    rt = await ResilientTrainer.create(options({
      maxRecoveries,
      batchAt: (i) => {
        if (i === 15) rt.gpu.device.destroy(); // every replay dies at the same step
        return addingBatch(5, i);
      },
    }));
    const run = rt.train(STEPS, { reportEvery: 5 });
    await expect(run).rejects.toThrow(DeviceLostError);
    await expect(run).rejects.toThrow(new RegExp(`lost ${maxRecoveries + 1} times without progress past the snapshot at step 10; giving up`));
    expect(rt.recoveries).toBe(maxRecoveries);
    rt.dispose();
  });

  it('when no new device can be had, the error says the device was lost and why recovery failed', async () => {
    let made = 0;
    const rt = await ResilientTrainer.create(options({
      createGpu: async () => {
        if (made++ > 0) throw new Error('no adapter');
        return createGpu();
      },
    }));
    await rt.train(12, { reportEvery: 5 });
    rt.gpu.device.destroy();
    await expect(rt.train(5)).rejects.toThrow(/GPU device lost \(destroyed\): lost at step 1\d, and no new device could be had: no adapter/);
    rt.dispose();
  });

  it('gateflow train recovers too (--simulate-device-loss): same checkpoint as an uninterrupted run, events on stdout', () => {
    const dir = mkdtempSync(join(tmpdir(), 'gateflow-lost-'));
    const args = ['train', '--steps', '40', '--log-every', '5', '--snapshot-every', '10', '--json', '--seq-len', '6', '--hidden', '8', '--batch', '4'];
    const a = runCli([...args, '--save', join(dir, 'a.safetensors')]);
    const b = runCli([...args, '--save', join(dir, 'b.safetensors'), '--simulate-device-loss', '25']);
    expect(a.status, a.stderr).toBe(0);
    expect(b.status, b.stderr).toBe(0);
    const lines = jsonLines(b.stdout);
    expect(lines.find((l) => l.event === 'device-lost')?.message).toMatch(/GPU device lost/);
    expect(lines.find((l) => l.event === 'recovered')).toMatchObject({ fromStep: 20 });
    expect(lines.at(-1)).toMatchObject({ steps: 40, totalSteps: 40, deviceLosses: 1, interrupted: false });
    const ca = loadCheckpoint(new Uint8Array(readFileSync(join(dir, 'a.safetensors'))));
    const cb = loadCheckpoint(new Uint8Array(readFileSync(join(dir, 'b.safetensors'))));
    for (const [name, t] of Object.entries(ca.tensors)) expect(firstDifference(bits(cb.tensors[name].data), bits(t.data)), name).toBe(-1);
    for (const [name, t] of Object.entries(ca.optimizer!.state)) expect(firstDifference(bits(cb.optimizer!.state[name]), bits(t)), name).toBe(-1);
    expect(cb.optimizer!.step).toBe(40);
  });
});
