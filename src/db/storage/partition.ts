// Reconciliation of partitions (Cassandra's last-write-wins): merging versions of one
// partition from several sources, purging for compaction, and filtering for client reads.
// All functions are pure and never mutate their inputs.

import { assert } from '../common/assert.js';
import {
  NO_DELETION_TIME,
  type Cell,
  type DeletionTime,
  type LivenessInfo,
  type Partition,
  type RangeTombstone,
  type Row,
} from './types.js';

/**
 * Which of two versions of one cell wins (Cassandra's Cells.reconcile for regular cells):
 * 1. the higher write timestamp;
 * 2. on a tie, a cell that is a tombstone or expiring beats a plain live cell (dead beats
 *    live; an expiring cell counts as dead so that the result does not depend on the clock
 *    at reconciliation time, CASSANDRA-14592);
 * 3. still tied: a tombstone beats an expiring cell;
 * 4. both expiring or both tombstones: the higher localDeletionTime;
 * 5. finally the greater value by bytes (a null value sorts lowest); identical cells: either.
 */
export function reconcileCells(a: Cell, b: Cell): Cell {
  assert(compareCellPosition(a, b) === 0, 'reconciling cells of different columns or paths');
  if (a.timestampMicros !== b.timestampMicros) return a.timestampMicros > b.timestampMicros ? a : b;
  const aDeadOrExpiring = a.localDeletionTime !== NO_DELETION_TIME;
  const bDeadOrExpiring = b.localDeletionTime !== NO_DELETION_TIME;
  if (aDeadOrExpiring || bDeadOrExpiring) {
    if (aDeadOrExpiring !== bDeadOrExpiring) return aDeadOrExpiring ? a : b;
    const aTombstone = a.value === null;
    const bTombstone = b.value === null;
    if (aTombstone !== bTombstone) return aTombstone ? a : b;
    if (a.localDeletionTime !== b.localDeletionTime) return a.localDeletionTime > b.localDeletionTime ? a : b;
  }
  return compareValues(a.value, b.value) >= 0 ? a : b;
}

function compareValues(a: Buffer | null, b: Buffer | null): number {
  if (a === null) return b === null ? 0 : -1;
  if (b === null) return 1;
  return Buffer.compare(a, b);
}

/** Cassandra's DeletionTime.supersedes: the later markedForDeleteAt, then the later localDeletionTime. */
export function deletionSupersedes(a: DeletionTime, b: DeletionTime): boolean {
  if (a.markedForDeleteAtMicros !== b.markedForDeleteAtMicros) return a.markedForDeleteAtMicros > b.markedForDeleteAtMicros;
  return a.localDeletionTime > b.localDeletionTime;
}

export function maxDeletion(a: DeletionTime | null, b: DeletionTime | null): DeletionTime | null {
  if (a === null) return b;
  if (b === null) return a;
  return deletionSupersedes(b, a) ? b : a;
}

function sameDeletion(a: DeletionTime, b: DeletionTime): boolean {
  return a.markedForDeleteAtMicros === b.markedForDeleteAtMicros && a.localDeletionTime === b.localDeletionTime;
}

/**
 * Which row marker wins (Cassandra's LivenessInfo.supersedes): the higher timestamp; on a tie
 * an expiring marker beats a permanent one, then the later expiration.
 */
export function reconcileLiveness(a: LivenessInfo | null, b: LivenessInfo | null): LivenessInfo | null {
  if (a === null) return b;
  if (b === null) return a;
  if (a.timestampMicros !== b.timestampMicros) return a.timestampMicros > b.timestampMicros ? a : b;
  const aExpiring = a.ttlSeconds > 0;
  const bExpiring = b.ttlSeconds > 0;
  if (aExpiring !== bExpiring) return aExpiring ? a : b;
  return b.localExpirationTime > a.localExpirationTime ? b : a;
}

/** Order of partitions in storage: by token, then by key bytes. */
export function comparePartitionOrder(a: { token: bigint; key: Buffer }, b: { token: bigint; key: Buffer }): number {
  if (a.token !== b.token) return a.token < b.token ? -1 : 1;
  return Buffer.compare(a.key, b.key);
}

/**
 * The order of cells in a row: by column name, then by path (a pathless cell, i.e. a simple
 * value or a collection-level deletion, first; paths by bytes).
 */
export function compareCellPosition(a: Cell, b: Cell): number {
  if (a.column !== b.column) return a.column < b.column ? -1 : 1;
  if (a.path === undefined) return b.path === undefined ? 0 : -1;
  if (b.path === undefined) return 1;
  return Buffer.compare(a.path, b.path);
}

