// The storage engine's data model (Cassandra's): what a write carries (Mutation) and what a
// read asks for (ReadCommand) and gets back (ReadResult). Storage is type-agnostic: values
// are the native protocol's serialized bytes, and clustering keys are byte-comparable
// encodings (schema/clustering-key.ts builds them) so rows sort with Buffer.compare.
//
// Times: write timestamps are microseconds since the epoch (Cassandra's), held in a JS number
// (exact up to 2^53, i.e. the year 2255; larger client timestamps are rejected as Invalid).
// Local deletion and expiration times are seconds since the epoch, as in Cassandra.

/** localDeletionTime of something that is neither deleted nor expiring (Cassandra: Integer.MAX_VALUE). */
export const NO_DELETION_TIME = 0x7fffffff;
/** markedForDeleteAt of "not deleted" (Cassandra: Long.MIN_VALUE; any real timestamp is above it). */
export const NOT_DELETED_AT = Number.MIN_SAFE_INTEGER;

/** A deletion: everything with a timestamp <= markedForDeleteAt is shadowed. */
export interface DeletionTime {
  markedForDeleteAtMicros: number;
  /** When the deletion happened, in seconds; after gc_grace_seconds compaction may purge it. */
  localDeletionTime: number;
}

/**
 * The primary-key liveness of a row (written by INSERT, not by UPDATE). A row whose cells
 * are all null still exists while its liveness is live.
 */
export interface LivenessInfo {
  timestampMicros: number;
  /** 0 when the row marker does not expire. */
  ttlSeconds: number;
  /** Expiration time in seconds when ttlSeconds > 0, else NO_DELETION_TIME. */
  localExpirationTime: number;
}

/**
 * One column's value in a row. Three states:
 * - live:      value !== null, ttlSeconds === 0, localDeletionTime === NO_DELETION_TIME
 * - expiring:  value !== null, ttlSeconds > 0, localDeletionTime = expiration time (seconds);
 *              once expired it behaves as a tombstone written at the same timestamp
 * - tombstone: value === null, ttlSeconds === 0, localDeletionTime = when it was deleted
 */
export interface Cell {
  column: string;
  /**
   * The cell path inside a non-frozen collection or UDT column (Cassandra's CellPath): a set's
   * element, a map's key, a list element's time-ordered id, a UDT field's index. Absent for a
   * simple column. A pathless tombstone of a complex column is its collection-level deletion:
   * it shadows the column's path cells with a timestamp at or below its own.
   */
  path?: Buffer;
  timestampMicros: number;
  ttlSeconds: number;
  localDeletionTime: number;
  value: Buffer | null;
}

export interface Row {
  /** Byte-comparable clustering key (schema/clustering-key.ts); the empty-clustering key for tables without clustering columns. */
  clustering: Buffer;
  liveness: LivenessInfo | null;
  deletion: DeletionTime | null;
  /** Sorted by column name then path (compareCellPosition), at most one cell per (column, path). */
  cells: Cell[];
}

/**
 * Deletes every row whose clustering key c satisfies start < c < end (Buffer.compare).
 * Bounds are byte-comparable prefix bounds, which never equal a full clustering key, so
 * inclusivity is encoded in the bound bytes themselves (schema/clustering-key.ts).
 */
export interface RangeTombstone {
  start: Buffer;
  end: Buffer;
  deletion: DeletionTime;
}

/** The contents of one partition: what a write changes, what an sstable stores, what a read returns. */
export interface Partition {
  /** Serialized partition key (composite keys in Cassandra's CompositeType layout). */
  key: Buffer;
  /** Murmur3 token of key. */
  token: bigint;
  partitionDeletion: DeletionTime | null;
  /** Sorted by start, non-overlapping once merged. */
  rangeTombstones: RangeTombstone[];
  /** Sorted by clustering (in the table's order, i.e. Buffer.compare), at most one per clustering key. */
  rows: Row[];
}

/** All changes to one partition of one table, applied atomically. */
export interface Mutation extends Partition {
  keyspace: string;
  /** The table's id (a UUID string), stable across renames and distinct after drop and re-create. */
  tableId: string;
}

/** A slice of clustering keys: rows with start < clustering < end. */
export interface ClusteringSlice {
  start: Buffer;
  end: Buffer;
}

/** A position in token order: a token, optionally refined by a partition key. */
export interface PartitionPosition {
  token: bigint;
  /** When absent, the position is the token itself (before every key with that token). */
  key?: Buffer;
}

interface ReadCommandBase {
  tableId: string;
  /** Clustering slices to return from each partition, sorted and disjoint (one full slice for all rows). */
  slices: ClusteringSlice[];
  /** Return rows in reverse clustering order (ORDER BY opposite to the table's). */
  reversed: boolean;
  /** Columns whose cells to return; 'all' for every column. Liveness and deletions are always returned. */
  columns: string[] | 'all';
  /** Stop after this many live rows in total. */
  rowLimit: number;
  /** Stop each partition after this many live rows. */
  perPartitionRowLimit: number;
  /** The read's notion of now, in seconds, for TTL expiry (Cassandra's nowInSec). */
  nowSeconds: number;
  /**
   * When false (client reads), only live data is returned. When true (replica reads for
   * repair), tombstones, deletions and shadowed-but-not-purged markers are returned too,
   * still counted against limits by live rows only.
   */
  includeTombstones: boolean;
  /**
   * Cassandra's enforceStrictLiveness (views keyed by a regular base column): a row is live only
   * while its liveness is, whatever cells it holds. Not sent between nodes: a replica sets it
   * from its schema (materialized-views.ts), the coordinator from its plan.
   */
  strictLiveness?: boolean;
}

export interface SinglePartitionReadCommand extends ReadCommandBase {
  kind: 'single';
  key: Buffer;
  token: bigint;
  /** Resume strictly after this clustering key (paging). */
  afterClustering?: Buffer;
}

export interface PartitionRangeReadCommand extends ReadCommandBase {
  kind: 'range';
  /** Partitions with start < position <= end in (token, key) order (Cassandra's (left, right]). */
  start: PartitionPosition;
  end: PartitionPosition;
  /** Resume inside the first partition after this clustering key (paging). */
  afterClustering?: Buffer;
  /** Stop after this many partitions with live rows. */
  partitionLimit: number;
  /**
   * A secondary-index query: the replica may read only the partitions its local index lists
   * for this value (whole, within the slices; the coordinator filters the rows), or scan.
   */
  index?: { name: string; value: Buffer };
}

export type ReadCommand = SinglePartitionReadCommand | PartitionRangeReadCommand;

/**
 * One partition of a read result, rows in the requested order (reversed when asked). Without
 * includeTombstones, partitionDeletion is null, rangeTombstones is empty, and rows hold only
 * live rows with only live cells.
 */
export type ReadPartition = Partition;

export interface ReadResult {
  partitions: ReadPartition[];
}

/** Token bounds of the ring: Murmur3 tokens are in [-2^63, 2^63 - 1]; MIN_TOKEN is the ring's start, owned by nobody. */
export const MIN_TOKEN = -(2n ** 63n);
export const MAX_TOKEN = 2n ** 63n - 1n;

/** Holds the flushes of a write's memtables of these tables until `until` settles (StorageEngine.apply). */
export interface FlushHold {
  tableIds: ReadonlySet<string>;
  until: Promise<unknown>;
}
