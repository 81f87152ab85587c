// The memtable of one table: recent writes, partitions ordered by (token, key) in a B-tree,
// each partition's rows in a B-tree by clustering key. The partition is the unit (one tree
// entry per partition, not per cell: DESIGN.md measured 450 MB per million cells for the
// latter). A partition of one row (most rows of a key-value table) keeps it encoded with the
// sstable codec, one Buffer instead of about eight objects: every row written survives the
// young-generation collections until the flush, and scavenges cost what survives them (bench
// README, 2026-12-04: scavenges over 10 ms fell from a median of 74 to 46 per insert and select
// run). A read decodes a fresh Row. A second clustering moves the rows into a B-tree of the
// immutable Row objects of types.ts, replaced on update, so a reader holding a row never sees
// it change.

import sortedBtree from 'sorted-btree';
import type SortedBTree from 'sorted-btree';
import type { CommitLogPosition } from './commitlog/commit-log.js';
import { maxDeletion, mergeRow, normalizeRangeTombstones } from './partition.js';
import { ByteReader, ByteWriter } from './sstable/bytes.js';
import { readRowBody, writeRow } from './sstable/codec.js';
import { MIN_TOKEN, type ClusteringSlice, type DeletionTime, type Partition, type PartitionPosition, type RangeTombstone, type Row } from './types.js';

// sorted-btree is CommonJS with `exports.default`: under Node's ESM interop the class is `.default`.
const BTree = sortedBtree.default;
type BTree<K, V> = SortedBTree.default<K, V>;

interface PartitionKey {
  token: bigint;
  key: Buffer;
}

interface MemtablePartition {
  key: Buffer;
  token: bigint;
  partitionDeletion: DeletionTime | null;
  rangeTombstones: RangeTombstone[];
  /**
   * The rows: most partitions of a key-value table hold one, kept here encoded (pack()); a
   * second clustering moves them into `rows`. A B-tree per one-row partition cost four more
   * objects per write, all kept until the flush (allocation and GC time under an insert load).
   * The size estimate still counts a packed row as its objects: flushes come a little early.
   */
  row: Buffer | null;
  rows: BTree<Buffer, Row> | null;
}

const packer = new ByteWriter(1024);
const packedSource = { path: 'memtable', offset: 1 };

/** A row as the sstable codec writes it: one Buffer kept instead of about eight objects. */
function pack(row: Row): Buffer {
  packer.reset();
  writeRow(packer, row);
  return Buffer.from(packer.view());
}

function unpack(bytes: Buffer): Row {
  return readRowBody(new ByteReader(bytes.subarray(1), packedSource));
}

function clusteringOfPacked(bytes: Buffer): Buffer {
  return bytes.subarray(5, 5 + bytes.readUInt32BE(1));
}

/** The partition's rows, ascending. */
function rowsOf(entry: MemtablePartition): Row[] {
  if (entry.rows !== null) return entry.rows.valuesArray();
  return entry.row === null ? [] : [unpack(entry.row)];
}

function applyRow(entry: MemtablePartition, row: Row): void {
  if (entry.rows !== null) {
    const existing = entry.rows.get(row.clustering);
    entry.rows.set(row.clustering, existing === undefined ? row : mergeRow(existing, row));
    return;
  }
  const packed = entry.row;
  if (packed === null) {
    entry.row = pack(row);
    return;
  }
  const only = unpack(packed);
  if (only.clustering.equals(row.clustering)) {
    entry.row = pack(mergeRow(only, row));
  } else {
    entry.rows = new BTree<Buffer, Row>([[only.clustering, only], [row.clustering, row]], Buffer.compare);
    entry.row = null;
  }
}

// Heap cost estimates, calibrated on Node 20 (V8): a small Buffer costs about 110 bytes beyond
// its contents, a plain object about 64, a B-tree slot about 40. Counting only the bytes of
// keys and values under-estimated the real heap by 3.5 times.
const objectBytes = 64;
const bufferBytes = 112;
const treeSlotBytes = 40;
/** A bucket array and its entry in the lookup Map. */
const indexSlotBytes = 48;

/**
 * Partitions whose tokens round to the same double, in (token, key) order; almost always one.
 * A bucket is never changed once in the tree (a new one replaces it), so a scan over a clone
 * of the tree sees the partitions of the moment it started.
 */
