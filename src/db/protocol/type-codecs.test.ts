import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import driver from 'cassandra-driver';
import { CqlError, ErrorCode } from '../common/errors.js';
import type { DataType, NativeTypeName } from './data-type.js';
import { formatInetAddress, parseInetAddress } from './inet.js';
import { ProtocolReader } from './reader.js';
import { decodeOption, decodeValue, encodeOption, encodeValue, validateValue } from './type-codecs.js';
import { encodeSignedVInt, readSignedVInt, unsignedVIntSize } from './vint.js';

const types = driver.types;
// The driver's Encoder is public at run time but missing from its type declarations.
const encoder = new (driver as unknown as { Encoder: new (version: number, options: object) => { encode(value: unknown, type: unknown): Buffer } }).Encoder(4, {});
const dataTypes = types.dataTypes;
const native = (name: NativeTypeName): DataType => ({ kind: 'native', name });
const hex = (bytes: Buffer) => bytes.toString('hex');

function roundTrip(type: DataType, value: unknown): void {
  assert.deepEqual(decodeValue(type, encodeValue(type, value)), value, `${JSON.stringify(type)} ${String(value)}`);
}

function isInvalid(error: unknown): boolean {
  return error instanceof CqlError && error.code === ErrorCode.Invalid;
}

describe('scalar value codecs', () => {
  it('round-trips extreme values of every scalar type', () => {
    const cases: Array<[NativeTypeName, unknown[]]> = [
      ['int', [0, 1, -1, 2147483647, -2147483648]],
      ['smallint', [0, 32767, -32768]],
      ['tinyint', [0, 127, -128]],
      ['bigint', [0n, (1n << 63n) - 1n, -(1n << 63n)]],
      ['counter', [-5n]],
      ['timestamp', [0n, -1n, 1_700_000_000_000n]],
      ['time', [0n, 86_399_999_999_999n]],
      ['date', [0, -1, 19_000, 2147483647, -2147483648]],
      ['varint', [0n, 1n, 127n, 128n, -128n, -129n, 1n << 200n, -(1n << 200n)]],
      ['decimal', [{ unscaled: 0n, scale: 0 }, { unscaled: -1234567n, scale: 4 }, { unscaled: 5n, scale: -2147483648 }]],
      ['double', [0, -0, 1.5, Number.MAX_VALUE, Number.MIN_VALUE, Infinity, -Infinity, NaN]],
      ['float', [0, 1.5, -2.25, Infinity, -Infinity, NaN]],
      ['boolean', [true, false]],
      ['text', ['', 'héllo ✈ 𝄞', '\uFEFFkeeps its byte order mark']],
      ['varchar', ['']],
      ['ascii', ['', 'plain ascii\u007f']],
      ['blob', [Buffer.alloc(0), Buffer.from([0, 255])]],
      ['uuid', ['00000000-0000-0000-0000-000000000000', 'f47ac10b-58cc-4372-a567-0e02b2c3d479']],
      ['timeuuid', ['fe2b4360-28c6-11e2-81c1-0800200c9a66']],
      ['inet', ['127.0.0.1', '0.0.0.0', '255.255.255.255', '::', '::1', '2001:db8::1:0:0:1', 'fe80::1ff:fe23:4567:890a']],
      ['duration', [
        { months: 0, days: 0, nanoseconds: 0n },
        { months: 2147483647, days: 2147483647, nanoseconds: (1n << 63n) - 1n },
        { months: -2147483648, days: -2147483648, nanoseconds: -(1n << 63n) },
      ]],
    ];
    for (const [name, values] of cases) for (const value of values) roundTrip(native(name), value);
  });

  it('matches the bytes of the Node.js driver encoder', () => {
    const same = (type: DataType, value: unknown, driverValue: unknown, driverType: unknown) =>
      assert.equal(hex(encodeValue(type, value)), hex(encoder.encode(driverValue, driverType)), JSON.stringify(type));
    same(native('int'), -2147483648, -2147483648, dataTypes.int);
    same(native('smallint'), -2, -2, dataTypes.smallint);
    same(native('tinyint'), 127, 127, dataTypes.tinyint);
    same(native('bigint'), -(1n << 63n), types.Long.fromString('-9223372036854775808'), dataTypes.bigint);
    same(native('double'), -1.25e300, -1.25e300, dataTypes.double);
    same(native('float'), 3.5, 3.5, dataTypes.float);
    same(native('boolean'), true, true, dataTypes.boolean);
    same(native('text'), 'ñandú ✈', 'ñandú ✈', dataTypes.text);
    same(native('ascii'), 'abc', 'abc', dataTypes.ascii);
    same(native('uuid'), 'f47ac10b-58cc-4372-a567-0e02b2c3d479', types.Uuid.fromString('f47ac10b-58cc-4372-a567-0e02b2c3d479'), dataTypes.uuid);
    same(native('timestamp'), 1_234_567_890_123n, new Date(1_234_567_890_123), dataTypes.timestamp);
    same(native('date'), -1, types.LocalDate.fromString('1969-12-31'), dataTypes.date);
    same(native('date'), 19_000, types.LocalDate.fromString('2022-01-08'), dataTypes.date);
    same(native('time'), 3_723_000_000_004n, types.LocalTime.fromString('01:02:03.000000004'), dataTypes.time);
    for (const text of ['0', '127', '128', '-128', '-129', '340282366920938463463374607431768211456', '-98765432109876543210']) {
      same(native('varint'), BigInt(text), types.Integer.fromString(text), dataTypes.varint);
    }
    same(native('decimal'), { unscaled: -1234567n, scale: 4 }, types.BigDecimal.fromString('-123.4567'), dataTypes.decimal);
    same(native('inet'), '2001:db8::1', types.InetAddress.fromString('2001:db8::1'), dataTypes.inet);
    same(native('inet'), '10.1.2.3', types.InetAddress.fromString('10.1.2.3'), dataTypes.inet);
    same(native('duration'), { months: 14, days: 3, nanoseconds: 14_706_007_008_009n }, types.Duration.fromString('1y2mo3d4h5m6s7ms8us9ns'), dataTypes.duration);
    same(native('duration'), { months: -1, days: -2, nanoseconds: -3n }, new types.Duration(-1, -2, types.Long.fromNumber(-3)), dataTypes.duration);
  });

  it('encodes varints minimally, as the spec table shows', () => {
    const table: Array<[bigint, string]> = [[0n, '00'], [1n, '01'], [127n, '7f'], [128n, '0080'], [129n, '0081'], [-1n, 'ff'], [-128n, '80'], [-129n, 'ff7f']];
    for (const [value, bytes] of table) assert.equal(hex(encodeValue(native('varint'), value)), bytes);
  });

  it('encodes dates with the epoch at 2^31', () => {
    assert.equal(hex(encodeValue(native('date'), 0)), '80000000');
    assert.equal(hex(encodeValue(native('date'), -2147483648)), '00000000');
  });

  it('accepts empty values where Cassandra does, as null', () => {
    for (const name of ['int', 'bigint', 'boolean', 'double', 'float', 'uuid', 'timestamp', 'inet', 'varint', 'decimal'] as const) {
      assert.equal(decodeValue(native(name), Buffer.alloc(0)), null, name);
    }
    assert.equal(decodeValue(native('text'), Buffer.alloc(0)), '');
    assert.deepEqual(decodeValue(native('blob'), Buffer.alloc(0)), Buffer.alloc(0));
  });

  it('rejects bad bytes with Cassandra-like InvalidRequest messages', () => {
    const invalid = (name: NativeTypeName, bytes: number[], message: RegExp) =>
      assert.throws(() => validateValue(native(name), Buffer.from(bytes)), (error: unknown) => isInvalid(error) && message.test((error as Error).message));
    invalid('int', [0, 0, 1], /Expected 4 or 0 byte int \(3\)/);
    invalid('bigint', [0, 0, 1], /Expected 8 or 0 byte long/);
    invalid('smallint', [], /Expected 2 bytes for a smallint \(0\)/);
    invalid('tinyint', [1, 2], /Expected 1 byte for a tinyint \(2\)/);
    invalid('date', [1], /Expected 4 byte long for date/);
    invalid('uuid', [1, 2, 3], /UUID should be 16 or 0 bytes \(3\)/);
    invalid('timeuuid', [...Buffer.from('f47ac10b58cc4372a5670e02b2c3d479', 'hex')], /Invalid version for TimeUUID/);
    invalid('ascii', [0x41, 0x80], /Invalid byte for ascii: 128/);
    invalid('text', [0xc3, 0x28], /Invalid UTF-8/);
    invalid('text', [0xed, 0xa0, 0x80], /Invalid UTF-8/);
    invalid('inet', [1, 2, 3], /Expected 4 or 16 byte inetaddress; got 3 bytes/);
    invalid('decimal', [0, 0, 1], /at least 4 bytes/);
    invalid('duration', [2, 1, 2], /same sign/);
    invalid('duration', [0xff, 0], /at least 3 bytes/);
    invalid('duration', [0, 0, 0, 0], /extra bytes/);
  });

  it('rejects JS values that do not fit the type', () => {
    const bad: Array<[NativeTypeName, unknown]> = [
      ['int', 2147483648], ['int', 1.5], ['int', '1'], ['smallint', 32768], ['tinyint', -129], ['bigint', 1n << 63n],
      ['time', -1n], ['time', 86_400_000_000_000n], ['uuid', 'not-a-uuid'], ['inet', '1.2.3'], ['inet', '01.2.3.4'],
      ['ascii', 'ñ'], ['boolean', 1], ['blob', 'x'], ['duration', { months: 1, days: -1, nanoseconds: 0n }],
    ];
    for (const [name, value] of bad) assert.throws(() => encodeValue(native(name), value), isInvalid, `${name} ${String(value)}`);
  });
});

