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
  while (units.kindAt(to) === UnitKind.Row) to++;
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

/** A row source read only from blocks already in memory: `peek` gives undefined for a block that is not. */
export interface CachedRowSource {
  path: string;
  entries: RowIndexEntry[];
  peek: (position: BlockPosition) => DataBlock | undefined;
}

/** The rows of one block within an ascending slice, and whether the slice goes on in the next block. */
function ascendingInBlock(units: DataBlock, start: { block: BlockPosition; unitIndex: number }, slice: ClusteringSlice, path: string): { rows: Row[] | null; more: boolean } {
  const { block, unitIndex } = start;
  const to = rowRunEnd(units, unitIndex, { path, block });
  const low = searchRows(units, { from: unitIndex, to, key: slice.start, strict: true });
  const high = searchRows(units, { from: low, to, key: slice.end, strict: false });
  return { rows: low < high ? rowsBetween(units, low, high) : null, more: !(high < to || units.kindAt(to) !== undefined) };
}

/** As ascendingInBlock, walking down: the rows come reversed. */
function descendingInBlock(units: DataBlock, start: { block: BlockPosition; unitIndex: number }, slice: ClusteringSlice, path: string): { rows: Row[] | null; more: boolean } {
  const { block, unitIndex } = start;
  const to = rowRunEnd(units, unitIndex, { path, block });
  const high = searchRows(units, { from: unitIndex, to, key: slice.end, strict: false });
  const low = searchRows(units, { from: unitIndex, to: high, key: slice.start, strict: true });
  return { rows: low < high ? rowsBetween(units, low, high).reverse() : null, more: !(low > unitIndex) };
}

function firstEntry(entries: RowIndexEntry[], slice: ClusteringSlice, reversed: boolean): number {
  return reversed ? lastEntryBefore(entries, { key: slice.end, strict: true }) : Math.max(0, lastEntryBefore(entries, { key: slice.start, strict: false }));
}

async function* sliceBatches(source: RowSource, slice: ClusteringSlice, reversed: boolean): AsyncGenerator<Row[]> {
  const step = reversed ? -1 : 1;
  const inBlock = reversed ? descendingInBlock : ascendingInBlock;
  for (let entry = firstEntry(source.entries, slice, reversed); entry >= 0 && entry < source.entries.length; entry += step) {
    const start = (source.entries[entry] as RowIndexEntry).start;
    const { rows, more } = inBlock(await source.load(start.block), start, slice, source.path);
    if (rows !== null) yield rows;
    if (!more) return;
  }
}

/** Batches of rows within the slices (sorted, disjoint), in the requested direction. */
export async function* sliceRows(source: RowSource, options: { slices: ClusteringSlice[]; reversed: boolean }): AsyncGenerator<Row[]> {
  const { slices, reversed } = options;
  for (let index = 0; index < slices.length; index++) {
    const slice = slices[reversed ? slices.length - 1 - index : index] as ClusteringSlice;
    if (Buffer.compare(slice.start, slice.end) >= 0) continue;
    yield* sliceBatches(source, slice, reversed);
  }
}

/**
 * The rows within the slices, in the requested direction, read only from blocks in memory; undefined
 * when a block it needs is not (the caller then reads through sliceRows). No promise, no generator:
 * the read path of a hot partition.
 */
export function sliceRowsCached(source: CachedRowSource, options: { slices: ClusteringSlice[]; reversed: boolean }): Row[] | undefined {
  const { slices, reversed } = options;
  const step = reversed ? -1 : 1;
  const inBlock = reversed ? descendingInBlock : ascendingInBlock;
  let result: Row[] | null = null;
  for (let index = 0; index < slices.length; index++) {
    const slice = slices[reversed ? slices.length - 1 - index : index] as ClusteringSlice;
    if (Buffer.compare(slice.start, slice.end) >= 0) continue;
    for (let entry = firstEntry(source.entries, slice, reversed); entry >= 0 && entry < source.entries.length; entry += step) {
      const start = (source.entries[entry] as RowIndexEntry).start;
      const units = source.peek(start.block);
      if (units === undefined) return undefined;
      const { rows, more } = inBlock(units, start, slice, source.path);
      if (rows !== null) {
        if (result === null) result = rows;
        else for (const row of rows) result.push(row);
      }
      if (!more) break;
    }
  }
  return result ?? [];
}

/** Range tombstones that may delete rows of some slice (start < slice.end and slice.start < end). */
export function tombstonesOverlapping(tombstones: RangeTombstone[], slices: ClusteringSlice[]): RangeTombstone[] {
  return tombstones.filter((tombstone) =>
    slices.some((slice) => Buffer.compare(tombstone.start, slice.end) < 0 && Buffer.compare(slice.start, tombstone.end) < 0),
  );
}