function mergeCellLists(a: Cell[], b: Cell[]): Cell[] {
  const out: Cell[] = [];
  let i = 0;
  let j = 0;
  while (i < a.length || j < b.length) {
    const x = a[i];
    const y = b[j];
    const order = x === undefined ? 1 : y === undefined ? -1 : compareCellPosition(x, y);
    if (order < 0) {
      out.push(x as Cell);
      i++;
    } else if (order > 0) {
      out.push(y as Cell);
      j++;
    } else {
      out.push(reconcileCells(x as Cell, y as Cell));
      i++;
      j++;
    }
  }
  return out;
}

/** Reconciles two versions of one row (same clustering); shadowed data is not removed here. */
export function mergeRow(a: Row, b: Row): Row {
  return {
    clustering: a.clustering,
    liveness: reconcileLiveness(a.liveness, b.liveness),
    deletion: maxDeletion(a.deletion, b.deletion),
    cells: mergeCellLists(a.cells, b.cells),
  };
}

function mergeRowLists(a: Row[], b: Row[]): Row[] {
  const out: Row[] = [];
  let i = 0;
  let j = 0;
  while (i < a.length || j < b.length) {
    const x = a[i];
    const y = b[j];
    const order = x === undefined ? 1 : y === undefined ? -1 : Buffer.compare(x.clustering, y.clustering);
    if (order < 0) {
      out.push(x as Row);
      i++;
    } else if (order > 0) {
      out.push(y as Row);
      j++;
    } else {
      out.push(mergeRow(x as Row, y as Row));
      i++;
      j++;
    }
  }
  return out;
}

/**
 * Normalizes range tombstones into a sorted, non-overlapping list: on overlaps the
 * superseding deletion wins; pieces shadowed by the partition deletion are dropped; adjacent
 * pieces with the same deletion are joined (a bound never equals a key, so joining (a,b) and
 * (b,c) into (a,c) covers the same rows). The result is canonical for a given coverage.
 */
export function normalizeRangeTombstones(tombstones: RangeTombstone[], partitionDeletion: DeletionTime | null): RangeTombstone[] {
  if (tombstones.length === 0) return [];
  const bounds = uniqueSortedBounds(tombstones);
  const sorted = [...tombstones].sort((x, y) => Buffer.compare(x.start, y.start));
  const out: RangeTombstone[] = [];
  let active: RangeTombstone[] = [];
  let next = 0;
  for (let index = 0; index + 1 < bounds.length; index++) {
    const low = bounds[index] as Buffer;
    const high = bounds[index + 1] as Buffer;
    while (next < sorted.length && Buffer.compare((sorted[next] as RangeTombstone).start, low) <= 0) {
      active.push(sorted[next] as RangeTombstone);
      next++;
    }
    active = active.filter((t) => Buffer.compare(t.end, high) >= 0);
    let winner: DeletionTime | null = null;
    for (const t of active) winner = maxDeletion(winner, t.deletion);
    if (winner === null) continue;
    if (partitionDeletion !== null && winner.markedForDeleteAtMicros <= partitionDeletion.markedForDeleteAtMicros) continue;
    const last = out[out.length - 1];
    if (last !== undefined && last.end.equals(low) && sameDeletion(last.deletion, winner)) {
      out[out.length - 1] = { start: last.start, end: high, deletion: last.deletion };
    } else {
      out.push({ start: low, end: high, deletion: winner });
    }
  }
  return out;
}

function uniqueSortedBounds(tombstones: RangeTombstone[]): Buffer[] {
  const all: Buffer[] = [];
  for (const t of tombstones) {
    assert(Buffer.compare(t.start, t.end) < 0, 'range tombstone start must precede its end');
    all.push(t.start, t.end);
  }
  all.sort(Buffer.compare);
  const unique: Buffer[] = [];
  for (const bound of all) {
    const last = unique[unique.length - 1];
    if (last === undefined || !last.equals(bound)) unique.push(bound);
  }
  return unique;
}

/** Drops what `deletion` shadows from a row (everything with timestamp <= markedForDeleteAt); null if nothing is left. */
function applyDeletionToRow(row: Row, covering: DeletionTime | null): Row | null {
  let deletion = row.deletion;
  if (deletion !== null && covering !== null && deletion.markedForDeleteAtMicros <= covering.markedForDeleteAtMicros) deletion = null;
  const effective = maxDeletion(covering, deletion);
  const limit = effective === null ? -Infinity : effective.markedForDeleteAtMicros;
  const liveness = row.liveness !== null && row.liveness.timestampMicros > limit ? row.liveness : null;
  const cells = dropShadowedPathCells(limit === -Infinity ? row.cells : row.cells.filter((c) => c.timestampMicros > limit));
  if (liveness === null && deletion === null && cells.length === 0) return null;
  return { clustering: row.clustering, liveness, deletion, cells };
}

/**
 * Drops the path cells that their column's collection-level deletion shadows (a pathless
 * tombstone, which sorts before the column's path cells), as Cassandra's complex deletion.
 */
