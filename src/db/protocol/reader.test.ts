import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { ConsistencyLevel } from '../common/consistency.js';
import { CqlError, ErrorCode } from '../common/errors.js';
import { UNSET } from './messages.js';
import { ProtocolReader } from './reader.js';
import { ProtocolWriter } from './writer.js';

const isProtocolError = (error: unknown) => error instanceof CqlError && error.code === ErrorCode.ProtocolError;

function written(write: (writer: ProtocolWriter) => void): Buffer {
  const writer = new ProtocolWriter(1);
  write(writer);
  return Buffer.from(writer.finish());
}

describe('ProtocolWriter', () => {
  it('writes each notation big-endian as the spec defines it', () => {
    const cases: Array<[(writer: ProtocolWriter) => void, string]> = [
      [(w) => w.writeByte(0xab), 'ab'],
      [(w) => w.writeShort(0xfffe), 'fffe'],
      [(w) => w.writeInt(-2), 'fffffffe'],
      [(w) => w.writeLong(-(1n << 63n)), '8000000000000000'],
      [(w) => w.writeString('é'), '0002c3a9'],
      [(w) => w.writeLongString(''), '00000000'],
      [(w) => w.writeStringList(['a', '']), '0002' + '000161' + '0000'],
      [(w) => w.writeBytes(null), 'ffffffff'],
      [(w) => w.writeBytes(Buffer.alloc(0)), '00000000'],
      [(w) => w.writeValue(UNSET), 'fffffffe'],
      [(w) => w.writeShortBytes(Buffer.from([1, 2])), '00020102'],
      [(w) => w.writeInet('10.0.0.1', 9042), '04' + '0a000001' + '00002352'],
      [(w) => w.writeInetAddr('::1'), '10' + '00000000000000000000000000000001'],
      [(w) => w.writeConsistency(ConsistencyLevel.LOCAL_ONE), '000a'],
      [(w) => w.writeStringMap(new Map([['k', 'v']])), '0001' + '00016b' + '000176'],
      [(w) => w.writeStringMultimap(new Map([['k', ['v', 'w']]])), '0001' + '00016b' + '0002' + '000176' + '000177'],
      [(w) => w.writeBytesMap(new Map([['k', null]])), '0001' + '00016b' + 'ffffffff'],
    ];
    for (const [write, hex] of cases) assert.equal(written(write).toString('hex'), hex);
  });

  it('asserts on values that do not fit their notation', () => {
    const writer = new ProtocolWriter();
    assert.throws(() => writer.writeShort(65536));
    assert.throws(() => writer.writeInt(2 ** 31));
    assert.throws(() => writer.writeLong(1n << 63n));
    assert.throws(() => writer.writeString('x'.repeat(65536)));
    assert.throws(() => writer.writeInetAddr('not an address'));
  });
});

describe('ProtocolReader', () => {
  it('reads back what the writer wrote, including extremes', () => {
    const bytes = written((w) => {
      w.writeByte(255).writeShort(65535).writeInt(-2147483648).writeInt(2147483647);
      w.writeLong((1n << 63n) - 1n).writeString('\uFEFF').writeLongString('𝄞').writeUuid(Buffer.alloc(16, 1));
      w.writeStringList([]).writeBytes(null).writeValue(null).writeValue(UNSET).writeValue(Buffer.from([9]));
      w.writeShortBytes(Buffer.alloc(0)).writeInet('2001:db8::5', 65535).writeConsistency(ConsistencyLevel.EACH_QUORUM);
      w.writeStringMap(new Map()).writeStringMultimap(new Map([['COMPRESSION', []]])).writeBytesMap(new Map([['p', Buffer.from('q')]]));
    });
    const reader = new ProtocolReader(bytes);
    assert.equal(reader.readByte(), 255);
    assert.equal(reader.readShort(), 65535);
    assert.equal(reader.readInt(), -2147483648);
    assert.equal(reader.readInt(), 2147483647);
    assert.equal(reader.readLong(), (1n << 63n) - 1n);
    assert.equal(reader.readString(), '\uFEFF', 'a byte order mark is data, not stripped');
    assert.equal(reader.readLongString(), '𝄞');
    assert.deepEqual(reader.readUuid(), Buffer.alloc(16, 1));
    assert.deepEqual(reader.readStringList(), []);
    assert.equal(reader.readBytes(), null);
    assert.equal(reader.readValue(), null);
    assert.equal(reader.readValue(), UNSET);
    assert.deepEqual(reader.readValue(), Buffer.from([9]));
    assert.deepEqual(reader.readShortBytes(), Buffer.alloc(0));
    assert.deepEqual(reader.readInet(), { address: '2001:db8::5', port: 65535 });
    assert.equal(reader.readConsistency(), ConsistencyLevel.EACH_QUORUM);
    assert.deepEqual(reader.readStringMap(), new Map());
    assert.deepEqual(reader.readStringMultimap(), new Map([['COMPRESSION', []]]));
    assert.deepEqual(reader.readBytesMap(), new Map([['p', Buffer.from('q')]]));
    reader.expectEnd('test');
  });

  it('throws ProtocolErrors, never RangeErrors, on every truncation', () => {
    const reads: Array<[string, (reader: ProtocolReader) => unknown]> = [
      ['0000000161', (r) => r.readLongString()],
      ['00026162', (r) => r.readString()],
      ['0001000161', (r) => r.readStringList()],
      ['0000000201ff', (r) => r.readBytes()],
      ['0001000161000162', (r) => r.readStringMap()],
      ['00010001610001000162', (r) => r.readStringMultimap()],
      ['04010203040000238c', (r) => r.readInet()],
      ['0123456789abcdef', (r) => r.readLong()],
    ];
    for (const [hex, read] of reads) {
      const bytes = Buffer.from(hex, 'hex');
      read(new ProtocolReader(bytes));
      for (let length = 0; length < bytes.length; length++) {
        assert.throws(() => read(new ProtocolReader(bytes.subarray(0, length))), isProtocolError, `${hex} cut at ${length}`);
      }
    }
  });

  it('rejects malformed notations with clear messages', () => {
    const reader = (hex: string) => new ProtocolReader(Buffer.from(hex, 'hex'));
    assert.throws(() => reader('fffffffd').readValue(), /Invalid \[value\] length -3/);
    assert.throws(() => reader('ffffffff').readLongString(), /negative length/);
    assert.throws(() => reader('0002c328').readString(), /Invalid UTF-8/);
    assert.throws(() => reader('000b').readConsistency(), /Unknown consistency level 0x000b/);
    assert.throws(() => reader('05000000000000000000').readInet(), /address size 5/);
    assert.throws(() => reader('047f00000100010000').readInet(), /port 65536/);
    assert.throws(() => reader('ffff').readStringList(), /count 65535/);
    assert.throws(() => reader('ffff00').readBytesMap(), /count 65535/);
    assert.throws(() => reader('00').expectEnd('OPTIONS'), /1 extra byte\(s\) after OPTIONS/);
    assert.throws(() => reader('').readRaw(-1), isProtocolError);
  });
});