describe('collection, tuple and user type codecs', () => {
  const listOfInt: DataType = { kind: 'list', element: native('int'), frozen: false };
  const mapType: DataType = { kind: 'map', key: native('text'), value: listOfInt, frozen: true };
  const tupleType: DataType = { kind: 'tuple', elements: [native('int'), native('text'), native('blob')] };
  const udtType: DataType = {
    kind: 'udt', keyspace: 'ks', name: 'point', frozen: true,
    fields: [{ name: 'x', type: native('double') }, { name: 'label', type: native('text') }],
  };

  it('round-trips nested values, empty collections and null tuple elements', () => {
    roundTrip(listOfInt, []);
    roundTrip(listOfInt, [1, -2147483648]);
    roundTrip({ kind: 'set', element: native('text'), frozen: false }, ['', 'a']);
    roundTrip(mapType, [['a', [1, 2]], ['', []]]);
    roundTrip(tupleType, [null, 'x', Buffer.alloc(0)]);
    roundTrip(tupleType, [null, null, null]);
    roundTrip(udtType, new Map<string, unknown>([['x', 1.5], ['label', null]]));
    roundTrip({ kind: 'list', element: tupleType, frozen: true }, [[1, 'a', Buffer.from([1])]]);
  });

  it('matches the Node.js driver encoder for collections, tuples and user types', () => {
    const same = (type: DataType, value: unknown, driverValue: unknown, driverType: unknown) =>
      assert.equal(hex(encodeValue(type, value)), hex(encoder.encode(driverValue, driverType)));
    same(listOfInt, [1, 2], [1, 2], { code: dataTypes.list, info: { code: dataTypes.int } });
    same({ kind: 'set', element: native('text'), frozen: false }, ['a'], ['a'], { code: dataTypes.set, info: { code: dataTypes.text } });
    same({ kind: 'map', key: native('text'), value: native('int'), frozen: false }, [['k', 7]], { k: 7 },
      { code: dataTypes.map, info: [{ code: dataTypes.text }, { code: dataTypes.int }] });
    same({ kind: 'tuple', elements: [native('int'), native('text')] }, [1, null], new types.Tuple(1, null),
      { code: dataTypes.tuple, info: [{ code: dataTypes.int }, { code: dataTypes.text }] });
    same(udtType, new Map<string, unknown>([['x', 2.5], ['label', 'p']]), { x: 2.5, label: 'p' }, {
      code: dataTypes.udt,
      info: { keyspace: 'ks', name: 'point', fields: [{ name: 'x', type: { code: dataTypes.double } }, { name: 'label', type: { code: dataTypes.text } }] },
    });
  });

  it('accepts user type values with missing trailing fields', () => {
    const onlyX = encodeValue(native('double'), 4.5);
    const bytes = Buffer.concat([Buffer.from([0, 0, 0, onlyX.length]), onlyX]);
    assert.deepEqual(decodeValue(udtType, bytes), new Map<string, unknown>([['x', 4.5], ['label', null]]));
  });

  it('rejects nulls inside collections, bad counts and leftovers', () => {
    assert.throws(() => encodeValue(listOfInt, [1, null]), /null is not supported inside collections/);
    assert.throws(() => decodeValue(listOfInt, Buffer.from('00000001ffffffff', 'hex')), /null is not supported/);
    assert.throws(() => decodeValue(listOfInt, Buffer.from('7fffffff', 'hex')), isInvalid);
    assert.throws(() => decodeValue(listOfInt, Buffer.from('ffffffff', 'hex')), /negative collection size/);
    assert.throws(() => decodeValue(listOfInt, Buffer.from('000000010000000400000001ff', 'hex')), /extra byte/);
    assert.throws(() => decodeValue(tupleType, Buffer.from('ffffffffffffffffffffffffffffffff', 'hex')), /extra byte/);
    assert.throws(() => encodeValue(tupleType, [1]), /Expected 3 elements/);
    assert.throws(() => encodeValue(udtType, new Map([['nope', 1]])), /Unknown field nope/);
  });

  it('throws only InvalidRequest on random bytes for every type', () => {
    let state = 12345;
    const next = () => (state = (Math.imul(state, 1103515245) + 12345) >>> 0) / 0x100000000;
    const allTypes: DataType[] = [
      ...(['ascii', 'bigint', 'blob', 'boolean', 'counter', 'decimal', 'double', 'float', 'int', 'timestamp', 'uuid', 'text', 'varint',
        'timeuuid', 'inet', 'date', 'time', 'smallint', 'tinyint', 'duration'] as const).map(native),
      listOfInt, mapType, tupleType, udtType,
    ];
    for (const type of allTypes) {
      for (let round = 0; round < 200; round++) {
        const bytes = Buffer.from(Array.from({ length: Math.floor(next() * 24) }, () => Math.floor(next() * 256)));
        if (round % 3 === 0 && bytes.length >= 4) bytes.writeInt32BE(Math.floor(next() * 4) - 1, 0);
        try {
          decodeValue(type, bytes);
        } catch (error) {
          assert.ok(isInvalid(error), `${JSON.stringify(type)} ${hex(bytes)}: ${String(error)}`);
        }
      }
    }
  });
});