function dropShadowedPathCells(cells: Cell[]): Cell[] {
  let shadowing: Cell | null = null;
  let out: Cell[] | null = null;
  for (let index = 0; index < cells.length; index++) {
    const cell = cells[index] as Cell;
    if (cell.path === undefined) {
      shadowing = cell.value === null ? cell : null;
    } else if (shadowing !== null && shadowing.column === cell.column && cell.timestampMicros <= shadowing.timestampMicros) {
      out ??= cells.slice(0, index);
      continue;
    }
    out?.push(cell);
  }
  return out ?? cells;
}

/** Removes shadowed data from rows, given normalized range tombstones. */
function applyDeletions(rows: Row[], tombstones: RangeTombstone[], partitionDeletion: DeletionTime | null): Row[] {
  const out: Row[] = [];
  let t = 0;
  for (const row of rows) {
    while (t < tombstones.length && Buffer.compare((tombstones[t] as RangeTombstone).end, row.clustering) <= 0) t++;
    const candidate = tombstones[t];
    const covering =
      candidate !== undefined && Buffer.compare(candidate.start, row.clustering) < 0 ? maxDeletion(partitionDeletion, candidate.deletion) : partitionDeletion;
    const kept = applyDeletionToRow(row, covering);
    if (kept !== null) out.push(kept);
  }
  return out;
}

/**
 * Merges versions of one partition (same key) into one: the latest partition deletion, range
 * tombstones normalized, rows and cells reconciled, and data shadowed by a deletion removed.
 */
export function mergePartitions(partitions: Partition[]): Partition {
  const first = partitions[0];
  assert(first !== undefined, 'mergePartitions needs at least one partition');
  let partitionDeletion: DeletionTime | null = null;
  let rows: Row[] = [];
  const tombstones: RangeTombstone[] = [];
  for (const p of partitions) {
    assert(p.key.equals(first.key), 'merging partitions with different keys');
    partitionDeletion = maxDeletion(partitionDeletion, p.partitionDeletion);
    for (const t of p.rangeTombstones) tombstones.push(t);
    rows = rows.length === 0 ? p.rows : mergeRowLists(rows, p.rows);
  }
  const rangeTombstones = normalizeRangeTombstones(tombstones, partitionDeletion);
  return {
    key: first.key,
    token: first.token,
    partitionDeletion,
    rangeTombstones,
    rows: applyDeletions(rows, rangeTombstones, partitionDeletion),
  };
}

export function isEmptyPartition(p: Partition): boolean {
  return p.partitionDeletion === null && p.rangeTombstones.length === 0 && p.rows.length === 0;
}

export interface PurgeOptions {
  nowSeconds: number;
  /** Tombstones deleted before this time (seconds) are dropped: now - gc_grace_seconds. */
  gcBeforeSeconds: number;
  /**
   * Only tombstones with a timestamp below this may be dropped: data outside the compaction
   * (memtables, other sstables) at or above it could otherwise be resurrected. Default: any.
   */
  maxPurgeableTimestampMicros?: number;
}

function purgeableAt(timestampMicros: number, localDeletionTime: number, options: PurgeOptions): boolean {
  return localDeletionTime < options.gcBeforeSeconds && timestampMicros < (options.maxPurgeableTimestampMicros ?? Infinity);
}

function isExpired(cell: Cell, nowSeconds: number): boolean {
  return cell.ttlSeconds > 0 && cell.localDeletionTime <= nowSeconds;
}

/** A cell after compaction's purge: expired cells become tombstones, old tombstones vanish. */
function purgeCell(cell: Cell, options: PurgeOptions): Cell | null {
  let current = cell;
  if (isExpired(cell, options.nowSeconds)) {
    // Cassandra turns an expired cell into a tombstone deleted at its write time (expiration - ttl).
    current = { ...cell, ttlSeconds: 0, localDeletionTime: cell.localDeletionTime - cell.ttlSeconds, value: null };
  }
  if (current.value === null && purgeableAt(current.timestampMicros, current.localDeletionTime, options)) return null;
  return current;
}

function purgeRow(row: Row, options: PurgeOptions): Row | null {
  let liveness = row.liveness;
  if (liveness !== null && liveness.ttlSeconds > 0 && liveness.localExpirationTime <= options.nowSeconds && purgeableAt(liveness.timestampMicros, liveness.localExpirationTime, options)) {
    liveness = null;
  }
  const deletion = row.deletion !== null && purgeableAt(row.deletion.markedForDeleteAtMicros, row.deletion.localDeletionTime, options) ? null : row.deletion;
  const cells: Cell[] = [];
  for (const cell of row.cells) {
    const kept = purgeCell(cell, options);
    if (kept !== null) cells.push(kept);
  }
  if (liveness === null && deletion === null && cells.length === 0) return null;
  return { clustering: row.clustering, liveness, deletion, cells };
}

