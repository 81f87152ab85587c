// Compaction: merges sstables into one, through the same streaming merge and purge the read
// path uses (partition.ts), holding one partition per input in memory. Expired cells become
// tombstones, tombstones deleted before gcBefore are dropped, shadowed data is dropped. The
// caller (the engine) swaps the readers and deletes the inputs once the output is published.
//
// Purging a tombstone is safe only when no sstable outside the compaction (nor the memtable)
// holds older data it shadows; the engine guarantees that through gcBeforeSeconds (or by
// compacting every overlapping sstable), as this function sees only its inputs.

import { assert } from '../common/assert.js';
import type { Disk } from '../common/world.js';
import { furthestPosition } from './commitlog/commit-log.js';
import type { Pacer } from './pacing.js';
import { type PurgeOptions, isEmptyPartition, mergePartitionStreams, purgePartition } from './partition.js';
import type { SSTableReader } from './sstable/reader.js';
import { type SSTableDescriptor, writeSSTable } from './sstable/writer.js';
import { MIN_TOKEN, type Partition } from './types.js';

export { chooseSizeTieredCompaction, sizeTieredBuckets, sizeTieredDefaults, type CompactionCandidate, type SizeTieredOptions } from './compaction-strategy.js';

export type PartitionStreamMerge = (sources: AsyncIterable<Partition>[]) => AsyncIterable<Partition>;
export type PartitionPurge = (partition: Partition, options: PurgeOptions) => Partition;

export interface CompactOptions {
  disk: Disk;
  directory: string;
  tableId: string;
  inputs: SSTableReader[];
  outputGeneration: number;
  /** Now, in seconds, for TTL expiry. */
  nowSeconds: number;
  /** Tombstones deleted before this (now - gc_grace_seconds) are dropped. */
  gcBeforeSeconds: number;
  /** Streaming k-way merge of sorted partition streams; partition.ts's by default. */
  merge?: PartitionStreamMerge;
  /** Compaction's purge of one merged partition; partition.ts's by default. */
  purge?: PartitionPurge;
  blockBytes?: number;
  bloomFalsePositiveChance?: number;
  /** Slices the merge and keeps compaction_throughput (pacing.ts); none: no pauses. */
  pacer?: Pacer;
}

/** The whole ring: a bare MIN_TOKEN start precedes every key; a bare MIN_TOKEN end means the ring's end. */
const ringStart = { token: MIN_TOKEN };
const ringEnd = { token: MIN_TOKEN };

async function* compactedPartitions(options: CompactOptions): AsyncGenerator<Partition> {
  const merge = options.merge ?? mergePartitionStreams;
  const purge = options.purge ?? purgePartition;
  const purgeOptions = { nowSeconds: options.nowSeconds, gcBeforeSeconds: options.gcBeforeSeconds };
  for await (const merged of merge(options.inputs.map((input) => input.scan(ringStart, ringEnd)))) {
    const purged = purge(merged, purgeOptions);
    if (!isEmptyPartition(purged)) yield purged;
  }
}

/** Writes the compacted union of the inputs as sstable `outputGeneration`; returns its descriptor. */
export async function compact(options: CompactOptions): Promise<SSTableDescriptor> {
  assert(options.inputs.length > 0, 'compaction without inputs');
  assert(options.inputs.every((input) => input.generation !== options.outputGeneration), 'compaction output reuses an input generation');
  assert(options.gcBeforeSeconds <= options.nowSeconds, 'gcBefore after now');
  return writeSSTable({
    disk: options.disk,
    directory: options.directory,
    tableId: options.tableId,
    generation: options.outputGeneration,
    partitions: compactedPartitions(options),
    // The output holds everything its inputs held, so it covers the commit log as far as the furthest of them.
    commitLogUpperBound: furthestPosition(options.inputs.map((input) => input.metadata.commitLogUpperBound)),
    ...(options.blockBytes === undefined ? {} : { blockBytes: options.blockBytes }),
    ...(options.bloomFalsePositiveChance === undefined ? {} : { bloomFalsePositiveChance: options.bloomFalsePositiveChance }),
    ...(options.pacer === undefined ? {} : { pacer: options.pacer }),
  });
}
