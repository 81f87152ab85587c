// The view mutations one base-table write makes (Cassandra 4.0's ViewUpdateGenerator, written
// here from its rules): for each base row the write touches, the row before and after it
// (read locally, tombstones included) decide whether the view gains an entry, keeps it
// (updated), loses it, or switches it to another view primary key. Pure.
//
// - A view row's liveness: the base row's, or (a view keyed by a regular base column V) the
//   liveness of V's cell, so the entry lives and expires with V.
// - Removing an entry: the base row's deletion, and when the removal comes from a change of V
//   (or of an unselected column), an *expired* liveness at the timestamp of what made the entry
//   live. It shadows that liveness only, so a concurrent write with a later timestamp brings
//   the entry back, whatever the order replicas receive them in.
// - Views keyed by V are read with strict liveness (materialized-views.ts): a row without live
//   liveness is not shown, whatever cells it holds.
// - The view's WHERE filter (cql/view-filter.ts): entries are made only for base rows matching
//   it, and removed only where one was (Cassandra's createEntry, updateEntry, deleteOldEntry).

import type { FilteredBaseRow, ViewRowFilter } from '../cql/view-filter.js';
import { murmur3Token } from '../dht/murmur3.js';
import { compareCellPosition } from '../storage/partition.js';
import { decodeClustering, encodeClustering, isRowClustering } from '../schema/clustering-key.js';
import type { TableMetadata, ViewMetadata } from '../schema/metadata.js';
import { serializePartitionKey, splitPartitionKey } from '../schema/partition-key.js';
import {
  NO_DELETION_TIME, NOT_DELETED_AT, type Cell, type DeletionTime, type LivenessInfo, type Mutation, type Partition, type Row,
} from '../storage/types.js';

/** Cassandra's EXPIRED_LIVENESS_TTL: marks a liveness written dead. */
export const EXPIRED_LIVENESS_TTL = 0x7fffffff;

export type View = TableMetadata & { view: ViewMetadata };

/** A base row as it stands: the deletion covering it, and what that deletion leaves. */
export interface BaseRowState {
  clustering: Buffer;
  liveness: LivenessInfo | null;
  deletion: DeletionTime | null;
  /** Cells, tombstones included, none shadowed by `deletion`. */
  cells: Cell[];
}

/** The base primary key columns and, if any, the one regular base column in the view's primary key. */
function extraKeyColumn(base: TableMetadata, view: View): string | null {
  for (const column of [...view.partitionKey, ...view.clustering]) if (base.columns.get(column.name)?.kind === 'regular') return column.name;
  return null;
}

const maxDeletion = (a: DeletionTime | null, b: DeletionTime | null): DeletionTime | null =>
  a === null ? b : b === null ? a : a.markedForDeleteAtMicros >= b.markedForDeleteAtMicros ? a : b;

/** The state of every (non-static) row of a partition read with tombstones, by clustering (hex). */
export function rowStates(partition: Partition | undefined): Map<string, BaseRowState> {
  const states = new Map<string, BaseRowState>();
  if (partition === undefined) return states;
  for (const row of partition.rows) {
    if (!isRowClustering(row.clustering)) continue;
    const deletion = coveringDeletion(partition, row);
    states.set(row.clustering.toString('hex'), stateOf(row, deletion));
  }
  return states;
}

/** The deletion covering a clustering in a partition read with tombstones (partition, range and row deletions). */
export function coveringDeletion(partition: Partition, row: Pick<Row, 'clustering' | 'deletion'>): DeletionTime | null {
  let deletion = maxDeletion(partition.partitionDeletion, row.deletion);
  for (const tombstone of partition.rangeTombstones) {
    if (Buffer.compare(tombstone.start, row.clustering) < 0 && Buffer.compare(row.clustering, tombstone.end) < 0) deletion = maxDeletion(deletion, tombstone.deletion);
  }
  return deletion;
}

