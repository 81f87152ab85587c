// The per-table state of the storage engine: where its files live, and the truncation
// record that bounds commit log replay.

import { ByteReader } from './mutation-serializer.js';
import type { Disk } from '../common/world.js';
import type { Memtable } from './memtable.js';
import { listSSTables, type SSTableReader } from './sstable/index.js';

export interface EngineTableOptions {
  keyspace: string;
  tableId: string;
  gcGraceSeconds: number;
}

export interface TableState {
  options: EngineTableOptions;
  directory: string;
  memtable: Memtable;
  /** Switched-out memtables being (or failed to be) written to sstables; still read. */
  flushing: Memtable[];
  sstables: SSTableReader[];
  compacting: Set<SSTableReader>;
  nextGeneration: number;
  /** Flushes of this table run one after another, so sstables appear in write order. */
  flushQueue: Promise<void>;
  /** Reads in flight: compaction waits for them before deleting the sstables they may use. */
  reads: Set<Promise<unknown>>;
  /** Bumped by truncate and drop: flushes and compactions started before discard their output. */
  epoch: number;
  dropped: boolean;
  /**
   * Flush holds of writes applied to this table and not yet done with what follows them (a base
   * write's view updates): a memtable switched out while a hold is here is not written to an
   * sstable before the hold settles (StorageEngine.apply's flushHold).
   */
  holds: Set<Promise<unknown>>;
}

export function tableDirectory(dataDirectory: string, options: EngineTableOptions): string {
  return `${dataDirectory}/${options.keyspace}/${options.tableId}`;
}

export const TRUNCATION_RECORD = 'truncated-at';

/**
 * What a truncate made obsolete: commit log segments below segmentId (for this table) and
 * sstables below generation. The generation bound also covers flushes and compactions that
 * were writing when the truncate ran: their generations were allocated before it.
 */
export interface TruncationRecord {
  segmentId: number;
  generation: number;
}

export async function readTruncationRecord(disk: Disk, directory: string): Promise<TruncationRecord> {
  const path = `${directory}/${TRUNCATION_RECORD}`;
  if (!(await disk.exists(path))) return { segmentId: 0, generation: 0 };
  const reader = new ByteReader(await disk.readFile(path), path);
  const segmentId = Number(reader.i64Bigint('truncation segment id'));
  const generation = Number(reader.i64Bigint('truncation generation'));
  if (reader.remaining() !== 0) throw reader.corrupt('trailing bytes in truncation record');
  return { segmentId, generation };
}

/** Writes the truncation record atomically (temporary file, sync, rename, directory sync). */
export async function writeTruncationRecord(disk: Disk, directory: string, record: TruncationRecord): Promise<void> {
  const temporary = `${directory}/${TRUNCATION_RECORD}.tmp`;
  if (await disk.exists(temporary)) await disk.remove(temporary);
  const file = await disk.openAppend(temporary);
  const bytes = Buffer.alloc(16);
  bytes.writeBigInt64BE(BigInt(record.segmentId), 0);
  bytes.writeBigInt64BE(BigInt(record.generation), 8);
  try {
    await file.append(bytes);
    await file.sync();
  } finally {
    await file.close();
  }
  await disk.rename(temporary, `${directory}/${TRUNCATION_RECORD}`);
  await disk.syncDirectory(directory);
}

/**
 * An obsolescence record: the generations of sstables a compaction (or truncate) replaced.
 * It is made durable before any of them is deleted, and deleted after all of them are, so a
 * crash midway never leaves only some of them (which could resurrect data a purged tombstone
 * shadowed): at open, completeObsoleteRecords finishes the deletions.
 */
const OBSOLETE_RECORD = /^obsolete-([0-9]+)\.txn$/;

export function obsoleteRecordName(id: number): string {
  return `obsolete-${id}.txn`;
}

export async function writeObsoleteRecord(disk: Disk, directory: string, options: { id: number; generations: number[] }): Promise<string> {
  const path = `${directory}/${obsoleteRecordName(options.id)}`;
  const temporary = `${path}.tmp`;
  if (await disk.exists(temporary)) await disk.remove(temporary);
  const bytes = Buffer.alloc(4 + 8 * options.generations.length);
  bytes.writeUInt32BE(options.generations.length, 0);
  options.generations.forEach((generation, index) => bytes.writeBigInt64BE(BigInt(generation), 4 + 8 * index));
  const file = await disk.openAppend(temporary);
  try {
    await file.append(bytes);
    await file.sync();
  } finally {
    await file.close();
  }
  await disk.rename(temporary, path);
  await disk.syncDirectory(directory);
  return path;
}

/** Finishes deletions an interrupted compaction or truncate recorded; removes stale temporary records. */
export async function completeObsoleteRecords(disk: Disk, directory: string, sstablePath: (generation: number) => string): Promise<void> {
  for (const name of await disk.list(directory)) {
    const path = `${directory}/${name}`;
    if (name.startsWith('obsolete-') && name.endsWith('.txn.tmp')) {
      await disk.remove(path);
      continue;
    }
    if (!OBSOLETE_RECORD.test(name)) continue;
    const reader = new ByteReader(await disk.readFile(path), path);
    const count = reader.u32('obsolete count');
    if (count * 8 !== reader.remaining()) throw reader.corrupt('obsolete record length does not match its count');
    for (let i = 0; i < count; i++) {
      const target = sstablePath(Number(reader.i64Bigint('obsolete generation')));
      if (await disk.exists(target)) await disk.remove(target);
    }
    await disk.syncDirectory(directory);
    await disk.remove(path);
    await disk.syncDirectory(directory);
  }
}

/** Deletes sstables a truncate made obsolete (a crash may have left some behind). */
export async function removeTruncatedSSTables(disk: Disk, directory: string, generationBelow: number): Promise<void> {
  let removed = 0;
  for (const file of await listSSTables(disk, directory)) {
    if (file.generation >= generationBelow) continue;
    await disk.remove(file.path);
    removed++;
  }
  if (removed > 0) await disk.syncDirectory(directory);
}
