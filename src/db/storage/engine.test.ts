import { test } from 'node:test';
import assert from 'node:assert/strict';
import { SimulatedDisk } from '../../../test/harness/simulated-disk.js';
import { CorruptionError, DiskError, toCqlError } from '../common/errors.js';
import { silentLogger, type Clock } from '../common/world.js';
import { digestReadResult } from './digest.js';
import { StorageEngine, type ReplayObserver, type StorageEngineOptions } from './engine.js';
import { SSTableReader } from './sstable/index.js';
import { MIN_TOKEN, NO_DELETION_TIME, type Mutation, type ReadCommand, type Row } from './types.js';

const nowMs = 1_700_000_000_000;
const clock: Clock = { nowMs: () => nowMs, nowMicros: () => nowMs * 1000, monotonicMs: () => 0, setTimer: () => ({ cancel() {} }), sleep: async () => {} };
const table = { keyspace: 'ks', tableId: 't1', gcGraceSeconds: 864000 };
const fullSlice = [{ start: Buffer.alloc(0), end: Buffer.from([0xff, 0xff]) }];

function options(disk: SimulatedDisk, extra: Partial<StorageEngineOptions> = {}): StorageEngineOptions {
  return {
    world: { clock, disk, logger: silentLogger }, dataDirectory: 'data', commitLogDirectory: 'commitlog', syncMode: 'batch', syncPeriodMs: 10,
    memtableFlushBytes: 1 << 20, commitLogSegmentBytes: 8192, sstableBlockBytes: 256, tables: [table], ...extra,
  };
}

function write(k: number, c: number, value: string, ts: number): Mutation {
  return {
    keyspace: 'ks', tableId: 't1', key: Buffer.from([k]), token: BigInt(k), partitionDeletion: null, rangeTombstones: [],
    rows: [{ clustering: Buffer.from([c]), liveness: null, deletion: null, cells: [{ column: 'v', timestampMicros: ts, ttlSeconds: 0, localDeletionTime: NO_DELETION_TIME, value: Buffer.from(value) }] }],
  };
}

function single(k: number, extra: Partial<ReadCommand> = {}): ReadCommand {
  return {
    kind: 'single', tableId: 't1', key: Buffer.from([k]), token: BigInt(k), slices: fullSlice, reversed: false, columns: 'all',
    rowLimit: 1000, perPartitionRowLimit: 1000, nowSeconds: nowMs / 1000, includeTombstones: false, ...extra,
  } as ReadCommand;
}

const values = (result: Awaited<ReturnType<StorageEngine['read']>>) =>
  result.partitions.flatMap((p) => p.rows.map((r) => `${p.key[0]}/${r.clustering[0]}=${r.cells[0]?.value?.toString()}`));

test('writes are readable from memtable, after flush, after compaction and after a crash', async () => {
  const disk = new SimulatedDisk();
  let engine = await StorageEngine.open(options(disk));
  await engine.apply([write(1, 1, 'a', 10), write(1, 2, 'b', 10)]);
  assert.ok(engine.loadBytes() > 0 && engine.sstableBytes() === 0, 'the load counts what sits in memtables (nodetool status showed 0 bytes)');
  await engine.flush();
  const flushedBytes = engine.sstableBytes();
  assert.ok(flushedBytes > 0 && engine.loadBytes() === flushedBytes);
  await engine.apply([write(1, 1, 'c', 5), write(2, 1, 'd', 10)]);
  assert.ok(engine.loadBytes() > flushedBytes);
  assert.deepEqual(values(await engine.read(single(1))), ['1/1=a', '1/2=b']);
  await engine.flush();
  await engine.compact();
  assert.deepEqual(values(await engine.read(single(1, { reversed: true, rowLimit: 1 }))), ['1/2=b']);
  await engine.apply([write(3, 1, 'e', 10)]);
  disk.crash();
  engine = await StorageEngine.open(options(disk));
  const range: ReadCommand = { ...single(0), kind: 'range', start: { token: MIN_TOKEN }, end: { token: MIN_TOKEN }, partitionLimit: 100 } as ReadCommand;
  assert.deepEqual(values(await engine.read(range)), ['1/1=a', '1/2=b', '2/1=d', '3/1=e']);
  assert.ok(engine.loadBytes() > 0);
  assert.equal(engine.tableStats()[0]?.sstableCount, 1);
  await engine.close();
});

