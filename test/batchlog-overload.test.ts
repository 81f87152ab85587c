// A full batchlog is overload, and a client hears it as Cassandra says it: ERROR 0x1001
// Overloaded (it was a plain Error, so clients got a ServerError). A coordinator that is the
// only live node keeps its logged batches in its own batchlog, so its client meets the bound.
// run-tests: two at a time

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { drive, read, replication, table, valueOf, write } from './harness/coordinator-fixtures.js';
import { StorageCluster, type StorageNode } from './harness/storage-cluster.js';
import { encodeBatchStoreRequest } from '../src/db/cluster/messaging/payloads.js';
import { ConsistencyLevel } from '../src/db/common/consistency.js';
import { CqlError, ErrorCode, toCqlError } from '../src/db/common/errors.js';
import { silentLogger } from '../src/db/common/world.js';
import { Batchlog } from '../src/db/coordinator/batchlog.js';
import { StorageProxy } from '../src/db/coordinator/storage-proxy.js';
import { encodeResponse } from '../src/db/protocol/codec.js';
import { Opcode } from '../src/db/protocol/messages.js';

function batchId(n: number): Buffer {
  const id = Buffer.alloc(16);
  id.writeUInt32BE(n);
  return id;
}

test('a logged batch meeting a full batchlog fails with Overloaded (0x1001) on the wire', async () => {
  const cluster = new StorageCluster({ nodes: 1, seed: 17, tables: [table] });
  await cluster.startAll();
  const node = cluster.node(0) as StorageNode;
  // A few entries stand for batchlogEntriesMax (100k stores would take half a minute).
  const entriesMax = 3;
  const batchlog = new Batchlog({ clock: cluster.clock, logger: silentLogger, store: node.batchlogStore, replayAfterMs: 3_600_000, entriesMax });
  const creationMicros = cluster.clock.nowMicros();
  for (let n = 0; n < entriesMax; n++) await batchlog.store(encodeBatchStoreRequest({ batchId: batchId(n), creationMicros, mutations: [] }));
  assert.equal(batchlog.size(), entriesMax);
  // Storing an entry it already holds (a retried BATCH_STORE) is no growth and still succeeds.
  await batchlog.store(encodeBatchStoreRequest({ batchId: batchId(0), creationMicros, mutations: [] }));

  const proxy = new StorageProxy({
    clock: cluster.clock, logger: silentLogger, messaging: node.messaging, ring: node.ring,
    isAlive: (endpoint) => node.gossiper.isAlive(endpoint), store: node.engine,
    replicationOf: () => replication, keyspaceOfTable: () => table.keyspace, localDataCenter: 'datacenter1',
    batchIds: () => batchId(entriesMax), localBatchlog: batchlog,
  });
  const error = await drive(cluster, proxy.mutateLogged([write(1, 'x', cluster.clock.nowMicros())], ConsistencyLevel.ONE)).then(
    () => assert.fail('the batch was accepted by a full batchlog'),
    (caught: unknown) => caught,
  );
  assert.ok(error instanceof CqlError && error.code === ErrorCode.Overloaded, String(error));
  assert.equal(batchlog.size(), entriesMax);
  assert.equal(valueOf(await node.engine.read(read(1, Math.floor(cluster.clock.nowMs() / 1000)))), undefined, 'nothing of the batch applied');

  // What a client connection sends for it (transport/connection.ts answers toCqlError(error)):
  // an ERROR body of [int code][string message], code 0x1001 and no code-specific fields.
  const answer = toCqlError(error);
  const frame = encodeResponse(5, { opcode: Opcode.ERROR, code: answer.code, message: answer.message, details: answer.details });
  const body = frame.subarray(9);
  assert.equal(body.readInt32BE(0), 0x1001);
  const messageLength = body.readUInt16BE(4);
  assert.equal(body.subarray(6, 6 + messageLength).toString('utf8'), `batchlog full (${entriesMax} entries)`);
  assert.equal(body.length, 6 + messageLength);
});
