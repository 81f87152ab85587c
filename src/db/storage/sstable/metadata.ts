// The METADATA block: what the engine and compaction need to know about an sstable without
// reading its data (Cassandra's Statistics component, reduced to what this engine uses).

import { type Partition, MAX_TOKEN, MIN_TOKEN, NO_DELETION_TIME } from '../types.js';
import { ByteReader, ByteWriter } from './bytes.js';
import { FORMAT_VERSION, FORMAT_VERSION_MIN } from './format.js';

/** A commit log position (commitlog/commit-log.ts's CommitLogPosition). */
export interface ReplayBound {
  segmentId: number;
  offset: number;
}

export interface SSTableMetadata {
  formatVersion: number;
  tableId: string;
  generation: number;
  partitionCount: number;
  rowCount: number;
  rangeTombstoneCount: number;
  cellCount: number;
  /** Token bounds (inclusive); for an empty sstable minToken > maxToken. */
  minToken: bigint;
  maxToken: bigint;
  /** Smallest and largest write or deletion timestamp (micros); 0 and 0 when there is none. */
  minTimestampMicros: number;
  maxTimestampMicros: number;
  /**
   * Largest localDeletionTime / expiration time of anything in the sstable, NO_DELETION_TIME
   * when it holds any data that neither expires nor is deleted (Cassandra's
   * maxLocalDeletionTime: below gcBefore, the whole sstable is purgeable).
   */
  maxLocalDeletionTime: number;
  /** Bytes of the data region (data, row index and partition index blocks). */
  dataBytes: number;
  bloomFalsePositiveChance: number;
  /**
   * Every commit log entry below this position is in this sstable or in sstables of this table
   * flushed before it (Cassandra's commitLogUpperBound): replay skips those entries. Format
   * version 1 did not record it; such sstables read as position zero (replay everything).
   */
  commitLogUpperBound: ReplayBound;
}

/** Accumulates metadata while partitions stream through the writer. */
export class MetadataCollector {
  partitionCount = 0;
  rowCount = 0;
  rangeTombstoneCount = 0;
  cellCount = 0;
  minToken = MAX_TOKEN;
  maxToken = MIN_TOKEN;
  private minTimestamp = Number.POSITIVE_INFINITY;
  private maxTimestamp = Number.NEGATIVE_INFINITY;
  private maxDeletionTime = Number.NEGATIVE_INFINITY;

  private timestamp(micros: number): void {
    if (micros < this.minTimestamp) this.minTimestamp = micros;
    if (micros > this.maxTimestamp) this.maxTimestamp = micros;
  }

  private deletionTime(seconds: number): void {
    if (seconds > this.maxDeletionTime) this.maxDeletionTime = seconds;
  }

  partition(partition: Partition): void {
    this.partitionCount++;
    if (partition.token < this.minToken) this.minToken = partition.token;
    if (partition.token > this.maxToken) this.maxToken = partition.token;
    if (partition.partitionDeletion !== null) {
      this.timestamp(partition.partitionDeletion.markedForDeleteAtMicros);
      this.deletionTime(partition.partitionDeletion.localDeletionTime);
    }
    for (const tombstone of partition.rangeTombstones) {
      this.rangeTombstoneCount++;
      this.timestamp(tombstone.deletion.markedForDeleteAtMicros);
      this.deletionTime(tombstone.deletion.localDeletionTime);
    }
  }

  row(row: Partition['rows'][number]): void {
    this.rowCount++;
    if (row.liveness !== null) {
      this.timestamp(row.liveness.timestampMicros);
      this.deletionTime(row.liveness.localExpirationTime);
    }
    if (row.deletion !== null) {
      this.timestamp(row.deletion.markedForDeleteAtMicros);
      this.deletionTime(row.deletion.localDeletionTime);
    }
    for (const cell of row.cells) {
      this.cellCount++;
      this.timestamp(cell.timestampMicros);
      this.deletionTime(cell.localDeletionTime);
    }
  }

  finish(fixed: { tableId: string; generation: number; dataBytes: number; bloomFalsePositiveChance: number; commitLogUpperBound: ReplayBound }): SSTableMetadata {
    const empty = this.minTimestamp > this.maxTimestamp;
    return {
      formatVersion: FORMAT_VERSION,
      tableId: fixed.tableId,
      generation: fixed.generation,
      partitionCount: this.partitionCount,
      rowCount: this.rowCount,
      rangeTombstoneCount: this.rangeTombstoneCount,
      cellCount: this.cellCount,
      minToken: this.minToken,
      maxToken: this.maxToken,
      minTimestampMicros: empty ? 0 : this.minTimestamp,
      maxTimestampMicros: empty ? 0 : this.maxTimestamp,
      maxLocalDeletionTime: Number.isFinite(this.maxDeletionTime) ? this.maxDeletionTime : NO_DELETION_TIME,
      dataBytes: fixed.dataBytes,
      bloomFalsePositiveChance: fixed.bloomFalsePositiveChance,
      commitLogUpperBound: fixed.commitLogUpperBound,
    };
  }
}

export function encodeMetadata(metadata: SSTableMetadata): ByteWriter {
  const out = new ByteWriter(256);
  out.u16(metadata.formatVersion);
  out.shortString(metadata.tableId);
  out.safeInteger(metadata.generation);
  out.safeInteger(metadata.partitionCount);
  out.safeInteger(metadata.rowCount);
  out.safeInteger(metadata.rangeTombstoneCount);
  out.safeInteger(metadata.cellCount);
  out.i64(metadata.minToken);
  out.i64(metadata.maxToken);
  out.safeInteger(metadata.minTimestampMicros);
  out.safeInteger(metadata.maxTimestampMicros);
  out.i32(metadata.maxLocalDeletionTime);
  out.safeInteger(metadata.dataBytes);
  out.f64(metadata.bloomFalsePositiveChance);
  out.safeInteger(metadata.commitLogUpperBound.segmentId);
  out.safeInteger(metadata.commitLogUpperBound.offset);
  return out;
}

export function decodeMetadata(payload: Buffer, options: { path: string; offset: number }): SSTableMetadata {
  const input = new ByteReader(payload, options);
  const formatVersion = input.u16();
  if (formatVersion < FORMAT_VERSION_MIN || formatVersion > FORMAT_VERSION) throw input.corrupt(`unsupported format version ${formatVersion}`);
  const metadata: SSTableMetadata = {
    formatVersion,
    tableId: input.shortString(),
    generation: input.safeInteger(),
    partitionCount: input.safeInteger(),
    rowCount: input.safeInteger(),
    rangeTombstoneCount: input.safeInteger(),
    cellCount: input.safeInteger(),
    minToken: input.i64(),
    maxToken: input.i64(),
    minTimestampMicros: input.safeInteger(),
    maxTimestampMicros: input.safeInteger(),
    maxLocalDeletionTime: input.i32(),
    dataBytes: input.safeInteger(),
    bloomFalsePositiveChance: input.f64(),
    commitLogUpperBound: formatVersion >= 2 ? { segmentId: input.safeInteger(), offset: input.safeInteger() } : { segmentId: 0, offset: 0 },
  };
  input.expectEnd();
  const p = metadata.bloomFalsePositiveChance;
  if (!(p > 0 && p < 1)) throw input.corrupt(`bad bloom false positive chance ${p}`);
  return metadata;
}
