import { test } from 'node:test';
import assert from 'node:assert/strict';
import { CorruptionError } from '../common/errors.js';
import { NO_DELETION_TIME, type Mutation } from './types.js';
import { ByteReader, ByteWriter, decodeMutation, decodeMutationBatch, encodeMutation, encodeMutationBatch, encodeMutationBatchChecked } from './mutation-serializer.js';

const sample: Mutation = {
  keyspace: 'ks',
  tableId: '6ab09bec-e68e-48d9-a5f8-97e6fb4c9b47',
  key: Buffer.from('partition'),
  token: -(2n ** 63n) + 5n,
  partitionDeletion: { markedForDeleteAtMicros: 1_700_000_000_000_000, localDeletionTime: 1_700_000_000 },
  rangeTombstones: [{ start: Buffer.from([1]), end: Buffer.from([2, 255]), deletion: { markedForDeleteAtMicros: 7, localDeletionTime: 9 } }],
  rows: [
    {
      clustering: Buffer.from([1, 5]),
      liveness: { timestampMicros: 2 ** 53 - 1, ttlSeconds: 3, localExpirationTime: 99 },
      deletion: null,
      cells: [
        { column: 'a', timestampMicros: 5, ttlSeconds: 0, localDeletionTime: NO_DELETION_TIME, value: Buffer.from('x') },
        { column: 'é', timestampMicros: 6, ttlSeconds: 0, localDeletionTime: 12, value: null },
      ],
    },
    { clustering: Buffer.from([3]), liveness: null, deletion: { markedForDeleteAtMicros: -4, localDeletionTime: 1 }, cells: [] },
  ],
};

const withElements: Mutation = {
  ...sample,
  rows: [{
    clustering: Buffer.from([2]), liveness: null, deletion: null,
    cells: [
      { column: 'a', timestampMicros: 5, ttlSeconds: 0, localDeletionTime: NO_DELETION_TIME, value: Buffer.from('x') },
      { column: 'tags', timestampMicros: 9, ttlSeconds: 0, localDeletionTime: 3, value: null },
      { column: 'tags', path: Buffer.alloc(0), timestampMicros: 10, ttlSeconds: 0, localDeletionTime: NO_DELETION_TIME, value: Buffer.alloc(0) },
      { column: 'tags', path: Buffer.from('k'), timestampMicros: 10, ttlSeconds: 4, localDeletionTime: 14, value: Buffer.from('v') },
      { column: 'tags', path: Buffer.from('z'), timestampMicros: 11, ttlSeconds: 0, localDeletionTime: 3, value: null },
    ],
  }],
};

test('cell paths round trip; rows without them keep the layout written before paths existed', () => {
  assert.deepEqual(decodeMutation(encodeMutation(withElements)), withElements);
  const bytes = encodeMutation(withElements);
  for (let length = 0; length < bytes.length; length++) {
    assert.throws(() => decodeMutation(bytes.subarray(0, length)), CorruptionError);
  }
  const outOfOrder: Mutation = { ...withElements, rows: [{ ...withElements.rows[0]!, cells: [...withElements.rows[0]!.cells].reverse() }] };
  assert.throws(() => decodeMutation(encodeMutation(outOfOrder)), /out of column order/);
  // The simple rows of `sample`: no path flag, u16 cell counts, no path bytes.
  assert.equal(encodeMutation({ ...sample, rows: [{ ...sample.rows[1]! }] }).length, encodeMutation({ ...sample, rows: [] }).length + 4 + 1 + 1 + 12 + 2);
});

test('mutation round trip', () => {
  assert.deepEqual(decodeMutation(encodeMutation(sample)), sample);
  const empty: Mutation = { ...sample, partitionDeletion: null, rangeTombstones: [], rows: [] };
  assert.deepEqual(decodeMutation(encodeMutation(empty)), empty);
});

test('batch round trip', () => {
  const other = { ...sample, keyspace: 'other', rows: [] };
  assert.deepEqual(decodeMutationBatch(encodeMutationBatch([sample, other])), [sample, other]);
  assert.deepEqual(decodeMutationBatch(encodeMutationBatch([])), []);
});

