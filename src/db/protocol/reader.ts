// Bounds-checked reader of the spec's notations (section 3). Every read checks the bytes that
// remain first, so malformed input always ends in a ProtocolError, never a RangeError, and
// every count is checked against the bytes left before anything is allocated for it.

import { isConsistencyLevel, type ConsistencyLevel } from '../common/consistency.js';
import { protocolError } from '../common/errors.js';
import { formatInetAddress } from './inet.js';
import { PROTOCOL_VERSION, UNSET, type BoundValue } from './messages.js';

const utf8 = new TextDecoder('utf-8', { fatal: true, ignoreBOM: true });

export interface InetSocketAddress {
  address: string;
  port: number;
}

export class ProtocolReader {
  private offset = 0;

  /** `version` is the connection's protocol version: v5 changed a few message layouts. */
  constructor(
    private readonly buffer: Buffer,
    readonly version: number = PROTOCOL_VERSION,
  ) {}

  get remaining(): number {
    return this.buffer.length - this.offset;
  }

  get position(): number {
    return this.offset;
  }

  /** Trailing bytes after a message are a protocol error: nothing is ignored silently. */
  expectEnd(what: string): void {
    if (this.remaining !== 0) {
      throw protocolError(`Unexpected ${this.remaining} extra byte(s) after ${what}`);
    }
  }

  private need(bytes: number, what: string): void {
    if (bytes > this.remaining) {
      throw protocolError(`Not enough bytes to read ${what}: need ${bytes}, have ${this.remaining}`);
    }
  }

  /** Checks a count of items that each take at least itemBytesMin before allocating for them. */
  private checkCount(count: number, itemBytesMin: number, { what }: { what: string }): void {
    if (count * itemBytesMin > this.remaining) {
      throw protocolError(`Invalid ${what} count ${count}: only ${this.remaining} bytes remain`);
    }
  }

  readRaw(length: number, what = 'bytes'): Buffer {
    if (length < 0) throw protocolError(`Invalid negative length ${length} for ${what}`);
    this.need(length, what);
    const slice = this.buffer.subarray(this.offset, this.offset + length);
    this.offset += length;
    return slice;
  }

  readByte(what = '[byte]'): number {
    this.need(1, what);
    const value = this.buffer.readUInt8(this.offset);
    this.offset += 1;
    return value;
  }

  /** [short]: unsigned 16 bits. */
  readShort(what = '[short]'): number {
    this.need(2, what);
    const value = this.buffer.readUInt16BE(this.offset);
    this.offset += 2;
    return value;
  }

  /** [int]: signed 32 bits. */
  readInt(what = '[int]'): number {
    this.need(4, what);
    const value = this.buffer.readInt32BE(this.offset);
    this.offset += 4;
    return value;
  }

  /** [long]: signed 64 bits. */
  readLong(what = '[long]'): bigint {
    this.need(8, what);
    const value = this.buffer.readBigInt64BE(this.offset);
    this.offset += 8;
    return value;
  }

  readString(what = '[string]'): string {
    return decodeUtf8(this.readRaw(this.readShort(what), what), what);
  }

  readLongString(what = '[long string]'): string {
    return decodeUtf8(this.readRaw(this.readLength(what), what), what);
  }

  /** [uuid]: 16 raw bytes. */
  readUuid(what = '[uuid]'): Buffer {
    return this.readRaw(16, what);
  }

  readStringList(what = '[string list]'): string[] {
    const count = this.readShort(what);
    this.checkCount(count, 2, { what });
    const list: string[] = [];
    for (let index = 0; index < count; index++) list.push(this.readString(what));
    return list;
  }

  /** [bytes]: any negative length is null. */
  readBytes(what = '[bytes]'): Buffer | null {
    const length = this.readInt(what);
    if (length < 0) return null;
    return this.readRaw(length, what);
  }

  /** [value]: -1 is null, -2 is UNSET, below -2 is an error. */
  readValue(what = '[value]'): BoundValue {
    const length = this.readInt(what);
    if (length === -1) return null;
    if (length === -2) return UNSET;
    if (length < 0) throw protocolError(`Invalid ${what} length ${length}`);
    return this.readRaw(length, what);
  }

  readShortBytes(what = '[short bytes]'): Buffer {
    return this.readRaw(this.readShort(what), what);
  }

  /** [inetaddr]: a [byte] size of 4 or 16 and the address bytes. */
  readInetAddr(what = '[inetaddr]'): string {
    const size = this.readByte(what);
    if (size !== 4 && size !== 16) throw protocolError(`Invalid ${what} address size ${size} (expected 4 or 16)`);
    return formatInetAddress(this.readRaw(size, what));
  }

  /** [inet]: an [inetaddr] and an [int] port. */
  readInet(what = '[inet]'): InetSocketAddress {
    const address = this.readInetAddr(what);
    const port = this.readInt(what);
    if (port < 0 || port > 65535) throw protocolError(`Invalid ${what} port ${port}`);
    return { address, port };
  }

  readConsistency(what = '[consistency]'): ConsistencyLevel {
    const value = this.readShort(what);
    if (!isConsistencyLevel(value)) throw protocolError(`Unknown consistency level 0x${value.toString(16).padStart(4, '0')}`);
    return value;
  }

  readStringMap(what = '[string map]'): Map<string, string> {
    const count = this.readShort(what);
    this.checkCount(count, 4, { what });
    const map = new Map<string, string>();
    for (let index = 0; index < count; index++) {
      const key = this.readString(what);
      map.set(key, this.readString(what));
    }
    return map;
  }

  readStringMultimap(what = '[string multimap]'): Map<string, string[]> {
    const count = this.readShort(what);
    this.checkCount(count, 4, { what });
    const map = new Map<string, string[]>();
    for (let index = 0; index < count; index++) {
      const key = this.readString(what);
      map.set(key, this.readStringList(what));
    }
    return map;
  }

  readBytesMap(what = '[bytes map]'): Map<string, Buffer | null> {
    const count = this.readShort(what);
    this.checkCount(count, 6, { what });
    const map = new Map<string, Buffer | null>();
    for (let index = 0; index < count; index++) {
      const key = this.readString(what);
      map.set(key, this.readBytes(what));
    }
    return map;
  }

  /** A non-negative [int] length. */
  private readLength(what: string): number {
    const length = this.readInt(what);
    if (length < 0) throw protocolError(`Invalid negative length ${length} for ${what}`);
    return length;
  }
}

function decodeUtf8(bytes: Buffer, what: string): string {
  try {
    return utf8.decode(bytes);
  } catch (error) {
    throw protocolError(`Invalid UTF-8 in ${what}: ${error instanceof Error ? error.message : String(error)}`);
  }
}
