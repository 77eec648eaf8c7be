// Checkpoints survive crashes and reject corruption: a process killed while it saves leaves the
// previous checkpoint loadable; a failing write leaves it untouched; a truncated or bit-flipped file is
// an error that changes nothing, never a partly loaded model.
import { spawn } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { TrainingSession, type ModelConfig } from '../../src/train/session';
import { ResilientTrainer } from '../../src/train/resilient';
import { loadCheckpoint, CheckpointError } from '../../src/checkpoint/checkpoint';
import { readCheckpointFile, writeCheckpointFile } from '../../src/checkpoint/file';
import type { Gpu } from '../../src/gpu/runtime';
import { Rng } from '../../src/random';
import { gpuForTests } from '../helpers/gpu';
import { CLI } from '../helpers/cli';
import { SMALL, addingBatch, bits, firstDifference, sized } from './helpers';

const gpu = await gpuForTests();

/** Everything restore() can change, as raw bits. */
async function modelState(s: TrainingSession): Promise<{ weights: Uint32Array; state: Record<string, Uint32Array>; step: number }> {
  const weights = bits(await s.net.getFlatWeights());
  const st = await s.trainer.optimizer.exportState();
  return { weights, state: Object.fromEntries(Object.entries(st.buffers).map(([k, v]) => [k, bits(v)])), step: st.step };
}

function expectSameState(a: Awaited<ReturnType<typeof modelState>>, b: Awaited<ReturnType<typeof modelState>>, what: string): void {
  expect(firstDifference(a.weights, b.weights), `${what}: first differing weight`).toBe(-1);
  for (const [k, v] of Object.entries(b.state)) expect(firstDifference(a.state[k], v), `${what}: ${k}`).toBe(-1);
  expect(a.step, `${what}: optimizer step`).toBe(b.step);
}

/** The file's inode, or -1: a checkpoint write renames a new file over the old, so the inode changes. */
const inode = (file: string): number => (existsSync(file) ? statSync(file).ino : -1);

/**
 * Starts `gateflow train` and kills it with SIGKILL once it has replaced its checkpoint file at least
 * once: `delayMs` later, or (delayMs < 0) the moment its next temp file appears, i.e. during a write.
 */
function trainAndKill(args: string[], file: string, delayMs: number): Promise<{ pid: number }> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [CLI, ...args], { stdio: ['ignore', 'ignore', 'pipe'] });
    let stderr = '';
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    const first = inode(file);
    const temp = `${file}.tmp-${child.pid}`;
    let saved = false;
    const poll = setInterval(() => {
      if (!saved && inode(file) !== first) {
        saved = true;
        if (delayMs >= 0) setTimeout(() => child.kill('SIGKILL'), delayMs);
      }
      if (saved && delayMs < 0 && existsSync(temp)) {
        clearInterval(poll);
        child.kill('SIGKILL');
      }
    }, 1);
    child.on('exit', (code, signal) => {
      clearInterval(poll);
      if (signal === 'SIGKILL') resolve({ pid: child.pid! });
      else reject(new Error(`gateflow train exited by itself (code ${code}): ${stderr}`));
    });
  });
}