/**
 * Compaction's purge of one partition: drops shadowed data, turns expired cells into
 * tombstones, and drops tombstones and deletions whose localDeletionTime < gcBeforeSeconds.
 */
export function purgePartition(p: Partition, options: PurgeOptions): Partition {
  const merged = mergePartitions([p]);
  const purgeable = (d: DeletionTime) => purgeableAt(d.markedForDeleteAtMicros, d.localDeletionTime, options);
  const partitionDeletion = merged.partitionDeletion !== null && purgeable(merged.partitionDeletion) ? null : merged.partitionDeletion;
  const rangeTombstones = merged.rangeTombstones.filter((t) => !purgeable(t.deletion));
  const rows: Row[] = [];
  for (const row of merged.rows) {
    const kept = purgeRow(row, options);
    if (kept !== null) rows.push(kept);
  }
  return { key: merged.key, token: merged.token, partitionDeletion, rangeTombstones, rows };
}

export function isLiveCell(cell: Cell, nowSeconds: number): boolean {
  if (cell.value === null) return false;
  return cell.ttlSeconds === 0 || nowSeconds < cell.localDeletionTime;
}

export function isLiveLiveness(liveness: LivenessInfo | null, nowSeconds: number): boolean {
  if (liveness === null) return false;
  return liveness.ttlSeconds === 0 || nowSeconds < liveness.localExpirationTime;
}

/** Whether a row (already cleared of shadowed data) is live: a live marker or any live cell. */
export function isLiveRow(row: Row, nowSeconds: number, { strict = false }: { strict?: boolean } = {}): boolean {
  return isLiveLiveness(row.liveness, nowSeconds) || (!strict && row.cells.some((c) => isLiveCell(c, nowSeconds)));
}

export interface FilterLiveOptions {
  nowSeconds: number;
  columns: string[] | 'all';
  /** Strict liveness (views keyed by a regular base column): only the row's liveness makes it live. */
  strictLiveness?: boolean;
}

/** The live view of a row: only live cells of the selected columns; null when the row is dead. */
export function filterLiveRow(row: Row, options: FilterLiveOptions): Row | null {
  // Row existence counts every column (Cassandra fetches all columns for liveness), while
  // only the selected columns' cells are returned.
  if (!isLiveRow(row, options.nowSeconds, { strict: options.strictLiveness === true })) return null;
  const columns = options.columns;
  const cells = row.cells.filter((c) => isLiveCell(c, options.nowSeconds) && (columns === 'all' || columns.includes(c.column)));
  const liveness = isLiveLiveness(row.liveness, options.nowSeconds) ? row.liveness : null;
  return { clustering: row.clustering, liveness, deletion: null, cells };
}

/**
 * The client's view of a partition: only live rows with live cells, no deletions. The input
 * must already be merged (shadowed data removed), as mergePartitions returns it.
 */
export function filterLive(p: Partition, options: FilterLiveOptions): Partition {
  const rows: Row[] = [];
  for (const row of p.rows) {
    const live = filterLiveRow(row, options);
    if (live !== null) rows.push(live);
  }
  return { key: p.key, token: p.token, partitionDeletion: null, rangeTombstones: [], rows };
}

/**
 * Streaming k-way merge of partition sources, each sorted by (token, key): yields one merged
 * partition per key, in order, holding at most one partition per source in memory.
 */
export async function* mergePartitionStreams(sources: AsyncIterable<Partition>[]): AsyncGenerator<Partition> {
  const iterators = sources.map((s) => s[Symbol.asyncIterator]());
  const heads: Array<Partition | undefined> = await Promise.all(iterators.map(async (it) => nextOf(it)));
  try {
    for (;;) {
      let smallest: Partition | undefined;
      for (const head of heads) {
        if (head !== undefined && (smallest === undefined || comparePartitionOrder(head, smallest) < 0)) smallest = head;
      }
      if (smallest === undefined) return;
      const group: Partition[] = [];
      for (let index = 0; index < heads.length; index++) {
        const head = heads[index];
        if (head === undefined || comparePartitionOrder(head, smallest) !== 0) continue;
        group.push(head);
        const following = await nextOf(iterators[index] as AsyncIterator<Partition>);
        assert(following === undefined || comparePartitionOrder(head, following) < 0, 'partition source out of order');
        heads[index] = following;
      }
      yield mergePartitions(group);
    }
  } finally {
    await Promise.all(iterators.map(async (it) => (it.return === undefined ? undefined : it.return())));
  }
}

async function nextOf(iterator: AsyncIterator<Partition>): Promise<Partition | undefined> {
  const result = await iterator.next();
  return result.done === true ? undefined : result.value;
}
