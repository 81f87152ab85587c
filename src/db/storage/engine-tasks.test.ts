// The flushes and compactions the engine lists while they write (system_views.sstable_tasks,
// nodetool compactionstats): a compaction throttled by compaction_throughput is caught running,
// with its progress and total, and is gone once it finishes.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { SimulatedDisk } from '../../../test/harness/simulated-disk.js';
import { silentLogger, type Clock } from '../common/world.js';
import { StorageEngine } from './engine.js';
import { NO_DELETION_TIME, type Mutation } from './types.js';

const nowMs = 1_700_000_000_000;

function write(k: number, value: string): Mutation {
  return {
    keyspace: 'ks', tableId: 't1', key: Buffer.from([k]), token: BigInt(k), partitionDeletion: null, rangeTombstones: [],
    rows: [{ clustering: Buffer.from([1]), liveness: null, deletion: null, cells: [{ column: 'v', timestampMicros: 10, ttlSeconds: 0, localDeletionTime: NO_DELETION_TIME, value: Buffer.from(value) }] }],
  };
}

test('a throttled compaction is listed with its progress while it runs, and not after', async () => {
  const disk = new SimulatedDisk();
  // Time stands still, so a throttled compaction sleeps after its first bytes: it waits there until released.
  const sleepers: Array<() => void> = [];
  let holding = false;
  // Once set, time runs on each look at the clock, so that any slice of background work ends and yields (a flush too).
  let ticking = false;
  let monotonic = 0;
  const clock: Clock = {
    nowMs: () => nowMs, nowMicros: () => nowMs * 1000, monotonicMs: () => (ticking ? (monotonic += 5) : monotonic), setTimer: () => ({ cancel() {} }),
    sleep: () => (holding ? new Promise<void>((resolve) => sleepers.push(resolve)) : Promise.resolve()),
  };
  const settle = async () => {
    for (let turn = 0; turn < 1000 && sleepers.length === 0; turn++) await new Promise((resolve) => setImmediate(resolve));
  };
  const engine = await StorageEngine.open({
    world: { clock, disk, logger: silentLogger }, dataDirectory: 'data', commitLogDirectory: 'commitlog', syncMode: 'batch', syncPeriodMs: 10,
    memtableFlushBytes: 1 << 20, commitLogSegmentBytes: 8192, sstableBlockBytes: 256, compactionThroughputBytesPerSecond: 1024,
    tables: [{ keyspace: 'ks', tableId: 't1', gcGraceSeconds: 864000 }],
  });
  for (let k = 0; k < 40; k++) await engine.apply([write(k, `first-${k}`)]);
  await engine.flush();
  for (let k = 40; k < 80; k++) await engine.apply([write(k, `second-${k}`)]);
  await engine.flush();
  assert.deepEqual(engine.sstableTasks(), [], 'nothing runs between flushes');
  const inputBytes = engine.sstableBytes();

  holding = true;
  const compaction = engine.compact();
  await settle();
  assert.ok(sleepers.length > 0, 'the throttled compaction never waited for its rate');
  const [task, ...others] = engine.sstableTasks();
  assert.equal(others.length, 0);
  assert.ok(task !== undefined);
  assert.equal(task.kind, 'compaction');
  assert.equal(task.keyspace, 'ks');
  assert.equal(task.tableId, 't1');
  assert.equal(task.totalBytes, inputBytes);
  assert.ok(task.progressBytes > 0 && task.progressBytes < task.totalBytes, 'part of the compaction is written');
  assert.match(task.id, /^[0-9a-f]{8}-[0-9a-f]{4}-1[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/);
  const stats = engine.compactionStats();
  assert.equal(stats.running, 1);

  holding = false;
  while (sleepers.length > 0) sleepers.shift()?.();
  await compaction;
  assert.deepEqual(engine.sstableTasks(), []);
  assert.equal(engine.compactionStats().running, 0);
  assert.equal(engine.compactionStats().completed, 1);

  // A flush is listed too while it writes, under its own kind and a new id.
  for (let k = 0; k < 40; k++) await engine.apply([write(k, `third-${k}`)]);
  holding = true;
  ticking = true;
  const flushing = engine.flush();
  await settle();
  const [flushTask] = engine.sstableTasks();
  assert.equal(flushTask?.kind, 'flush');
  assert.notEqual(flushTask.id, task.id);
  assert.ok(flushTask.totalBytes > 0);
  holding = false;
  ticking = false;
  while (sleepers.length > 0) sleepers.shift()?.();
  await flushing;
  await engine.idle();
  assert.deepEqual(engine.sstableTasks(), []);
  await engine.close();
});