function stateOf(row: Pick<Row, 'clustering' | 'liveness' | 'cells'>, deletion: DeletionTime | null): BaseRowState {
  const limit = deletion?.markedForDeleteAtMicros ?? NOT_DELETED_AT;
  // A collection's pathless tombstone shadows its older path cells.
  const collectionDeletions = new Map<string, number>();
  for (const cell of row.cells) if (cell.path === undefined && cell.value === null) collectionDeletions.set(cell.column, cell.timestampMicros);
  return {
    clustering: row.clustering,
    liveness: row.liveness !== null && row.liveness.timestampMicros > limit ? row.liveness : null,
    deletion,
    cells: row.cells.filter((cell) => cell.timestampMicros > limit
      && (cell.path === undefined || cell.timestampMicros > (collectionDeletions.get(cell.column) ?? Number.NEGATIVE_INFINITY))),
  };
}

/** An empty row under a deletion (a base row a partition or range deletion removed). */
export function deletedState(clustering: Buffer, deletion: DeletionTime | null): BaseRowState {
  return { clustering, liveness: null, deletion, cells: [] };
}

function isLiveCell(cell: Cell, nowSeconds: number): boolean {
  return cell.value !== null && (cell.ttlSeconds === 0 || nowSeconds < cell.localDeletionTime);
}

function isLiveLiveness(liveness: LivenessInfo | null, nowSeconds: number): boolean {
  return liveness !== null && (liveness.ttlSeconds === 0 || nowSeconds < liveness.localExpirationTime);
}

function simpleCell(state: BaseRowState, column: string): Cell | undefined {
  return state.cells.find((cell) => cell.column === column && cell.path === undefined);
}

export interface ViewContext {
  base: TableMetadata;
  view: View;
  /** The base partition key (serialized). */
  key: Buffer;
  nowSeconds: number;
  /** The view's WHERE filter beyond IS NOT NULL (view-filter.ts); none: every row with its view key has an entry. */
  filter?: ViewRowFilter | null;
}

/** Whether the base row has a view entry: V is live (views keyed by V), else the row is live. */
function hasEntry(state: BaseRowState | undefined, context: ViewContext): state is BaseRowState {
  if (state === undefined) return false;
  const extra = extraKeyColumn(context.base, context.view);
  if (extra !== null) {
    const cell = simpleCell(state, extra);
    return cell !== undefined && isLiveCell(cell, context.nowSeconds);
  }
  return isLiveLiveness(state.liveness, context.nowSeconds) || state.cells.some((cell) => isLiveCell(cell, context.nowSeconds));
}

/** The view row's partition key and clustering for a base row with an entry. */
function viewPosition(state: BaseRowState, context: ViewContext): { key: Buffer; clustering: Buffer } {
  const { base, view } = context;
  const partitionValues = splitPartitionKey(context.key, base.partitionKey.length);
  const clusteringValues = decodeClustering(base, state.clustering);
  const valueOf = (name: string): Buffer => {
    const column = base.columns.get(name)!;
    if (column.kind === 'partition_key') return partitionValues[column.position]!;
    if (column.kind === 'clustering') return clusteringValues[column.position]!;
    return simpleCell(state, name)!.value!;
  };
  return {
    key: serializePartitionKey(view.partitionKey.map((column) => valueOf(column.name))),
    clustering: encodeClustering(view, view.clustering.map((column) => valueOf(column.name))),
  };
}

