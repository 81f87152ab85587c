// The per-table state of the storage engine and the pure choices about it: where its files
// live, the truncation record that bounds commit log replay, and which sstables a
// size-tiered compaction would merge next.

import { ByteReader } from './mutation-serializer.js';
import type { Disk } from '../common/world.js';
import { Memtable } from './memtable.js';
import type { SSTableReader } from './sstable/index.js';

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
}

export function tableDirectory(dataDirectory: string, options: EngineTableOptions): string {
  return `${dataDirectory}/${options.keyspace}/${options.tableId}`;
}

export const TRUNCATION_RECORD = 'truncated-at';

/** Reads the truncation record: replay skips this table's mutations in segments below the id. */
export async function readTruncationRecord(disk: Disk, directory: string): Promise<number> {
  const path = `${directory}/${TRUNCATION_RECORD}`;
  if (!(await disk.exists(path))) return 0;
  const bytes = await disk.readFile(path);
  const reader = new ByteReader(bytes, path);
  const segmentId = Number(reader.i64Bigint('truncation segment id'));
  if (reader.remaining() !== 0) throw reader.corrupt('trailing bytes in truncation record');
  return segmentId;
}

/** Writes the truncation record atomically (temporary file, sync, rename, directory sync). */
export async function writeTruncationRecord(disk: Disk, directory: string, segmentId: number): Promise<void> {
  const temporary = `${directory}/${TRUNCATION_RECORD}.tmp`;
  if (await disk.exists(temporary)) await disk.remove(temporary);
  const file = await disk.openAppend(temporary);
  const bytes = Buffer.alloc(8);
  bytes.writeBigInt64BE(BigInt(segmentId));
  try {
    await file.append(bytes);
    await file.sync();
  } finally {
    await file.close();
  }
  await disk.rename(temporary, `${directory}/${TRUNCATION_RECORD}`);
  await disk.syncDirectory(directory);
}

export interface SizeTieredOptions {
  minThreshold: number;
  maxThreshold: number;
  /** Sstables whose size is within [low, high] times a bucket's average join it. */
  bucketLow: number;
  bucketHigh: number;
}

export const sizeTieredDefaults: SizeTieredOptions = { minThreshold: 4, maxThreshold: 32, bucketLow: 0.5, bucketHigh: 1.5 };

/**
 * Size-tiered choice (Cassandra's STCS, simplified): bucket sstables of similar size and pick
 * the bucket of the smallest sstables that has at least minThreshold members.
 */
export function chooseSizeTieredCompaction<T extends { sizeBytes: number }>(candidates: T[], options: SizeTieredOptions = sizeTieredDefaults): T[] {
  const sorted = [...candidates].sort((a, b) => a.sizeBytes - b.sizeBytes);
  const buckets: Array<{ members: T[]; average: number }> = [];
  for (const sstable of sorted) {
    const bucket = buckets.find((b) => sstable.sizeBytes >= b.average * options.bucketLow && sstable.sizeBytes <= b.average * options.bucketHigh);
    if (bucket === undefined) {
      buckets.push({ members: [sstable], average: sstable.sizeBytes });
    } else {
      bucket.members.push(sstable);
      bucket.average = bucket.members.reduce((sum, m) => sum + m.sizeBytes, 0) / bucket.members.length;
    }
  }
  const chosen = buckets.find((b) => b.members.length >= options.minThreshold);
  return chosen === undefined ? [] : chosen.members.slice(0, options.maxThreshold);
}
