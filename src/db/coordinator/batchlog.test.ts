import { test } from 'node:test';
import assert from 'node:assert/strict';
import { silentLogger, type Logger } from '../common/world.js';
import { encodeBatchStoreRequest } from '../cluster/messaging/payloads.js';
import { murmur3Token } from '../dht/murmur3.js';
import { EMPTY_CLUSTERING } from '../schema/clustering-key.js';
import { NO_DELETION_TIME, type Mutation } from '../storage/types.js';
import { SimulatedClock } from '../../../test/harness/simulated-clock.js';
import { SimulatedDisk } from '../../../test/harness/simulated-disk.js';
import { Batchlog, batchlogTable, openBatchlogEngine } from './batchlog.js';

const mutation = (value: string, timestampMicros: number): Mutation => ({
  keyspace: 'ks', tableId: 't', key: Buffer.from('k'), token: murmur3Token(Buffer.from('k')), partitionDeletion: null, rangeTombstones: [],
  rows: [{ clustering: EMPTY_CLUSTERING, liveness: null, deletion: null, cells: [{ column: 'v', timestampMicros, ttlSeconds: 0, localDeletionTime: NO_DELETION_TIME, value: Buffer.from(value) }] }],
});

test('entries persist across a crash, replay once old enough, and stay removed', async () => {
  const clock = new SimulatedClock();
  const disk = new SimulatedDisk({ seed: 3 });
  const open = async (logger: Logger = silentLogger) => {
    const store = await openBatchlogEngine({ clock, disk: disk.view(), logger }, 'batchlog', { syncMode: 'batch', syncPeriodMs: 10 });
    return { store, batchlog: new Batchlog({ clock, logger, store, replayAfterMs: 4000 }) };
  };
  const first = await open();
  const ids = [Buffer.alloc(16, 1), Buffer.alloc(16, 2), Buffer.alloc(16, 3)];
  for (const [index, batchId] of ids.entries()) {
    await first.batchlog.store(encodeBatchStoreRequest({ batchId, creationMicros: clock.nowMicros(), mutations: [mutation(`m${index}`, clock.nowMicros())] }));
  }
  await first.batchlog.remove(ids[0] as Buffer);
  await first.batchlog.remove(Buffer.alloc(16, 9)); // unknown: ignored
  assert.equal(first.batchlog.size(), 2);
  // A raw entry that is not a batch (damage): skipped with an error at load, never replayed.
  await first.store.apply([{ keyspace: batchlogTable.keyspace, tableId: batchlogTable.tableId, key: Buffer.alloc(16, 4), token: murmur3Token(Buffer.alloc(16, 4)), partitionDeletion: null, rangeTombstones: [],
    rows: [{ clustering: EMPTY_CLUSTERING, liveness: null, deletion: null, cells: [{ column: 'batch', timestampMicros: clock.nowMicros(), ttlSeconds: 0, localDeletionTime: NO_DELETION_TIME, value: Buffer.from([1, 2]) }] }] }]);
  disk.crash();
  const errors: string[] = [];
  const logger: Logger = { ...silentLogger, error: (message) => { errors.push(message); }, child: () => logger };
  const second = await open(logger);
  assert.equal(await second.batchlog.load(), 2, 'the two unremoved entries survived the crash');
  assert.deepEqual(errors, ['corrupt batchlog entry skipped']);
  const applied: string[] = [];
  const apply = async (mutations: Mutation[]) => { applied.push(...mutations.map((m) => m.rows[0]?.cells[0]?.value?.toString() ?? '')); };
  assert.equal(await second.batchlog.replayOrphans(apply), 0, 'too young');
  await clock.advance(4001);
  assert.equal(await second.batchlog.replayOrphans(apply), 2);
  assert.deepEqual(applied.sort(), ['m1', 'm2']);
  assert.equal(second.batchlog.size(), 0);
  await second.store.close();
  const third = await open(logger);
  assert.equal(await third.batchlog.load(), 0, 'replayed entries are removed for good');
});

test('a failed replay keeps the entry for the next round', async () => {
  const clock = new SimulatedClock();
  const store = await openBatchlogEngine({ clock, disk: new SimulatedDisk({ seed: 4 }).view(), logger: silentLogger }, 'batchlog', { syncMode: 'batch', syncPeriodMs: 10 });
  const batchlog = new Batchlog({ clock, logger: silentLogger, store, replayAfterMs: 1000 });
  await batchlog.store(encodeBatchStoreRequest({ batchId: Buffer.alloc(16, 1), creationMicros: clock.nowMicros(), mutations: [mutation('x', clock.nowMicros())] }));
  await clock.advance(2000);
  assert.equal(await batchlog.replayOrphans(() => Promise.reject(new Error('replicas down'))), 0);
  assert.equal(batchlog.size(), 1);
  assert.equal(await batchlog.replayOrphans(() => Promise.resolve()), 1);
});
