// Growable writer of the spec's notations (section 3). What it is asked to write must fit
// the notation (a [string] of at most 65535 bytes, an [int] in 32 bits...): values come from
// this program, so a misfit is a bug and asserts.

import { fail } from '../common/assert.js';
import type { ConsistencyLevel } from '../common/consistency.js';
import { serverError } from '../common/errors.js';
import { frameBodyBytesMax } from '../common/limits.js';
import { parseInetAddress } from './inet.js';
import { PROTOCOL_VERSION, UNSET, type BoundValue } from './messages.js';

const shortMax = 0xffff;
const int32Min = -0x80000000;
const int32Max = 0x7fffffff;

export class ProtocolWriter {
  private buffer: Buffer;
  private offset = 0;

  /** `version` is the connection's protocol version: v5 changed a few message layouts. */
  constructor(
    initialBytes = 256,
    readonly version: number = PROTOCOL_VERSION,
  ) {
    // Capped so a size hint can never skip the growth check in reserve().
    this.buffer = Buffer.allocUnsafe(Math.min(initialBytes, frameBodyBytesMax));
  }

  get length(): number {
    return this.offset;
  }

  /** The bytes written so far (a view: do not write after taking it if it must stay stable). */
  finish(): Buffer {
    return this.buffer.subarray(0, this.offset);
  }

  private reserve(bytes: number): void {
    const needed = this.offset + bytes;
    if (needed <= this.buffer.length) return;
    // A body past the frame bound (a huge result, say) cannot be sent: the request fails
    // with an error the client sees, and the buffer never grows without bound.
    if (needed > frameBodyBytesMax + 64) throw serverError(`Response body exceeds the frame limit of ${frameBodyBytesMax} bytes`);
    let capacity = Math.max(this.buffer.length * 2, 64);
    while (capacity < needed) capacity *= 2;
    const grown = Buffer.allocUnsafe(capacity);
    this.buffer.copy(grown, 0, 0, this.offset);
    this.buffer = grown;
  }

  writeRaw(bytes: Uint8Array): this {
    this.reserve(bytes.length);
    this.buffer.set(bytes, this.offset);
    this.offset += bytes.length;
    return this;
  }

  writeByte(value: number): this {
    if (!(Number.isInteger(value) && value >= 0 && value <= 0xff)) fail(`[byte] out of range: ${value}`);
    this.reserve(1);
    this.buffer.writeUInt8(value, this.offset);
    this.offset += 1;
    return this;
  }

  writeShort(value: number): this {
    if (!(Number.isInteger(value) && value >= 0 && value <= shortMax)) fail(`[short] out of range: ${value}`);
    this.reserve(2);
    this.buffer.writeUInt16BE(value, this.offset);
    this.offset += 2;
    return this;
  }

  writeInt(value: number): this {
    if (!(Number.isInteger(value) && value >= int32Min && value <= int32Max)) fail(`[int] out of range: ${value}`);
    this.reserve(4);
    this.buffer.writeInt32BE(value, this.offset);
    this.offset += 4;
    return this;
  }

  writeLong(value: bigint): this {
    if (!(BigInt.asIntN(64, value) === value)) fail(`[long] out of range: ${value}`);
    this.reserve(8);
    this.buffer.writeBigInt64BE(value, this.offset);
    this.offset += 8;
    return this;
  }

  writeString(value: string): this {
    const bytes = Buffer.from(value, 'utf8');
    if (!(bytes.length <= shortMax)) fail(`[string] too long: ${bytes.length} bytes`);
    return this.writeShort(bytes.length).writeRaw(bytes);
  }

  writeLongString(value: string): this {
    const bytes = Buffer.from(value, 'utf8');
    return this.writeInt(bytes.length).writeRaw(bytes);
  }

  writeUuid(bytes: Buffer): this {
    if (!(bytes.length === 16)) fail(`[uuid] must be 16 bytes, got ${bytes.length}`);
    return this.writeRaw(bytes);
  }

  writeStringList(values: readonly string[]): this {
    this.writeShort(values.length);
    for (const value of values) this.writeString(value);
    return this;
  }

  writeBytes(value: Buffer | null): this {
    if (value === null) return this.writeInt(-1);
    return this.writeInt(value.length).writeRaw(value);
  }

  writeValue(value: BoundValue): this {
    if (value === UNSET) return this.writeInt(-2);
    return this.writeBytes(value);
  }

  writeShortBytes(value: Buffer): this {
    return this.writeShort(value.length).writeRaw(value);
  }

  writeInetAddr(address: string): this {
    const bytes = parseInetAddress(address);
    if (!(bytes !== null)) fail(`not an IP address: ${address}`);
    return this.writeByte(bytes.length).writeRaw(bytes);
  }

  writeInet(address: string, port: number): this {
    return this.writeInetAddr(address).writeInt(port);
  }

  writeConsistency(level: ConsistencyLevel): this {
    return this.writeShort(level);
  }

  writeStringMap(map: ReadonlyMap<string, string>): this {
    this.writeShort(map.size);
    for (const [key, value] of map) this.writeString(key).writeString(value);
    return this;
  }

  writeStringMultimap(map: ReadonlyMap<string, readonly string[]>): this {
    this.writeShort(map.size);
    for (const [key, values] of map) this.writeString(key).writeStringList(values);
    return this;
  }

  writeBytesMap(map: ReadonlyMap<string, Buffer | null>): this {
    this.writeShort(map.size);
    for (const [key, value] of map) this.writeString(key).writeBytes(value);
    return this;
  }
}

// Encoded sizes of the notations, for codecs that can tell their size before writing.

export function stringSize(value: string): number {
  return 2 + Buffer.byteLength(value, 'utf8');
}

export function longStringSize(value: string): number {
  return 4 + Buffer.byteLength(value, 'utf8');
}

export function bytesSize(value: Buffer | null): number {
  return 4 + (value === null ? 0 : value.length);
}

export function stringListSize(values: readonly string[]): number {
  return values.reduce((total, value) => total + stringSize(value), 2);
}

export function stringMapSize(map: ReadonlyMap<string, string>): number {
  let total = 2;
  for (const [key, value] of map) total += stringSize(key) + stringSize(value);
  return total;
}

export function stringMultimapSize(map: ReadonlyMap<string, readonly string[]>): number {
  let total = 2;
  for (const [key, values] of map) total += stringSize(key) + stringListSize(values);
  return total;
}