type Bucket = readonly MemtablePartition[];

/**
 * The tree is keyed by the token as a double: Number() of a bigint rounds monotonically, so
 * ordering by it orders as the tokens do, ties go to the bucket. Number keys are compared
 * inline and stored unboxed in the tree's nodes; object keys with bigint tokens made a lookup
 * chase a pointer and compare bigints at every step, the memtable's largest cost.
 */
const orderOf = (token: bigint): number => Number(token);
const compareOrders = (a: number, b: number): number => a - b;

/** Where (token, key) is or would go in the bucket, and whether it is there. */
function bucketIndex(bucket: Bucket, token: bigint, key: Buffer): { index: number; found: boolean } {
  for (let index = 0; index < bucket.length; index++) {
    const order = comparePartitionToPosition(bucket[index] as MemtablePartition, { token, key });
    if (order === 0) return { index, found: true };
    if (order > 0) return { index, found: false };
  }
  return { index: bucket.length, found: false };
}

function estimateBytes(p: Partition): number {
  let bytes = bufferBytes + p.key.length + objectBytes + treeSlotBytes + indexSlotBytes;
  for (const t of p.rangeTombstones) bytes += 2 * bufferBytes + t.start.length + t.end.length + 2 * objectBytes;
  for (const row of p.rows) {
    bytes += objectBytes + bufferBytes + row.clustering.length + treeSlotBytes + 8 * row.cells.length;
    if (row.liveness !== null) bytes += objectBytes;
    if (row.deletion !== null) bytes += objectBytes;
    for (const cell of row.cells) bytes += objectBytes + 2 * cell.column.length + (cell.path === undefined ? 0 : bufferBytes + cell.path.length) + (cell.value === null ? 0 : bufferBytes + cell.value.length);
  }
  return bytes;
}

function operationCount(p: Partition): number {
  let count = (p.partitionDeletion === null ? 0 : 1) + p.rangeTombstones.length;
  for (const row of p.rows) count += row.cells.length + (row.deletion === null ? 0 : 1);
  return count;
}

function minTimestampOf(p: Partition): number {
  let min = Infinity;
  if (p.partitionDeletion !== null) min = Math.min(min, p.partitionDeletion.markedForDeleteAtMicros);
  for (const t of p.rangeTombstones) min = Math.min(min, t.deletion.markedForDeleteAtMicros);
  for (const row of p.rows) {
    if (row.liveness !== null) min = Math.min(min, row.liveness.timestampMicros);
    if (row.deletion !== null) min = Math.min(min, row.deletion.markedForDeleteAtMicros);
    for (const cell of row.cells) min = Math.min(min, cell.timestampMicros);
  }
  return min;
}

/** Compares a partition with a range position; a position without a key sorts before every key of its token. */
export function comparePartitionToPosition(partition: PartitionKey, position: PartitionPosition): number {
  if (partition.token !== position.token) return partition.token < position.token ? -1 : 1;
  if (position.key === undefined) return 1;
  return Buffer.compare(partition.key, position.key);
}

/** Whether a partition lies in (start, end]; an end of MIN_TOKEN without a key is the end of the ring. */
export function inRange(partition: PartitionKey, start: PartitionPosition, end: PartitionPosition): boolean {
  if (comparePartitionToPosition(partition, start) <= 0) return false;
  if (end.token === MIN_TOKEN && end.key === undefined) return true;
  return comparePartitionToPosition(partition, end) <= 0;
}

export class Memtable {
  private readonly partitions = new BTree<number, Bucket>(undefined, compareOrders);
  /**
   * The same buckets by order, for point lookups: a hash probe instead of a tree descent,
   * whose comparator calls (shared by every tree in the process) cost more than the probe.
   */
  private readonly index = new Map<number, Bucket>();
  private partitionsCount = 0;
  private bytes = 0;
  private operations = 0;
  private minTimestamp = Infinity;
  /**
   * Set when the memtable is switched out for flushing: with the sstables flushed before it,
   * it holds every commit log entry below this position (its sstable records it for replay).
   */
  commitLogUpperBound: CommitLogPosition | null = null;
  /** Set when switched out: the flush holds of writes it may hold (TableState.holds), awaited before it is written. */
  flushHolds: Promise<unknown>[] = [];

  /** `id` names the memtable as a commit log segment holder. */
  constructor(readonly id: string) {}

