import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Memtable, inRange } from './memtable.js';
import { MIN_TOKEN, NO_DELETION_TIME, type Partition } from './types.js';

const update = (token: bigint, key: string, clustering: number, value: string, ts = 1): Partition => ({
  key: Buffer.from(key), token, partitionDeletion: null, rangeTombstones: [],
  rows: [{ clustering: Buffer.from([clustering, 1]), liveness: null, deletion: null, cells: [{ column: 'v', timestampMicros: ts, ttlSeconds: 0, localDeletionTime: NO_DELETION_TIME, value: Buffer.from(value) }] }],
});

async function keys(scan: AsyncIterable<Partition>): Promise<string[]> {
  const out: string[] = [];
  for await (const p of scan) out.push(`${p.token}:${p.key.toString()}`);
  return out;
}

test('partitions are ordered by token then key; scans honour (start, end] and bare tokens', async () => {
  const memtable = new Memtable('m');
  for (const [token, key] of [[5n, 'b'], [5n, 'a'], [-3n, 'z'], [9n, 'c']] as const) memtable.apply(update(token, key, 1, 'x'));
  const ring = { token: MIN_TOKEN };
  assert.deepEqual(await keys(memtable.scan(ring, ring)), ['-3:z', '5:a', '5:b', '9:c']);
  assert.deepEqual(await keys(memtable.scan({ token: 5n }, { token: 9n })), ['5:a', '5:b']);
  assert.deepEqual(await keys(memtable.scan({ token: 5n }, { token: 9n, key: Buffer.from('c') })), ['5:a', '5:b', '9:c']);
  assert.deepEqual(await keys(memtable.scan({ token: 5n, key: Buffer.from('a') }, { token: 5n, key: Buffer.from('b') })), ['5:b']);
  // A bare end token sorts before every key of that token.
  assert.deepEqual(await keys(memtable.scan(ring, { token: 5n })), ['-3:z']);
  assert.equal(inRange({ token: 1n, key: Buffer.from('a') }, { token: 1n }, { token: MIN_TOKEN }), true);
});

test('updates merge into the partition; slices select rows; the size and minimum timestamp grow', () => {
  const memtable = new Memtable('m');
  memtable.apply(update(1n, 'k', 1, 'old', 5));
  const size = memtable.sizeBytes;
  memtable.apply(update(1n, 'k', 1, 'new', 7));
  memtable.apply(update(1n, 'k', 3, 'other', 2));
  assert.ok(memtable.sizeBytes > size);
  assert.equal(memtable.minTimestampMicros, 2);
  assert.equal(memtable.partitionCount, 1);
  const all = memtable.readPartition(Buffer.from('k'), 1n, [{ start: Buffer.alloc(0), end: Buffer.from([0xff]) }]);
  assert.deepEqual(all?.rows.map((r) => r.cells[0]?.value?.toString()), ['new', 'other']);
  const sliced = memtable.readPartition(Buffer.from('k'), 1n, [{ start: Buffer.from([2]), end: Buffer.from([4]) }]);
  assert.deepEqual(sliced?.rows.map((r) => r.clustering[0]), [3]);
  assert.equal(memtable.readPartition(Buffer.from('absent'), 1n, []), null);
});

test('tokens that round to the same double still order and find exactly', async () => {
  const memtable = new Memtable('m');
  const big = 2n ** 62n;
  const tokens = [big + 3n, big + 1n, big + 2n, -big - 1n, -big - 2n, big];
  for (const token of tokens) memtable.apply(update(token, 'k', 1, String(token)));
  const ring = { token: MIN_TOKEN };
  const sorted = [...tokens].sort((a, b) => (a < b ? -1 : a > b ? 1 : 0));
  assert.deepEqual(await keys(memtable.scan(ring, ring)), sorted.map((t) => `${t}:k`));
  for (const token of tokens) {
    const found = memtable.readPartition(Buffer.from('k'), token, [{ start: Buffer.alloc(0), end: Buffer.from([0xff]) }]);
    assert.equal(found?.rows[0]?.cells[0]?.value?.toString(), String(token));
  }
  assert.deepEqual(await keys(memtable.scan({ token: big + 1n, key: Buffer.from('k') }, { token: big + 2n, key: Buffer.from('k') })), [`${big + 2n}:k`]);
});

test('a one-row partition is held without a tree until a second clustering arrives, and reads the same either way', async () => {
  const memtable = new Memtable('m');
  const slice = (from: number, to: number) => [{ start: Buffer.from([from]), end: Buffer.from([to]) }];
  memtable.apply(update(1n, 'k', 5, 'a', 1));
  assert.deepEqual(memtable.readPartition(Buffer.from('k'), 1n, slice(5, 6))?.rows.length, 1, 'the single row is inside [5, 6)');
  assert.deepEqual(memtable.readPartition(Buffer.from('k'), 1n, slice(6, 9))?.rows.length, 0, 'and outside [6, 9)');
  assert.deepEqual(memtable.readPartition(Buffer.from('k'), 1n, slice(0, 5))?.rows.length, 0, 'and outside [0, 5) (the end is exclusive)');
  memtable.apply(update(1n, 'k', 5, 'b', 2));
  assert.deepEqual(memtable.readPartition(Buffer.from('k'), 1n, slice(0, 9))?.rows.map((r) => r.cells[0]?.value?.toString()), ['b'], 'an update of the single row merges');
  memtable.apply(update(1n, 'k', 3, 'c', 3));
  memtable.apply(update(1n, 'k', 5, 'd', 1));
  assert.deepEqual(memtable.readPartition(Buffer.from('k'), 1n, slice(0, 9))?.rows.map((r) => r.cells[0]?.value?.toString()), ['c', 'b'], 'two rows in clustering order; the older write loses');
  const scanned: string[] = [];
  for await (const p of memtable.scan({ token: MIN_TOKEN }, { token: MIN_TOKEN })) scanned.push(...p.rows.map((r) => r.cells[0]?.value?.toString() ?? ''));
  assert.deepEqual(scanned, ['c', 'b']);
});
