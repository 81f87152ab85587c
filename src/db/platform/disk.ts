// The real Disk (common/world.ts) on node:fs/promises. Paths are relative to a root
// directory; every failure becomes a DiskError carrying the system code (ENOSPC, EIO, ...),
// so the storage engine can fail a write without acknowledging it.

import { read, readSync, writeSync } from 'node:fs';
import { constants, type FileHandle, mkdir, open, readFile, readdir, rename, rm, stat, statfs } from 'node:fs/promises';
import { join } from 'node:path';
import { DiskError } from '../common/errors.js';
import type { Disk, DiskFile } from '../common/world.js';

function toDiskError(error: unknown, path: string, operation: string): DiskError {
  if (error instanceof DiskError) return error;
  const code = typeof error === 'object' && error !== null && 'code' in error ? String((error as { code: unknown }).code) : 'EIO';
  const message = error instanceof Error ? error.message : String(error);
  return new DiskError(path, operation, code, message);
}

async function wrap<T>(path: string, operation: string, fn: () => Promise<T>): Promise<T> {
  try {
    return await fn();
  } catch (error) {
    throw toDiskError(error, path, operation);
  }
}

/**
 * How point reads reach sstable blocks (`disk_access_mode`, DiskFile.readNow). `auto` (Cassandra's
 * mmap modes map to it): a read of at most readNowBytesMax runs on the calling thread as a
 * `pread`, which the OS page cache answers in microseconds; a thread-pool read cost more
 * main-thread CPU than the rest of a block-cache miss (bench/README, findings of 2026-12-05). A
 * synchronous read slower than slowReadMs went to the device, so the disk's readNow declines for
 * the next asyncAfterSlowReadMs: the event loop waits for a device read at most once per that
 * period. Synchronous reads start at most readTurnMs after the first one of the same event-loop
 * turn (a setImmediate, which runs once the loop has polled for I/O, starts a new turn), so the
 * decoding between them counts too: a read of many blocks through the point-read path, such as
 * an unpaged SELECT of a huge partition, then continues on the thread pool and lets other
 * requests in, instead of holding the loop for all its blocks.
 * `standard`: readNow always declines. Scans and compaction always use `read`: a loop whose reads
 * all complete synchronously would never yield to the event loop.
 */
export type DiskAccessMode = 'auto' | 'standard';

export interface RealDiskOptions {
  accessMode?: DiskAccessMode;
  /** Milliseconds for timing synchronous reads (performance.now; tests pass their own). */
  now?: () => number;
}

const readNowBytesMax = 64 * 1024;
const slowReadMs = 2;
const asyncAfterSlowReadMs = 1_000;
const readTurnMs = 2;

/** The read policy shared by every file of one Disk. */
interface ReadPolicy {
  readonly onThread: boolean;
  readonly clock: () => number;
  /** Clock time (policy.clock) before which readNow declines: a recent synchronous read was slow. */
  asyncUntil: number;
  /** Clock time of this event-loop turn's first synchronous read; undefined until there is one. */
  turnStartedAt: number | undefined;
}

function mayReadNow(policy: ReadPolicy, length: number): boolean {
  if (!policy.onThread || length > readNowBytesMax) return false;
  const now = policy.clock();
  if (now < policy.asyncUntil) return false;
  if (policy.turnStartedAt === undefined) {
    policy.turnStartedAt = now;
    setImmediate(() => (policy.turnStartedAt = undefined));
    return true;
  }
  return now - policy.turnStartedAt < readTurnMs;
}

function readOnThread(path: string, handle: FileHandle, position: number, length: number, policy: ReadPolicy): Buffer {
  const started = policy.clock();
  // Not zero-filled: either every byte is read or the read throws. Not from the shared pool
  // either, since cached blocks would pin a pool slab each.
  const buffer = Buffer.allocUnsafeSlow(length);
  try {
    let done = 0;
    while (done < length) {
      const bytes = readSync(handle.fd, buffer, done, length - done, position + done);
      if (bytes === 0) throw new DiskError(path, 'read', 'EOF', `read of ${length} bytes at ${position} past the end`);
      done += bytes;
    }
  } catch (error) {
    throw toDiskError(error, path, 'read');
  }
  const finished = policy.clock();
  if (finished - started > slowReadMs) policy.asyncUntil = finished + asyncAfterSlowReadMs;
  return buffer;
}

