// Codecs of the scalar types, one entry per type. Size checks follow Cassandra's own
// validation (and its messages): most fixed-width types also accept an empty value.

import { invalidRequest } from '../common/errors.js';
import type { NativeTypeName } from './data-type.js';
import { formatInetAddress, parseInetAddress } from './inet.js';
import { encodeSignedVInt, readSignedVInt } from './vint.js';

interface NativeCodec {
  encode(value: unknown): Buffer;
  /** Gets a non-empty buffer unless the type accepts empty values as themselves. */
  decode(bytes: Buffer): unknown;
  /** Whether an empty buffer is a valid (null-like) value of the type. */
  emptyIsNull: boolean;
}

const utf8 = new TextDecoder('utf-8', { fatal: true, ignoreBOM: true });
const int64Min = -(1n << 63n);
const int64Max = (1n << 63n) - 1n;
const timeNanosecondsMax = 86_399_999_999_999n;
const dateEpochDays = 2 ** 31;
const uuidPattern = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;

function fixed(bytes: Buffer, size: number, { message }: { message: string }): void {
  if (bytes.length !== size) throw invalidRequest(`${message} (${bytes.length})`);
}

function integer(value: unknown, bits: number, { what }: { what: string }): number {
  const limit = 2 ** (bits - 1);
  if (typeof value === 'bigint') value = Number(value);
  if (typeof value !== 'number' || !Number.isInteger(value) || value < -limit || value >= limit) {
    throw invalidRequest(`Invalid ${what} value ${String(value)}`);
  }
  return value;
}

function bigInteger(value: unknown, what: string, { min = int64Min, max = int64Max }: { min?: bigint; max?: bigint } = {}): bigint {
  let result: bigint;
  if (typeof value === 'bigint') result = value;
  else if (typeof value === 'number' && Number.isSafeInteger(value)) result = BigInt(value);
  else if (value instanceof Date && !Number.isNaN(value.getTime())) result = BigInt(value.getTime());
  else throw invalidRequest(`Invalid ${what} value ${String(value)}`);
  if (result < min || result > max) throw invalidRequest(`Invalid ${what} value ${result}: out of range`);
  return result;
}

function sized(size: number, write: (bytes: Buffer) => void): Buffer {
  const bytes = Buffer.alloc(size);
  write(bytes);
  return bytes;
}

const int64Codec = (what: string): NativeCodec => ({
  encode: (value) => sized(8, (bytes) => bytes.writeBigInt64BE(bigInteger(value, what))),
  decode: (bytes) => {
    fixed(bytes, 8, { message: `Expected 8 or 0 byte long for ${what}` });
    return bytes.readBigInt64BE(0);
  },
  emptyIsNull: true,
});

const textCodec: NativeCodec = {
  encode: (value) => {
    if (typeof value !== 'string') throw invalidRequest(`Invalid text value ${String(value)}`);
    return Buffer.from(value, 'utf8');
  },
  decode: (bytes) => {
    try {
      return utf8.decode(bytes);
    } catch (error) {
      throw invalidRequest(`Invalid UTF-8 bytes: ${error instanceof Error ? error.message : String(error)}`);
    }
  },
  emptyIsNull: false,
};

const asciiCodec: NativeCodec = {
  encode: (value) => {
    if (typeof value !== 'string' || !isAscii(value)) throw invalidRequest(`Invalid ascii value ${String(value)}`);
    return Buffer.from(value, 'latin1');
  },
  decode: (bytes) => {
    const bad = bytes.findIndex((byte) => byte > 0x7f);
    if (bad >= 0) throw invalidRequest(`Invalid byte for ascii: ${bytes[bad]}`);
    return bytes.toString('latin1');
  },
  emptyIsNull: false,
};

function isAscii(text: string): boolean {
  for (let index = 0; index < text.length; index++) if (text.charCodeAt(index) > 0x7f) return false;
  return true;
}