/** The liveness of a view entry (Cassandra's computeLivenessInfoForEntry). */
function entryLiveness(state: BaseRowState, context: ViewContext): LivenessInfo | null {
  const { base, view, nowSeconds } = context;
  const extra = extraKeyColumn(base, view);
  if (extra !== null) {
    const cell = simpleCell(state, extra)!;
    return { timestampMicros: cell.timestampMicros, ttlSeconds: cell.ttlSeconds, localExpirationTime: cell.ttlSeconds > 0 ? cell.localDeletionTime : NO_DELETION_TIME };
  }
  const baseLiveness = state.liveness;
  if (view.view.includeAllColumns) return baseLiveness;
  // Unselected columns keep the entry alive too (they would be missed otherwise, CASSANDRA-11500).
  let timestamp = baseLiveness?.timestampMicros ?? NOT_DELETED_AT;
  let nonExpiring = false;
  let longest: Cell | null = null;
  for (const cell of state.cells) {
    if (view.columns.has(cell.column) || !isLiveCell(cell, nowSeconds)) continue;
    timestamp = Math.max(timestamp, cell.timestampMicros);
    if (cell.ttlSeconds === 0) nonExpiring = true;
    else if (longest === null || cell.localDeletionTime > longest.localDeletionTime) longest = cell;
  }
  const permanent = { timestampMicros: timestamp, ttlSeconds: 0, localExpirationTime: NO_DELETION_TIME };
  if (isLiveLiveness(baseLiveness, nowSeconds) && baseLiveness!.ttlSeconds === 0) return permanent;
  if (nonExpiring) return permanent;
  if (longest === null) return baseLiveness;
  if (baseLiveness === null || longest.localDeletionTime > baseLiveness.localExpirationTime || !isLiveLiveness(baseLiveness, nowSeconds)) {
    return { timestampMicros: timestamp, ttlSeconds: longest.ttlSeconds, localExpirationTime: longest.localDeletionTime };
  }
  return baseLiveness;
}

/** The timestamp an entry's removal shadows (Cassandra's computeTimestampForEntryDeletion). */
function removalTimestamp(existing: BaseRowState, merged: BaseRowState, context: ViewContext): number {
  const { base, view } = context;
  const deletedAt = merged.deletion?.markedForDeleteAtMicros ?? NOT_DELETED_AT;
  const extra = extraKeyColumn(base, view);
  if (extra === null) {
    let timestamp = Math.max(deletedAt, existing.liveness?.timestampMicros ?? NOT_DELETED_AT);
    if (view.view.includeAllColumns) return timestamp;
    for (const cell of existing.cells) if (!view.columns.has(cell.column)) timestamp = Math.max(timestamp, cell.timestampMicros);
    return timestamp;
  }
  const before = simpleCell(existing, extra)!;
  return deletedAt >= before.timestampMicros ? deletedAt : before.timestampMicros;
}

/** The view's non-key cells of a base row (tombstones included). */
function viewCells(state: BaseRowState, view: View): Cell[] {
  return state.cells.filter((cell) => {
    const column = view.columns.get(cell.column);
    return column !== undefined && (column.kind === 'regular' || column.kind === 'static');
  });
}

function entry(state: BaseRowState, context: ViewContext, fields: Omit<Row, 'clustering'>): { key: Buffer; row: Row } {
  const position = viewPosition(state, context);
  return { key: position.key, row: { clustering: position.clustering, ...fields } };
}

/**
 * The view rows for one base row, before and after a write (undefined: no such row).
 * Cassandra's updateAction: new entry, update in place, delete the old one, or both.
 */
