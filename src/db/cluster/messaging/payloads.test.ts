import { test } from 'node:test';
import assert from 'node:assert/strict';
import { CorruptionError } from '../../common/errors.js';
import type { Mutation, ReadCommand } from '../../storage/types.js';
import { NO_DELETION_TIME } from '../../storage/types.js';
import {
  decodeBatchRemoveRequest,
  decodeBatchStoreRequest,
  decodeMutationPayload,
  decodeReadRequest,
  decodeReadResponse,
  decodeSchemaDocument,
  decodeTruncateRequest,
  encodeBatchRemoveRequest,
  encodeBatchStoreRequest,
  encodeMutationPayload,
  encodeReadRequest,
  encodeReadResponse,
  encodeSchemaDocument,
  encodeTruncateRequest,
} from './payloads.js';

const mutation: Mutation = {
  keyspace: 'ks',
  tableId: '5a1c3e40-0000-4000-8000-000000000001',
  key: Buffer.from('key'),
  token: -42n,
  partitionDeletion: null,
  rangeTombstones: [{ start: Buffer.from([1]), end: Buffer.from([2]), deletion: { markedForDeleteAtMicros: 7, localDeletionTime: 8 } }],
  rows: [{
    clustering: Buffer.from([5]),
    liveness: { timestampMicros: 10, ttlSeconds: 0, localExpirationTime: NO_DELETION_TIME },
    deletion: null,
    cells: [{ column: 'v', timestampMicros: 10, ttlSeconds: 0, localDeletionTime: NO_DELETION_TIME, value: Buffer.from('x') }],
  }],
};

const single: ReadCommand = {
  kind: 'single', tableId: 't1', slices: [{ start: Buffer.from([0]), end: Buffer.from([0xff]) }], reversed: true,
  columns: ['a', 'b'], rowLimit: 100, perPartitionRowLimit: Number.MAX_SAFE_INTEGER, nowSeconds: 1_750_000_000,
  includeTombstones: true, key: Buffer.from('k'), token: 99n, afterClustering: Buffer.from([3]),
};

const range: ReadCommand = {
  kind: 'range', tableId: 't2', slices: [], reversed: false, columns: 'all', rowLimit: 5000, perPartitionRowLimit: 5000,
  nowSeconds: 1, includeTombstones: false, start: { token: -(2n ** 63n) }, end: { token: 12n, key: Buffer.from('z') },
  partitionLimit: 10,
};

/** Every strict prefix and one extra byte must be refused; never a silently short value. */
function assertStrict(bytes: Buffer, decode: (b: Buffer) => unknown): void {
  for (let length = 0; length < bytes.length; length++) {
    assert.throws(() => decode(bytes.subarray(0, length)), CorruptionError, `length ${length} of ${bytes.length}`);
  }
  assert.throws(() => decode(Buffer.concat([bytes, Buffer.from([0])])), CorruptionError, 'trailing byte');
}

test('read requests round-trip (single and range) and are strict', () => {
  for (const command of [single, range]) {
    for (const digestOnly of [false, true]) {
      const bytes = encodeReadRequest({ command, digestOnly });
      assert.deepEqual(decodeReadRequest(bytes, 't'), { command, digestOnly });
      assertStrict(bytes, (b) => decodeReadRequest(b, 't'));
    }
  }
  const bytes = encodeReadRequest({ command: single, digestOnly: false });
  const badKind = Buffer.from(bytes);
  badKind[2] = 7;
  assert.throws(() => decodeReadRequest(badKind, 't'), /unknown read command kind 7/);
  const badVersion = Buffer.from(bytes);
  badVersion[0] = 2;
  assert.throws(() => decodeReadRequest(badVersion, 't'), /unknown read payload version/);
  const badFlag = Buffer.from(bytes);
  badFlag[1] = 2;
  assert.throws(() => decodeReadRequest(badFlag, 't'), /bad digest flag/);
});

test('read responses: data and digest', () => {
  const { keyspace: _keyspace, tableId: _tableId, ...partition } = mutation;
  const data = encodeReadResponse({ kind: 'data', result: { partitions: [partition, { ...partition, key: Buffer.from('l') }] } });
  assert.deepEqual(decodeReadResponse(data, 't'), { kind: 'data', result: { partitions: [partition, { ...partition, key: Buffer.from('l') }] } });
  assertStrict(data, (b) => decodeReadResponse(b, 't'));
  const digest = encodeReadResponse({ kind: 'digest', digest: Buffer.alloc(16, 0xab) });
  assert.deepEqual(decodeReadResponse(digest, 't'), { kind: 'digest', digest: Buffer.alloc(16, 0xab) });
  assertStrict(digest, (b) => decodeReadResponse(b, 't'));
  assert.throws(() => decodeReadResponse(Buffer.from([3]), 't'), /unknown read response kind 3/);
  assert.throws(() => decodeReadResponse(Buffer.from([1, 0xff, 0xff, 0xff, 0xff]), 't'), /exceeds the data/);
});

test('mutation, truncate, batch and schema payloads', () => {
  const bytes = encodeMutationPayload(mutation);
  assert.deepEqual(decodeMutationPayload(bytes, 't'), mutation);
  assertStrict(bytes, (b) => decodeMutationPayload(b, 't'));

  const truncate = encodeTruncateRequest({ keyspace: 'ks', tableId: 'id' });
  assert.deepEqual(decodeTruncateRequest(truncate, 't'), { keyspace: 'ks', tableId: 'id' });
  assertStrict(truncate, (b) => decodeTruncateRequest(b, 't'));

  const batchId = Buffer.alloc(16, 0x11);
  const store = encodeBatchStoreRequest({ batchId, creationMicros: 123, mutations: [mutation, mutation] });
  assert.deepEqual(decodeBatchStoreRequest(store, 't'), { batchId, creationMicros: 123, mutations: [mutation, mutation] });
  assertStrict(store, (b) => decodeBatchStoreRequest(b, 't'));
  assert.deepEqual(decodeBatchRemoveRequest(encodeBatchRemoveRequest(batchId), 't'), batchId);
  assertStrict(encodeBatchRemoveRequest(batchId), (b) => decodeBatchRemoveRequest(b, 't'));

  const schema = encodeSchemaDocument('{"keyspaces":[]}');
  assert.equal(decodeSchemaDocument(schema, 't'), '{"keyspaces":[]}');
  assertStrict(schema, (b) => decodeSchemaDocument(b, 't'));
});
