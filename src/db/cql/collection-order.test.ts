// Sets and maps in Cassandra's comparator order, per element type, and inside nested collections.

import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { DataType, NativeTypeName } from '../protocol/data-type.js';
import { readCollectionCount, readElement } from '../protocol/value-bytes.js';
import { encodeVarint } from '../protocol/native-codecs.js';
import { canonicalValue, encodeCollection, encodeMapValue, sortedUnique } from './collection-order.js';

const native = (name: NativeTypeName): DataType => ({ kind: 'native', name });
const setOf = (element: DataType, frozen = false): DataType => ({ kind: 'set', element, frozen });
const hex = (b: Buffer): string => b.toString('hex');

function int32(n: number): Buffer { const b = Buffer.alloc(4); b.writeInt32BE(n); return b; }
function uint32(n: number): Buffer { const b = Buffer.alloc(4); b.writeUInt32BE(n); return b; }
function int64(n: bigint): Buffer { const b = Buffer.alloc(8); b.writeBigInt64BE(n); return b; }
function double(n: number): Buffer { const b = Buffer.alloc(8); b.writeDoubleBE(n); return b; }
function float(n: number): Buffer { const b = Buffer.alloc(4); b.writeFloatBE(n); return b; }
function decimal(unscaled: bigint, scale: number): Buffer { return Buffer.concat([int32(scale), encodeVarint(unscaled)]); }

/** A map's wire form: the entry count, then each key and value. */
function mapBytes(entries: Array<[Buffer, Buffer]>): Buffer {
  const flat = encodeCollection(entries.flat());
  return Buffer.concat([int32(entries.length), flat.subarray(4)]);
}

function elements(bytes: Buffer, perItem = 1): Buffer[] {
  const { count, offset: start } = readCollectionCount(bytes, 4 * perItem);
  const out: Buffer[] = [];
  let offset = start;
  for (let i = 0; i < count * perItem; i++) {
    const { value, offset: next } = readElement(bytes, offset);
    out.push(value!);
    offset = next;
  }
  return out;
}

/** Written in reverse (with the first one repeated), a set reads back in the ascending order given. */
function assertAscending(name: NativeTypeName, ascending: Buffer[]): void {
  const written = encodeCollection([...ascending].reverse().concat([ascending[0]!]));
  const stored = elements(canonicalValue(setOf(native(name)), written));
  assert.deepEqual(stored.map(hex), ascending.map(hex), name);
}