  get sizeBytes(): number {
    return this.bytes;
  }

  get partitionCount(): number {
    return this.partitionsCount;
  }

  /**
   * Cells and deletions written here, overwrites included (Cassandra's MemtableColumnsCount, the
   * memtable's operation count: each cell, row deletion, range tombstone and partition deletion).
   */
  get cellCount(): number {
    return this.operations;
  }

  /** The lowest timestamp written here (Infinity when empty): compaction may only purge tombstones below it. */
  get minTimestampMicros(): number {
    return this.minTimestamp;
  }

  isEmpty(): boolean {
    return this.partitionsCount === 0;
  }

  /** Merges a write into the partition it changes. */
  apply(update: Partition): void {
    this.bytes += estimateBytes(update);
    this.operations += operationCount(update);
    this.minTimestamp = Math.min(this.minTimestamp, minTimestampOf(update));
    const entry = this.find(update.token, update.key) ?? this.insert(update.token, update.key);
    entry.partitionDeletion = maxDeletion(entry.partitionDeletion, update.partitionDeletion);
    if (update.rangeTombstones.length > 0) {
      entry.rangeTombstones = normalizeRangeTombstones([...entry.rangeTombstones, ...update.rangeTombstones], null);
    }
    for (const row of update.rows) applyRow(entry, row);
  }

  private find(token: bigint, key: Buffer): MemtablePartition | undefined {
    const bucket = this.index.get(orderOf(token));
    if (bucket === undefined) return undefined;
    // The common bucket of one: compare it directly.
    const first = bucket[0] as MemtablePartition;
    if (bucket.length === 1) return first.token === token && first.key.equals(key) ? first : undefined;
    const { index, found } = bucketIndex(bucket, token, key);
    return found ? bucket[index] : undefined;
  }

  private insert(token: bigint, key: Buffer): MemtablePartition {
    const entry: MemtablePartition = { key, token, partitionDeletion: null, rangeTombstones: [], row: null, rows: null };
    const order = orderOf(token);
    const bucket = this.index.get(order);
    let next: Bucket = [entry];
    if (bucket !== undefined) {
      const { index } = bucketIndex(bucket, token, key);
      next = [...bucket.slice(0, index), entry, ...bucket.slice(index)];
    }
    this.partitions.set(order, next);
    this.index.set(order, next);
    this.partitionsCount++;
    return entry;
  }

  /** The partition's unmerged contents within the slices (rows ascending; the first `rowsMax` of them), or null when absent. */
  readPartition(key: Buffer, token: bigint, slices: ClusteringSlice[], rowsMax = Number.POSITIVE_INFINITY): Partition | null {
    const entry = this.find(token, key);
    if (entry === undefined) return null;
    const rows: Row[] = [];
    for (const slice of slices) {
      if (rows.length >= rowsMax) break;
      if (Buffer.compare(slice.start, slice.end) >= 0) continue;
      if (entry.rows !== null) {
        entry.rows.forRange(slice.start, slice.end, false, (_clustering, row) => {
          rows.push(row);
          return rows.length >= rowsMax ? { break: true } : undefined;
        });
      } else if (entry.row !== null) {
        const clustering = clusteringOfPacked(entry.row);
        if (Buffer.compare(clustering, slice.start) >= 0 && Buffer.compare(clustering, slice.end) < 0) rows.push(unpack(entry.row));
      }
    }
    return { key: entry.key, token: entry.token, partitionDeletion: entry.partitionDeletion, rangeTombstones: entry.rangeTombstones, rows };
  }

  /**
   * Partitions in (start, end] in (token, key) order, whole. Iterates a clone of the tree, so
   * writes that arrive while a consumer awaits between partitions do not disturb the walk.
   */
  async *scan(start: PartitionPosition, end: PartitionPosition): AsyncGenerator<Partition> {
    const snapshot = this.partitions.clone();
    for (const [, bucket] of snapshot.entries(orderOf(start.token))) {
      for (const entry of bucket) {
        if (comparePartitionToPosition(entry, start) <= 0) continue;
        if (!inRange(entry, start, end)) return;
        yield { key: entry.key, token: entry.token, partitionDeletion: entry.partitionDeletion, rangeTombstones: entry.rangeTombstones, rows: rowsOf(entry) };
      }
    }
  }
}
