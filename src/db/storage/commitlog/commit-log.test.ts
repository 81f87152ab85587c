import { test } from 'node:test';
import assert from 'node:assert/strict';
import { SimulatedDisk } from '../../../../test/harness/simulated-disk.js';
import { DiskError } from '../../common/errors.js';
import { silentLogger, type Clock, type Logger } from '../../common/world.js';
import { encodeMutationBatch } from '../mutation-serializer.js';
import type { Mutation } from '../types.js';
import { CommitLog, readAllForReplay, type CommitLogOptions } from './commit-log.js';
import { segmentFileName } from './segment-format.js';

const clock: Clock = {
  nowMs: () => 0,
  nowMicros: () => 0,
  monotonicMs: () => 0,
  setTimer: () => ({ cancel() {} }),
  sleep: async () => {},
};

const mutation = (n: number): Mutation => ({
  keyspace: 'ks',
  tableId: 't1',
  key: Buffer.from([n]),
  token: BigInt(n),
  partitionDeletion: { markedForDeleteAtMicros: n, localDeletionTime: 1 },
  rangeTombstones: [],
  rows: [],
});

function options(disk: SimulatedDisk, extra: Partial<CommitLogOptions> = {}): CommitLogOptions {
  return { disk, clock, logger: silentLogger, directory: 'commitlog', syncMode: 'batch', syncPeriodMs: 10, segmentBytes: 4096, ...extra };
}

test('entries survive close and reopen, in order; group commit shares one sync', async () => {
  const disk = new SimulatedDisk();
  const { log } = await CommitLog.open(options(disk));
  const syncsBefore = disk.stats.syncs;
  const ids = await Promise.all([1, 2, 3, 4, 5].map((n) => log.add(encodeMutationBatch([mutation(n)]), 1)));
  // The first add opens the segment (header sync) and is written alone; the other four form one group.
  assert.ok(disk.stats.syncs - syncsBefore <= 3, `syncs: ${disk.stats.syncs - syncsBefore}`);
  for (const id of ids) await log.settle(id);
  await log.close();
  disk.crash();
  const replay = await readAllForReplay((await CommitLog.open(options(disk))).replay);
  assert.deepEqual(replay.flatMap((s) => s.batches.map((b) => b[0]?.token)), [1n, 2n, 3n, 4n, 5n]);
  assert.equal(replay[0]?.corruption, null);
});

test('segments roll over at the size bound and are removed once released', async () => {
  const disk = new SimulatedDisk();
  const { log } = await CommitLog.open(options(disk, { segmentBytes: 200 }));
  for (let n = 0; n < 10; n++) {
    const id = await log.add(encodeMutationBatch([mutation(n)]), 1);
    log.reference(id.segmentId, n < 5 ? 'memtable-a' : 'memtable-b');
    await log.settle(id);
  }
  const before = log.liveSegmentIds();
  assert.ok(before.length > 2);
  await log.release('memtable-a');
  const after = log.liveSegmentIds();
  assert.ok(after.length < before.length);
  assert.equal((await disk.list('commitlog')).length, after.length);
  await log.close();
});

test('a torn last entry is detected at every byte offset and reported with file and offset', async () => {
  const disk = new SimulatedDisk();
  const { log } = await CommitLog.open(options(disk));
  const id = await log.add(encodeMutationBatch([mutation(1)]), 1);
  const sizeBefore = disk.contents(`commitlog/${segmentFileName(id.segmentId)}`).length;
  await log.add(encodeMutationBatch([mutation(2), mutation(3)]), 2);
  await log.close();
  const full = disk.contents(`commitlog/${segmentFileName(id.segmentId)}`);
  for (let cut = sizeBefore; cut < full.length; cut++) {
    const torn = new SimulatedDisk();
    await torn.makeDirectory('commitlog');
    const f = await torn.openAppend(`commitlog/${segmentFileName(id.segmentId)}`);
    await f.append(full.subarray(0, cut));
    const warnings: Array<Record<string, unknown> | undefined> = [];
    const logger: Logger = { ...silentLogger, warn: (_m, fields) => warnings.push(fields) };
    const replay = await readAllForReplay((await CommitLog.open({ ...options(torn), logger })).replay);
    assert.equal(replay[0]?.batches.length, 1, `cut ${cut}`);
    if (cut === sizeBefore) {
      assert.equal(replay[0]?.corruption, null);
    } else {
      assert.equal(replay[0]?.corruption?.offset, sizeBefore, `cut ${cut}`);
      assert.equal(warnings[0]?.['file'], `commitlog/${segmentFileName(id.segmentId)}`);
    }
  }
});

