// Order-preserving encodings of varint and decimal (numeric order, as Cassandra's IntegerType
// and DecimalType compare), and their direct comparators.
//
// varint: zero is 0x80; a positive value is 0x81, its magnitude's byte length (uint32) and
// the magnitude; a negative one is 0x7f followed by the same with every byte inverted (a
// larger magnitude sorts lower).
//
// decimal: normalized to 0.d1d2..dk x 10^E with d1 != 0 and no trailing zero digit; zero is
// 0x80; a positive value is 0x81, E (signed 64-bit, sign bit flipped), the digits as ASCII and
// a 0x00 terminator; a negative one is 0x7f followed by the same inverted. Numerically equal
// decimals (1.0 and 1.00) encode equally, as Cassandra treats them as the same clustering;
// decoding yields the canonical form: trailing zeros dropped down to scale 0.
//
// Decoding a varint yields its minimal two's-complement bytes.

import { invalidRequest } from '../common/errors.js';
import { corruptKey, type OrderedReader } from './ordered-reader.js';
import { decimalScaleGapMax } from '../common/limits.js';

const NEGATIVE = 0x7f;
const ZERO = 0x80;
const POSITIVE = 0x81;

/** A varint's two's-complement big-endian bytes as a bigint (the empty buffer is 0). */
export function bytesToBigInt(bytes: Buffer): bigint {
  if (bytes.length === 0) return 0n;
  const unsigned = BigInt(`0x${bytes.toString('hex')}`);
  return ((bytes[0] as number) & 0x80) === 0 ? unsigned : unsigned - (1n << BigInt(bytes.length * 8));
}

/** The minimal two's-complement big-endian bytes of a bigint (as the protocol's varint). */
export function bigIntToBytes(value: bigint): Buffer {
  let length = 1;
  while (value < -(1n << BigInt(length * 8 - 1)) || value >= 1n << BigInt(length * 8 - 1)) length++;
  const unsigned = value < 0n ? value + (1n << BigInt(length * 8)) : value;
  return Buffer.from(unsigned.toString(16).padStart(length * 2, '0'), 'hex');
}

function magnitudeBytes(magnitude: bigint): Buffer {
  const hex = magnitude.toString(16);
  return Buffer.from(hex.length % 2 === 0 ? hex : `0${hex}`, 'hex');
}

function invert(bytes: Buffer): Buffer {
  for (let i = 0; i < bytes.length; i++) bytes[i] = (bytes[i] as number) ^ 0xff;
  return bytes;
}

export function encodeVarintOrdered(value: Buffer): Buffer {
  const number = bytesToBigInt(value);
  if (number === 0n) return Buffer.from([ZERO]);
  const magnitude = magnitudeBytes(number < 0n ? -number : number);
  const out = Buffer.alloc(5 + magnitude.length);
  out.writeUInt32BE(magnitude.length, 1);
  magnitude.copy(out, 5);
  if (number < 0n) invert(out);
  out[0] = number < 0n ? NEGATIVE : POSITIVE;
  return out;
}

export function decodeVarintOrdered(reader: OrderedReader): Buffer {
  const sign = reader.byte();
  if (sign === ZERO) return bigIntToBytes(0n);
  if (sign !== POSITIVE && sign !== NEGATIVE) throw corruptKey(reader.key, `bad varint sign ${sign}`);
  const header = reader.bytes(4);
  if (sign === NEGATIVE) invert(header);
  const magnitude = reader.bytes(header.readUInt32BE(0));
  if (sign === NEGATIVE) invert(magnitude);
  const number = bytesToBigInt(Buffer.concat([Buffer.from([0]), magnitude]));
  return bigIntToBytes(sign === NEGATIVE ? -number : number);
}

export function compareVarint(a: Buffer, b: Buffer): number {
  const x = bytesToBigInt(a), y = bytesToBigInt(b);
  return x < y ? -1 : x > y ? 1 : 0;
}

interface DecimalParts {
  scale: number;
  unscaled: bigint;
}

function decimalParts(value: Buffer): DecimalParts {
  if (value.length < 4) throw invalidRequest(`Invalid decimal value of ${value.length} bytes`);
  return { scale: value.readInt32BE(0), unscaled: bytesToBigInt(value.subarray(4)) };
}

function decimalBytes(parts: DecimalParts): Buffer {
  const out = Buffer.alloc(4);
  out.writeInt32BE(parts.scale, 0);
  return Buffer.concat([out, bigIntToBytes(parts.unscaled)]);
}

export function encodeDecimalOrdered(value: Buffer): Buffer {
  const { scale, unscaled } = decimalParts(value);
  if (unscaled === 0n) return Buffer.from([ZERO]);
  const allDigits = (unscaled < 0n ? -unscaled : unscaled).toString(10);
  const digits = allDigits.replace(/0+$/, '');
  const exponent = allDigits.length - scale;
  const out = Buffer.alloc(1 + 8 + digits.length + 1);
  out.writeBigInt64BE(BigInt(exponent), 1);
  out[1] = (out[1] as number) ^ 0x80;
  out.write(digits, 9, 'latin1');
  if (unscaled < 0n) invert(out);
  out[0] = unscaled < 0n ? NEGATIVE : POSITIVE;
  return out;
}

export function decodeDecimalOrdered(reader: OrderedReader): Buffer {
  const sign = reader.byte();
  if (sign === ZERO) return decimalBytes({ scale: 0, unscaled: 0n });
  if (sign !== POSITIVE && sign !== NEGATIVE) throw corruptKey(reader.key, `bad decimal sign ${sign}`);
  const mask = sign === NEGATIVE ? 0xff : 0;
  const exponentBytes = reader.bytes(8);
  if (mask !== 0) invert(exponentBytes);
  exponentBytes[0] = (exponentBytes[0] as number) ^ 0x80;
  const exponent = Number(exponentBytes.readBigInt64BE(0));
  let digits = '';
  for (let byte = reader.byte() ^ mask; byte !== 0; byte = reader.byte() ^ mask) {
    if (byte < 0x30 || byte > 0x39) throw corruptKey(reader.key, 'bad decimal digit');
    digits += String.fromCharCode(byte);
  }
  let scale = digits.length - exponent;
  if (scale < 0) {
    digits += '0'.repeat(-scale);
    scale = 0;
  }
  if (scale > 0x7fffffff || digits.length === 0) throw corruptKey(reader.key, 'decimal out of range');
  const magnitude = BigInt(digits);
  return decimalBytes({ scale, unscaled: sign === NEGATIVE ? -magnitude : magnitude });
}

export function compareDecimal(a: Buffer, b: Buffer): number {
  const x = decimalParts(a), y = decimalParts(b);
  const signX = x.unscaled === 0n ? 0 : x.unscaled < 0n ? -1 : 1;
  const signY = y.unscaled === 0n ? 0 : y.unscaled < 0n ? -1 : 1;
  if (signX !== signY || signX === 0) return signX - signY;
  if (Math.abs(x.scale - y.scale) > decimalScaleGapMax) {
    // Magnitudes differ by more than 10^(digits) can make up: the smaller scale is the larger magnitude.
    return x.scale < y.scale ? signX : -signX;
  }
  const scale = Math.max(x.scale, y.scale);
  const left = x.unscaled * 10n ** BigInt(scale - x.scale);
  const right = y.unscaled * 10n ** BigInt(scale - y.scale);
  return left < right ? -1 : left > right ? 1 : 0;
}
