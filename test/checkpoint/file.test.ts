import { mkdir, mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { loadCheckpoint, saveCheckpoint } from '../../src/checkpoint/checkpoint';
import { readCheckpointFile, tempPathFor, writeCheckpointFile } from '../../src/checkpoint/file';
import { CheckpointError } from '../../src/checkpoint/safetensors';

const checkpoint = (value: number): Uint8Array =>
  saveCheckpoint({ config: { value }, tensors: { w: { shape: [3], data: new Float32Array([value, value + 1, value + 2]) } } });

describe('checkpoint files', () => {
  let dir = '';
  let path = '';
  beforeEach(async () => {
    dir = await mkdtemp(join(tmpdir(), 'gateflow-ckpt-'));
    path = join(dir, 'model.safetensors');
  });
  afterEach(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  it('writes, overwrites and reads back the exact bytes, leaving no temp file', async () => {
    await writeCheckpointFile(path, checkpoint(1));
    await writeCheckpointFile(path, checkpoint(2));
    expect(await readCheckpointFile(path)).toEqual(checkpoint(2));
    expect(loadCheckpoint(await readCheckpointFile(path)).config).toEqual({ value: 2 });
    expect(await readdir(dir)).toEqual(['model.safetensors']);
  });

  it('is not confused by partial temp files left by a crashed writer', async () => {
    await writeCheckpointFile(path, checkpoint(1));
    const otherWriter = `${path}.tmp-999999`;
    await writeFile(otherWriter, checkpoint(9).subarray(0, 20)); // a crash mid-write, another process
    await writeFile(tempPathFor(path), 'garbage from an earlier run with this pid, longer than the checkpoint itself'.repeat(10));
    expect(loadCheckpoint(await readCheckpointFile(path)).config).toEqual({ value: 1 });
    await writeCheckpointFile(path, checkpoint(3)); // truncates and reuses its own temp name
    expect(await readCheckpointFile(path)).toEqual(checkpoint(3));
    expect((await readdir(dir)).sort()).toEqual(['model.safetensors', 'model.safetensors.tmp-999999']);
  });

  it('a crash before the rename leaves the old file intact and removes the temp file', async () => {
    await writeCheckpointFile(path, checkpoint(1));
    let sawTemp = '';
    const failing = writeCheckpointFile(path, checkpoint(2), {
      beforeRename: async (temp) => {
        sawTemp = temp;
        expect(await readFile(temp)).toEqual(Buffer.from(checkpoint(2))); // fully written and synced by now
        throw new Error('simulated power loss');
      },
    });
    await expect(failing).rejects.toThrow(CheckpointError);
    await expect(failing).rejects.toThrow(`could not write checkpoint ${path}: simulated power loss`);
    expect(sawTemp).toBe(tempPathFor(path));
    expect(await readCheckpointFile(path)).toEqual(checkpoint(1));
    expect(await readdir(dir)).toEqual(['model.safetensors']);
  });

  it('a failing rename (the target is a directory) leaves the directory alone and removes the temp file', async () => {
    await mkdir(path);
    await writeFile(join(path, 'keep.txt'), 'x');
    await expect(writeCheckpointFile(path, checkpoint(1))).rejects.toThrow(/could not write checkpoint .*model\.safetensors: E(ISDIR|EXIST|NOTEMPTY|PERM)/);
    expect(await readdir(path)).toEqual(['keep.txt']);
    expect(await readdir(dir)).toEqual(['model.safetensors']);
  });

  it('a missing parent directory is an error that names the path, and creates nothing', async () => {
    const nested = join(dir, 'no', 'such', 'dir', 'm.safetensors');
    await expect(writeCheckpointFile(nested, checkpoint(1))).rejects.toThrow(`could not write checkpoint ${nested}: ENOENT`);
    expect(await readdir(dir)).toEqual([]);
  });

  it('reading: a missing file or a directory is a clear error; a truncated file names itself', async () => {
    await expect(readCheckpointFile(path)).rejects.toThrow(`checkpoint file not found: ${path}`);
    await writeFile(tempPathFor(path), checkpoint(1)); // only the temp file survived a crash: still "not found"
    await expect(readCheckpointFile(path)).rejects.toThrow(CheckpointError);
    await expect(readCheckpointFile(dir)).rejects.toThrow(`checkpoint path is a directory, not a file: ${dir}`);
    await writeFile(path, checkpoint(1).subarray(0, 50));
    expect(() => loadCheckpoint(new Uint8Array(0), { source: path })).toThrow(`${path}: truncated`);
    const truncated = await readCheckpointFile(path);
    expect(() => loadCheckpoint(truncated, { source: path })).toThrow(new RegExp(`^${path.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}: truncated`));
  });
});
