// Byte-level encoding for sstable sections: a growable writer and a bounds-checked reader.
// The reader never truncates: every read checks the remaining length and a short or
// malformed section throws CorruptionError naming the file and the absolute offset.

import { assert, fail } from '../../common/assert.js';
import { CorruptionError } from '../../common/errors.js';

/** Appends big-endian fields to a buffer that grows by doubling. */
export class ByteWriter {
  private buffer: Buffer;
  private used = 0;

  constructor(initialBytes = 1024) {
    this.buffer = Buffer.allocUnsafe(initialBytes);
  }

  get length(): number {
    return this.used;
  }

  /** The bytes written so far (a view: valid until the next write or reset). */
  view(): Buffer {
    return this.buffer.subarray(0, this.used);
  }

  reset(): void {
    this.used = 0;
  }

  /** Makes room and returns where to write. Callers take the offset before touching this.buffer, which this may replace. */
  private reserve(bytes: number): number {
    const needed = this.used + bytes;
    if (needed > this.buffer.length) {
      let capacity = this.buffer.length * 2;
      while (capacity < needed) capacity *= 2;
      const grown = Buffer.allocUnsafe(capacity);
      this.buffer.copy(grown, 0, 0, this.used);
      this.buffer = grown;
    }
    const at = this.used;
    this.used = needed;
    return at;
  }

  u8(value: number): void {
    const at = this.reserve(1);
    this.buffer[at] = value;
  }

  u16(value: number): void {
    const at = this.reserve(2);
    this.buffer.writeUInt16BE(value, at);
  }

  u32(value: number): void {
    const at = this.reserve(4);
    this.buffer.writeUInt32BE(value, at);
  }

  i32(value: number): void {
    const at = this.reserve(4);
    this.buffer.writeInt32BE(value, at);
  }

  /** A non-negative integer below 2^48 (file offsets and counts). */
  u48(value: number): void {
    if (!(Number.isInteger(value) && value >= 0 && value < 2 ** 48)) fail(`u48 out of range: ${value}`);
    const at = this.reserve(6);
    this.buffer.writeUIntBE(value, at, 6);
  }

  /** A safe integer as an IEEE double: exact for every JS safe integer, cheaper than bigint. */
  safeInteger(value: number): void {
    if (!(Number.isSafeInteger(value))) fail(`not a safe integer: ${value}`);
    const at = this.reserve(8);
    this.buffer.writeDoubleBE(value, at);
  }

  f64(value: number): void {
    const at = this.reserve(8);
    this.buffer.writeDoubleBE(value, at);
  }

  i64(value: bigint): void {
    const at = this.reserve(8);
    this.buffer.writeBigInt64BE(value, at);
  }

  bytes(data: Uint8Array): void {
    const at = this.reserve(data.length);
    this.buffer.set(data, at);
  }

  /** u16 length, then the bytes. */
  shortBytes(data: Uint8Array): void {
    assert(data.length <= 0xffff, 'short bytes too long');
    this.u16(data.length);
    this.bytes(data);
  }

  /** u32 length, then the bytes. */
  longBytes(data: Uint8Array): void {
    this.u32(data.length);
    this.bytes(data);
  }

  shortString(text: string): void {
    this.shortBytes(Buffer.from(text, 'utf8'));
  }
}

/** Reads big-endian fields from one section; `baseOffset` is the section's offset in its file. */
export class ByteReader {
  private position = 0;
  private readonly path: string;
  private readonly baseOffset: number;

  constructor(
    private readonly buffer: Buffer,
    where: { path: string; offset: number },
  ) {
    this.path = where.path;
    this.baseOffset = where.offset;
  }

  get offset(): number {
    return this.position;
  }

  remaining(): number {
    return this.buffer.length - this.position;
  }

  corrupt(detail: string): CorruptionError {
    return new CorruptionError(this.path, this.baseOffset + this.position, detail);
  }

  private take(bytes: number): number {
    if (bytes > this.buffer.length - this.position) throw this.corrupt(`needs ${bytes} bytes, ${this.remaining()} left`);
    const at = this.position;
    this.position += bytes;
    return at;
  }

  u8(): number {
    return this.buffer[this.take(1)] as number;
  }

  u16(): number {
    return this.buffer.readUInt16BE(this.take(2));
  }

  u32(): number {
    return this.buffer.readUInt32BE(this.take(4));
  }

  i32(): number {
    return this.buffer.readInt32BE(this.take(4));
  }

  u48(): number {
    return this.buffer.readUIntBE(this.take(6), 6);
  }

  safeInteger(): number {
    const value = this.buffer.readDoubleBE(this.take(8));
    if (!Number.isSafeInteger(value)) throw this.corrupt(`not an integer: ${value}`);
    return value;
  }

  f64(): number {
    return this.buffer.readDoubleBE(this.take(8));
  }

  i64(): bigint {
    return this.buffer.readBigInt64BE(this.take(8));
  }

  /** A copy of `length` bytes (decoded values outlive cached block buffers safely). */
  bytes(length: number): Buffer {
    const at = this.take(length);
    return Buffer.from(this.buffer.subarray(at, at + length));
  }

  shortBytes(): Buffer {
    return this.bytes(this.u16());
  }

  longBytes(bytesMax: number): Buffer {
    const length = this.u32();
    if (length > bytesMax) throw this.corrupt(`length ${length} above ${bytesMax}`);
    return this.bytes(length);
  }

  shortString(): string {
    const length = this.u16();
    const at = this.take(length);
    return this.buffer.toString('utf8', at, at + length);
  }

  /** Asserts the section was consumed exactly: trailing bytes mean a format mismatch. */
  expectEnd(): void {
    if (this.remaining() !== 0) throw this.corrupt(`${this.remaining()} unexpected trailing bytes`);
  }
}