describe('[option] type descriptors', () => {
  it('round-trips every kind of type; varchar and text share id 0x000D', () => {
    const nested: DataType = {
      kind: 'map',
      key: native('timeuuid'),
      value: { kind: 'udt', keyspace: 'ks', name: 'u', frozen: true, fields: [{ name: 'a', type: { kind: 'tuple', elements: [native('duration'), { kind: 'custom', className: 'x.Y' }] } }] },
      frozen: false,
    };
    for (const type of [native('int'), native('text'), { kind: 'set', element: native('inet'), frozen: false } as DataType, nested]) {
      const reader = new ProtocolReader(encodeOption(type));
      assert.deepEqual(decodeOption(reader), type);
      reader.expectEnd('option');
    }
    assert.equal(hex(encodeOption(native('varchar'))), '000d');
    assert.equal(hex(encodeOption(native('text'))), '000d');
    assert.equal(hex(encodeOption({ kind: 'list', element: native('int'), frozen: true })), '00200009');
    assert.equal(hex(encodeOption({ kind: 'tuple', elements: [native('int'), native('blob')] })), '0031000200090003');
    assert.equal(hex(encodeOption({ kind: 'custom', className: 'a.B' })), '0000' + '0003' + '612e42');
  });

  it('rejects unknown ids and nesting deeper than the bound', () => {
    assert.throws(() => decodeOption(new ProtocolReader(Buffer.from('000a', 'hex'))), /Unknown type id 0x000a/);
    const deep = Buffer.concat([...Array.from({ length: 100 }, () => Buffer.from('0020', 'hex')), Buffer.from('0009', 'hex')]);
    assert.throws(() => decodeOption(new ProtocolReader(deep)), /nested deeper/);
  });
});