test('every truncation throws CorruptionError naming the source', () => {
  const bytes = encodeMutation(sample);
  for (let length = 0; length < bytes.length; length++) {
    assert.throws(() => decodeMutation(bytes.subarray(0, length), { source: 'seg-1.log' }), (e: unknown) => e instanceof CorruptionError && e.path === 'seg-1.log');
  }
  const batch = encodeMutationBatch([sample, sample]);
  for (let length = 0; length < batch.length; length++) {
    assert.throws(() => decodeMutationBatch(batch.subarray(0, length)), CorruptionError);
  }
});

test('trailing bytes and bad versions are corruption', () => {
  assert.throws(() => decodeMutation(Buffer.concat([encodeMutation(sample), Buffer.from([0])])), CorruptionError);
  const bytes = encodeMutation(sample);
  bytes[0] = 9;
  assert.throws(() => decodeMutation(bytes), /unknown mutation format version 9/);
});

test('flipped bytes either decode or throw CorruptionError, never anything else', () => {
  const bytes = encodeMutation(sample);
  for (let index = 0; index < bytes.length; index++) {
    for (const mask of [0x01, 0x80, 0xff]) {
      const copy = Buffer.from(bytes);
      copy[index] = (copy[index] as number) ^ mask;
      try {
        decodeMutation(copy);
      } catch (error) {
        assert.ok(error instanceof CorruptionError, `byte ${index} mask ${mask}: ${String(error)}`);
      }
    }
  }
});

test('the one-pass batch encoding equals the two-pass one and reports each mutation size', () => {
  const big: Mutation = { ...sample, rows: [{ clustering: Buffer.alloc(0), liveness: null, deletion: null, cells: [{ column: 'v', timestampMicros: 1, ttlSeconds: 0, localDeletionTime: NO_DELETION_TIME, value: Buffer.alloc(10_000, 7) }] }] };
  const mutations = [sample, big, sample];
  const sizes: number[] = [];
  const bytes = encodeMutationBatchChecked(mutations, (n) => sizes.push(n));
  assert.deepEqual(bytes, encodeMutationBatch(mutations));
  assert.deepEqual(sizes, mutations.map((m) => encodeMutation(m).length));
  assert.deepEqual(decodeMutationBatch(bytes), mutations);
  assert.throws(() => encodeMutationBatchChecked(mutations, (n) => { if (n > 5000) throw new RangeError('too big'); }), /too big/);
});

test('ByteWriter.i64 writes safe-integer numbers as two halves exactly as a bigint would be written', () => {
  for (const value of [0, 1, -1, 2 ** 32 - 1, 2 ** 32, -(2 ** 32), 1_733_300_000_000_000, -1_733_300_000_000_000, Number.MAX_SAFE_INTEGER, Number.MIN_SAFE_INTEGER]) {
    const writer = new ByteWriter();
    writer.i64(value);
    assert.equal(writer.finish().readBigInt64BE(0), BigInt(value), `i64(${value})`);
  }
});

test('ByteReader.i64Safe reads every safe integer exactly and refuses the rest as corruption', () => {
  for (const value of [0, 1, -1, 2 ** 32 - 1, 2 ** 32, -(2 ** 32), -(2 ** 32) - 1, 1_733_300_000_000_000, -1_733_300_000_000_000, Number.MAX_SAFE_INTEGER, Number.MIN_SAFE_INTEGER]) {
    const bytes = Buffer.alloc(8);
    bytes.writeBigInt64BE(BigInt(value));
    assert.equal(new ByteReader(bytes, 'test').i64Safe('v'), value, `i64Safe(${value})`);
  }
  for (const value of [2n ** 53n, -(2n ** 53n), 2n ** 63n - 1n, -(2n ** 63n)]) {
    const bytes = Buffer.alloc(8);
    bytes.writeBigInt64BE(value);
    assert.throws(() => new ByteReader(bytes, 'test').i64Safe('v'), CorruptionError, `i64Safe(${value})`);
  }
});
