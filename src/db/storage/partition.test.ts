import { test } from 'node:test';
import assert from 'node:assert/strict';
import { NO_DELETION_TIME, type Cell, type Partition, type Row } from './types.js';
import {
  filterLive,
  mergePartitionStreams,
  mergePartitions,
  normalizeRangeTombstones,
  purgePartition,
  reconcileCells,
  reconcileLiveness,
} from './partition.js';

const live = (ts: number, value: string, column = 'v'): Cell => ({ column, timestampMicros: ts, ttlSeconds: 0, localDeletionTime: NO_DELETION_TIME, value: Buffer.from(value) });
const expiring = (ts: number, value: string, expiresAt: number, ttl = 10): Cell => ({ column: 'v', timestampMicros: ts, ttlSeconds: ttl, localDeletionTime: expiresAt, value: Buffer.from(value) });
const tombstone = (ts: number, deletedAt: number, column = 'v'): Cell => ({ column, timestampMicros: ts, ttlSeconds: 0, localDeletionTime: deletedAt, value: null });
const key = (n: number) => Buffer.from([0x10, n]);
const bound = (n: number) => Buffer.from([n]);
const row = (n: number, cells: Cell[], extra: Partial<Row> = {}): Row => ({ clustering: Buffer.from([n, 0]), liveness: null, deletion: null, cells, ...extra });
const partition = (rows: Row[], extra: Partial<Partition> = {}): Partition => ({ key: Buffer.from('k'), token: 1n, partitionDeletion: null, rangeTombstones: [], rows, ...extra });
const del = (ts: number, at = 100) => ({ markedForDeleteAtMicros: ts, localDeletionTime: at });

test('reconcileCells: higher timestamp wins whatever the kind', () => {
  assert.equal(reconcileCells(live(2, 'a'), tombstone(1, 5)).value?.toString(), 'a');
  assert.equal(reconcileCells(tombstone(1, 5), live(2, 'a')).value?.toString(), 'a');
  assert.equal(reconcileCells(live(1, 'z'), live(2, 'a')).value?.toString(), 'a');
  assert.equal(reconcileCells(expiring(3, 'e', 50), live(2, 'a')).value?.toString(), 'e');
});

test('reconcileCells: equal timestamps, dead or expiring beats live, tombstone beats expiring', () => {
  assert.equal(reconcileCells(live(1, 'a'), tombstone(1, 5)).value, null);
  assert.equal(reconcileCells(tombstone(1, 5), live(1, 'a')).value, null);
  assert.equal(reconcileCells(live(1, 'z'), expiring(1, 'a', 50)).ttlSeconds, 10);
  assert.equal(reconcileCells(expiring(1, 'z', 50), tombstone(1, 5)).value, null);
  assert.equal(reconcileCells(tombstone(1, 5), expiring(1, 'z', 50)).value, null);
});

test('reconcileCells: equal timestamps and kind: later deletion time, then greater value', () => {
  assert.equal(reconcileCells(expiring(1, 'z', 50), expiring(1, 'a', 60)).value?.toString(), 'a');
  assert.equal(reconcileCells(tombstone(1, 9), tombstone(1, 5)).localDeletionTime, 9);
  assert.equal(reconcileCells(live(1, 'a'), live(1, 'b')).value?.toString(), 'b');
  assert.equal(reconcileCells(live(1, 'b'), live(1, 'a')).value?.toString(), 'b');
  assert.equal(reconcileCells(live(1, 'ab'), live(1, 'a')).value?.toString(), 'ab');
  assert.equal(reconcileCells(expiring(1, 'b', 50), expiring(1, 'a', 50)).value?.toString(), 'b');
});

test('reconcileLiveness: timestamp, then expiring, then later expiration', () => {
  const permanent = (ts: number) => ({ timestampMicros: ts, ttlSeconds: 0, localExpirationTime: NO_DELETION_TIME });
  const ttl = (ts: number, at: number) => ({ timestampMicros: ts, ttlSeconds: 5, localExpirationTime: at });
  assert.equal(reconcileLiveness(permanent(2), ttl(1, 9))?.timestampMicros, 2);
  assert.equal(reconcileLiveness(permanent(1), ttl(1, 9))?.ttlSeconds, 5);
  assert.equal(reconcileLiveness(ttl(1, 7), ttl(1, 9))?.localExpirationTime, 9);
  assert.equal(reconcileLiveness(null, ttl(1, 9))?.localExpirationTime, 9);
});

test('mergePartitions is order independent and drops only covered data', () => {
  const a = partition([row(1, [live(5, 'a')]), row(3, [live(1, 'old')])]);
  const b = partition([row(1, [live(6, 'b', 'w')]), row(2, [tombstone(4, 9)])], { rangeTombstones: [{ start: bound(2), end: bound(4), deletion: del(2) }] });
  const ab = mergePartitions([a, b]);
  const ba = mergePartitions([b, a]);
  assert.deepEqual(ab, ba);
  assert.equal(ab.rows.length, 2);
  assert.deepEqual(ab.rows[0]?.cells.map((c) => c.column), ['v', 'w']);
  // row 3 (timestamp 1 <= 2) is shadowed by the range tombstone; row 2's tombstone (4 > 2) stays.
  assert.equal(ab.rows[1]?.cells[0]?.value, null);
});

