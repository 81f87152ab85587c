// An in-memory Disk (src/db/common/world.ts) that models what a crash keeps: appended bytes
// survive only up to the last sync() of their file, and directory entries (creates, renames,
// removes) only once syncDirectory() of their directory ran. Seeded, so a failing run
// reproduces. Directories themselves are durable as soon as they are made (a simplification:
// the engine makes its directories once, at startup).

import { DiskError } from '../../src/db/common/errors.js';
import type { Disk, DiskFile } from '../../src/db/common/world.js';

/** A file's bytes, shared by every name (live or durable) that refers to it. */
class Inode {
  data = Buffer.alloc(0);
  length = 0;
  syncedLength = 0;

  append(bytes: Uint8Array): void {
    if (this.length + bytes.length > this.data.length) {
      const grown = Buffer.alloc(Math.max(this.length + bytes.length, this.data.length * 2, 256));
      this.data.copy(grown, 0, 0, this.length);
      this.data = grown;
    }
    this.data.set(bytes, this.length);
    this.length += bytes.length;
  }
}

export interface SimulatedDiskOptions {
  /** Seed of the crash's torn-write choices. */
  seed?: number;
  /** Capacity in bytes: appends past it fail with ENOSPC (after writing what fits). */
  capacityBytes?: number;
}

export interface CrashOptions {
  /** Keep a random prefix of each file's unsynced bytes (a torn write) instead of none. */
  tornWrites?: boolean;
}

function parentOf(path: string): string {
  const slash = path.lastIndexOf('/');
  return slash < 0 ? '' : path.slice(0, slash);
}

function normalize(path: string): string {
  return path.replace(/\/+/g, '/').replace(/\/$/, '');
}

export class SimulatedDisk implements Disk {
  private live = new Map<string, Inode>();
  private durable = new Map<string, Inode>();
  private directories = new Set<string>(['']);
  /** Bumped by crash(): handles opened before it are dead. */
  private epoch = 0;
  private randomState: number;
  private capacityBytes: number | undefined;
  /** Counts of operations, for tests. */
  readonly stats = { appends: 0, syncs: 0, appendedBytes: 0 };

  constructor(options: SimulatedDiskOptions = {}) {
    this.randomState = (options.seed ?? 1) >>> 0 || 1;
    this.capacityBytes = options.capacityBytes;
  }

  /** Sets (or clears) the capacity; used bytes count every live file. */
  setCapacity(capacityBytes: number | undefined): void {
    this.capacityBytes = capacityBytes;
  }

  usedBytes(): number {
    let total = 0;
    for (const inode of new Set(this.live.values())) total += inode.length;
    return total;
  }

  private nextRandom(): number {
    // xorshift32: small, seeded, good enough for choosing torn-write lengths.
    let x = this.randomState;
    x ^= x << 13;
    x ^= x >>> 17;
    x ^= x << 5;
    this.randomState = x >>> 0;
    return this.randomState / 0x1_0000_0000;
  }

  /** Simulates power loss: unsynced bytes and unsynced directory changes are gone. */
  crash(options: CrashOptions = {}): void {
    this.epoch++;
    this.live = new Map(this.durable);
    for (const inode of new Set(this.durable.values())) {
      const unsynced = inode.length - inode.syncedLength;
      const kept = options.tornWrites === true && unsynced > 0 ? Math.floor(this.nextRandom() * (unsynced + 1)) : 0;
      inode.length = inode.syncedLength + kept;
      inode.syncedLength = inode.length;
    }
  }

  /**
   * A view of this disk for one process lifetime: after crash() every call through it fails
   * with EIO, so background work of the crashed process cannot touch the restarted one's files.
   */
  view(): Disk {
    const epoch = this.epoch;
    const check = (path: string, operation: string) => {
      if (epoch !== this.epoch) throw new DiskError(path, operation, 'EIO', 'the disk crashed');
    };
    return {
      openAppend: async (path) => (check(path, 'open'), this.openAppend(path)),
      openRead: async (path) => (check(path, 'open'), this.openRead(path)),
      readFile: async (path) => (check(path, 'read'), this.readFile(path)),
      exists: async (path) => (check(path, 'stat'), this.exists(path)),
      list: async (directory) => (check(directory, 'list'), this.list(directory)),
      makeDirectory: async (directory) => (check(directory, 'mkdir'), this.makeDirectory(directory)),
      rename: async (from, to) => (check(from, 'rename'), this.rename(from, to)),
      remove: async (path) => (check(path, 'remove'), this.remove(path)),
      syncDirectory: async (directory) => (check(directory, 'syncDirectory'), this.syncDirectory(directory)),
      freeBytes: async (path) => (check(path, 'statfs'), this.freeBytes()),
    };
  }

  /** Overwrites bytes of a file in place (tests: corruption). */
  corrupt(path: string, position: number, mutate: (byte: number) => number): void {
    const inode = this.live.get(normalize(path));
    if (inode === undefined || position >= inode.length) throw new Error(`cannot corrupt ${path} at ${position}`);
    inode.data[position] = mutate(inode.data[position] as number) & 0xff;
  }

  /** A file's current bytes (tests). */
  contents(path: string): Buffer {
    const inode = this.live.get(normalize(path));
    if (inode === undefined) throw new Error(`no file ${path}`);
    return Buffer.from(inode.data.subarray(0, inode.length));
  }

