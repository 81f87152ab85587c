// Order-preserving, prefix-free byte encodings of CQL values, one per type, such that
// Buffer.compare of two encodings agrees with Cassandra's comparator for that type; and
// compareValues, that comparator itself written directly on the wire bytes (for filtering
// and sorting, and as the independent reference the encodings are tested against).
//
// Every encoding starts with a presence byte: 0x00 for the empty value (a zero-length buffer,
// legal for most types, which Cassandra sorts first), 0x01 for a value, and for float and
// double 0x02 for NaN (Float.compare and Double.compare put NaN above everything).

import { invalidRequest } from '../common/errors.js';
import type { DataType, NativeTypeName } from '../protocol/data-type.js';
import { corruptKey, OrderedReader } from './ordered-reader.js';
import { compareDecimal, compareVarint, decodeDecimalOrdered, decodeVarintOrdered, encodeDecimalOrdered, encodeVarintOrdered } from './ordered-numbers.js';

export { OrderedReader } from './ordered-reader.js';

const EMPTY = 0x00;
const PRESENT = 0x01;
const NOT_A_NUMBER = 0x02;

interface OrderedCodec {
  /** The encoding of a non-empty value (after the presence byte is chosen). */
  encode(value: Buffer): Buffer;
  decode(reader: OrderedReader, presence: number): Buffer;
  compare(a: Buffer, b: Buffer): number;
}

type Family = 'signed' | 'unsigned' | 'boolean' | 'float' | 'bytes' | 'uuid' | 'timeuuid' | 'varint' | 'decimal';

/** Each orderable native type: its family and its fixed length (0 for variable length). */
const ORDERABLE: ReadonlyMap<NativeTypeName, { family: Family; length: number }> = new Map([
  ['tinyint', { family: 'signed', length: 1 }],
  ['smallint', { family: 'signed', length: 2 }],
  ['int', { family: 'signed', length: 4 }],
  ['bigint', { family: 'signed', length: 8 }],
  ['timestamp', { family: 'signed', length: 8 }],
  ['time', { family: 'signed', length: 8 }],
  ['date', { family: 'unsigned', length: 4 }],
  ['boolean', { family: 'boolean', length: 1 }],
  ['float', { family: 'float', length: 4 }],
  ['double', { family: 'float', length: 8 }],
  ['text', { family: 'bytes', length: 0 }],
  ['varchar', { family: 'bytes', length: 0 }],
  ['ascii', { family: 'bytes', length: 0 }],
  ['blob', { family: 'bytes', length: 0 }],
  ['inet', { family: 'bytes', length: 0 }],
  ['uuid', { family: 'uuid', length: 16 }],
  ['timeuuid', { family: 'timeuuid', length: 16 }],
  ['varint', { family: 'varint', length: 0 }],
  ['decimal', { family: 'decimal', length: 0 }],
] as Array<[NativeTypeName, { family: Family; length: number }]>);

/** Whether values of this type can be clustering columns: orderable natives and frozen collections, tuples and UDTs of them. */
export function isOrderableType(type: DataType): boolean {
  switch (type.kind) {
    case 'native': return ORDERABLE.has(type.name);
    case 'custom': return false;
    case 'list': case 'set': return type.frozen && isOrderableType(type.element);
    case 'map': return type.frozen && isOrderableType(type.key) && isOrderableType(type.value);
    case 'tuple': return type.elements.every(isOrderableType);
    case 'udt': return type.frozen && type.fields.every((field) => isOrderableType(field.type));
  }
}

/** Encodes one value (wire bytes) order-preservingly, presence byte included. */
export function encodeOrdered(type: DataType, value: Buffer): Buffer {
  const codec = codecFor(type);
  if (value.length === 0) return Buffer.from([EMPTY]);
  if (codec === floatCodec4 || codec === floatCodec8) {
    const nan = value.length === 4 ? Number.isNaN(value.readFloatBE(0)) : value.length === 8 && Number.isNaN(value.readDoubleBE(0));
    if (nan) return Buffer.concat([Buffer.from([NOT_A_NUMBER]), value]);
  }
  return Buffer.concat([Buffer.from([PRESENT]), codec.encode(value)]);
}