test('mergePartitions: a write at exactly the deletion timestamp is shadowed; a later one is not', () => {
  const p = partition([row(1, [live(10, 'x')]), row(2, [live(11, 'y')])], { partitionDeletion: del(10) });
  const merged = mergePartitions([p]);
  assert.deepEqual(merged.rows.map((r) => r.clustering[0]), [2]);
});

test('row deletion shadows liveness and older cells; is dropped under a newer partition deletion', () => {
  const r = row(1, [live(5, 'a'), live(7, 'b', 'w')], { deletion: del(6), liveness: { timestampMicros: 4, ttlSeconds: 0, localExpirationTime: NO_DELETION_TIME } });
  const merged = mergePartitions([partition([r])]);
  assert.equal(merged.rows[0]?.liveness, null);
  assert.deepEqual(merged.rows[0]?.cells.map((c) => c.column), ['w']);
  assert.ok(merged.rows[0]?.deletion);
  const under = mergePartitions([partition([r], { partitionDeletion: del(6) })]);
  assert.equal(under.rows[0]?.deletion, null);
});

test('normalizeRangeTombstones: overlaps resolved by the newer deletion, adjacent equal ones joined', () => {
  const out = normalizeRangeTombstones(
    [
      { start: bound(1), end: bound(5), deletion: del(3) },
      { start: bound(3), end: bound(8), deletion: del(7) },
      { start: bound(8), end: bound(9), deletion: del(7) },
      { start: bound(10), end: bound(12), deletion: del(1) },
    ],
    del(1),
  );
  assert.deepEqual(
    out.map((t) => [t.start[0], t.end[0], t.deletion.markedForDeleteAtMicros]),
    [
      [1, 3, 3],
      [3, 9, 7],
    ],
  );
});

test('normalizeRangeTombstones: a nested older tombstone disappears inside a newer one', () => {
  const out = normalizeRangeTombstones(
    [
      { start: bound(1), end: bound(9), deletion: del(7) },
      { start: bound(3), end: bound(4), deletion: del(2) },
    ],
    null,
  );
  assert.deepEqual(out.map((t) => [t.start[0], t.end[0]]), [[1, 9]]);
});

test('filterLive: TTL expiry, row marker liveness, column selection', () => {
  const marker = { timestampMicros: 1, ttlSeconds: 0, localExpirationTime: NO_DELETION_TIME };
  const p = partition([
    row(1, [expiring(1, 'e', 50)]),
    row(2, [live(1, 'a', 'w')], { liveness: null }),
    row(3, [], { liveness: marker }),
    row(4, [tombstone(1, 5)]),
  ]);
  const at49 = filterLive(p, { nowSeconds: 49, columns: 'all' });
  assert.deepEqual(at49.rows.map((r) => r.clustering[0]), [1, 2, 3]);
  const at50 = filterLive(p, { nowSeconds: 50, columns: ['v'] });
  assert.deepEqual(at50.rows.map((r) => r.clustering[0]), [2, 3]);
  assert.deepEqual(at50.rows[0]?.cells, []);
});

test('purgePartition: expired cells become tombstones; old tombstones and deletions go', () => {
  const p = partition(
    [row(1, [expiring(1, 'e', 50, 10)]), row(2, [tombstone(9, 30)]), row(3, [live(9, 'x')], { deletion: del(8, 30) })],
    { partitionDeletion: del(0, 30), rangeTombstones: [{ start: bound(5), end: bound(6), deletion: del(3, 45) }] },
  );
  const kept = purgePartition(p, { nowSeconds: 60, gcBeforeSeconds: 35 });
  assert.equal(kept.partitionDeletion, null);
  assert.equal(kept.rangeTombstones.length, 1);
  // Row 1's cell expired at 50 and was written at 40 (>= 35): kept as a tombstone.
  assert.deepEqual(kept.rows.map((r) => [r.clustering[0], r.cells[0]?.value ?? null, r.cells[0]?.localDeletionTime]), [
    [1, null, 40],
    [3, Buffer.from('x'), NO_DELETION_TIME],
  ]);
  assert.equal(kept.rows[1]?.deletion, null);
  const later = purgePartition(p, { nowSeconds: 60, gcBeforeSeconds: 50 });
  assert.deepEqual(later.rows.map((r) => r.clustering[0]), [3]);
  assert.equal(later.rangeTombstones.length, 0);
});

async function* fromArray(items: Partition[]): AsyncGenerator<Partition> {
  for (const item of items) yield item;
}

