// Training that survives the loss of its GPU device: periodic in-memory snapshots (checkpoint bytes),
// and on a lost device a new device, the last snapshot restored, and the batches since replayed.
import { Gpu } from '../gpu/runtime';
import { DeviceLostError, formatAdapter } from '../gpu/device';
import { Rng } from '../random';
import type { GpuOptimizerOptions } from '../optim/options';
import { TrainingSession, type ModelConfig } from './session';
import type { StepReport } from './trainer';
import type { Batch } from './batch';
import { checkKnownKeys, checkPositiveInt } from '../validate';

/**
 * The batch for the step at `index` (0-based: the number of steps done before it). It must depend on
 * `index` alone, so that a run resumed from a snapshot at step k sees the same batches k, k+1, ...
 * as the run that was interrupted (stepRng gives a seeded Rng per index for that).
 */
export type BatchAt = (index: number) => Batch;

/** A fresh Rng for step `index` of a run seeded with `seed`: batches indexed by step, not by call order. */
export function stepRng(seed: number, index: number): Rng {
  // splitmix32-style mixing of (seed, index): neighbouring indices give unrelated streams.
  let z = (Math.imul(seed >>> 0, 0x9e3779b1) ^ Math.imul(index >>> 0, 0x85ebca77) ^ Math.imul(Math.floor(index / 2 ** 32), 0xc2b2ae3d)) >>> 0;
  z = Math.imul(z ^ (z >>> 16), 0x21f0aaad);
  z = Math.imul(z ^ (z >>> 15), 0x735a2d97);
  return new Rng((z ^ (z >>> 15)) >>> 0);
}

/** Device losses, recoveries and snapshots, as a ResilientTrainer reports them. */
export type TrainingEvent =
  /** The device was lost; `step` is how many steps had been submitted (some may not have run). */
  | { type: 'device-lost'; step: number; error: DeviceLostError }
  /** A new device runs the model again, restored from the snapshot taken after `fromStep` steps. */
  | { type: 'recovered'; fromStep: number; lostAtStep: number; recoveries: number; adapter: string }
  /** An in-memory snapshot was taken after `step` steps. */
  | { type: 'snapshot'; step: number; bytes: number };

/** A ResilientTrainer's model, optimizer, data, snapshots and device-loss policy. */
export interface ResilientOptions {
  config: ModelConfig;
  optimizer: GpuOptimizerOptions;
  init: { seed: number; forgetBias?: number };
  /** The data: batch `index` for the step after `index` steps. */
  batchAt: BatchAt;
  /** Each step starts from the previous step's final states (StepOptions.carryState: truncated BPTT over consecutive chunks). A recovered device starts them from zeros. */
  carryState?: boolean;
  /** Steps between in-memory snapshots; a lost device costs at most this many steps of rework. Default 100. */
  snapshotEvery?: number;
  /** Device losses tolerated in a row without a new snapshot in between; the next one is thrown. Default 3. */
  maxRecoveries?: number;
  /** Makes a device: the first, and each replacement after a loss. Default Gpu.create(). */
  createGpu?: () => Promise<Gpu>;
  /** Device losses, recoveries and snapshots, as they happen. */
  onEvent?: (e: TrainingEvent) => void;
  /** Awaited after each periodic snapshot, e.g. to write it to a file (writeCheckpointFile is crash-safe). */
  onSnapshot?: (snapshot: { step: number; bytes: Uint8Array }) => void | Promise<void>;
  /** Extra config stored in every snapshot and checkpoint (task name, sequence length, ...). */
  checkpointConfig?: object;
}

/** How ResilientTrainer.train reports and when it stops. */
export interface TrainOptions {
  /** Read a report back every n steps (and for the last step); the GPU never waits for it. Default 10. */
  reportEvery?: number;
  /** Each report, with `call` set to the step's number in the whole run (1-based) and `skipped` counting the whole run. */
  onReport?: (r: StepReport) => void;
  /** Checked before each step; true stops the run after the steps already submitted. */
  shouldStop?: () => boolean;
}

/** Where ResilientTrainer.train ended: the steps done and whether it was stopped early. */
export interface TrainResult {
  /** Steps done in the whole run (the next batch index). */
  step: number;
  interrupted: boolean;
}

const OPTION_KEYS = ['config', 'optimizer', 'init', 'batchAt', 'carryState', 'snapshotEvery', 'maxRecoveries', 'createGpu', 'onEvent', 'onSnapshot', 'checkpointConfig'] as const;

/**
 * A TrainingSession that survives device loss. Every `snapshotEvery` steps it keeps the checkpoint
 * bytes (weights, optimizer state and step count) in memory. When the device is lost — noticed through
 * GPUDevice.lost or a failed read-back — it reports a `device-lost` event, makes a new Gpu, restores the
 * last snapshot into a new session and replays the batches from the snapshot's step. Because batches are
 * indexed by step (`batchAt`) and a step is deterministic on one adapter, the recovered run reaches the
 * same weights as one that was never interrupted.
 *
 * One caller at a time: do not call step/train while a train() or checkpoint() is pending.
 */
