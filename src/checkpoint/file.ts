// Checkpoint files on disk (Node only). A write never leaves a half-written target: the bytes go to
// `<path>.tmp-<pid>`, are fsynced, and the temp file is renamed over the target (atomic on POSIX);
// on any failure the temp file is removed and the old target is untouched.
import { open, readFile, rename, rm } from 'node:fs/promises';
import { dirname } from 'node:path';
import { CheckpointError } from './safetensors';

export interface WriteCheckpointOptions {
  /** Test hook: runs after the temp file is written and synced, before the rename; throwing aborts the write. */
  beforeRename?: (tempPath: string) => void | Promise<void>;
}

export const tempPathFor = (path: string): string => `${path}.tmp-${process.pid}`;

export async function writeCheckpointFile(path: string, bytes: Uint8Array, opts: WriteCheckpointOptions = {}): Promise<void> {
  const temp = tempPathFor(path);
  try {
    const handle = await open(temp, 'w', 0o644);
    try {
      await handle.writeFile(bytes);
      await handle.sync();
    } finally {
      await handle.close();
    }
    await opts.beforeRename?.(temp);
    await rename(temp, path);
  } catch (err) {
    await rm(temp, { force: true, recursive: false }).catch(() => undefined);
    throw new CheckpointError(`could not write checkpoint ${path}: ${(err as Error).message}`, { cause: err });
  }
  await syncDirectory(dirname(path));
}

/** Makes the rename itself durable; best effort, since not every platform can fsync a directory. */
async function syncDirectory(dir: string): Promise<void> {
  try {
    const handle = await open(dir, 'r');
    try {
      await handle.sync();
    } finally {
      await handle.close();
    }
  } catch {
    // e.g. Windows (EPERM/EISDIR): the data itself is already synced.
  }
}

export async function readCheckpointFile(path: string): Promise<Uint8Array> {
  try {
    return new Uint8Array(await readFile(path));
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    if (code === 'ENOENT') throw new CheckpointError(`checkpoint file not found: ${path}`, { cause: err });
    if (code === 'EISDIR') throw new CheckpointError(`checkpoint path is a directory, not a file: ${path}`, { cause: err });
    throw new CheckpointError(`could not read checkpoint ${path}: ${(err as Error).message}`, { cause: err });
  }
}