  private handle(path: string, inode: Inode, writable: boolean): DiskFile {
    const epoch = this.epoch;
    let closed = false;
    const check = (operation: string) => {
      if (closed) throw new DiskError(path, operation, 'EBADF', 'file is closed');
      if (epoch !== this.epoch) throw new DiskError(path, operation, 'EIO', 'the disk crashed');
    };
    return {
      path,
      size: () => inode.length,
      append: async (data: Uint8Array) => {
        check('append');
        if (!writable) throw new DiskError(path, 'append', 'EBADF', 'opened for reading');
        this.appendWithinCapacity(path, inode, data);
      },
      appendNow: (data: Uint8Array) => {
        check('append');
        if (!writable) throw new DiskError(path, 'append', 'EBADF', 'opened for reading');
        this.appendWithinCapacity(path, inode, data);
      },
      readNow: () => undefined,
      read: async (position: number, length: number) => {
        check('read');
        if (position < 0 || length < 0 || position + length > inode.length) {
          throw new DiskError(path, 'read', 'EOF', `read of ${length} bytes at ${position} past the end (${inode.length})`);
        }
        return Buffer.from(inode.data.subarray(position, position + length));
      },
      sync: async () => {
        check('sync');
        this.stats.syncs++;
        inode.syncedLength = inode.length;
      },
      close: async () => {
        closed = true;
      },
    };
  }

  private appendWithinCapacity(path: string, inode: Inode, data: Uint8Array): void {
    this.stats.appends++;
    if (this.capacityBytes !== undefined) {
      const free = this.capacityBytes - this.usedBytes();
      if (data.length > free) {
        // A real disk may write part of the data before failing: keep that partial write.
        if (free > 0) inode.append(data.subarray(0, free));
        this.stats.appendedBytes += Math.max(free, 0);
        throw new DiskError(path, 'append', 'ENOSPC', 'no space left on device');
      }
    }
    inode.append(data);
    this.stats.appendedBytes += data.length;
  }

  private requireDirectory(directory: string, operation: string, path: string): void {
    if (!this.directories.has(directory)) throw new DiskError(path, operation, 'ENOENT', 'no such directory');
  }

  async openAppend(path: string): Promise<DiskFile> {
    const name = normalize(path);
    this.requireDirectory(parentOf(name), 'open', name);
    let inode = this.live.get(name);
    if (inode === undefined) {
      inode = new Inode();
      this.live.set(name, inode);
    }
    return this.handle(name, inode, true);
  }

  async openRead(path: string): Promise<DiskFile> {
    const name = normalize(path);
    const inode = this.live.get(name);
    if (inode === undefined) throw new DiskError(name, 'open', 'ENOENT', 'no such file');
    return this.handle(name, inode, false);
  }

  async readFile(path: string): Promise<Buffer> {
    const name = normalize(path);
    const inode = this.live.get(name);
    if (inode === undefined) throw new DiskError(name, 'read', 'ENOENT', 'no such file');
    return Buffer.from(inode.data.subarray(0, inode.length));
  }

  async exists(path: string): Promise<boolean> {
    const name = normalize(path);
    return this.live.has(name) || this.directories.has(name);
  }

  async list(directory: string): Promise<string[]> {
    const dir = normalize(directory);
    this.requireDirectory(dir, 'list', dir);
    const names = new Set<string>();
    for (const path of [...this.live.keys(), ...this.directories]) {
      if (path !== '' && path !== dir && parentOf(path) === dir) names.add(path.slice(dir === '' ? 0 : dir.length + 1));
    }
    return [...names].sort();
  }

  async makeDirectory(directory: string): Promise<void> {
    const parts = normalize(directory).split('/');
    for (let i = 1; i <= parts.length; i++) this.directories.add(parts.slice(0, i).join('/'));
  }

  async rename(from: string, to: string): Promise<void> {
    const source = normalize(from);
    const target = normalize(to);
    const inode = this.live.get(source);
    if (inode === undefined) throw new DiskError(source, 'rename', 'ENOENT', 'no such file');
    this.requireDirectory(parentOf(target), 'rename', target);
    this.live.delete(source);
    this.live.set(target, inode);
  }

  async remove(path: string): Promise<void> {
    const name = normalize(path);
    if (this.live.delete(name)) return;
    if (this.directories.has(name)) {
      for (const p of [...this.live.keys()]) if (p.startsWith(`${name}/`)) this.live.delete(p);
      for (const d of [...this.directories]) if (d === name || d.startsWith(`${name}/`)) this.directories.delete(d);
      return;
    }
    throw new DiskError(name, 'remove', 'ENOENT', 'no such file');
  }

  async syncDirectory(directory: string): Promise<void> {
    const dir = normalize(directory);
    this.requireDirectory(dir, 'syncDirectory', dir);
    for (const path of [...this.durable.keys()]) if (parentOf(path) === dir && !this.live.has(path)) this.durable.delete(path);
    for (const [path, inode] of this.live) if (parentOf(path) === dir) this.durable.set(path, inode);
  }

  async freeBytes(): Promise<number | undefined> {
    return this.capacityBytes === undefined ? undefined : Math.max(0, this.capacityBytes - this.usedBytes());
  }
}