/** Decodes one value written by encodeOrdered, advancing the reader past it. */
export function decodeOrdered(type: DataType, reader: OrderedReader): Buffer {
  const codec = codecFor(type);
  const presence = reader.byte();
  if (presence === EMPTY) return Buffer.alloc(0);
  if (presence === NOT_A_NUMBER && (codec === floatCodec4 || codec === floatCodec8)) {
    return reader.bytes(codec === floatCodec4 ? 4 : 8);
  }
  if (presence !== PRESENT) throw corruptKey(reader.key, `bad presence byte ${presence}`);
  return codec.decode(reader, presence);
}

/**
 * Cassandra's comparison of two values of a type (empty first). Types without an order of
 * their own (collections, duration, counters' peers) compare by bytes.
 */
export function compareValues(type: DataType, a: Buffer, { b }: { b: Buffer }): number {
  if (a.length === 0 || b.length === 0) return Math.sign(a.length - b.length);
  if (!isOrderableType(type)) return Buffer.compare(a, b);
  return Math.sign(codecFor(type).compare(a, b));
}

function codecFor(type: DataType): OrderedCodec {
  if (type.kind === 'custom') throw invalidRequest(`Custom type ${type.className} is not supported as a clustering column`);
  if (type.kind !== 'native') return compositeCodec(type);
  const entry = ORDERABLE.get(type.name);
  if (entry === undefined) throw invalidRequest(`Type ${type.name} is not supported as a clustering column`);
  switch (entry.family) {
    case 'signed': return signedCodec(type.name, entry.length);
    case 'unsigned': return fixedCodec(type.name, entry.length, { signFlip: 0 });
    case 'boolean': return fixedCodec(type.name, 1, { signFlip: 0 });
    case 'float': return entry.length === 4 ? floatCodec4 : floatCodec8;
    case 'bytes': return bytesCodec;
    case 'uuid': return uuidCodec;
    case 'timeuuid': return timeuuidCodec;
    case 'varint': return varintCodec;
    case 'decimal': return decimalCodec;
  }
}

// ---- fixed-length integers: flip the sign bit so two's complement sorts as unsigned ----

const fixedCodecs = new Map<string, OrderedCodec>();

function signedCodec(name: string, length: number): OrderedCodec {
  return fixedCodec(name, length, { signFlip: 0x80 });
}

function fixedCodec(name: string, length: number, { signFlip }: { signFlip: number }): OrderedCodec {
  const cacheKey = `${name}/${length}/${signFlip}`;
  const cached = fixedCodecs.get(cacheKey);
  if (cached !== undefined) return cached;
  const check = (value: Buffer): void => {
    if (value.length !== length) throw invalidRequest(`Expected ${length} or 0 byte ${name} (${value.length})`);
  };
  const codec: OrderedCodec = {
    encode(value) {
      check(value);
      const out = Buffer.from(value);
      out[0] = (out[0] as number) ^ signFlip;
      return out;
    },
    decode(reader) {
      const out = reader.bytes(length);
      out[0] = (out[0] as number) ^ signFlip;
      return out;
    },
    compare(a, b) {
      check(a);
      check(b);
      if (signFlip === 0) return Buffer.compare(a, b);
      return a.length <= 6 ? a.readIntBE(0, a.length) - b.readIntBE(0, b.length) : bigCompare(a.readBigInt64BE(0), b.readBigInt64BE(0));
    },
  };
  fixedCodecs.set(cacheKey, codec);
  return codec;
}

function bigCompare(a: bigint, b: bigint): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

// ---- float and double: Float.compare order (-0.0 before 0.0; NaN handled by presence) ----

