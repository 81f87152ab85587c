// What the storage engine measures of each table, as Cassandra's TableMetrics do, for nodetool
// tablehistograms and the system_views tables: local read, range-scan and write latencies
// (microseconds), sstables consulted per single-partition read, live rows and tombstones met
// per read, and the sizes and cell counts of the partitions flushed to sstables (Cassandra reads
// these from its sstables' statistics; here each flush adds the partitions it writes).

import { BUCKETS, EstimatedHistogram } from '../common/estimated-histogram.js';
import type { Partition } from './types.js';

export class TableMetrics {
  readonly readLatency = new EstimatedHistogram(BUCKETS.latency);
  readonly rangeLatency = new EstimatedHistogram(BUCKETS.latency);
  readonly writeLatency = new EstimatedHistogram(BUCKETS.latency);
  readonly sstablesPerRead = new EstimatedHistogram(BUCKETS.small);
  readonly rowsPerRead = new EstimatedHistogram(BUCKETS.cellCount);
  readonly tombstonesPerRead = new EstimatedHistogram(BUCKETS.cellCount);
  readonly partitionSize = new EstimatedHistogram(BUCKETS.partitionSize);
  readonly cellCount = new EstimatedHistogram(BUCKETS.cellCount);
  /** The largest partition flushed, in bytes (Cassandra's MaxPartitionSize). */
  maxPartitionBytes = 0;
  /** Memtables switched out for flushing (Cassandra's MemtableSwitchCount). */
  memtableSwitches = 0;
  /**
   * Single-partition reads of an sstable whose token bounds and bloom filter let the read in:
   * the partition was there (true positive) or not (false positive, Cassandra's
   * BloomFilterFalsePositives).
   */
  bloomTruePositives = 0;
  bloomFalsePositives = 0;

  /** Adds a flushed partition's size (key, clusterings and cell values) and cell count. */
  flushed(partition: Partition): void {
    let bytes = partition.key.length;
    let cells = 0;
    for (const row of partition.rows) {
      bytes += row.clustering.length;
      for (const cell of row.cells) {
        bytes += cell.column.length + (cell.value?.length ?? 0) + 8;
        cells++;
      }
    }
    this.partitionSize.add(bytes);
    this.cellCount.add(cells);
    if (bytes > this.maxPartitionBytes) this.maxPartitionBytes = bytes;
  }

  /** Adds what a read returned and the tombstones it met on the way. */
  read(merged: Partition | null, returnedRows: number): void {
    this.rowsPerRead.add(returnedRows);
    this.tombstonesPerRead.add(merged === null ? 0 : tombstonesIn(merged));
  }
}

/** Partition, range and row deletions and deleted cells: what Cassandra's tombstone histogram counts. */
function tombstonesIn(partition: Partition): number {
  let count = (partition.partitionDeletion === null ? 0 : 1) + partition.rangeTombstones.length;
  for (const row of partition.rows) {
    if (row.deletion !== null) count++;
    for (const cell of row.cells) if (cell.value === null) count++;
  }
  return count;
}

/** Passes partitions through, adding each to the table's flushed-partition histograms. */
export async function* measuredPartitions(partitions: AsyncIterable<Partition>, metrics: TableMetrics): AsyncGenerator<Partition> {
  for await (const partition of partitions) {
    metrics.flushed(partition);
    yield partition;
  }
}