describe.skipIf(!gpu)('crash-safe checkpoints', () => {
  it('a training run killed (SIGKILL) at random moments while saving every step always leaves a loadable checkpoint', async () => {
    const g = gpu!;
    const dir = mkdtempSync(join(tmpdir(), 'gateflow-kill-'));
    const file = join(dir, 'run.safetensors');
    // H=320: ~5 MB per checkpoint (weights and Adam state), written and fsynced every step.
    const args = ['train', '--steps', '1000000', '--hidden', '320', '--seq-len', '4', '--batch', '2', '--json', '--log-every', '50', '--save', file, '--checkpoint-every', '1'];
    const rng = new Rng(2024);
    const rounds = sized(2, 20); // each round a new process, which compiles its shaders again
    let midWrite = 0;
    let lastStep = -1;
    for (let round = 0; round < rounds; round++) {
      const resume = round > 0 ? ['--resume', file] : [];
      // Even rounds: killed during a write; odd rounds: at a random moment.
      const { pid } = await trainAndKill([...args, ...resume], file, round % 2 === 0 ? -1 : Math.floor(rng.uniform(0, 200)));
      if (existsSync(`${file}.tmp-${pid}`)) midWrite++;
      // The checkpoint on disk is whole: it decodes, its checksum holds, and it restores into a session.
      const bytes = await readCheckpointFile(file);
      const ck = loadCheckpoint(bytes, { source: file });
      const config = (ck.config as { model: ModelConfig }).model;
      const step = (ck.config as { step: number }).step;
      expect(step, `round ${round}: the run moved on`).toBeGreaterThan(lastStep);
      lastStep = step;
      const s = new TrainingSession(g, config, { kind: 'adam', lr: 0.01, clipNorm: 1 }, { seed: 1 });
      s.restore(bytes, file);
      expect((await s.trainer.optimizer.readStatus()).step).toBe(ck.optimizer!.step);
      s.dispose();
    }
    console.log(`${rounds} kills: ${midWrite} landed during a write (a temp file was left behind); the checkpoint loaded every time, last at step ${lastStep}`);
    // Leftover temp files are only ever the killed writers' own; the checkpoint itself is never one.
    expect(readdirSync(dir).filter((n) => !n.startsWith('run.safetensors.tmp-'))).toEqual(['run.safetensors']);
  }, 120_000);

  it('a periodic save that fails mid-run stops the run with a clear error and leaves the previous checkpoint', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'gateflow-failwrite-'));
    const file = join(dir, 'run.safetensors');
    let writes = 0;
    const rt = await ResilientTrainer.create({
      config: SMALL,
      optimizer: { kind: 'adam', lr: 0.01 },
      init: { seed: 3 },
      batchAt: (i) => addingBatch(9, i),
      snapshotEvery: 10,
      onSnapshot: ({ bytes }) => writeCheckpointFile(file, bytes, {
        beforeRename: () => {
          if (++writes === 3) throw new Error('ENOSPC: no space left on device (simulated)');
        },
      }),
    });
    await expect(rt.train(50)).rejects.toThrow(/could not write checkpoint .*run\.safetensors: ENOSPC: no space left on device \(simulated\)/);
    const ck = loadCheckpoint(await readCheckpointFile(file));
    expect((ck.config as { step: number }).step).toBe(20);
    expect(readdirSync(dir)).toEqual(['run.safetensors']);
    rt.dispose();
  });

  it('a checkpoint truncated at every offset is a CheckpointError through TrainingSession.restore, and changes nothing', async () => {
    const g = gpu!;
    const { session, good, other } = await trainedPair(g);
    const before = await modelState(session);
    const t0 = performance.now();
    for (let n = 0; n < good.length; n++) {
      let error: unknown = null;
      try {
        session.restore(good.subarray(0, n), `truncated at ${n}`);
      } catch (err) {
        error = err;
      }
      expect(error, `truncated at ${n} of ${good.length} bytes`).toBeInstanceOf(CheckpointError);
      expect((error as Error).message, `truncated at ${n}`).toMatch(new RegExp(`^truncated at ${n}: (truncated|header|.*not valid JSON)`));
    }
    console.log(`${good.length} truncations rejected in ${((performance.now() - t0) / 1000).toFixed(2)} s`);
    expectSameState(await modelState(session), before, 'after every truncation');
    // The whole file still restores (into another session, then back): nothing about it was damaged.
    other.restore(good);
    expectSameState(await modelState(other), before, 'the intact file');
    session.dispose();
    other.dispose();
  });

  it('a flipped bit anywhere in a checkpoint is an error that changes nothing, or (in a field restore ignores) loads the exact model', async () => {
    const g = gpu!;
    const { session, good } = await trainedPair(g);
    const before = await modelState(session);
    const header = Number(new DataView(good.buffer, good.byteOffset).getBigUint64(0, true));
    let rejected = 0;
    const accepted: string[] = [];
    for (let i = 0; i < good.length; i++) {
      const bad = good.slice();
      bad[i] ^= 1 << (i % 8);
      try {
        session.restore(bad, `bit ${i % 8} of byte ${i}`);
        // It loaded: then it must be the very model the file was written from.
        accepted.push(i < 8 + header ? JSON.stringify(new TextDecoder().decode(good.subarray(Math.max(8, i - 12), i + 12))) : `data byte ${i}`);
        expectSameState(await modelState(session), before, `byte ${i} flipped, accepted`);
      } catch (err) {
        expect(err, `byte ${i}`).toBeInstanceOf(CheckpointError);
        rejected++;
      }
    }
    console.log(`${good.length} single-bit flips: ${rejected} rejected, ${accepted.length} accepted with the exact model (flips in ignored fields: ${accepted.slice(0, 4).join(', ')}${accepted.length > 4 ? ', ...' : ''})`);
    expect(accepted.every((a) => !a.startsWith('data byte'))).toBe(true);
    expectSameState(await modelState(session), before, 'after every flip');
    session.dispose();
  });
});

/** A trained session, its checkpoint, and a second session of the same architecture. */
async function trainedPair(g: Gpu) {
  const config: ModelConfig = { ...SMALL, numLayers: 2 };
  const session = new TrainingSession(g, config, { kind: 'adam', lr: 0.01, clipNorm: 1 }, { seed: 4 });
  for (let i = 0; i < 7; i++) session.step(addingBatch(4, i));
  const good = await session.checkpoint({ task: 'adding' });
  const other = new TrainingSession(g, config, { kind: 'adam', lr: 0.01, clipNorm: 1 }, { seed: 5 });
  return { session, good, other };
}