function floatCodec(length: 4 | 8): OrderedCodec {
  const check = (value: Buffer): void => {
    if (value.length !== length) throw invalidRequest(`Expected ${length} or 0 byte ${length === 4 ? 'float' : 'double'} (${value.length})`);
  };
  const read = (value: Buffer): number => (length === 4 ? value.readFloatBE(0) : value.readDoubleBE(0));
  return {
    encode(value) {
      check(value);
      const out = Buffer.from(value);
      // Negative numbers: invert everything (larger magnitude sorts first); positive: set the sign bit.
      if (((out[0] as number) & 0x80) !== 0) for (let i = 0; i < out.length; i++) out[i] = (out[i] as number) ^ 0xff;
      else out[0] = (out[0] as number) ^ 0x80;
      return out;
    },
    decode(reader) {
      const out = reader.bytes(length);
      if (((out[0] as number) & 0x80) === 0) for (let i = 0; i < out.length; i++) out[i] = (out[i] as number) ^ 0xff;
      else out[0] = (out[0] as number) ^ 0x80;
      return out;
    },
    compare(a, b) {
      check(a);
      check(b);
      const x = read(a), y = read(b);
      if (Number.isNaN(x) || Number.isNaN(y)) return Number(Number.isNaN(x)) - Number(Number.isNaN(y));
      if (x !== y) return x < y ? -1 : 1;
      return Number(Object.is(y, -0)) - Number(Object.is(x, -0)) || 0;
    },
  };
}
const floatCodec4 = floatCodec(4);
const floatCodec8 = floatCodec(8);

// ---- byte strings (text, ascii, blob, inet): unsigned lexicographic ----
// 0x00 is escaped as 0x00 0xff and the value ends with 0x00 0x00, so the encoding is
// prefix-free and a shorter string sorts before its extensions.

const bytesCodec: OrderedCodec = {
  encode(value) {
    let zeros = 0;
    for (const byte of value) if (byte === 0) zeros++;
    const out = Buffer.alloc(value.length + zeros + 2);
    let offset = 0;
    for (const byte of value) {
      out[offset++] = byte;
      if (byte === 0) out[offset++] = 0xff;
    }
    return out; // the two trailing bytes are already 0x00 0x00
  },
  decode(reader) {
    const bytes: number[] = [];
    for (;;) {
      const byte = reader.byte();
      if (byte !== 0) {
        bytes.push(byte);
        continue;
      }
      const next = reader.byte();
      if (next === 0) return Buffer.from(bytes);
      if (next !== 0xff) throw corruptKey(reader.key, 'bad escape in string');
      bytes.push(0);
    }
  },
  compare: (a, b) => Buffer.compare(a, b),
};

// ---- uuid (UUIDType): version, then timestamp for version 1 else msb unsigned, then lsb unsigned ----

/** msb bytes m0..m7 of a version-1 UUID reordered as m6 m7 m4 m5 m0 m1 m2 m3 (time_hi, time_mid, time_low). */
function reorderTimestamp(msb: Buffer): Buffer {
  return Buffer.from([msb[6] as number, msb[7] as number, msb[4] as number, msb[5] as number,
    msb[0] as number, msb[1] as number, msb[2] as number, msb[3] as number]);
}

function restoreTimestamp(reordered: Buffer): Buffer {
  return Buffer.from([reordered[4] as number, reordered[5] as number, reordered[6] as number, reordered[7] as number,
    reordered[2] as number, reordered[3] as number, reordered[0] as number, reordered[1] as number]);
}

function checkUuid(value: Buffer, name: string): void {
  if (value.length !== 16) throw invalidRequest(`${name} should be 16 or 0 bytes (${value.length})`);
}

const uuidVersion = (value: Buffer): number => ((value[6] as number) >> 4) & 0x0f;