test('a flipped byte in the last entry stops replay there', async () => {
  const disk = new SimulatedDisk();
  const { log } = await CommitLog.open(options(disk));
  const id = await log.add(encodeMutationBatch([mutation(1)]), 1);
  await log.add(encodeMutationBatch([mutation(2)]), 1);
  await log.close();
  const path = `commitlog/${segmentFileName(id.segmentId)}`;
  disk.corrupt(path, disk.contents(path).length - 3, (b) => b ^ 0x10);
  const replay = await readAllForReplay((await CommitLog.open(options(disk))).replay);
  assert.equal(replay[0]?.batches.length, 1);
  assert.match(replay[0]?.corruption?.message ?? '', /checksum/);
});

test('ENOSPC fails the add; later writes go to a new segment and replay keeps them', async () => {
  const disk = new SimulatedDisk();
  const { log } = await CommitLog.open(options(disk));
  await log.add(encodeMutationBatch([mutation(1)]), 1);
  disk.setCapacity(disk.usedBytes() + 10);
  await assert.rejects(log.add(encodeMutationBatch([mutation(2)]), 1), (e: unknown) => e instanceof DiskError && e.systemCode === 'ENOSPC');
  disk.setCapacity(undefined);
  await log.add(encodeMutationBatch([mutation(3)]), 1);
  await log.close();
  disk.crash();
  const replay = await readAllForReplay((await CommitLog.open(options(disk))).replay);
  assert.deepEqual(replay.flatMap((s) => s.batches.map((b) => b[0]?.token)), [1n, 3n]);
});

test('periodic mode resolves after the append and syncs on the timer', async () => {
  const disk = new SimulatedDisk();
  let tick: (() => void) | undefined;
  const timerClock: Clock = { ...clock, setTimer: (_ms, fn) => ((tick = fn), { cancel() {} }) };
  const { log } = await CommitLog.open(options(disk, { syncMode: 'periodic', clock: timerClock }));
  await log.add(encodeMutationBatch([mutation(1)]), 1);
  const syncs = disk.stats.syncs;
  tick?.();
  await new Promise((resolve) => setImmediate(resolve));
  assert.equal(disk.stats.syncs, syncs + 1);
  await log.close();
});

test('periodic mode appends what one turn queued in one write, even when the adds come from later microtasks', async () => {
  const disk = new SimulatedDisk();
  const turnClock: Clock = { ...clock, yieldToEventLoop: () => new Promise((resolve) => setImmediate(resolve)) };
  const { log } = await CommitLog.open(options(disk, { syncMode: 'periodic', segmentBytes: 1 << 20, clock: turnClock }));
  await log.settle(await log.add(encodeMutationBatch([mutation(0)]), 1)); // opens the segment
  const appendsBefore = disk.stats.appends;
  // Requests of one turn reach the log after a few awaits each, as the query path's do.
  const adds = [1, 2, 3, 4, 5, 6].map(async (n) => {
    for (let hop = 0; hop < n; hop++) await null;
    return log.add(encodeMutationBatch([mutation(n)]), 1);
  });
  const positions = await Promise.all(adds);
  assert.equal(disk.stats.appends - appendsBefore, 1);
  const offsets = positions.map((position) => position.offset);
  assert.deepEqual(offsets, [...offsets].sort((a, b) => a - b), 'entries lie in the order they were added');
  for (const position of positions) await log.settle(position);
  await log.close();
  const replay = await readAllForReplay((await CommitLog.open(options(disk, { syncMode: 'periodic' }))).replay);
  assert.equal(replay.flatMap((segment) => segment.batches).length, 7);
});
