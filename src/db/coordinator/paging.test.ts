import test from 'node:test';
import assert from 'node:assert/strict';
import { decodePagingState, encodePagingState, type PagingState } from './paging.js';
import { CqlError } from '../common/errors.js';

const sample: PagingState = {
  partitionKey: Buffer.from([1, 2, 3]),
  clustering: Buffer.from([0x40, 9, 0x38]),
  partitionDone: true,
  remaining: 17,
  remainingInPartition: 4,
};

test('paging state round-trips', () => {
  assert.deepEqual(decodePagingState(encodePagingState(sample)), sample);
  const empty = { ...sample, partitionKey: Buffer.alloc(0), clustering: Buffer.alloc(0), partitionDone: false };
  assert.deepEqual(decodePagingState(encodePagingState(empty)), empty);
});

test('every truncation and a corrupt version are Invalid errors', () => {
  const bytes = encodePagingState(sample);
  for (let length = 0; length < bytes.length; length++) {
    assert.throws(() => decodePagingState(bytes.subarray(0, length)), (e: unknown) => e instanceof CqlError && e.code === 0x2200);
  }
  const corrupt = Buffer.from(bytes);
  corrupt[0] = 7;
  assert.throws(() => decodePagingState(corrupt), CqlError);
  const longKey = Buffer.from(bytes);
  longKey.writeUInt32BE(1000, 2);
  assert.throws(() => decodePagingState(longKey), CqlError);
});