export function viewRowsFor(existing: BaseRowState | undefined, merged: BaseRowState, context: ViewContext): Array<{ key: Buffer; row: Row }> {
  const had = hasEntry(existing, context);
  const has = hasEntry(merged, context);
  const out: Array<{ key: Buffer; row: Row }> = [];
  const matches = (state: BaseRowState) => context.filter == null || context.filter(filteredRow(state, context), { nowMs: context.nowSeconds * 1000 });
  const write = () => out.push(entry(merged, context, { liveness: entryLiveness(merged, context), deletion: merged.deletion, cells: viewCells(merged, context.view) }));
  const remove = (old: BaseRowState) => {
    const timestamp = removalTimestamp(old, merged, context);
    const deletedAt = merged.deletion?.markedForDeleteAtMicros ?? NOT_DELETED_AT;
    const liveness = timestamp > deletedAt ? { timestampMicros: timestamp, ttlSeconds: EXPIRED_LIVENESS_TTL, localExpirationTime: context.nowSeconds } : null;
    out.push(entry(old, context, { liveness, deletion: merged.deletion, cells: viewCells(merged, context.view) }));
  };
  // Entries are created only for rows matching the view's filter, and removed only where one was (createEntry, deleteOldEntry).
  if (had && has && samePosition(existing, merged, context)) {
    // updateEntry: the filter decides whether the row enters, leaves or stays.
    if (!matches(existing)) {
      if (matches(merged)) write();
    } else if (!matches(merged)) {
      remove(existing);
    } else {
      write();
    }
    return out;
  }
  if (has && matches(merged)) write();
  if (had && matches(existing)) remove(existing);
  return out;
}

/** A base row as the view filter reads it: key values and live simple cells. */
function filteredRow(state: BaseRowState, context: ViewContext): FilteredBaseRow {
  const cells = new Map<string, Cell>();
  for (const cell of state.cells) if (cell.path === undefined && isLiveCell(cell, context.nowSeconds)) cells.set(cell.column, cell);
  return {
    partitionKey: context.key, token: murmur3Token(context.key), partitionKeyValues: splitPartitionKey(context.key, context.base.partitionKey.length),
    clustering: state.clustering, clusteringValues: decodeClustering(context.base, state.clustering), cells,
  };
}

function samePosition(a: BaseRowState, b: BaseRowState, context: ViewContext): boolean {
  const first = viewPosition(a, context);
  const second = viewPosition(b, context);
  return first.key.equals(second.key) && first.clustering.equals(second.clustering);
}

/** Groups view rows into one mutation per view partition (rows sorted, one per clustering: later entries merge over earlier ones). */
export function viewMutations(view: View, rows: ReadonlyArray<{ key: Buffer; row: Row }>): Mutation[] {
  const byKey = new Map<string, { key: Buffer; rows: Map<string, Row> }>();
  for (const { key, row } of rows) {
    let partition = byKey.get(key.toString('hex'));
    if (partition === undefined) byKey.set(key.toString('hex'), partition = { key, rows: new Map() });
    const previous = partition.rows.get(row.clustering.toString('hex'));
    partition.rows.set(row.clustering.toString('hex'), previous === undefined ? row : mergeRows(previous, row));
  }
  return [...byKey.values()].map(({ key, rows: byClustering }) => ({
    keyspace: view.keyspace, tableId: view.id, key, token: murmur3Token(key), partitionDeletion: null, rangeTombstones: [],
    rows: [...byClustering.values()].sort((a, b) => Buffer.compare(a.clustering, b.clustering)),
  }));
}

/** Two writes of one view row in one mutation: the later liveness and deletion, each cell's newer version. */
function mergeRows(a: Row, b: Row): Row {
  const liveness = a.liveness === null ? b.liveness : b.liveness === null ? a.liveness
    : b.liveness.timestampMicros > a.liveness.timestampMicros || (b.liveness.timestampMicros === a.liveness.timestampMicros && b.liveness.ttlSeconds > 0) ? b.liveness : a.liveness;
  const cells = new Map<string, Cell>();
  for (const cell of [...a.cells, ...b.cells]) {
    const id = `${cell.column}\u0000${cell.path?.toString('hex') ?? ''}`;
    const previous = cells.get(id);
    if (previous === undefined || cell.timestampMicros > previous.timestampMicros || (cell.timestampMicros === previous.timestampMicros && cell.value === null)) cells.set(id, cell);
  }
  return { clustering: a.clustering, liveness, deletion: maxDeletion(a.deletion, b.deletion), cells: sortCells([...cells.values()]) };
}

function sortCells(cells: Cell[]): Cell[] {
  return cells.sort(compareCellPosition);
}
