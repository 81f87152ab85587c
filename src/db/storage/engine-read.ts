// Shaping merged partitions into a read's answer (pure): clustering slices, paging's
// afterClustering, reversed order, live-only filtering or tombstone-preserving replica reads,
// column selection and the row limits.

import { filterLiveRow, isLiveRow } from './partition.js';
import type { ClusteringSlice, Partition, RangeTombstone, ReadCommand, Row } from './types.js';

/** The command's slices narrowed to rows strictly after (or, reversed, before) afterClustering. */
export function effectiveSlices(command: ReadCommand, afterClustering: Buffer | undefined): ClusteringSlice[] {
  if (afterClustering === undefined) return command.slices;
  const out: ClusteringSlice[] = [];
  for (const slice of command.slices) {
    // A full key used as a bound excludes itself, which is exactly "strictly after/before".
    const narrowed = command.reversed
      ? { start: slice.start, end: Buffer.compare(slice.end, afterClustering) < 0 ? slice.end : afterClustering }
      : { start: Buffer.compare(slice.start, afterClustering) > 0 ? slice.start : afterClustering, end: slice.end };
    if (Buffer.compare(narrowed.start, narrowed.end) < 0) out.push(narrowed);
  }
  return out;
}

function inSlices(clustering: Buffer, slices: ClusteringSlice[]): boolean {
  for (const slice of slices) {
    if (Buffer.compare(slice.start, clustering) < 0 && Buffer.compare(clustering, slice.end) < 0) return true;
  }
  return false;
}

function clipTombstones(tombstones: RangeTombstone[], slices: ClusteringSlice[]): RangeTombstone[] {
  const out: RangeTombstone[] = [];
  for (const t of tombstones) {
    for (const slice of slices) {
      const start = Buffer.compare(t.start, slice.start) > 0 ? t.start : slice.start;
      const end = Buffer.compare(t.end, slice.end) < 0 ? t.end : slice.end;
      if (Buffer.compare(start, end) < 0) out.push({ start, end, deletion: t.deletion });
    }
  }
  return out;
}

export interface ShapedPartition {
  /** Null when nothing of the partition is returned. */
  partition: Partition | null;
  liveRows: number;
}

/**
 * One merged partition (shadowed data already removed) as the read returns it, with at most
 * `rowsMax` live rows. Rows come in the requested order.
 */
export function shapePartition(merged: Partition, options: { command: ReadCommand; slices: ClusteringSlice[]; rowsMax: number }): ShapedPartition {
  const { command, slices, rowsMax } = options;
  const rows: Row[] = [];
  let liveRows = 0;
  const count = merged.rows.length;
  for (let i = 0; i < count && liveRows < rowsMax; i++) {
    const row = merged.rows[command.reversed ? count - 1 - i : i] as Row;
    if (!inSlices(row.clustering, slices)) continue;
    if (command.includeTombstones) {
      // Every column's cells are returned: whether a row is live depends on all of them, and
      // the coordinator resolving replicas must decide that the way this read did.
      rows.push(row);
      if (isLiveRow(row, command.nowSeconds, { strict: command.strictLiveness === true })) liveRows++;
    } else {
      const live = filterLiveRow(row, { nowSeconds: command.nowSeconds, columns: command.columns, strictLiveness: command.strictLiveness === true });
      if (live === null) continue;
      rows.push(live);
      liveRows++;
    }
  }
  if (!command.includeTombstones) {
    return { partition: rows.length === 0 ? null : { key: merged.key, token: merged.token, partitionDeletion: null, rangeTombstones: [], rows }, liveRows };
  }
  const rangeTombstones = clipTombstones(merged.rangeTombstones, slices);
  const empty = rows.length === 0 && rangeTombstones.length === 0 && merged.partitionDeletion === null;
  return { partition: empty ? null : { key: merged.key, token: merged.token, partitionDeletion: merged.partitionDeletion, rangeTombstones, rows }, liveRows };
}