export class ResilientTrainer {
  private gpuNow: Gpu;
  private sessionNow: TrainingSession;
  private done = 0;
  private snapshot: { step: number; bytes: Uint8Array; skipped: number };
  /** Skipped steps counted by sessions before the current one (the optimizer's count restarts on restore). */
  private skippedOffset = 0;
  private recoveriesInARow = 0;
  private totalRecoveries = 0;
  private disposed = false;
  private readonly snapshotEvery: number;
  private readonly maxRecoveries: number;
  private readonly createGpu: () => Promise<Gpu>;

  private constructor(private readonly opts: ResilientOptions, gpu: Gpu, session: TrainingSession, snapshot: Uint8Array) {
    this.gpuNow = gpu;
    this.sessionNow = session;
    this.snapshot = { step: 0, bytes: snapshot, skipped: 0 };
    this.snapshotEvery = opts.snapshotEvery ?? 100;
    this.maxRecoveries = opts.maxRecoveries ?? 3;
    this.createGpu = opts.createGpu ?? (() => Gpu.create());
  }

  /** Checks the options, makes the device and the session, and takes the step-0 snapshot. */
  static async create(opts: ResilientOptions): Promise<ResilientTrainer> {
    checkKnownKeys('ResilientTrainer options', opts, OPTION_KEYS);
    if (typeof opts.batchAt !== 'function') throw new TypeError(`batchAt must be a function (index) => Batch, got ${typeof opts.batchAt}`);
    if (opts.snapshotEvery !== undefined) checkPositiveInt('snapshotEvery', opts.snapshotEvery);
    if (opts.maxRecoveries !== undefined && !(Number.isInteger(opts.maxRecoveries) && opts.maxRecoveries >= 0)) {
      throw new RangeError(`maxRecoveries must be an integer ≥ 0, got ${opts.maxRecoveries}`);
    }
    const gpu = await (opts.createGpu ?? (() => Gpu.create()))();
    let session: TrainingSession | null = null;
    try {
      session = new TrainingSession(gpu, opts.config, opts.optimizer, opts.init);
      return new ResilientTrainer(opts, gpu, session, await session.checkpoint({ ...opts.checkpointConfig, step: 0 }));
    } catch (err) {
      session?.dispose();
      gpu.destroy();
      throw err;
    }
  }

  /** The device in use now (a new one after each recovery). */
  get gpu(): Gpu {
    return this.gpuNow;
  }

  /** The session in use now (a new one after each recovery). */
  get session(): TrainingSession {
    return this.sessionNow;
  }

  /** Steps done so far in the whole run: the index of the next batch. */
  get step(): number {
    return this.done;
  }

  /** Device losses recovered from so far. */
  get recoveries(): number {
    return this.totalRecoveries;
  }

  /** The step of the last in-memory snapshot. */
  get snapshotStep(): number {
    return this.snapshot.step;
  }

  /**
   * Runs `steps` more steps (fewer when `shouldStop` says so), recovering from device loss on the way.
   * Reports for steps after a snapshot may come twice when a loss makes them run again (after a
   * `recovered` event whose fromStep is below them).
   */
  async train(steps: number, opts: TrainOptions = {}): Promise<TrainResult> {
    if (this.disposed) throw new Error('this ResilientTrainer was disposed');
    if (!(Number.isInteger(steps) && steps >= 0)) throw new RangeError(`steps must be an integer ≥ 0, got ${steps}`);
    const reportEvery = opts.reportEvery === undefined ? 10 : checkPositiveInt('reportEvery', opts.reportEvery);
    const end = this.done + steps;
    let pending: Promise<StepReport>[] = [];
    let interrupted = false;
    // Waits for the oldest report; false when the device was lost (the other pending reports are then moot).
    const settle = async (): Promise<boolean> => {
      const next = pending.shift()!;
      try {
        const report = await next;
        opts.onReport?.(report);
        return true;
      } catch (err) {
        if (err instanceof DeviceLostError) return false;
        throw err;
      }
    };
    for (;;) {
      if (this.gpuNow.isLost) {
        pending = [];
        await this.recover();
        continue;
      }
      if (this.done >= end || interrupted) {
        // Everything is submitted; only reports are outstanding.
        if (pending.length === 0) break;
        if (!(await settle())) await this.waitForLoss();
        continue;
      }
      if (opts.shouldStop?.()) {
        interrupted = true;
        continue;
      }
      const index = this.done;
      const report = (index + 1) % reportEvery === 0 || index + 1 === end;
      const p = this.sessionNow.step(this.opts.batchAt(index), { report, carryState: !!this.opts.carryState });
      this.done = index + 1;
      if (p) {
        const offset = this.skippedOffset;
        const numbered = p.then((r) => ({ ...r, call: index + 1, skipped: r.skipped + offset }));
        numbered.catch(() => undefined); // rejections are handled when it is awaited; never "unhandled" meanwhile
        pending.push(numbered);
      }
      // At most two reports in flight: the GPU runs ahead by up to 2·reportEvery steps, never further.
      if (pending.length > 1 && !(await settle())) {
        await this.waitForLoss();
        continue;
      }
      if (this.done % this.snapshotEvery === 0 && this.done < end) await this.takeSnapshot();
    }
    return { step: this.done, interrupted: interrupted && this.done < end };
  }