test('truncate survives replay; drop removes files', async () => {
  const disk = new SimulatedDisk();
  let engine = await StorageEngine.open(options(disk));
  await engine.apply([write(1, 1, 'a', 10)]);
  await engine.flush();
  await engine.apply([write(1, 2, 'b', 10)]);
  await engine.truncate('t1');
  await engine.apply([write(1, 3, 'c', 10)]);
  disk.crash();
  engine = await StorageEngine.open(options(disk));
  assert.deepEqual(values(await engine.read(single(1))), ['1/3=c']);
  await engine.dropTable('t1');
  assert.deepEqual(await disk.list('data/ks'), []);
  await engine.close();
});

test('a full disk fails the apply with DiskError and keeps what was acknowledged', async () => {
  const disk = new SimulatedDisk();
  let engine = await StorageEngine.open(options(disk));
  await engine.apply([write(1, 1, 'a', 10)]);
  disk.setCapacity(disk.usedBytes() + 20);
  await assert.rejects(engine.apply([write(1, 2, 'b'.repeat(100), 10)]), DiskError);
  disk.setCapacity(undefined);
  await engine.apply([write(1, 3, 'c', 10)]);
  disk.crash();
  engine = await StorageEngine.open(options(disk));
  assert.deepEqual(values(await engine.read(single(1))), ['1/1=a', '1/3=c']);
  await engine.close();
});

test('corrupt commit log tail and corrupt sstable block are reported, never returned', async () => {
  const disk = new SimulatedDisk();
  let engine = await StorageEngine.open(options(disk));
  await engine.apply([write(1, 1, 'a', 10)]);
  await engine.flush();
  await engine.apply([write(2, 1, 'b', 10)]);
  await engine.apply([write(2, 2, 'c', 10)]);
  await engine.close();
  const [segment] = await disk.list('commitlog');
  const segmentPath = `commitlog/${segment}`;
  disk.corrupt(segmentPath, disk.contents(segmentPath).length - 2, (b) => b ^ 0xff);
  const [sstable] = await disk.list('data/ks/t1');
  const sstablePath = `data/ks/t1/${sstable}`;
  // The first data block starts the file; flip a byte of its payload.
  disk.corrupt(sstablePath, 12, (b) => b ^ 0xff);
  engine = await StorageEngine.open(options(disk));
  assert.equal(engine.replayIssues.length, 1);
  assert.equal(engine.replayIssues[0]?.path, segmentPath);
  assert.deepEqual(values(await engine.read(single(2))), ['2/1=b']);
  await assert.rejects(engine.read(single(1)), (e: unknown) => e instanceof CorruptionError && e.path === sstablePath);
  await engine.close();
});

test('digest is equal for equal results and differs otherwise', async () => {
  const disk = new SimulatedDisk();
  const engine = await StorageEngine.open(options(disk));
  await engine.apply([write(1, 1, 'a', 10)]);
  const first = digestReadResult(await engine.read(single(1)));
  assert.deepEqual(first, digestReadResult(await engine.read(single(1))));
  await engine.apply([write(1, 1, 'b', 11)]);
  assert.notDeepEqual(first, digestReadResult(await engine.read(single(1))));
  await engine.close();
});

test('writes after a truncate survive restarts even once every segment was released', async () => {
  const disk = new SimulatedDisk();
  let engine = await StorageEngine.open(options(disk));
  await engine.apply([write(1, 1, 'a', 10)]);
  await engine.truncate('t1');
  await engine.apply([write(1, 2, 'b', 10)]);
  await engine.flush();
  await engine.close();
  engine = await StorageEngine.open(options(disk));
  await engine.apply([write(1, 3, 'c', 10)]);
  disk.crash();
  engine = await StorageEngine.open(options(disk));
  assert.deepEqual(values(await engine.read(single(1))), ['1/2=b', '1/3=c']);
  await engine.close();
});

