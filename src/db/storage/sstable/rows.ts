// Reading the rows of one partition out of data blocks, restricted to clustering slices, in
// either direction. Blocks come indexed (and cached) from the reader and decode only the rows
// returned; rows within a block are found by binary search over clusterings read in place and
// returned as one batch per block, so a caller with a limit stops after the blocks it needs
// and pays no promise per row.

import { CorruptionError } from '../../common/errors.js';
import type { ClusteringSlice, RangeTombstone, Row } from '../types.js';
import type { DataBlock } from './blocks.js';
import type { RowIndexEntry } from './codec.js';
import { type BlockPosition, UnitKind } from './format.js';

export type LoadDataBlock = (position: BlockPosition) => Promise<DataBlock>;

/** The end (exclusive) of the run of ROW units starting at `from`; checks what ends it. */
export function rowRunEnd(units: DataBlock, from: number, context: { path: string; block: BlockPosition }): number {
  let to = from;
  while (to < units.length && units.kindAt(to) === UnitKind.Row) to++;
  const next = units.kindAt(to);
  if (next !== undefined && next !== UnitKind.PartitionEnd) {
    throw new CorruptionError(context.path, context.block.offset, `partition start inside a partition (unit ${to})`);
  }
  return to;
}

/** First index in [from, to) whose clustering is > key (strict) or >= key (not strict). */
function searchRows(units: DataBlock, search: { from: number; to: number; key: Buffer; strict: boolean }): number {
  const { key, strict } = search;
  let low = search.from;
  let high = search.to;
  while (low < high) {
    const middle = (low + high) >>> 1;
    const order = Buffer.compare(units.clusteringViewAt(middle), key);
    if (order < 0 || (strict && order === 0)) low = middle + 1;
    else high = middle;
  }
  return low;
}

function rowsBetween(units: DataBlock, from: number, to: number): Row[] {
  const rows: Row[] = [];
  for (let index = from; index < to; index++) rows.push(units.rowAt(index));
  return rows;
}

/** Index of the last entry whose first clustering is <= key (strict: < key), or -1. */
function lastEntryBefore(entries: RowIndexEntry[], search: { key: Buffer; strict: boolean }): number {
  const { key, strict } = search;
  let low = 0;
  let high = entries.length;
  while (low < high) {
    const middle = (low + high) >>> 1;
    const order = Buffer.compare((entries[middle] as RowIndexEntry).firstClustering, key);
    if (order < 0 || (!strict && order === 0)) low = middle + 1;
    else high = middle;
  }
  return low - 1;
}

export interface RowSource {
  path: string;
  entries: RowIndexEntry[];
  load: LoadDataBlock;
}

async function* ascendingSlice(source: RowSource, slice: ClusteringSlice): AsyncGenerator<Row[]> {
  for (let entry = Math.max(0, lastEntryBefore(source.entries, { key: slice.start, strict: false })); entry < source.entries.length; entry++) {
    const { block, unitIndex } = (source.entries[entry] as RowIndexEntry).start;
    const units = await source.load(block);
    const to = rowRunEnd(units, unitIndex, { path: source.path, block });
    const low = searchRows(units, { from: unitIndex, to, key: slice.start, strict: true });
    const high = searchRows(units, { from: low, to, key: slice.end, strict: false });
    if (low < high) yield rowsBetween(units, low, high);
    if (high < to || to < units.length) return;
  }
}

async function* descendingSlice(source: RowSource, slice: ClusteringSlice): AsyncGenerator<Row[]> {
  for (let entry = lastEntryBefore(source.entries, { key: slice.end, strict: true }); entry >= 0; entry--) {
    const { block, unitIndex } = (source.entries[entry] as RowIndexEntry).start;
    const units = await source.load(block);
    const to = rowRunEnd(units, unitIndex, { path: source.path, block });
    const high = searchRows(units, { from: unitIndex, to, key: slice.end, strict: false });
    const low = searchRows(units, { from: unitIndex, to: high, key: slice.start, strict: true });
    if (low < high) yield rowsBetween(units, low, high).reverse();
    if (low > unitIndex) return;
  }
}

/** Batches of rows within the slices (sorted, disjoint), in the requested direction. */
export async function* sliceRows(source: RowSource, options: { slices: ClusteringSlice[]; reversed: boolean }): AsyncGenerator<Row[]> {
  const { slices, reversed } = options;
  for (let index = 0; index < slices.length; index++) {
    const slice = slices[reversed ? slices.length - 1 - index : index] as ClusteringSlice;
    if (Buffer.compare(slice.start, slice.end) >= 0) continue;
    yield* reversed ? descendingSlice(source, slice) : ascendingSlice(source, slice);
  }
}

/** Range tombstones that may delete rows of some slice (start < slice.end and slice.start < end). */
export function tombstonesOverlapping(tombstones: RangeTombstone[], slices: ClusteringSlice[]): RangeTombstone[] {
  return tombstones.filter((tombstone) =>
    slices.some((slice) => Buffer.compare(tombstone.start, slice.end) < 0 && Buffer.compare(slice.start, tombstone.end) < 0),
  );
}
