import { test } from 'node:test';
import assert from 'node:assert/strict';
import { CqlError, ErrorCode } from '../common/errors.js';
import { clusteringBytesMax, clusteringValueBytesMax } from '../common/limits.js';
import { native, type DataType, type NativeTypeName } from '../protocol/data-type.js';
import {
  CLUSTERING_RANGE_END, CLUSTERING_RANGE_START, EMPTY_CLUSTERING, STATIC_CLUSTERING, checkClusteringType,
  clusteringPrefixBound, compareValues, decodeClustering, encodeClustering,
} from './clustering-key.js';
import type { ClusteringOrder, ColumnMetadata, TableMetadata } from './metadata.js';
import { bigIntToBytes } from './ordered-numbers.js';

/** Deterministic generator (mulberry32) so failures reproduce. */
function generator(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

function table(columns: Array<[NativeTypeName, ClusteringOrder]>): TableMetadata {
  const clustering: ColumnMetadata[] = columns.map(([name, order], position) => ({
    name: `c${position}`, type: native(name), kind: 'clustering', position, order,
  }));
  return {
    keyspace: 'ks', name: 't', id: '00000000-0000-0000-0000-000000000000', partitionKey: [], clustering, regular: [],
    columns: new Map(clustering.map((column) => [column.name, column])), options: {} as TableMetadata['options'],
    droppedColumns: new Map(), virtual: false,
  };
}

/** Random wire values with many collisions and edge cases (small alphabets, boundaries, empties). */
function randomValue(type: NativeTypeName, next: () => number): Buffer {
  const pick = <T>(items: T[]): T => items[Math.floor(next() * items.length)] as T;
  const randomBytes = (length: number): Buffer => Buffer.from(Array.from({ length }, () => pick([0, 1, 0x7f, 0x80, 0xff, Math.floor(next() * 256)])));
  if (next() < 0.05 && type !== 'boolean') return Buffer.alloc(0);
  switch (type) {
    case 'tinyint': case 'smallint': case 'int': case 'bigint': case 'timestamp': case 'time': case 'date': {
      const length = { tinyint: 1, smallint: 2, int: 4, bigint: 8, timestamp: 8, time: 8, date: 4 }[type];
      return randomBytes(length);
    }
    case 'boolean': return Buffer.from([pick([0, 1])]);
    case 'float': {
      const out = Buffer.alloc(4);
      out.writeFloatBE(pick([0, -0, 1.5, -1.5, Infinity, -Infinity, NaN, 3e38, -3e-38, next() * 1000 - 500]));
      return next() < 0.3 ? randomBytes(4).fill(0x7f, 0, 1) : out;
    }
    case 'double': {
      const out = Buffer.alloc(8);
      out.writeDoubleBE(pick([0, -0, 1.5, -1.5, Infinity, -Infinity, NaN, Number.MIN_VALUE, -Number.MAX_VALUE, next() * 1e6 - 5e5]));
      return out;
    }
    case 'text': case 'varchar': case 'ascii': case 'blob': case 'inet':
      return randomBytes(Math.floor(next() * 5));
    case 'uuid': {
      const out = randomBytes(16);
      out[6] = (pick([1, 4, 1, 2]) << 4) | ((out[6] as number) & 0x0f);
      return out;
    }
    case 'timeuuid': {
      const out = randomBytes(16);
      out[6] = 0x10 | ((out[6] as number) & 0x0f);
      return out;
    }
    case 'varint': return bigIntToBytes(randomBigInt(next));
    case 'decimal': {
      const scale = Buffer.alloc(4);
      scale.writeInt32BE(Math.floor(next() * 8) - 3);
      return Buffer.concat([scale, bigIntToBytes(randomBigInt(next))]);
    }
    default: throw new Error(`no generator for ${type}`);
  }
}

function randomBigInt(next: () => number): bigint {
  const magnitude = [0n, 1n, 10n, 100n, 127n, 128n, 255n, 256n, 1000n, 2n ** 70n, BigInt(Math.floor(next() * 1e6))][Math.floor(next() * 11)] as bigint;
  return next() < 0.5 ? -magnitude : magnitude;
}

const ALL_TYPES: NativeTypeName[] = ['tinyint', 'smallint', 'int', 'bigint', 'timestamp', 'time', 'date', 'boolean', 'float',
  'double', 'text', 'ascii', 'blob', 'inet', 'uuid', 'timeuuid', 'varint', 'decimal'];

function sign(value: number): number {
  return value < 0 ? -1 : value > 0 ? 1 : 0;
}

/** Expected order of two full keys from compareValues, column by column. */
function compareRows(definition: TableMetadata, a: Buffer[], b: Buffer[]): number {
  for (let i = 0; i < a.length; i++) {
    const column = definition.clustering[i] as ColumnMetadata;
    const difference = compareValues(column.type, a[i] as Buffer, { b: b[i] as Buffer });
    if (difference !== 0) return column.order === 'desc' ? -difference : difference;
  }
  return 0;
}

function canonical(type: NativeTypeName): boolean {
  // NaN payloads other than the one encoded compare equal but keep their bits; decimals decode canonically.
  return type !== 'decimal' && type !== 'float' && type !== 'double';
}

for (const type of ALL_TYPES) {
  test(`order and round trip: ${type}`, () => {
    const next = generator(type.length * 7919 + type.charCodeAt(0));
    for (const order of ['asc', 'desc'] as const) {
      const definition = table([[type, order]]);
      const values = Array.from({ length: 150 }, () => [randomValue(type, next)]);
      const keys = values.map((row) => encodeClustering(definition, row));
      for (let i = 0; i < values.length; i++) {
        const decoded = decodeClustering(definition, keys[i] as Buffer);
        const original = (values[i] as Buffer[])[0] as Buffer;
        if (canonical(type)) assert.deepEqual(decoded, values[i]);
        else assert.equal(compareValues(native(type), decoded[0] as Buffer, { b: original }), 0);
        for (let j = 0; j < values.length; j++) {
          const expected = compareRows(definition, values[i] as Buffer[], values[j] as Buffer[]);
          // Distinct NaN payloads compare equal (Float.compare) yet keep their own bits in the key.
          if (expected === 0 && !canonical(type)) continue;
          assert.equal(sign(Buffer.compare(keys[i] as Buffer, keys[j] as Buffer)), expected,
            `${type} ${order}: ${(values[i] as Buffer[])[0]?.toString('hex')} vs ${(values[j] as Buffer[])[0]?.toString('hex')}`);
        }
      }
    }
  });
}

test('multi-column keys and prefix bounds bracket exactly the keys with that prefix', () => {
  const definition = table([['int', 'asc'], ['text', 'desc'], ['timeuuid', 'asc']]);
  const next = generator(42);
  const rows = Array.from({ length: 120 }, () => [randomValue('int', next), randomValue('text', next), randomValue('timeuuid', next)]);
  const keys = rows.map((row) => encodeClustering(definition, row));
  for (let i = 0; i < rows.length; i++) {
    assert.deepEqual(decodeClustering(definition, keys[i] as Buffer), rows[i]);
    for (let j = 0; j < rows.length; j++) {
      assert.equal(sign(Buffer.compare(keys[i] as Buffer, keys[j] as Buffer)), compareRows(definition, rows[i] as Buffer[], rows[j] as Buffer[]));
    }
  }
  for (const prefixLength of [0, 1, 2, 3]) {
    for (const probe of rows.slice(0, 20)) {
      const prefix = probe.slice(0, prefixLength);
      const before = clusteringPrefixBound(definition, prefix, { bound: 'before' });
      const after = clusteringPrefixBound(definition, prefix, { bound: 'after' });
      for (let j = 0; j < rows.length; j++) {
        const key = keys[j] as Buffer;
        const inside = Buffer.compare(before, key) < 0 && Buffer.compare(key, after) < 0;
        const hasPrefix = prefix.every((value, k) => compareValues(definition.clustering[k]!.type, value, { b: rows[j]![k]! }) === 0);
        assert.equal(inside, hasPrefix);
      }
    }
  }
});

test('empty clustering, static key and the full range', () => {
  const definition = table([]);
  assert.deepEqual(encodeClustering(definition, []), EMPTY_CLUSTERING);
  assert.deepEqual(decodeClustering(definition, EMPTY_CLUSTERING), []);
  assert.ok(Buffer.compare(CLUSTERING_RANGE_START, EMPTY_CLUSTERING) < 0 && Buffer.compare(EMPTY_CLUSTERING, CLUSTERING_RANGE_END) < 0);
  assert.ok(Buffer.compare(STATIC_CLUSTERING, CLUSTERING_RANGE_START) < 0);
  assert.deepEqual(clusteringPrefixBound(definition, [], { bound: 'before' }), CLUSTERING_RANGE_START);
});

test('bad sizes and corrupt keys are Invalid, at every truncation point', () => {
  const definition = table([['int', 'asc'], ['text', 'desc'], ['varint', 'asc'], ['decimal', 'desc']]);
  assert.throws(() => encodeClustering(table([['int', 'asc']]), [Buffer.alloc(3)]), CqlError);
  assert.throws(() => encodeClustering(table([['uuid', 'asc']]), [Buffer.alloc(15)]), CqlError);
  const scale = Buffer.from([0, 0, 0, 2]);
  const key = encodeClustering(definition, [Buffer.from([0, 0, 0, 7]), Buffer.from('a\u0000b'), bigIntToBytes(-300n),
    Buffer.concat([scale, bigIntToBytes(-1234n)])]);
  for (let cut = 0; cut < key.length; cut++) assert.throws(() => decodeClustering(definition, key.subarray(0, cut)), CqlError);
  assert.throws(() => decodeClustering(definition, Buffer.concat([key, Buffer.from([0x38])])), CqlError);
});

test('unsupported clustering types are rejected', () => {
  const list: DataType = { kind: 'list', element: native('int'), frozen: false };
  assert.throws(() => checkClusteringType('c', list), CqlError);
  assert.throws(() => checkClusteringType('c', { kind: 'list', element: native('duration'), frozen: true }), CqlError);
  checkClusteringType('c', { kind: 'list', element: native('int'), frozen: true });
  assert.throws(() => checkClusteringType('c', native('duration')), CqlError);
  assert.throws(() => checkClusteringType('c', native('counter')), CqlError);
  checkClusteringType('c', native('text'));
});

test('compareValues reproduces known Cassandra orders', () => {
  const int = (n: number): Buffer => { const b = Buffer.alloc(4); b.writeInt32BE(n); return b; };
  assert.equal(compareValues(native('int'), int(-1), { b: int(1) }), -1);
  assert.equal(compareValues(native('int'), Buffer.alloc(0), { b: int(-5) }), -1);
  const float = (n: number): Buffer => { const b = Buffer.alloc(4); b.writeFloatBE(n); return b; };
  assert.equal(compareValues(native('float'), float(-0), { b: float(0) }), -1);
  assert.equal(compareValues(native('float'), float(NaN), { b: float(Infinity) }), 1);
  const decimal = (unscaled: bigint, scale: number): Buffer => { const b = Buffer.alloc(4); b.writeInt32BE(scale); return Buffer.concat([b, bigIntToBytes(unscaled)]); };
  assert.equal(compareValues(native('decimal'), decimal(10n, 1), { b: decimal(100n, 2) }), 0);
  assert.equal(compareValues(native('decimal'), decimal(-5n, 0), { b: decimal(1n, 9) }), -1);
  assert.equal(compareValues(native('varint'), bigIntToBytes(-129n), { b: bigIntToBytes(-128n) }), -1);
  // TimeUUIDType compares the low bytes signed, UUIDType unsigned.
  const uuidA = Buffer.from('00000000000010000000000000000000', 'hex');
  const uuidB = Buffer.from('00000000000010008000000000000000', 'hex');
  assert.equal(compareValues(native('timeuuid'), uuidA, { b: uuidB }), 1);
  assert.equal(compareValues(native('uuid'), uuidA, { b: uuidB }), -1);
});

function wire(items: Array<Buffer | null>, count: number | null): Buffer {
  const parts: Buffer[] = [];
  const int32 = (n: number): Buffer => { const b = Buffer.alloc(4); b.writeInt32BE(n); return b; };
  if (count !== null) parts.push(int32(count));
  for (const item of items) parts.push(int32(item === null ? -1 : item.length), item ?? Buffer.alloc(0));
  return Buffer.concat(parts);
}

test('frozen collections, tuples and UDTs: order and round trip', () => {
  const next = generator(7);
  const int = (): Buffer => randomValue('int', next).length === 0 ? Buffer.alloc(4) : randomValue('int', next).subarray(0, 4);
  const text = (): Buffer => Buffer.from(['', 'a', 'b', 'ab'][Math.floor(next() * 4)] as string);
  const cases: Array<[DataType, () => Buffer]> = [
    [{ kind: 'list', element: native('int'), frozen: true }, () => {
      const n = Math.floor(next() * 3);
      return wire(Array.from({ length: n }, int), n);
    }],
    [{ kind: 'map', key: native('text'), value: native('int'), frozen: true }, () => {
      const n = Math.floor(next() * 3);
      return wire(Array.from({ length: n * 2 }, (_, i) => (i % 2 === 0 ? text() : int())), n);
    }],
    [{ kind: 'tuple', elements: [native('int'), native('text')] }, () => {
      const length = Math.floor(next() * 3);
      return wire(Array.from({ length }, (_, i) => (next() < 0.2 ? null : i === 0 ? int() : text())), null);
    }],
    [{ kind: 'udt', keyspace: 'ks', name: 'u', frozen: true, fields: [{ name: 'a', type: native('text') }, { name: 'b', type: { kind: 'set', element: native('text'), frozen: true } }] }, () => {
      const n = Math.floor(next() * 3);
      return wire([text(), wire(Array.from({ length: n }, text), n)], null);
    }],
  ];
  for (const [type, make] of cases) {
    for (const order of ['asc', 'desc'] as const) {
      const column: ColumnMetadata = { name: 'c0', type, kind: 'clustering', position: 0, order };
      const definition: TableMetadata = { ...table([]), clustering: [column], columns: new Map([['c0', column]]) };
      const values = Array.from({ length: 60 }, () => (next() < 0.05 ? Buffer.alloc(0) : make()));
      const keys = values.map((value) => encodeClustering(definition, [value]));
      for (let i = 0; i < values.length; i++) {
        assert.deepEqual(decodeClustering(definition, keys[i] as Buffer), [values[i]]);
        for (let j = 0; j < values.length; j++) {
          const expected = compareValues(type, values[i] as Buffer, { b: values[j] as Buffer }) * (order === 'desc' ? -1 : 1);
          assert.equal(sign(Buffer.compare(keys[i] as Buffer, keys[j] as Buffer)), sign(expected), `${type.kind} ${order}`);
        }
      }
    }
  }
});

test('an encoded key may reach clusteringBytesMax and no further', () => {
  // A blob of zeros doubles when encoded: COMPONENT, presence, 0x00 0xff per byte, 0x00 0x00.
  const zeros = Buffer.alloc(clusteringValueBytesMax);
  const componentBytes = 1 + 1 + 2 * clusteringValueBytesMax + 2;
  const fitting = Math.floor((clusteringBytesMax - 1) / componentBytes);
  const largest = table(Array.from({ length: fitting }, () => ['blob', 'asc'] as [NativeTypeName, ClusteringOrder]));
  const key = encodeClustering(largest, largest.clustering.map(() => zeros));
  assert.equal(key.length, fitting * componentBytes + 1);
  assert.ok(key.length > 1024 * 1024, 'the storage serializer once refused keys over 1 MiB');
  assert.deepEqual(decodeClustering(largest, key), largest.clustering.map(() => zeros));

  const tooLong = table(Array.from({ length: fitting + 1 }, () => ['blob', 'desc'] as [NativeTypeName, ClusteringOrder]));
  const values = tooLong.clustering.map(() => zeros);
  const isInvalid = (error: unknown): boolean => error instanceof CqlError && error.code === ErrorCode.Invalid && /more than the maximum/.test(error.message);
  assert.throws(() => encodeClustering(tooLong, values), isInvalid);
  assert.throws(() => clusteringPrefixBound(tooLong, values, { bound: 'after' }), isInvalid);
  assert.ok(clusteringPrefixBound(tooLong, values.slice(0, fitting), { bound: 'before' }).length <= clusteringBytesMax);
});