test('includeTombstones returns deletions and counts only live rows against limits', async () => {
  const disk = new SimulatedDisk();
  const engine = await StorageEngine.open(options(disk));
  const deletion = { markedForDeleteAtMicros: 20, localDeletionTime: 5 };
  await engine.apply([
    write(1, 1, 'a', 10),
    { ...write(1, 2, 'x', 30), rangeTombstones: [{ start: Buffer.from([3]), end: Buffer.from([5]), deletion }] },
    write(1, 4, 'old', 15),
    write(1, 6, 'f', 30),
  ]);
  await engine.apply([{ ...write(1, 1, 'ignored', 1), rows: [{ clustering: Buffer.from([1]), liveness: null, deletion, cells: [] }] }]);
  const result = await engine.read(single(1, { includeTombstones: true, rowLimit: 2 }));
  const partition = result.partitions[0];
  assert.deepEqual(partition?.rows.map((r) => [r.clustering[0], r.deletion?.markedForDeleteAtMicros ?? null]), [
    [1, 20],
    [2, null],
    [6, null],
  ]);
  assert.equal(partition?.rangeTombstones.length, 1);
  assert.deepEqual(values(await engine.read(single(1))), ['1/2=x', '1/6=f']);
  await engine.close();
});

test('an interrupted compaction finishes deleting its inputs at open', async () => {
  const disk = new SimulatedDisk();
  let engine = await StorageEngine.open(options(disk));
  await engine.apply([write(1, 1, 'a', 10)]);
  await engine.flush();
  await engine.apply([write(1, 1, 'b', 20)]);
  await engine.flush();
  await engine.close();
  const before = await disk.list('data/ks/t1');
  // Simulate a crash right after the obsolescence record of a compaction of generation 1 became durable.
  const { writeObsoleteRecord } = await import('./engine-table.js');
  await writeObsoleteRecord(disk, 'data/ks/t1', { id: 9, generations: [1] });
  engine = await StorageEngine.open(options(disk));
  const after = await disk.list('data/ks/t1');
  assert.deepEqual(before, ['sstable-1.db', 'sstable-2.db']);
  assert.deepEqual(after, ['sstable-2.db']);
  assert.deepEqual(values(await engine.read(single(1))), ['1/1=b']);
  await engine.close();
});

test('a flush that hits a full disk fails without losing data, and succeeds once space returns', async () => {
  const disk = new SimulatedDisk();
  let engine = await StorageEngine.open(options(disk));
  for (let c = 0; c < 20; c++) await engine.apply([write(1, c, 'v'.repeat(40), 10)]);
  disk.setCapacity(disk.usedBytes() + 100);
  await assert.rejects(engine.flush(), (e: unknown) => e instanceof DiskError && e.systemCode === 'ENOSPC');
  assert.equal(values(await engine.read(single(1))).length, 20);
  disk.setCapacity(undefined);
  await engine.flush();
  assert.equal(engine.loadBytes() > 0, true);
  disk.crash();
  engine = await StorageEngine.open(options(disk));
  assert.equal(values(await engine.read(single(1))).length, 20);
  assert.deepEqual((await disk.list('data/ks/t1')).filter((name) => name.endsWith('.tmp')), []);
  await engine.close();
});

