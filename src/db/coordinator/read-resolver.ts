// Resolution of replica answers to one read (Cassandra's DataResolver): versions of each
// partition are merged by timestamp (mergePartitions), the replicas whose version differs
// from the merge get back what they lack of it (the rows that differ, and the deletions when
// those differ; not the whole partition) as a repair mutation, and the client sees the live view within
// the command's limits. Replicas read with includeTombstones, so a deletion on one replica
// shadows older data on another. A replica that stopped on a limit answered only a prefix:
// partitions past the earliest such stop are left for the next read.

import type { Endpoint } from '../cluster/endpoint.js';
import { digestReadResult } from '../storage/digest.js';
import { comparePartitionOrder, filterLive, isLiveRow, mergePartitions } from '../storage/partition.js';
import type { DeletionTime, Mutation, Partition, RangeTombstone, ReadCommand, ReadResult, Row } from '../storage/types.js';

export interface ReplicaAnswer {
  endpoint: Endpoint;
  result: ReadResult;
}

export interface Resolution {
  /** The client's view: live rows only, within the command's limits, in its order. */
  result: ReadResult;
  /** Per stale replica, the mutations that make it current. */
  repairs: Map<Endpoint, Mutation[]>;
  /** Some replica stopped on a limit and the merge came out smaller: re-read with larger limits. */
  short: boolean;
}

/** Rows ascending (the order merges and mutations use), whatever the read's order. */
function ascending(partition: Partition, reversed: boolean): Partition {
  return reversed ? { ...partition, rows: [...partition.rows].reverse() } : partition;
}

function liveRowCount(partition: Partition, { nowSeconds, strictLiveness = false }: Pick<ReadCommand, 'nowSeconds' | 'strictLiveness'>): number {
  return partition.rows.filter((row) => isLiveRow(row, nowSeconds, { strict: strictLiveness })).length;
}

/** Whether a replica's answer was cut by the row or partition limit (it may hold more). */
function stoppedOnLimit(result: ReadResult, command: ReadCommand): boolean {
  let rows = 0;
  let partitions = 0;
  for (const partition of result.partitions) {
    const live = liveRowCount(partition, command);
    rows += live;
    if (live > 0) partitions++;
    if (live >= command.perPartitionRowLimit) return true;
  }
  return rows >= command.rowLimit || (command.kind === 'range' && partitions >= command.partitionLimit);
}

function cutoffOf(answers: readonly ReplicaAnswer[], command: ReadCommand): Partition | undefined {
  let cutoff: Partition | undefined;
  for (const answer of answers) {
    const last = answer.result.partitions[answer.result.partitions.length - 1];
    if (last === undefined || !stoppedOnLimit(answer.result, command)) continue;
    if (cutoff === undefined || comparePartitionOrder(last, cutoff) < 0) cutoff = last;
  }
  return cutoff;
}

export function resolveAnswers(command: ReadCommand, answers: readonly ReplicaAnswer[], keyspace: string): Resolution {
  const cutoff = cutoffOf(answers, command);
  const versions = new Map<string, { sample: Partition; byReplica: Map<Endpoint, Partition> }>();
  for (const answer of answers) {
    for (const raw of answer.result.partitions) {
      if (cutoff !== undefined && comparePartitionOrder(raw, cutoff) > 0) continue;
      const partition = ascending(raw, command.reversed);
      const id = partition.key.toString('hex');
      const entry = versions.get(id) ?? { sample: partition, byReplica: new Map() };
      entry.byReplica.set(answer.endpoint, partition);
      versions.set(id, entry);
    }
  }
  const ordered = [...versions.values()].sort((a, b) => comparePartitionOrder(a.sample, b.sample));
  const repairs = new Map<Endpoint, Mutation[]>();
  const view = new LiveView(command);
  let mismatched = false;
  for (const entry of ordered) {
    const merged = mergePartitions([...entry.byReplica.values()]);
    const digest = digestReadResult({ partitions: [merged] });
    for (const answer of answers) {
      const version = entry.byReplica.get(answer.endpoint);
      // Compared in merged form: one replica's version normalized the same way as the merge.
      if (version !== undefined && digestReadResult({ partitions: [mergePartitions([version])] }).equals(digest)) continue;
      mismatched = true;
      const repair = repairFor(merged, version);
      if (repair.rows.length === 0 && repair.partitionDeletion === null && repair.rangeTombstones.length === 0) continue;
      const list = repairs.get(answer.endpoint) ?? [];
      list.push({ keyspace, tableId: command.tableId, ...repair });
      repairs.set(answer.endpoint, list);
    }
    view.add(merged);
  }
  const short = mismatched && cutoff !== undefined && view.rowsLeft > 0 && view.partitionsLeft > 0;
  return { result: { partitions: view.partitions }, repairs, short };
}

