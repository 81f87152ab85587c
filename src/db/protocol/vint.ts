// Cassandra's variable-length integers (used by the duration type): the number of leading
// one bits of the first byte is the number of extra bytes; the rest is the value, big-endian.
// Signed values are zigzag-encoded first so small negatives stay short.

import { invalidRequest } from '../common/errors.js';

const uint64Mask = (1n << 64n) - 1n;
const extraBytesMax = 8;

/** Bytes needed for an unsigned 64-bit value: 7 value bits per byte, at most 9 bytes. */
export function unsignedVIntSize(value: bigint): number {
  let bits = 0;
  for (let rest = value; rest > 0n; rest >>= 1n) bits++;
  return Math.min(Math.max(1, Math.ceil(bits / 7)), extraBytesMax + 1);
}

export function encodeUnsignedVInt(value: bigint): Buffer {
  const unsigned = value & uint64Mask;
  const size = unsignedVIntSize(unsigned);
  const bytes = Buffer.alloc(size);
  let rest = unsigned;
  for (let index = size - 1; index >= 0; index--) {
    bytes[index] = Number(rest & 0xffn);
    rest >>= 8n;
  }
  const extraBytes = size - 1;
  // The first byte carries one 1-bit per extra byte in its high bits.
  bytes[0] = (bytes[0] ?? 0) | ((0xff << (8 - extraBytes)) & 0xff);
  return bytes;
}

export function encodeSignedVInt(value: bigint): Buffer {
  const zigzag = ((value << 1n) ^ (value >> 63n)) & uint64Mask;
  return encodeUnsignedVInt(zigzag);
}

export interface VIntRead {
  value: bigint;
  bytesRead: number;
}

/** Reads an unsigned vint at offset; bad input is an invalid value (it comes from a client). */
export function readUnsignedVInt(bytes: Buffer, offset: number): VIntRead {
  const first = bytes[offset];
  if (first === undefined) throw invalidRequest('Not enough bytes to read a vint');
  let extraBytes = 0;
  while (extraBytes < extraBytesMax && (first & (0x80 >> extraBytes)) !== 0) extraBytes++;
  if (offset + 1 + extraBytes > bytes.length) throw invalidRequest('Not enough bytes to read a vint');
  let value = BigInt(first & (0xff >> extraBytes));
  for (let index = 1; index <= extraBytes; index++) value = (value << 8n) | BigInt(bytes[offset + index] ?? 0);
  return { value: value & uint64Mask, bytesRead: 1 + extraBytes };
}

export function readSignedVInt(bytes: Buffer, offset: number): VIntRead {
  const { value, bytesRead } = readUnsignedVInt(bytes, offset);
  const decoded = (value >> 1n) ^ -(value & 1n);
  return { value: BigInt.asIntN(64, decoded), bytesRead };
}
