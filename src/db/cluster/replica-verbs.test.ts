import { test } from 'node:test';
import assert from 'node:assert/strict';
import { InternodeError } from '../common/errors.js';
import { silentLogger } from '../common/world.js';
import { digestReadResult } from '../storage/digest.js';
import type { Mutation, ReadCommand, ReadResult } from '../storage/types.js';
import { SimulatedClock } from '../../../test/harness/simulated-clock.js';
import { DirectLinks } from './messaging/in-memory-transport.js';
import { MessagingService } from './messaging/messaging-service.js';
import { decodeMutationBatch, encodeMutationBatchChecked } from '../storage/mutation-serializer.js';
import { decodeReadResponse, encodeMutationBatchPayload, encodeMutationPayload, encodeReadRequest, encodeTruncateRequest } from './messaging/payloads.js';
import { registerReplicaVerbs, type ReplicaStore } from './replica-verbs.js';

const mutation: Mutation = { keyspace: 'ks', tableId: 't', key: Buffer.from('k'), token: 1n, partitionDeletion: null, rangeTombstones: [], rows: [] };
const command: ReadCommand = {
  kind: 'single', tableId: 't', slices: [], reversed: false, columns: 'all', rowLimit: 10, perPartitionRowLimit: 10,
  nowSeconds: 1, includeTombstones: false, key: Buffer.from('k'), token: 1n,
};
const result: ReadResult = { partitions: [{ key: Buffer.from('k'), token: 1n, partitionDeletion: null, rangeTombstones: [], rows: [] }] };

async function setup() {
  const applied: Mutation[] = [];
  const encodings: Array<Buffer | undefined> = [];
  const truncated: string[] = [];
  const store: ReplicaStore = {
    apply: (mutations, encoded) => { applied.push(...mutations); encodings.push(encoded); return Promise.resolve(); },
    read: (read) => (read.tableId === 't' ? Promise.resolve(result) : Promise.reject(new Error(`unknown table id ${read.tableId}`))),
    truncate: (tableId) => { truncated.push(tableId); return Promise.resolve(); },
  };
  const clock = new SimulatedClock();
  const links = new DirectLinks();
  const coordinator = new MessagingService({ transport: links.transportFor('c:1'), clock, logger: silentLogger });
  const replica = new MessagingService({ transport: links.transportFor('r:1'), clock, logger: silentLogger });
  registerReplicaVerbs(replica, { store, logger: silentLogger });
  await coordinator.start();
  await replica.start();
  return { coordinator, applied, encodings, truncated };
}

test('mutations and hints are applied; truncate truncates', async () => {
  const { coordinator, applied, truncated } = await setup();
  await coordinator.sendRequest('r:1', 'MUTATION', encodeMutationPayload(mutation));
  await coordinator.sendRequest('r:1', 'HINT', encodeMutationPayload(mutation));
  assert.deepEqual(applied, [mutation, mutation]);
  await coordinator.sendRequest('r:1', 'TRUNCATE', encodeTruncateRequest({ keyspace: 'ks', tableId: 't' }));
  assert.deepEqual(truncated, ['t']);
});

test('the store is given the received bytes in the commit log batch layout, decoding to exactly the mutations applied', async () => {
  const { coordinator, applied, encodings } = await setup();
  const other: Mutation = { ...mutation, key: Buffer.from('k2'), token: 2n, rows: [{ clustering: Buffer.alloc(0), liveness: null, deletion: null, cells: [{ column: 'v', timestampMicros: 5, ttlSeconds: 0, localDeletionTime: 2_147_483_647, value: Buffer.from('x') }] }] };
  await coordinator.sendRequest('r:1', 'MUTATION', encodeMutationPayload(other));
  await coordinator.sendRequest('r:1', 'MUTATION_BATCH', encodeMutationBatchPayload([mutation, other]));
  assert.deepEqual(applied, [other, mutation, other]);
  assert.equal(encodings.length, 2);
  assert.deepEqual(decodeMutationBatch(encodings[0] as Buffer), [other]);
  assert.deepEqual(decodeMutationBatch(encodings[1] as Buffer), [mutation, other]);
  assert.deepEqual(encodings[1], encodeMutationBatchChecked([mutation, other], () => {}), 'the same bytes the replica would have encoded');
});

test('reads answer with data or with the digest of the same data', async () => {
  const { coordinator } = await setup();
  const data = await coordinator.sendRequest('r:1', 'READ', encodeReadRequest({ command, digestOnly: false }));
  assert.deepEqual(decodeReadResponse(data.payload, 't'), { kind: 'data', result });
  const digest = await coordinator.sendRequest('r:1', 'READ', encodeReadRequest({ command, digestOnly: true }));
  assert.deepEqual(decodeReadResponse(digest.payload, 't'), { kind: 'digest', digest: digestReadResult(result) });
});

test('store errors and undecodable payloads come back as failures', async () => {
  const { coordinator } = await setup();
  await assert.rejects(coordinator.sendRequest('r:1', 'READ', encodeReadRequest({ command: { ...command, tableId: 'x' }, digestOnly: false })),
    (error: unknown) => error instanceof InternodeError && error.reason === 'failure' && /unknown table id x/.test(error.message));
  await assert.rejects(coordinator.sendRequest('r:1', 'MUTATION', Buffer.from([1, 2, 3])),
    (error: unknown) => error instanceof InternodeError && error.reason === 'failure');
});