const uuidCodec: OrderedCodec = {
  encode(value) {
    checkUuid(value, 'UUID');
    const version = uuidVersion(value);
    const msb = value.subarray(0, 8);
    return Buffer.concat([Buffer.from([version]), version === 1 ? reorderTimestamp(msb) : msb, value.subarray(8)]);
  },
  decode(reader) {
    const version = reader.byte();
    const msb = reader.bytes(8);
    return Buffer.concat([version === 1 ? restoreTimestamp(msb) : msb, reader.bytes(8)]);
  },
  compare(a, b) {
    checkUuid(a, 'UUID');
    checkUuid(b, 'UUID');
    const version = uuidVersion(a);
    if (version !== uuidVersion(b)) return version - uuidVersion(b);
    if (version === 1) {
      const time = bigCompare(timestampOf(a), timestampOf(b));
      if (time !== 0) return time;
    } else {
      const msb = Buffer.compare(a.subarray(0, 8), b.subarray(0, 8));
      if (msb !== 0) return msb;
    }
    return Buffer.compare(a.subarray(8), b.subarray(8));
  },
};

/** The 60-bit timestamp of a version-1 UUID, plus the version nibble above it (equal for both sides). */
function timestampOf(value: Buffer): bigint {
  const timeLow = BigInt(value.readUInt32BE(0));
  const timeMid = BigInt(value.readUInt16BE(4));
  const timeHigh = BigInt(value.readUInt16BE(6));
  return (timeHigh << 48n) | (timeMid << 32n) | timeLow;
}

// ---- timeuuid (TimeUUIDType): timestamp, then the low 8 bytes compared as signed bytes ----

const timeuuidCodec: OrderedCodec = {
  encode(value) {
    checkUuid(value, 'TimeUUID');
    const lsb = Buffer.from(value.subarray(8));
    for (let i = 0; i < 8; i++) lsb[i] = (lsb[i] as number) ^ 0x80;
    return Buffer.concat([reorderTimestamp(value.subarray(0, 8)), lsb]);
  },
  decode(reader) {
    const msb = restoreTimestamp(reader.bytes(8));
    const lsb = reader.bytes(8);
    for (let i = 0; i < 8; i++) lsb[i] = (lsb[i] as number) ^ 0x80;
    return Buffer.concat([msb, lsb]);
  },
  compare(a, b) {
    checkUuid(a, 'TimeUUID');
    checkUuid(b, 'TimeUUID');
    const time = bigCompare(timestampOf(a), timestampOf(b));
    if (time !== 0) return time;
    for (let i = 8; i < 16; i++) {
      const difference = (((a[i] as number) << 24) >> 24) - (((b[i] as number) << 24) >> 24);
      if (difference !== 0) return difference;
    }
    return 0;
  },
};

// ---- varint and decimal: numeric order (ordered-numbers.ts) ----

const varintCodec: OrderedCodec = { encode: encodeVarintOrdered, decode: decodeVarintOrdered, compare: compareVarint };
const decimalCodec: OrderedCodec = { encode: encodeDecimalOrdered, decode: decodeDecimalOrdered, compare: compareDecimal };

// ---- frozen collections, tuples and UDTs: element by element, as Cassandra's comparators ----
// A list or set is, per element, ELEMENT (0x40) and the element's encoding, then END (0x20):
// a list that is a prefix of another sorts first. A map alternates key and value encodings
// after each ELEMENT. A tuple or UDT writes NULL (0x30) for a null component, and ends early
// when the value has fewer components (Cassandra sorts fewer components first).

const SEQUENCE_END = 0x20;
const SEQUENCE_NULL = 0x30;
const SEQUENCE_ELEMENT = 0x40;

type Composite = Exclude<DataType, { kind: 'native' } | { kind: 'custom' }>;