  /**
   * Weights, optimizer state and config of the current state as checkpoint bytes, with `step` (steps
   * done) in the config so a resumed run continues the data where this one stopped.
   */
  async checkpoint(extraConfig: object = {}): Promise<Uint8Array> {
    return this.sessionNow.checkpoint({ ...this.opts.checkpointConfig, ...extraConfig, step: this.done });
  }

  /**
   * Loads a checkpoint (see TrainingSession.restore: all checked before anything changes) and makes
   * it the recovery snapshot. The run continues from `step` (default: the checkpoint's config.step,
   * else its optimizer step count).
   */
  restore(bytes: Uint8Array, source = 'checkpoint', step?: number): void {
    const ck = this.sessionNow.restore(bytes, source);
    const saved = (ck.config as { step?: unknown }).step;
    const at = step ?? (Number.isSafeInteger(saved) && (saved as number) >= 0 ? (saved as number) : ck.optimizer?.step ?? 0);
    this.done = at;
    this.skippedOffset = 0;
    this.snapshot = { step: at, bytes: bytes.slice(), skipped: 0 };
  }

  /** Snapshot now (it waits for the submitted steps); kept only if the device was still alive after the read. */
  async takeSnapshot(): Promise<boolean> {
    let bytes: Uint8Array;
    let skipped: number;
    try {
      bytes = await this.checkpoint();
      skipped = (await this.sessionNow.trainer.optimizer.readStatus()).skipped + this.skippedOffset;
    } catch (err) {
      if (err instanceof DeviceLostError) return false;
      throw err;
    }
    // Let a loss notice that raced the read land first: a snapshot is kept only from a live device.
    await new Promise((resolve) => setTimeout(resolve, 0));
    if (this.gpuNow.isLost) return false;
    this.snapshot = { step: this.done, bytes, skipped };
    this.recoveriesInARow = 0;
    this.opts.onEvent?.({ type: 'snapshot', step: this.done, bytes: bytes.length });
    await this.opts.onSnapshot?.({ step: this.done, bytes });
    return true;
  }

  /** Releases the session and the device. */
  dispose(): void {
    if (this.disposed) return;
    this.disposed = true;
    this.sessionNow.dispose();
    this.gpuNow.destroy();
  }

  /** A read failed with DeviceLostError: the flag is set by then, but make sure before recovering. */
  private async waitForLoss(): Promise<void> {
    if (!this.gpuNow.isLost) await this.gpuNow.lost;
  }

  private async recover(): Promise<void> {
    const info = this.gpuNow.lostInfo!;
    const error = new DeviceLostError(info.reason, `${info.message || 'no message'}; at step ${this.done}, last snapshot at step ${this.snapshot.step}`);
    this.opts.onEvent?.({ type: 'device-lost', step: this.done, error });
    if (this.recoveriesInARow >= this.maxRecoveries) {
      throw new DeviceLostError(info.reason, `lost ${this.recoveriesInARow + 1} times without progress past the snapshot at step ${this.snapshot.step}; giving up`);
    }
    this.recoveriesInARow++;
    this.totalRecoveries++;
    const lostAtStep = this.done;
    // The old objects only hold handles to the dead device; free them and forget them.
    try {
      this.sessionNow.dispose();
    } finally {
      this.gpuNow.destroy();
    }
    let gpu: Gpu;
    try {
      gpu = await this.createGpu();
    } catch (err) {
      throw new DeviceLostError(info.reason, `lost at step ${lostAtStep}, and no new device could be had: ${(err as Error).message}`, { cause: err });
    }
    let session: TrainingSession | null = null;
    try {
      session = new TrainingSession(gpu, this.opts.config, this.opts.optimizer, this.opts.init);
      session.restore(this.snapshot.bytes, `snapshot at step ${this.snapshot.step}`);
    } catch (err) {
      session?.dispose();
      gpu.destroy();
      throw err;
    }
    this.gpuNow = gpu;
    this.sessionNow = session;
    this.done = this.snapshot.step;
    this.skippedOffset = this.snapshot.skipped;
    this.opts.onEvent?.({ type: 'recovered', fromStep: this.snapshot.step, lostAtStep, recoveries: this.totalRecoveries, adapter: formatAdapter(gpu.info) });
  }
}