test('mergePartitionStreams merges sorted sources by (token, key)', async () => {
  const p = (token: bigint, k: number, value: string, ts: number): Partition => ({ ...partition([row(1, [live(ts, value)])]), token, key: key(k) });
  const sources = [fromArray([p(1n, 1, 'a', 1), p(2n, 1, 'b', 1), p(5n, 1, 'x', 1)]), fromArray([p(2n, 1, 'c', 2), p(2n, 2, 'd', 1)]), fromArray([])];
  const out: string[] = [];
  for await (const merged of mergePartitionStreams(sources)) out.push(`${merged.token}:${merged.key[1]}:${merged.rows[0]?.cells[0]?.value?.toString()}`);
  assert.deepEqual(out, ['1:1:a', '2:1:c', '2:2:d', '5:1:x']);
});

test('purgePartition keeps tombstones at or above maxPurgeableTimestampMicros', () => {
  const p = partition([row(1, [tombstone(9, 30)]), row(2, [tombstone(3, 30)])], { partitionDeletion: del(5, 30) });
  const kept = purgePartition(p, { nowSeconds: 60, gcBeforeSeconds: 50, maxPurgeableTimestampMicros: 5 });
  // The partition deletion (5) and row 1's tombstone (9) may still shadow data outside the compaction.
  assert.equal(kept.partitionDeletion?.markedForDeleteAtMicros, 5);
  assert.deepEqual(kept.rows.map((r) => r.clustering[0]), [1]);
});

const element = (ts: number, path: string, value = '', column = 'c'): Cell => ({ column, path: Buffer.from(path), timestampMicros: ts, ttlSeconds: 0, localDeletionTime: NO_DELETION_TIME, value: Buffer.from(value) });
const elementTombstone = (ts: number, path: string, column = 'c'): Cell => ({ column, path: Buffer.from(path), timestampMicros: ts, ttlSeconds: 0, localDeletionTime: 50, value: null });

test('collection cells: merged by (column, path), each element by last write wins', () => {
  const a = partition([row(1, [live(1, 'x', 'b'), element(5, 'k1', 'old'), element(5, 'k3')])]);
  const b = partition([row(1, [element(6, 'k1', 'new'), element(4, 'k2'), elementTombstone(7, 'k3'), live(1, 'y', 'd')])]);
  const merged = mergePartitions([a, b]).rows[0]!.cells;
  assert.deepEqual(merged.map((c) => [c.column, c.path?.toString() ?? null, c.value?.toString() ?? null]), [
    ['b', null, 'x'], ['c', 'k1', 'new'], ['c', 'k2', ''], ['c', 'k3', null], ['d', null, 'y'],
  ]);
});

test('collection cells: a pathless tombstone deletes the column\'s elements at or below its timestamp only', () => {
  // An overwrite at 10: the column deleted at 9, the new element written at 10.
  const old = partition([row(1, [element(5, 'a'), element(9, 'b'), element(12, 'later'), element(3, 'x', '', 'other')])]);
  const overwrite = partition([row(1, [tombstone(9, 50, 'c'), element(10, 'new')])]);
  for (const order of [[old, overwrite], [overwrite, old]]) {
    const cells = mergePartitions(order).rows[0]!.cells;
    assert.deepEqual(cells.map((c) => `${c.column}:${c.path?.toString() ?? '-'}`), ['c:-', 'c:later', 'c:new', 'other:x']);
  }
  const visible = filterLive(mergePartitions([old, overwrite]), { nowSeconds: 60, columns: 'all' });
  assert.deepEqual(visible.rows[0]!.cells.map((c) => c.path?.toString()), ['later', 'new', 'x']);
  // A live pathless cell (the whole-value layout) shadows nothing.
  const legacy = partition([row(1, [live(20, 'whole', 'c'), element(5, 'a')])]);
  assert.equal(mergePartitions([legacy]).rows[0]!.cells.length, 2);
});

test('collection cells: an expired element becomes a tombstone and is purged after gc grace', () => {
  const expiringElement: Cell = { ...element(5, 'a', 'v'), ttlSeconds: 10, localDeletionTime: 20 };
  const purged = purgePartition(partition([row(1, [expiringElement, element(5, 'b')])]), { nowSeconds: 30, gcBeforeSeconds: 0 });
  assert.deepEqual(purged.rows[0]!.cells.map((c) => [c.path?.toString(), c.value === null]), [['a', true], ['b', false]]);
  const gone = purgePartition(partition([row(1, [expiringElement, element(5, 'b')])]), { nowSeconds: 30, gcBeforeSeconds: 100 });
  assert.deepEqual(gone.rows[0]!.cells.map((c) => c.path?.toString()), ['b']);
});

test('filterLive with strict liveness (views keyed by a regular base column): only a live liveness keeps a row', () => {
  const marker = { timestampMicros: 5, ttlSeconds: 0, localExpirationTime: NO_DELETION_TIME };
  const expired = { timestampMicros: 6, ttlSeconds: 0x7fffffff, localExpirationTime: 100 };
  const p = partition([row(1, [live(1, 'a')]), row(2, [live(1, 'b')], { liveness: marker }), row(3, [live(7, 'c')], { liveness: expired })]);
  const rows = (strictLiveness: boolean) => filterLive(p, { nowSeconds: 200, columns: 'all', strictLiveness }).rows.map((r) => r.clustering[0]);
  assert.deepEqual(rows(false), [1, 2, 3]);
  assert.deepEqual(rows(true), [2]);
});