describe('set elements in the element type\'s order', () => {
  it('text, ascii and blob bytewise (unsigned)', () => {
    assertAscending('text', ['', 'B', 'a', 'ab', 'b', 'é'].map((s) => Buffer.from(s, 'utf8')));
    assertAscending('ascii', ['A', 'Z', 'a'].map((s) => Buffer.from(s, 'ascii')));
    assertAscending('blob', [Buffer.from([]), Buffer.from([0x00]), Buffer.from([0x00, 0x00]), Buffer.from([0x7f]), Buffer.from([0x80]), Buffer.from([0xff])]);
  });
  it('integers, varint, decimal, float and double numerically', () => {
    assertAscending('int', [-2147483648, -1, 0, 5, 2147483647].map(int32));
    assertAscending('bigint', [-(2n ** 63n), -1n, 0n, 256n, 2n ** 63n - 1n].map(int64));
    assertAscending('varint', [-(2n ** 70n), -300n, -1n, 0n, 2n, 128n, 1000n, 2n ** 70n].map(encodeVarint));
    assertAscending('decimal', [decimal(-15n, 1), decimal(25n, 2), decimal(999n, 2), decimal(10n, 0), decimal(1n, -3)]);
    assertAscending('double', [-Infinity, -2.5, -0, 0, 1e-300, 3, Infinity, NaN].map(double));
    assertAscending('float', [-Infinity, -2.5, 0, 3, Infinity, NaN].map(float));
  });
  it('boolean false before true; timestamp signed; date unsigned around its 2^31 epoch', () => {
    assertAscending('boolean', [Buffer.from([0]), Buffer.from([1])]);
    assertAscending('timestamp', [-1000n, 0n, 1_700_000_000_000n].map(int64));
    assertAscending('date', [0, 0x7fffffff, 0x80000000, 0x80000010].map(uint32));
  });
  it('inet bytewise (an IPv6 address may sort before an IPv4 one)', () => {
    const v6loopback = Buffer.alloc(16); v6loopback[15] = 1;
    assertAscending('inet', [v6loopback, Buffer.from([10, 0, 0, 1]), Buffer.from([192, 168, 0, 1])]);
  });
  it('timeuuid by time, not by bytes', () => {
    // Earlier: time_low ffffffff, time_mid 0000; later: time_low 00000000, time_mid 0001 (both time_hi 0x1000, version 1).
    const earlier = Buffer.from('ffffffff00001000' + '8000000000000000', 'hex');
    const later = Buffer.from('0000000000011000' + '8000000000000000', 'hex');
    const laterSmallerClock = Buffer.from('0000000000011000' + '0000000000000000', 'hex');
    // Equal times: the low bytes compare as signed bytes, so 0x80.. sorts before 0x00...
    assertAscending('timeuuid', [earlier, later, laterSmallerClock]);
  });
  it('uuid by version first, version 1 by time', () => {
    const v1 = Buffer.from('ffffffff00001000' + '8000000000000000', 'hex');
    const v1later = Buffer.from('0000000000011000' + '8000000000000000', 'hex');
    const v4 = Buffer.from('0000000000004000' + '8000000000000000', 'hex');
    assertAscending('uuid', [v1, v1later, v4]);
  });
});

describe('maps and nested collections', () => {
  it('map entries sorted by key, the last of equal keys kept', () => {
    const type: DataType = { kind: 'map', key: native('int'), value: native('text'), frozen: false };
    const written = mapBytes([[int32(3), Buffer.from('c')], [int32(-1), Buffer.from('x')], [int32(2), Buffer.from('b')], [int32(-1), Buffer.from('a')]]);
    const stored = elements(canonicalValue(type, written), 2);
    assert.deepEqual(stored.map(hex), [int32(-1), Buffer.from('a'), int32(2), Buffer.from('b'), int32(3), Buffer.from('c')].map(hex));
    assert.deepEqual(hex(encodeMapValue([[int32(2), Buffer.from('b')], [int32(1), Buffer.from('a')]], native('int'))),
      hex(mapBytes([[int32(1), Buffer.from('a')], [int32(2), Buffer.from('b')]])));
  });
  it('sets inside a list, and frozen sets as elements of a set, are canonical too', () => {
    const inner = setOf(native('int'), true);
    const list: DataType = { kind: 'list', element: inner, frozen: false };
    const written = encodeCollection([encodeCollection([int32(3), int32(1), int32(3)]), encodeCollection([int32(2)])]);
    const stored = elements(canonicalValue(list, written)).map((e) => elements(e).map((x) => x.readInt32BE()));
    assert.deepEqual(stored, [[1, 3], [2]], 'list order kept, each set sorted');
    const outer = setOf(inner);
    const twice = encodeCollection([encodeCollection([int32(2), int32(1)]), encodeCollection([int32(1), int32(2)]), encodeCollection([int32(0)])]);
    const sets = elements(canonicalValue(outer, twice)).map((e) => elements(e).map((x) => x.readInt32BE()));
    assert.deepEqual(sets, [[0], [1, 2]], 'equal sets written in different orders are one element');
  });
  it('sortedUnique drops duplicates by the comparator, not by bytes', () => {
    // -0.0 and 0.0 differ for Cassandra's DoubleType (Double.compare), so both stay.
    assert.equal(sortedUnique([double(0), double(-0), double(0)], native('double')).length, 2);
  });
});