/** The [int length][bytes] items of a serialized value (length -1: null), after an optional [int count]. */
function wireItems(value: Buffer, counted: boolean, { perEntry }: { perEntry: number }): Array<Buffer | null> {
  let offset = 0;
  const items: Array<Buffer | null> = [];
  let expected = -1;
  if (counted) {
    if (value.length < 4) throw invalidRequest('Not enough bytes to read a collection size');
    expected = value.readInt32BE(0) * perEntry;
    if (expected < 0) throw invalidRequest('Negative collection size');
    offset = 4;
  }
  while (offset < value.length && (expected < 0 || items.length < expected)) {
    if (offset + 4 > value.length) throw invalidRequest('Not enough bytes to read an element size');
    const length = value.readInt32BE(offset);
    offset += 4;
    if (length < 0) {
      if (counted) throw invalidRequest('Null is not allowed inside collections');
      items.push(null);
      continue;
    }
    if (offset + length > value.length) throw invalidRequest('Not enough bytes to read an element');
    items.push(value.subarray(offset, offset + length));
    offset += length;
  }
  if (offset !== value.length || (expected >= 0 && items.length !== expected)) throw invalidRequest('Invalid collection or tuple value: unexpected size');
  return items;
}

function wireValue(items: ReadonlyArray<Buffer | null>, count: number | null): Buffer {
  const parts: Buffer[] = [];
  if (count !== null) parts.push(int32(count));
  for (const item of items) parts.push(int32(item === null ? -1 : item.length), ...(item === null ? [] : [item]));
  return Buffer.concat(parts);
}

function int32(value: number): Buffer {
  const out = Buffer.alloc(4);
  out.writeInt32BE(value, 0);
  return out;
}

/** The item types of a composite, by item index (maps alternate key and value). */
function itemType(type: Composite, index: number): DataType | undefined {
  switch (type.kind) {
    case 'list': case 'set': return type.element;
    case 'map': return index % 2 === 0 ? type.key : type.value;
    case 'tuple': return type.elements[index];
    case 'udt': return type.fields[index]?.type;
  }
}

function compositeCodec(type: Composite): OrderedCodec {
  if (!isOrderableType(type)) throw invalidRequest(`Type ${type.kind} is not supported as a clustering column`);
  const counted = type.kind !== 'tuple' && type.kind !== 'udt';
  const perEntry = type.kind === 'map' ? 2 : 1;
  const typeAt = (index: number): DataType => {
    const found = itemType(type, index);
    if (found === undefined) throw invalidRequest(`Too many components for ${type.kind} value`);
    return found;
  };
  return {
    encode(value) {
      const parts: Buffer[] = [];
      wireItems(value, counted, { perEntry }).forEach((item, index) => {
        if (item === null) parts.push(Buffer.from([SEQUENCE_NULL]));
        else if (index % perEntry === 0) parts.push(Buffer.from([SEQUENCE_ELEMENT]), encodeOrdered(typeAt(index), item));
        else parts.push(encodeOrdered(typeAt(index), item));
      });
      parts.push(Buffer.from([SEQUENCE_END]));
      return Buffer.concat(parts);
    },
    decode(reader) {
      const items: Array<Buffer | null> = [];
      for (let marker = reader.byte(); marker !== SEQUENCE_END; marker = reader.byte()) {
        if (marker === SEQUENCE_NULL && !counted) items.push(null);
        else if (marker !== SEQUENCE_ELEMENT) throw corruptKey(reader.key, `bad sequence marker ${marker}`);
        else for (let i = 0; i < perEntry; i++) items.push(decodeOrdered(typeAt(items.length), reader));
      }
      return wireValue(items, counted ? items.length / perEntry : null);
    },
    compare(a, b) {
      const left = wireItems(a, counted, { perEntry }), right = wireItems(b, counted, { perEntry });
      for (let i = 0; i < Math.min(left.length, right.length); i++) {
        const x = left[i] as Buffer | null, y = right[i] as Buffer | null;
        if (x === null || y === null) {
          if (x !== y) return x === null ? -1 : 1;
          continue;
        }
        const difference = compareValues(typeAt(i), x, { b: y });
        if (difference !== 0) return difference;
      }
      return Math.sign(left.length - right.length);
    },
  };
}