const uuidCodec = (isTimeUuid: boolean): NativeCodec => ({
  encode: (value) => {
    const text = typeof value === 'string' ? value.toLowerCase() : '';
    if (!uuidPattern.test(text)) throw invalidRequest(`Invalid UUID value ${String(value)}`);
    const bytes = Buffer.from(text.replaceAll('-', ''), 'hex');
    checkTimeUuid(bytes, isTimeUuid);
    return bytes;
  },
  decode: (bytes) => {
    fixed(bytes, 16, { message: 'UUID should be 16 or 0 bytes' });
    checkTimeUuid(bytes, isTimeUuid);
    const hex = bytes.toString('hex');
    return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-${hex.slice(12, 16)}-${hex.slice(16, 20)}-${hex.slice(20)}`;
  },
  emptyIsNull: true,
});

function checkTimeUuid(bytes: Buffer, isTimeUuid: boolean): void {
  if (isTimeUuid && ((bytes[6] ?? 0) >> 4) !== 1) throw invalidRequest('Invalid version for TimeUUID type.');
}

/** Minimal two's complement, big-endian (spec 6.23). */
export function encodeVarint(value: bigint): Buffer {
  const hexDigits: string[] = [];
  let rest = value;
  // Emit bytes from the least significant until the sign is carried by the top bit.
  for (;;) {
    const byte = Number(BigInt.asUintN(8, rest));
    hexDigits.push(byte.toString(16).padStart(2, '0'));
    rest >>= 8n;
    const signBit = (byte & 0x80) !== 0;
    if ((rest === 0n && !signBit) || (rest === -1n && signBit)) break;
  }
  return Buffer.from(hexDigits.reverse().join(''), 'hex');
}

export function decodeVarint(bytes: Buffer): bigint {
  if (bytes.length === 0) return 0n;
  const unsigned = BigInt(`0x${bytes.toString('hex')}`);
  return BigInt.asIntN(bytes.length * 8, unsigned);
}

const varintCodec: NativeCodec = {
  encode: (value) => encodeVarint(bigInteger(value, 'varint', { min: -(1n << 100_000n), max: 1n << 100_000n })),
  decode: decodeVarint,
  emptyIsNull: true,
};

const decimalCodec: NativeCodec = {
  encode: (value) => {
    const decimal = value as { unscaled?: unknown; scale?: unknown } | null;
    if (typeof decimal !== 'object' || decimal === null) throw invalidRequest(`Invalid decimal value ${String(value)}`);
    const scale = integer(decimal.scale, 32, { what: 'decimal scale' });
    const unscaled = bigInteger(decimal.unscaled, 'decimal', { min: -(1n << 100_000n), max: 1n << 100_000n });
    return Buffer.concat([sized(4, (bytes) => bytes.writeInt32BE(scale)), encodeVarint(unscaled)]);
  },
  decode: (bytes) => {
    if (bytes.length < 4) throw invalidRequest(`Expected 0 or at least 4 bytes for a decimal (${bytes.length})`);
    return { unscaled: decodeVarint(bytes.subarray(4)), scale: bytes.readInt32BE(0) };
  },
  emptyIsNull: true,
};

const durationCodec: NativeCodec = {
  encode: (value) => {
    const duration = value as { months?: unknown; days?: unknown; nanoseconds?: unknown } | null;
    if (typeof duration !== 'object' || duration === null) throw invalidRequest(`Invalid duration value ${String(value)}`);
    const months = integer(duration.months, 32, { what: 'duration months' });
    const days = integer(duration.days, 32, { what: 'duration days' });
    const nanoseconds = bigInteger(duration.nanoseconds, 'duration nanoseconds');
    checkDurationSigns(BigInt(months), BigInt(days), { nanoseconds });
    return Buffer.concat([encodeSignedVInt(BigInt(months)), encodeSignedVInt(BigInt(days)), encodeSignedVInt(nanoseconds)]);
  },
  decode: decodeDuration,
  emptyIsNull: false,
};

function decodeDuration(bytes: Buffer): unknown {
  if (bytes.length < 3) throw invalidRequest(`Expected at least 3 bytes for a duration (${bytes.length})`);
  const months = readSignedVInt(bytes, 0);
  const days = readSignedVInt(bytes, months.bytesRead);
  const nanoseconds = readSignedVInt(bytes, months.bytesRead + days.bytesRead);
  if (months.bytesRead + days.bytesRead + nanoseconds.bytesRead !== bytes.length) {
    throw invalidRequest('Invalid duration value: extra bytes after the nanoseconds');
  }
  const int32 = (value: bigint) => value >= -(1n << 31n) && value < 1n << 31n;
  if (!int32(months.value) || !int32(days.value)) throw invalidRequest('Invalid duration value: months or days out of range');
  checkDurationSigns(months.value, days.value, { nanoseconds: nanoseconds.value });
  return { months: Number(months.value), days: Number(days.value), nanoseconds: nanoseconds.value };
}

function checkDurationSigns(months: bigint, days: bigint, { nanoseconds }: { nanoseconds: bigint }): void {
  const anyNegative = months < 0n || days < 0n || nanoseconds < 0n;
  const anyPositive = months > 0n || days > 0n || nanoseconds > 0n;
  if (anyNegative && anyPositive) {
    throw invalidRequest('The duration months, days and nanoseconds must be all of the same sign');
  }
}

const inetCodec: NativeCodec = {
  encode: (value) => {
    const bytes = typeof value === 'string' ? parseInetAddress(value) : null;
    if (bytes === null) throw invalidRequest(`Invalid inet value ${String(value)}`);
    return bytes;
  },
  decode: (bytes) => {
    if (bytes.length !== 4 && bytes.length !== 16) {
      throw invalidRequest(`Expected 4 or 16 byte inetaddress; got ${bytes.length} bytes`);
    }
    return formatInetAddress(bytes);
  },
  emptyIsNull: true,
};

function smallInt(bits: 8 | 16 | 32, what: string, { message, emptyIsNull }: { message: string; emptyIsNull: boolean }): NativeCodec {
  const size = bits / 8;
  return {
    encode: (value) => sized(size, (bytes) => bytes.writeIntBE(integer(value, bits, { what }), 0, size)),
    decode: (bytes) => {
      fixed(bytes, size, { message });
      return bytes.readIntBE(0, size);
    },
    emptyIsNull,
  };
}

function floating(size: 4 | 8, what: string): NativeCodec {
  return {
    encode: (value) => {
      if (typeof value !== 'number') throw invalidRequest(`Invalid ${what} value ${String(value)}`);
      return sized(size, (bytes) => (size === 4 ? bytes.writeFloatBE(value) : bytes.writeDoubleBE(value)));
    },
    decode: (bytes) => {
      fixed(bytes, size, { message: `Expected ${size} or 0 byte value for a ${what}` });
      return size === 4 ? bytes.readFloatBE(0) : bytes.readDoubleBE(0);
    },
    emptyIsNull: true,
  };
}

const codecs: Readonly<Record<NativeTypeName, NativeCodec>> = {
  ascii: asciiCodec,
  bigint: int64Codec('bigint'),
  blob: {
    encode: (value) => {
      if (!Buffer.isBuffer(value)) throw invalidRequest('Invalid blob value: expected a Buffer');
      return value;
    },
    decode: (bytes) => bytes,
    emptyIsNull: false,
  },
  boolean: {
    encode: (value) => {
      if (typeof value !== 'boolean') throw invalidRequest(`Invalid boolean value ${String(value)}`);
      return Buffer.from([value ? 1 : 0]);
    },
    decode: (bytes) => {
      fixed(bytes, 1, { message: 'Expected 1 or 0 byte value' });
      return bytes[0] !== 0;
    },
    emptyIsNull: true,
  },
  counter: int64Codec('counter'),
  decimal: decimalCodec,
  double: floating(8, 'double'),
  float: floating(4, 'float'),
  int: smallInt(32, 'int', { message: 'Expected 4 or 0 byte int', emptyIsNull: true }),
  timestamp: int64Codec('timestamp'),
  uuid: uuidCodec(false),
  text: textCodec,
  varchar: textCodec,
  varint: varintCodec,
  timeuuid: uuidCodec(true),
  inet: inetCodec,
  date: {
    encode: (value) => {
      const days = integer(value, 32, { what: 'date' });
      return sized(4, (bytes) => bytes.writeUInt32BE(days + dateEpochDays));
    },
    decode: (bytes) => {
      fixed(bytes, 4, { message: 'Expected 4 byte long for date' });
      return bytes.readUInt32BE(0) - dateEpochDays;
    },
    emptyIsNull: false,
  },
  time: {
    encode: (value) => sized(8, (bytes) => bytes.writeBigInt64BE(bigInteger(value, 'time', { min: 0n, max: timeNanosecondsMax }))),
    decode: (bytes) => {
      fixed(bytes, 8, { message: 'Expected 8 byte long for time' });
      return bytes.readBigInt64BE(0);
    },
    emptyIsNull: false,
  },
  smallint: smallInt(16, 'smallint', { message: 'Expected 2 bytes for a smallint', emptyIsNull: false }),
  tinyint: smallInt(8, 'tinyint', { message: 'Expected 1 byte for a tinyint', emptyIsNull: false }),
  duration: durationCodec,
};

export function encodeNative(name: NativeTypeName, value: unknown): Buffer {
  return codecs[name].encode(value);
}

export function decodeNative(name: NativeTypeName, bytes: Buffer): unknown {
  const codec = codecs[name];
  if (bytes.length === 0 && codec.emptyIsNull) return null;
  return codec.decode(bytes);
}