/**
 * The client's view of one replica's answer when no other needs reconciling with it (every
 * replica asked agreed on its digest): resolveAnswers of that answer alone, without the
 * digests and repairs a disagreement needs.
 */
export function liveView(command: ReadCommand, result: ReadResult): ReadResult {
  const merged = result.partitions.map((raw) => mergePartitions([ascending(raw, command.reversed)]));
  if (merged.length > 1) merged.sort(comparePartitionOrder);
  const view = new LiveView(command);
  for (const partition of merged) view.add(partition);
  return { partitions: view.partitions };
}

/** Collects live rows of merged partitions, in order, within the command's limits. */
class LiveView {
  readonly partitions: Partition[] = [];
  rowsLeft: number;
  partitionsLeft: number;

  constructor(private readonly command: ReadCommand) {
    this.rowsLeft = command.rowLimit;
    this.partitionsLeft = command.kind === 'range' ? command.partitionLimit : Number.MAX_SAFE_INTEGER;
  }

  add(merged: Partition): void {
    const { command } = this;
    if (this.rowsLeft <= 0 || this.partitionsLeft <= 0) return;
    const live = filterLive(merged, { nowSeconds: command.nowSeconds, columns: command.columns, strictLiveness: command.strictLiveness === true });
    const limit = Math.min(this.rowsLeft, command.perPartitionRowLimit);
    const rows = command.reversed ? live.rows.slice(-limit).reverse() : live.rows.slice(0, limit);
    if (rows.length === 0) return;
    this.partitions.push({ ...live, rows });
    this.rowsLeft -= rows.length;
    this.partitionsLeft--;
  }
}

/**
 * What a replica lacks of the merged version: the merged rows where its own row differs or
 * is missing, and the partition deletion and range tombstones when its own differ. Merged
 * rows reconcile the replica's, so applying these makes its version equal to the merge.
 */
export function repairFor(merged: Partition, version: Partition | undefined): Partition {
  if (version === undefined) return merged;
  const own = mergePartitions([version]);
  const ownRows = new Map(own.rows.map((row) => [row.clustering.toString('hex'), row]));
  const rowDigest = (row: Row) => digestReadResult({ partitions: [{ key: merged.key, token: merged.token, partitionDeletion: null, rangeTombstones: [], rows: [row] }] });
  const rows = merged.rows.filter((row) => {
    const mine = ownRows.get(row.clustering.toString('hex'));
    return mine === undefined || !rowDigest(mine).equals(rowDigest(row));
  });
  return {
    key: merged.key,
    token: merged.token,
    partitionDeletion: sameDeletion(own.partitionDeletion, merged.partitionDeletion) ? null : merged.partitionDeletion,
    rangeTombstones: sameRangeTombstones(own.rangeTombstones, merged.rangeTombstones) ? [] : merged.rangeTombstones,
    rows,
  };
}

function sameDeletion(a: DeletionTime | null, b: DeletionTime | null): boolean {
  if (a === null || b === null) return a === b;
  return a.markedForDeleteAtMicros === b.markedForDeleteAtMicros && a.localDeletionTime === b.localDeletionTime;
}

function sameRangeTombstones(a: readonly RangeTombstone[], b: readonly RangeTombstone[]): boolean {
  return a.length === b.length && a.every((tombstone, index) => {
    const other = b[index] as RangeTombstone;
    return tombstone.start.equals(other.start) && tombstone.end.equals(other.end) && sameDeletion(tombstone.deletion, other.deletion);
  });
}

/** A limit for a re-read after a short read: four times larger, capped. */
export function growLimit(limit: number): number {
  return limit >= Number.MAX_SAFE_INTEGER / 4 ? Number.MAX_SAFE_INTEGER : limit * 4;
}
