// Size-tiered compaction (Cassandra's STCS) as a pure choice: group sstables of similar size
// into buckets and pick a bucket with enough members. The engine runs compact() on the answer.

import { assert } from '../common/assert.js';

export interface SizeTieredOptions {
  /** Fewest sstables in a bucket worth compacting. */
  minThreshold: number;
  /** Most sstables compacted at once. */
  maxThreshold: number;
  /** An sstable joins a bucket when its size is within (bucketLow, bucketHigh) times the bucket's average. */
  bucketLow: number;
  bucketHigh: number;
  /** SSTables below this size all share one bucket of small sstables. */
  minSSTableBytes: number;
}

export const sizeTieredDefaults: SizeTieredOptions = {
  minThreshold: 4,
  maxThreshold: 32,
  bucketLow: 0.5,
  bucketHigh: 1.5,
  minSSTableBytes: 50 * 1024 * 1024,
};

export interface CompactionCandidate {
  generation: number;
  sizeBytes: number;
}

interface Bucket {
  members: CompactionCandidate[];
  averageBytes: number;
}

/** Cassandra's getBuckets: sstables sorted by size, each joining the first bucket it fits. */
export function sizeTieredBuckets(sstables: readonly CompactionCandidate[], options: SizeTieredOptions): CompactionCandidate[][] {
  const sorted = [...sstables].sort((a, b) => a.sizeBytes - b.sizeBytes || a.generation - b.generation);
  const buckets: Bucket[] = [];
  for (const sstable of sorted) {
    const size = sstable.sizeBytes;
    const bucket = buckets.find((b) =>
      (size > b.averageBytes * options.bucketLow && size < b.averageBytes * options.bucketHigh) ||
      (size < options.minSSTableBytes && b.averageBytes < options.minSSTableBytes),
    );
    if (bucket === undefined) {
      buckets.push({ members: [sstable], averageBytes: size });
    } else {
      bucket.averageBytes = (bucket.averageBytes * bucket.members.length + size) / (bucket.members.length + 1);
      bucket.members.push(sstable);
    }
  }
  return buckets.map((b) => b.members);
}

/**
 * The generations to compact next, or null when no bucket reaches minThreshold. Among the
 * buckets that do, each trimmed to its maxThreshold smallest members, the one with the smallest
 * average size wins: Cassandra ranks by read hotness, which this engine does not track, and the
 * smallest bucket is the cheapest way to cut the number of sstables a read touches.
 */
export function chooseSizeTieredCompaction(
  sstables: readonly CompactionCandidate[],
  options: Partial<SizeTieredOptions> = {},
): number[] | null {
  const settings = { ...sizeTieredDefaults, ...options };
  assert(settings.minThreshold >= 2 && settings.maxThreshold >= settings.minThreshold, 'bad compaction thresholds');
  assert(settings.bucketLow > 0 && settings.bucketLow < 1 && settings.bucketHigh > 1, 'bad compaction bucket bounds');
  let best: { members: CompactionCandidate[]; averageBytes: number } | null = null;
  for (const bucket of sizeTieredBuckets(sstables, settings)) {
    if (bucket.length < settings.minThreshold) continue;
    const members = bucket.slice(0, settings.maxThreshold);
    const averageBytes = members.reduce((sum, s) => sum + s.sizeBytes, 0) / members.length;
    if (best === null || averageBytes < best.averageBytes) best = { members, averageBytes };
  }
  return best === null ? null : best.members.map((s) => s.generation).sort((a, b) => a - b);
}
