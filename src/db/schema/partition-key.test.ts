import { test } from 'node:test';
import assert from 'node:assert/strict';
import { CqlError } from '../common/errors.js';
import { partitionKeyBytesMax } from '../common/limits.js';
import { serializePartitionKey, splitPartitionKey } from './partition-key.js';

test('one component is the bytes themselves', () => {
  const value = Buffer.from('abc');
  assert.equal(serializePartitionKey([value]), value);
  assert.deepEqual(splitPartitionKey(value, 1), [value]);
});

test('composite layout, built by hand', () => {
  const key = serializePartitionKey([Buffer.from([1, 2]), Buffer.alloc(0), Buffer.from('z')]);
  assert.deepEqual(key, Buffer.from([0, 2, 1, 2, 0, 0, 0, 0, 0, 1, 0x7a, 0]));
  assert.deepEqual(splitPartitionKey(key, 3), [Buffer.from([1, 2]), Buffer.alloc(0), Buffer.from('z')]);
});

test('split rejects truncations at every point and wrong counts', () => {
  const key = serializePartitionKey([Buffer.from('hello'), Buffer.from('world')]);
  for (let cut = 0; cut < key.length; cut++) {
    assert.throws(() => splitPartitionKey(key.subarray(0, cut), 2), CqlError, `cut ${cut}`);
  }
  assert.throws(() => splitPartitionKey(Buffer.alloc(0), 2), CqlError);
  assert.throws(() => splitPartitionKey(key, 3), CqlError);
  assert.throws(() => splitPartitionKey(Buffer.concat([key, Buffer.from([0])]), 2), CqlError);
  const corrupt = Buffer.from(key);
  corrupt[7] = 1;
  assert.throws(() => splitPartitionKey(corrupt, 2), CqlError);
});

test('size limits', () => {
  assert.throws(() => serializePartitionKey([Buffer.alloc(partitionKeyBytesMax + 1)]), CqlError);
  assert.throws(() => serializePartitionKey([Buffer.alloc(40000), Buffer.alloc(40000)]), CqlError);
  assert.equal(serializePartitionKey([Buffer.alloc(partitionKeyBytesMax)]).length, partitionKeyBytesMax);
});
