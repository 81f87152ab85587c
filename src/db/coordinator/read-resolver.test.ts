import { test } from 'node:test';
import assert from 'node:assert/strict';
import { CLUSTERING_RANGE_END, CLUSTERING_RANGE_START } from '../schema/clustering-key.js';
import { NO_DELETION_TIME, type Partition, type ReadCommand, type Row } from '../storage/types.js';
import { liveView, repairFor, resolveAnswers } from './read-resolver.js';

const key = Buffer.from('k');
const row = (clustering: number, value: string, timestampMicros: number): Row => ({
  clustering: Buffer.from([clustering]), liveness: { timestampMicros, ttlSeconds: 0, localExpirationTime: NO_DELETION_TIME }, deletion: null,
  cells: [{ column: 'v', timestampMicros, ttlSeconds: 0, localDeletionTime: NO_DELETION_TIME, value: Buffer.from(value) }],
});
const partition = (rows: Row[], deletedAt?: number): Partition => ({
  key, token: 5n, rangeTombstones: [], rows,
  partitionDeletion: deletedAt === undefined ? null : { markedForDeleteAtMicros: deletedAt, localDeletionTime: 1000 },
});
const command: ReadCommand = {
  kind: 'single', tableId: 't', key, token: 5n, slices: [{ start: CLUSTERING_RANGE_START, end: CLUSTERING_RANGE_END }], reversed: false,
  columns: 'all', rowLimit: 100, perPartitionRowLimit: 100, nowSeconds: 2000, includeTombstones: true,
};

test('read repair sends a stale replica only the rows it lacks or holds older, not the whole partition', () => {
  const current = partition([row(1, 'a', 10), row(2, 'b-new', 30), row(3, 'c', 10), row(4, 'd', 20)]);
  const stale = partition([row(1, 'a', 10), row(2, 'b-old', 15), row(3, 'c', 10)]);
  const resolution = resolveAnswers(command, [{ endpoint: 'A', result: { partitions: [current] } }, { endpoint: 'B', result: { partitions: [stale] } }], 'ks');
  assert.equal(resolution.repairs.has('A'), false, 'the up-to-date replica gets nothing');
  const repair = resolution.repairs.get('B');
  assert.equal(repair?.length, 1);
  assert.deepEqual(repair?.[0]?.rows.map((r) => r.cells[0]?.value?.toString()), ['b-new', 'd']);
  assert.equal(repair?.[0]?.partitionDeletion, null);
  assert.deepEqual(resolution.result.partitions[0]?.rows.map((r) => r.cells[0]?.value?.toString()), ['a', 'b-new', 'c', 'd']);
});

test('a newer partition deletion is sent with only the rows written after it; a missing partition is sent whole', () => {
  const merged = partition([row(2, 'after', 50)], 40);
  const repair = repairFor(merged, partition([row(1, 'before', 10)]));
  assert.deepEqual(repair.partitionDeletion, { markedForDeleteAtMicros: 40, localDeletionTime: 1000 });
  assert.deepEqual(repair.rows.map((r) => r.cells[0]?.value?.toString()), ['after']);
  assert.deepEqual(repairFor(merged, undefined), merged);
  // Same deletion on both: not sent again.
  assert.equal(repairFor(merged, partition([], 40)).partitionDeletion, null);
});

test('liveView of one answer is resolveAnswers of that answer alone: limits, order, deletions, several partitions', () => {
  const other = (rows: Row[]): Partition => ({ key: Buffer.from('j'), token: 9n, rangeTombstones: [], rows, partitionDeletion: null });
  const answers = [
    { partitions: [partition([row(1, 'a', 10), row(2, 'b', 30), row(3, 'c', 10)])] },
    { partitions: [partition([row(1, 'a', 10), row(2, 'gone', 30)], 20)] },
    { partitions: [partition([row(1, 'a', 10), row(2, 'b', 30)]), other([row(1, 'x', 5), row(4, 'y', 5)])] },
    { partitions: [] },
  ];
  const range: ReadCommand = { kind: 'range', tableId: 't', start: { token: 0n }, end: { token: 100n }, slices: command.slices, reversed: false, columns: 'all',
    rowLimit: 100, perPartitionRowLimit: 100, nowSeconds: 2000, includeTombstones: true, partitionLimit: 100 };
  const commands: ReadCommand[] = [
    command, { ...command, rowLimit: 2 }, { ...command, perPartitionRowLimit: 1 }, { ...command, reversed: true }, { ...command, reversed: true, rowLimit: 1 },
    { ...command, columns: [] }, range, { ...range, partitionLimit: 1 }, { ...range, rowLimit: 3 },
  ];
  for (const c of commands) {
    for (const result of answers) {
      const input = c.reversed ? { partitions: result.partitions.map((p) => ({ ...p, rows: [...p.rows].reverse() })) } : result;
      assert.deepEqual(liveView(c, input), resolveAnswers(c, [{ endpoint: 'A', result: input }], 'ks').result, JSON.stringify({ c, result }, (_, v: unknown) => (typeof v === 'bigint' ? String(v) : v)));
    }
  }
});