test('a full disk is logged once when writes start failing and once when they resume; the client error names it', async () => {
  const disk = new SimulatedDisk();
  const lines: string[] = [];
  const logger = { ...silentLogger, error: (message: string) => void lines.push(`error ${message}`), info: (message: string) => void lines.push(`info ${message}`) };
  const engine = await StorageEngine.open({ ...options(disk), world: { ...options(disk).world, logger } });
  lines.length = 0;
  await engine.apply([write(1, 0, 'v', 10)]);
  disk.setCapacity(disk.usedBytes() + 10);
  for (let c = 1; c <= 3; c++) {
    const failure = await engine.apply([write(1, c, 'v'.repeat(40), 10)]).then(() => null, (error: unknown) => error);
    assert.ok(failure instanceof DiskError && failure.systemCode === 'ENOSPC', String(failure));
    assert.match(toCqlError(failure).message, /^Disk full: No space left on device \(append commitlog\//);
  }
  assert.deepEqual(lines, ['error disk full: commit log write failed (No space left on device); writes fail until space is freed, then resume by themselves']);
  disk.setCapacity(undefined);
  await engine.apply([write(1, 4, 'v', 10)]);
  await engine.apply([write(1, 5, 'v', 10)]);
  assert.equal(lines[1], 'info disk space available again: writes resumed');
  assert.equal(lines.length, 2);
  assert.deepEqual(values(await engine.read(single(1))), ['1/0=v', '1/4=v', '1/5=v']);
  await engine.close();
});

test('sstables below a truncation record are removed at open (e.g. a compaction output published during the truncate)', async () => {
  const disk = new SimulatedDisk();
  let engine = await StorageEngine.open(options(disk));
  await engine.apply([write(1, 1, 'a', 10)]);
  await engine.flush();
  await engine.apply([write(1, 2, 'b', 10)]);
  await engine.flush();
  await engine.close();
  const { writeTruncationRecord } = await import('./engine-table.js');
  await writeTruncationRecord(disk, 'data/ks/t1', { segmentId: 1000, generation: 2 });
  engine = await StorageEngine.open(options(disk));
  assert.deepEqual(values(await engine.read(single(1))), ['1/2=b']);
  await engine.close();
});

/** Rows in a table's sstables on disk, every copy counted. */
async function sstableRows(disk: SimulatedDisk): Promise<number> {
  let total = 0;
  for (const name of await disk.list('data/ks/t1')) {
    if (!/^sstable-[0-9]+\.db$/.test(name)) continue;
    const reader = await SSTableReader.open(disk, `data/ks/t1/${name}`);
    for await (const partition of reader.scan({ token: MIN_TOKEN }, { token: MIN_TOKEN })) total += partition.rows.length;
    await reader.close();
  }
  return total;
}

/** Partitions in a table's sstables on disk, read from their metadata (counts every copy of a key). */
async function sstablePartitions(disk: SimulatedDisk): Promise<number> {
  let total = 0;
  for (const name of await disk.list('data/ks/t1')) {
    if (!/^sstable-[0-9]+\.db$/.test(name)) continue;
    const reader = await SSTableReader.open(disk, `data/ks/t1/${name}`);
    total += reader.metadata.partitionCount;
    await reader.close();
  }
  return total;
}

test('replay after a restart skips what sstables already hold: flushed rows are not flushed again', async () => {
  const disk = new SimulatedDisk();
  // One large segment: it stays on disk after the first flush because the memtable still references it.
  const big = { commitLogSegmentBytes: 1 << 20 };
  let engine = await StorageEngine.open(options(disk, big));
  for (let k = 0; k < 100; k++) await engine.apply([write(k, 1, `a${k}`, 10)]);
  await engine.flush();
  for (let k = 100; k < 150; k++) await engine.apply([write(k, 1, `b${k}`, 10)]);
  assert.equal(await sstablePartitions(disk), 100);
  disk.crash();
  engine = await StorageEngine.open(options(disk, big));
  assert.equal(engine.tableStats()[0]?.memtableBytes !== 0, true);
  await engine.flush();
  // Without a replay bound the segment's first 100 keys came back into the memtable and were written again (250).
  assert.equal(await sstablePartitions(disk), 150);
  assert.deepEqual(values(await engine.read(single(7))), ['7/1=a7']);
  assert.deepEqual(values(await engine.read(single(120))), ['120/1=b120']);
  await engine.close();
  engine = await StorageEngine.open(options(disk, big));
  assert.equal(engine.tableStats()[0]?.memtableBytes, 0);
  await engine.close();
});

test('writes racing memtable switches are all replayed after a crash', async () => {
  const disk = new SimulatedDisk();
  const small = { commitLogSegmentBytes: 1 << 20, memtableFlushBytes: 4096, sizeTiered: { minThreshold: 64, maxThreshold: 64 } };
  let engine = await StorageEngine.open(options(disk, small));
  // Overlapping applies: memtables switch while other writes are appended but not yet applied.
  const applies: Array<Promise<void>> = [];
  for (let k = 0; k < 200; k++) {
    applies.push(engine.apply([write(k, 1, `v${k}`, 10)]));
    if (k % 5 === 0) for (let turn = 0; turn < k % 7; turn++) await Promise.resolve();
  }
  await Promise.all(applies);
  await engine.idle();
  assert.ok((engine.tableStats()[0]?.sstableCount ?? 0) > 3);
  disk.crash();
  engine = await StorageEngine.open(options(disk, small));
  for (let k = 0; k < 200; k++) assert.deepEqual(values(await engine.read(single(k))), [`${k}/1=v${k}`]);
  await engine.idle();
  await engine.close();
});

test('replay flushes memtables that fill up on the way, and a crash after it loses nothing and flushes nothing twice', async () => {
  const disk = new SimulatedDisk();
  // Written with flushes out of the way: the whole log waits for replay, in segments of 16 KiB.
  const unflushed = { commitLogSegmentBytes: 16 << 10, memtableFlushBytes: 1 << 30 };
  let engine = await StorageEngine.open(options(disk, unflushed));
  for (let k = 0; k < 250; k++) for (let c = 0; c < 8; c++) await engine.apply([write(k, c, `v${k}-${c}-${'x'.repeat(40)}`, 10)]);
  const segmentsWritten = (await disk.list('commitlog')).length;
  assert.ok(segmentsWritten > 5, `segments: ${segmentsWritten}`);
  disk.crash();
  // Replayed with small memtables: they flush while replay goes on, each within a segment.
  const small = { commitLogSegmentBytes: 16 << 10, memtableFlushBytes: 20_000, sizeTiered: { minThreshold: 64, maxThreshold: 64 } };
  engine = await StorageEngine.open(options(disk, small));
  await engine.idle();
  const flushed = engine.tableStats()[0]?.sstableCount ?? 0;
  assert.ok(flushed > 3, `replay flushed ${flushed} sstables`);
  assert.ok((await disk.list('commitlog')).length < segmentsWritten, 'flushed segments are deleted');
  disk.crash();
  engine = await StorageEngine.open(options(disk, unflushed));
  for (let k = 0; k < 250; k += 7) {
    assert.deepEqual(values(await engine.read(single(k))), Array.from({ length: 8 }, (_, c) => `${k}/${c}=v${k}-${c}-${'x'.repeat(40)}`));
  }
  await engine.flush();
  // Each sstable holds its partitions once: a partition split over n memtables is in n sstables.
  // Rows flushed during the first replay are not replayed again (their bound skips them).
  const rowsOnDisk = await sstableRows(disk);
  assert.equal(rowsOnDisk, 250 * 8, 'every row is on disk exactly once');
  await engine.close();
});

test('compaction keeps to compaction_throughput through the clock', async () => {
  const disk = new SimulatedDisk();
  const sleeps: number[] = [];
  // Time stands still, so every byte compaction writes past the first is ahead of the rate.
  const still: Clock = { ...clock, sleep: async (ms) => void sleeps.push(ms) };
  const engine = await StorageEngine.open({ ...options(disk), world: { clock: still, disk, logger: silentLogger }, compactionThroughputBytesPerSecond: 1024 });
  for (let k = 0; k < 40; k++) await engine.apply([write(k, 1, `v${k}`, 10)]);
  await engine.flush();
  for (let k = 40; k < 80; k++) await engine.apply([write(k, 1, `v${k}`, 10)]);
  await engine.flush();
  assert.deepEqual(sleeps, []);
  await engine.compact();
  assert.ok(sleeps.length > 0 && sleeps.every((ms) => ms >= 1), `sleeps: ${sleeps.join(',')}`);
  assert.deepEqual(values(await engine.read(single(55))), ['55/1=v55']);
  await engine.close();
});

test('memtable_heap_space: past it the largest memtable is flushed, even under memtable_flush_bytes', async () => {
  const disk = new SimulatedDisk();
  const common = { commitLogSegmentBytes: 1 << 20, memtableFlushBytes: 1 << 20, sizeTiered: { minThreshold: 64, maxThreshold: 64 } };
  const engine = await StorageEngine.open(options(disk, { ...common, memtableSpaceBytes: 4096 }));
  for (let k = 0; k < 100; k++) await engine.apply([write(k, 1, 'x'.repeat(200), 10)]);
  await engine.idle();
  assert.ok((engine.tableStats()[0]?.sstableCount ?? 0) >= 3);
  for (let k = 0; k < 100; k++) assert.deepEqual(values(await engine.read(single(k))), [`${k}/1=${'x'.repeat(200)}`]);
  await engine.close();
  // Without it, the same writes stay in one memtable.
  const unbounded = await StorageEngine.open(options(new SimulatedDisk(), common));
  for (let k = 0; k < 100; k++) await unbounded.apply([write(k, 1, 'x'.repeat(200), 10)]);
  await unbounded.idle();
  assert.equal(unbounded.tableStats()[0]?.sstableCount ?? 0, 0);
  await unbounded.close();
});

test('commitlog_total_space: a table written too little to fill its memtable does not keep every segment; past the bound it is flushed', async () => {
  const rare = { keyspace: 'ks', tableId: 't2', gcGraceSeconds: 864000 };
  const slow = (k: number): Mutation => ({ ...write(k % 5, 1, `rare-${k}`, 10 + k), tableId: 't2' });
  const segmentBytes = 8192;
  const common = { commitLogSegmentBytes: segmentBytes, memtableFlushBytes: 32 * 1024, tables: [table, rare] };
  const segmentsOn = async (disk: SimulatedDisk) => (await disk.list('commitlog')).length;
  const run = async (disk: SimulatedDisk, extra: Partial<StorageEngineOptions>) => {
    const engine = await StorageEngine.open(options(disk, { ...common, ...extra }));
    // t1 fills and flushes its memtable many times; t2 gets a small write now and then, in every segment.
    for (let k = 0; k < 600; k++) {
      await engine.apply([write(k % 200, 1, 'x'.repeat(200), 10 + k)]);
      if (k % 20 === 0) await engine.apply([slow(k)]);
    }
    await engine.idle();
    return engine;
  };
  // Without a bound, t2's memtable holds every segment: t1's flushes free none of them.
  const unboundedDisk = new SimulatedDisk();
  const unbounded = await run(unboundedDisk, {});
  const kept = await segmentsOn(unboundedDisk);
  assert.ok(kept >= 10, `${kept} segments kept without a bound`);
  await unbounded.close();
  // With a bound of 4 segments, t2 is flushed and the segments stay near the bound.
  const boundedDisk = new SimulatedDisk();
  const bounded = await run(boundedDisk, { commitLogTotalBytes: 4 * segmentBytes });
  const live = await segmentsOn(boundedDisk);
  assert.ok(live <= 5, `${live} segments with a bound of 4`);
  assert.ok((bounded.tableStats().find((stats) => stats.tableId === 't2')?.sstableCount ?? 0) >= 1, 't2 was flushed');
  await bounded.close();
  // Nothing was lost: after a crash and replay, both tables read back.
  boundedDisk.crash();
  const reopened = await StorageEngine.open(options(boundedDisk, { ...common, commitLogTotalBytes: 4 * segmentBytes }));
  assert.deepEqual(values(await reopened.read({ ...single(0), tableId: 't2' } as ReadCommand)), ['0/1=rare-580']);
  assert.deepEqual(values(await reopened.read(single(199))), [`199/1=${'x'.repeat(200)}`]);
  await reopened.close();
});

test('range reads meeting a big partition in a scan, then resuming inside it, page through it exactly, across sources and deletions', async () => {
  const disk = new SimulatedDisk();
  const engine = await StorageEngine.open(options(disk));
  const clustering = (c: number) => Buffer.from([c >> 8, c & 0xff]);
  const rowOf = (c: number, value: string | null, ts: number): Row => ({
    clustering: clustering(c), liveness: null, deletion: value === null ? { markedForDeleteAtMicros: ts, localDeletionTime: nowMs / 1000 } : null,
    cells: value === null ? [] : [{ column: 'v', timestampMicros: ts, ttlSeconds: 0, localDeletionTime: NO_DELETION_TIME, value: Buffer.from(value) }],
  });
  const partition = (k: number, rows: Row[]): Mutation => ({ keyspace: 'ks', tableId: 't1', key: Buffer.from([k]), token: BigInt(k), partitionDeletion: null, rangeTombstones: [], rows });
  const rowsTotal = 1500;
  // Three sstables and the memtable each hold part of partition 5; newer sources delete two rows of every three and overwrite every fifth,
  // so that a page needs more rows from each source than the first read of it gives.
  await engine.apply([partition(5, Array.from({ length: rowsTotal }, (_, c) => rowOf(c, `a${c}`, 10)))]);
  await engine.flush();
  await engine.apply([partition(5, Array.from({ length: rowsTotal }, (_, c) => c).filter((c) => c % 3 !== 2).map((c) => rowOf(c, null, 20)))]);
  await engine.flush();
  await engine.apply([partition(5, Array.from({ length: rowsTotal / 5 }, (_, i) => rowOf(5 * i, `b${5 * i}`, 30)))]);
  await engine.flush();
  await engine.apply([partition(5, Array.from({ length: rowsTotal / 7 }, (_, i) => rowOf(7 * i + 1, null, 40))), partition(6, [rowOf(0, 'next', 10)])]);
  const wholeRange = { ...single(0), kind: 'range', start: { token: MIN_TOKEN }, end: { token: MIN_TOKEN }, partitionLimit: 100, rowLimit: 100_000 } as ReadCommand;
  const expected = (await engine.read(wholeRange)).partitions.flatMap((p) => p.rows.map((r) => `${p.key[0]}/${r.clustering.readUInt16BE(0)}=${r.cells[0]?.value?.toString()}`));
  assert.ok(expected.length > 400 && expected.at(-1) === '6/0=next');
  const paged: string[] = [];
  let after: Buffer | undefined;
  for (let page = 0; page < 100; page++) {
    const command = { ...wholeRange, rowLimit: 200, start: { token: 5n, key: Buffer.from([5]) }, ...(after === undefined ? {} : { afterClustering: after }) } as ReadCommand;
    if (after === undefined) Object.assign(command, { start: { token: 4n } });
    const result = await engine.read(command);
    const rows = result.partitions.flatMap((p) => p.rows.map((r) => ({ key: p.key[0], clustering: r.clustering, text: `${p.key[0]}/${r.clustering.readUInt16BE(0)}=${r.cells[0]?.value?.toString()}` })));
    paged.push(...rows.map((r) => r.text));
    const last = rows.at(-1);
    if (rows.length < 200 || last === undefined || last.key !== 5) break;
    after = last.clustering;
  }
  assert.deepEqual(paged.filter((r) => r.startsWith('5/')), expected.filter((r) => r.startsWith('5/')));
});

test('a replay observer applies each replayed mutation of its tables between reads, and settles before replay flushes and at its end', async () => {
  const disk = new SimulatedDisk();
  let engine = await StorageEngine.open(options(disk, { memtableFlushBytes: 1 << 30 }));
  await engine.apply([write(1, 1, 'a', 10)]);
  await engine.apply([write(1, 1, 'b', 20), write(2, 1, 'c', 20)]);
  disk.crash();
  const events: string[] = [];
  const seen = (result: Awaited<ReturnType<StorageEngine['read']>>) => values(result).join(',') || '-';
  const observer: ReplayObserver = {
    observes: (tableId) => tableId === 't1',
    replay: async (mutation, access) => {
      const read = () => access.read(single(mutation.key[0] as number));
      const before = seen(await read());
      access.apply();
      access.apply(); // a second call changes nothing
      events.push(`${before}->${seen(await read())}`);
    },
    settle: async () => { events.push('settle'); },
  };
  // A memtable as small as one write: replay flushes after each entry, each time after a settle.
  engine = await StorageEngine.open(options(disk, { memtableFlushBytes: 1, replayObserver: observer }));
  assert.deepEqual(events, ['-->1/1=a', 'settle', '1/1=a->1/1=b', '-->2/1=c', 'settle', 'settle']);
  assert.deepEqual(values(await engine.read(single(1))), ['1/1=b']);
  // An observer that fails does not lose the mutation: it is replayed all the same.
  await engine.apply([write(1, 1, 'd', 30)]);
  disk.crash();
  const failing: ReplayObserver = { observes: () => true, replay: async () => { throw new Error('view store full'); }, settle: async () => {} };
  engine = await StorageEngine.open(options(disk, { replayObserver: failing }));
  assert.deepEqual(values(await engine.read(single(1))), ['1/1=d']);
  await engine.close();
});

test('a flush hold keeps the memtables a write landed in from being written until it settles, for the hold\'s tables only', async () => {
  const disk = new SimulatedDisk();
  const other = { keyspace: 'ks', tableId: 't2', gcGraceSeconds: 864000 };
  const engine = await StorageEngine.open(options(disk, { tables: [table, other] }));
  let release = (): void => {};
  const until = new Promise<void>((resolve) => { release = resolve; });
  await engine.apply([write(1, 1, 'a', 10), { ...write(2, 1, 'b', 10), tableId: 't2' }], undefined, { tableIds: new Set(['t1']), until });
  await engine.apply([write(3, 1, 'c', 10)]);
  let flushed = false;
  const flushing = engine.flush().then(() => { flushed = true; });
  for (let turn = 0; turn < 20; turn++) await new Promise((resolve) => setImmediate(resolve));
  const count = (tableId: string) => engine.tableStats().find((t) => t.tableId === tableId)?.sstableCount;
  assert.equal(flushed, false, 'the flush waits for the hold');
  assert.equal(count('t1'), 0);
  assert.equal(count('t2'), 1, 'a table the hold does not name flushes at once');
  // Reads see the held memtable all along.
  assert.deepEqual(values(await engine.read(single(1))), ['1/1=a']);
  // A write after the switch is not held by it: its memtable flushes once the hold is gone.
  release();
  await flushing;
  assert.equal(count('t1'), 1);
  await engine.apply([write(1, 2, 'd', 10)]);
  await engine.flush();
  assert.equal(count('t1'), 2);
  await engine.close();
});