describe('vint', () => {
  it('sizes values as Cassandra does and round-trips signed values', () => {
    // Cassandra's size rule: floor((9 * significantBits + 63) / 64) bytes, significantBits >= 1.
    for (let bits = 1; bits <= 64; bits++) {
      const value = 1n << BigInt(bits - 1);
      assert.equal(unsignedVIntSize(value), Math.floor((9 * bits + 63) / 64), `bits ${bits}`);
    }
    assert.equal(unsignedVIntSize(0n), 1);
    for (const value of [0n, 1n, -1n, 63n, -64n, 64n, 1n << 40n, (1n << 63n) - 1n, -(1n << 63n)]) {
      const bytes = encodeSignedVInt(value);
      assert.deepEqual(readSignedVInt(bytes, 0), { value, bytesRead: bytes.length });
    }
  });
});

describe('inet text', () => {
  it('parses and formats IPv4 and canonical IPv6', () => {
    const canonical: Array<[string, string]> = [
      ['2001:0db8:0000:0000:0000:0000:0000:0001', '2001:db8::1'], ['::', '::'], ['1::', '1::'], ['::ffff:1.2.3.4', '::ffff:102:304'],
      ['1:0:0:2:0:0:0:3', '1:0:0:2::3'], ['1:0:2:3:4:5:6:7', '1:0:2:3:4:5:6:7'], ['FE80::A', 'fe80::a'],
    ];
    for (const [text, formatted] of canonical) {
      const bytes = parseInetAddress(text);
      assert.ok(bytes !== null, text);
      assert.equal(formatInetAddress(bytes), formatted);
    }
    for (const bad of ['1.2.3.256', '1:2:3:4:5:6:7:8:9', '1::2::3', ':::', 'g::1', '', '1.2.3.4:5', '::1.2.3.4:1']) {
      assert.equal(parseInetAddress(bad), null, bad);
    }
  });
});