function diskFile(path: string, handle: FileHandle, initialSize: number, policy: ReadPolicy): DiskFile {
  let size = initialSize;
  /** Thread-pool reads in flight, and close()s waiting for them to end. */
  let reading = 0;
  const idle: Array<() => void> = [];
  return {
    path,
    size: () => size,
    append: (data: Uint8Array) =>
      wrap(path, 'append', async () => {
        let written = 0;
        // A short write is possible (e.g. the disk filled mid-write): write the rest or fail.
        while (written < data.length) {
          const result = await handle.write(data, written, data.length - written, null);
          if (result.bytesWritten === 0) throw new DiskError(path, 'append', 'EIO', 'no progress writing');
          written += result.bytesWritten;
          size += result.bytesWritten;
        }
      }),
    appendNow: (data: Uint8Array) => {
      let written = 0;
      try {
        while (written < data.length) {
          const bytes = writeSync(handle.fd, data, written, data.length - written);
          if (bytes === 0) throw new DiskError(path, 'append', 'EIO', 'no progress writing');
          written += bytes;
        }
      } catch (error) {
        throw toDiskError(error, path, 'append');
      } finally {
        size += written;
      }
    },
    readNow: (position: number, length: number) =>
      mayReadNow(policy, length) ? readOnThread(path, handle, position, length, policy) : undefined,
    read: async (position: number, length: number) => {
      reading++;
      try {
        return await readOnPool(path, handle.fd, position, length);
      } finally {
        if (--reading === 0) for (const resolve of idle.splice(0)) resolve();
      }
    },
    sync: () => wrap(path, 'sync', () => handle.datasync()),
    close: () => wrap(path, 'close', async () => {
      // Thread-pool reads use the descriptor, not the handle, so the handle does not wait for them
      // (a read that continues after a short read would otherwise be queued behind the close).
      while (reading > 0) await new Promise<void>((resolve) => idle.push(resolve));
      await handle.close();
    }),
  };
}

/**
 * A read on the thread pool through the callback API, on the file's descriptor: FileHandle.read
 * cost about a third more main-thread CPU per read (its promise and handle bookkeeping), and
 * past the turn's synchronous budget every block-cache miss takes this path (bench/README,
 * sixth session of 2026-12-05). The caller keeps the descriptor open until it settles.
 */
function readOnPool(path: string, fd: number, position: number, length: number): Promise<Buffer> {
  // Not zero-filled (every byte is read or the read fails), and not from the shared pool (see readOnThread).
  const buffer = Buffer.allocUnsafeSlow(length);
  return new Promise((resolve, reject) => {
    let done = 0;
    const next = () => {
      try {
        read(fd, buffer, done, length - done, position + done, (error, bytes) => {
          if (error !== null) reject(toDiskError(error, path, 'read'));
          else if (bytes === 0) reject(new DiskError(path, 'read', 'EOF', `read of ${length} bytes at ${position} past the end`));
          else if ((done += bytes) < length) next();
          else resolve(buffer);
        });
      } catch (error) {
        // A closed file's descriptor is refused before any read starts.
        reject(toDiskError(error, path, 'read'));
      }
    };
    next();
  });
}

/** A Disk rooted at `rootDirectory` (an absolute or process-relative path). */
export function realDisk(rootDirectory: string, options: RealDiskOptions = {}): Disk {
  const resolve = (path: string) => join(rootDirectory, path);
  const policy: ReadPolicy = { onThread: (options.accessMode ?? 'auto') === 'auto', clock: options.now ?? (() => performance.now()), asyncUntil: 0, turnStartedAt: undefined };
  return {
    openAppend: (path) =>
      wrap(path, 'open', async () => {
        const handle = await open(resolve(path), constants.O_RDWR | constants.O_CREAT | constants.O_APPEND, 0o644);
        const info = await handle.stat();
        return diskFile(path, handle, info.size, policy);
      }),
    openRead: (path) =>
      wrap(path, 'open', async () => {
        const handle = await open(resolve(path), 'r');
        const info = await handle.stat();
        return diskFile(path, handle, info.size, policy);
      }),
    readFile: (path) => wrap(path, 'read', () => readFile(resolve(path))),
    exists: async (path) => {
      try {
        await stat(resolve(path));
        return true;
      } catch (error) {
        const diskError = toDiskError(error, path, 'stat');
        if (diskError.systemCode === 'ENOENT') return false;
        throw diskError;
      }
    },
    list: (directory) => wrap(directory, 'list', async () => (await readdir(resolve(directory))).sort()),
    makeDirectory: (directory) =>
      wrap(directory, 'mkdir', async () => {
        await mkdir(resolve(directory), { recursive: true });
      }),
    rename: (from, to) => wrap(from, 'rename', () => rename(resolve(from), resolve(to))),
    remove: (path) => wrap(path, 'remove', () => rm(resolve(path), { recursive: true })),
    syncDirectory: (directory) =>
      wrap(directory, 'syncDirectory', async () => {
        const handle = await open(resolve(directory), 'r');
        try {
          await handle.sync();
        } finally {
          await handle.close();
        }
      }),
    freeBytes: async (path) => {
      try {
        const info = await statfs(resolve(path));
        return info.bavail * info.bsize;
      } catch (error) {
        // Not every platform reports free space; callers treat undefined as unknown.
        if (toDiskError(error, path, 'statfs').systemCode === 'ENOSYS') return undefined;
        throw toDiskError(error, path, 'statfs');
      }
    },
  };
}
