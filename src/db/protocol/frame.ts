// The frame envelope (spec section 2): the 9-byte header, and a streaming decoder that cuts
// socket chunks into frames. The decoder checks each declared body length before buffering
// the body, so a peer cannot make it hold more than the configured bound. In v5 the same
// frames, there called envelopes, travel inside checksummed segments (segment.ts).

import { assert, fail } from '../common/assert.js';
import { protocolError, type CqlError } from '../common/errors.js';
import { frameBodyBytesMax } from '../common/limits.js';
import { HEADER_BYTES, Opcode, PROTOCOL_VERSION, type FrameHeader } from './messages.js';

const responseBit = 0x80;
const versionMask = 0x7f;
/** Protocol v1 and v2 headers are 8 bytes with a 1-byte stream id. */
const legacyHeaderBytes = 8;
const legacyVersionMax = 2;

export function encodeFrameHeader(header: FrameHeader): Buffer {
  if (!(header.version >= 0 && header.version <= versionMask)) fail(`bad frame version ${header.version}`);
  if (!(header.stream >= -0x8000 && header.stream <= 0x7fff)) fail(`bad stream id ${header.stream}`);
  if (!(header.bodyLength >= 0 && header.bodyLength <= 0x7fffffff)) fail(`bad body length ${header.bodyLength}`);
  const bytes = Buffer.alloc(HEADER_BYTES);
  writeFrameHeader(bytes, header);
  return bytes;
}

/** Writes a v3+ header into the first 9 bytes of `target` (a frame whose body follows). */
export function writeFrameHeader(target: Buffer, header: FrameHeader): void {
  assert(target.length >= HEADER_BYTES, 'frame header needs 9 bytes');
  if (!(header.version >= 0 && header.version <= versionMask)) fail(`bad frame version ${header.version}`);
  if (!(header.stream >= -0x8000 && header.stream <= 0x7fff)) fail(`bad stream id ${header.stream}`);
  if (!(header.bodyLength >= 0 && header.bodyLength <= 0x7fffffff)) fail(`bad body length ${header.bodyLength}`);
  target.writeUInt8(header.version | (header.isResponse ? responseBit : 0), 0);
  target.writeUInt8(header.flags, 1);
  target.writeInt16BE(header.stream, 2);
  target.writeUInt8(header.opcode, 4);
  target.writeInt32BE(header.bodyLength, 5);
}

/** Decodes a v3+ header from the first 9 bytes (the caller checks there are 9). */
export function decodeFrameHeader(bytes: Buffer): FrameHeader {
  if (bytes.length < HEADER_BYTES) throw protocolError(`Frame header needs ${HEADER_BYTES} bytes, got ${bytes.length}`);
  const versionByte = bytes.readUInt8(0);
  return {
    version: versionByte & versionMask,
    isResponse: (versionByte & responseBit) !== 0,
    flags: bytes.readUInt8(1),
    stream: bytes.readInt16BE(2),
    opcode: bytes.readUInt8(4),
    bodyLength: bytes.readInt32BE(5),
  };
}

/** A whole frame, header and body as it came off the wire (still compressed if flagged). */
export interface Frame {
  header: FrameHeader;
  body: Buffer;
}

export type FrameDecodeResult =
  | { kind: 'frame'; frame: Frame }
  /** A frame of another protocol version: answer it with unsupportedVersionFrame, then close. */
  | { kind: 'unsupportedVersion'; version: number; stream: number }
  /** A frame that cannot be read (bad length): answer ProtocolError on the stream, then close. */
  | { kind: 'error'; stream: number; error: CqlError }
  /** A frame over the size bound whose body the decoder skips: answer the error on its stream and go on reading. */
  | { kind: 'refused'; stream: number; error: CqlError };

export interface FrameDecoderOptions {
  /** Largest accepted body; defaults to frameBodyBytesMax. */
  bodyBytesMax?: number;
  /** The only version accepted; defaults to 4. */
  version?: number;
  /**
   * The versions a client may open a connection with. Frames of any of them are accepted
   * until a STARTUP, which sets the connection's version (spec 2.1): push() returns right
   * after it, holding the bytes behind it, until the caller calls pin() or detach().
   */
  handshakeVersions?: readonly number[];
  /**
   * A frame longer than bodyBytesMax but at most this long is refused and its body skipped, so
   * the connection goes on (Cassandra 3's Frame.Decoder discarded a too-long frame the same
   * way); a longer one stops the decoder. Absent: every oversized frame stops it.
   */
  discardBytesMax?: number;
}

/**
 * Cuts a byte stream into frames. After any non-frame result the stream cannot be resynced,
 * so the decoder stops: later chunks are dropped and the caller closes the connection.
 */
export class FrameDecoder {
  private readonly bodyBytesMax: number;
  private version: number;
  private chunks: Buffer[] = [];
  private bufferedBytes = 0;
  private header: FrameHeader | null = null;
  private stopped = false;
  private readonly discardBytesMax: number;
  /** Body bytes of a refused frame still to skip. */
  private discarding = 0;
  /** Versions still open to the client: those of the handshake until its STARTUP, then none. */
  private handshakeVersions: readonly number[];
  /** The version of the STARTUP just cut, while the caller has not pinned or detached. */
  private startup: number | null = null;

  constructor(options: FrameDecoderOptions = {}) {
    this.bodyBytesMax = options.bodyBytesMax ?? frameBodyBytesMax;
    this.version = options.version ?? PROTOCOL_VERSION;
    this.handshakeVersions = options.handshakeVersions ?? [];
    this.discardBytesMax = options.discardBytesMax ?? 0;
    assert(this.bodyBytesMax >= 0 && this.bodyBytesMax <= 0x7fffffff, 'bodyBytesMax must fit an [int]');
  }

  get isStopped(): boolean {
    return this.stopped;
  }

  /** Bytes held waiting for the rest of a frame. */
  get bufferedByteCount(): number {
    return this.bufferedBytes;
  }

  /** Part of a frame is held: its header or some of its bytes. */
  get hasPartialFrame(): boolean {
    return this.header !== null || this.bufferedBytes > 0;
  }

  /** Header and body bytes of the frame being read, once its header is in (0 otherwise, and while a refused body is skipped). */
  get partialFrameBytes(): number {
    return this.header === null ? 0 : HEADER_BYTES + this.header.bodyLength;
  }

  /** The version of the STARTUP the last push() stopped after, until pin() or detach(). */
  get startupVersion(): number | null {
    return this.startup;
  }

  /** Accepts only `version` from now on; push() an empty chunk to cut the frames held. */
  pin(version: number): void {
    this.version = version;
    this.handshakeVersions = [];
    this.startup = null;
  }

  /** Stops cutting frames and hands back the bytes held (the first v5 segments, after a v5 STARTUP). */
  detach(): Buffer {
    assert(this.header === null, 'detach between frames only');
    const rest = Buffer.concat(this.chunks, this.bufferedBytes);
    this.stop();
    return rest;
  }

  push(chunk: Buffer): FrameDecodeResult[] {
    const results: FrameDecodeResult[] = [];
    if (this.stopped) return results;
    if (chunk.length > 0) {
      this.chunks.push(chunk);
      this.bufferedBytes += chunk.length;
    }
    while (this.startup === null) {
      const result = this.next();
      if (result === null) break;
      results.push(result);
      if (result.kind === 'refused') continue;
      if (result.kind !== 'frame') {
        this.stop();
        break;
      }
      // The bytes after a STARTUP may be of another format (v5 segments): wait for the caller.
      if (this.handshakeVersions.length > 0 && result.frame.header.opcode === Opcode.STARTUP) {
        this.startup = result.frame.header.version;
      }
    }
    return results;
  }

  private stop(): void {
    this.stopped = true;
    this.chunks = [];
    this.bufferedBytes = 0;
    this.header = null;
  }

  private next(): FrameDecodeResult | null {
    if (this.discarding > 0) {
      const skipped = Math.min(this.discarding, this.bufferedBytes);
      this.skip(skipped);
      this.discarding -= skipped;
      if (this.discarding > 0) return null;
    }
    if (this.header === null) {
      const headerOrResult = this.readHeader();
      if (headerOrResult === null || 'kind' in headerOrResult) return headerOrResult;
      this.header = headerOrResult;
    }
    const header = this.header;
    if (this.bufferedBytes < header.bodyLength) return null;
    const body = this.take(header.bodyLength);
    this.header = null;
    return { kind: 'frame', frame: { header, body } };
  }

  private readHeader(): FrameHeader | FrameDecodeResult | null {
    if (this.bufferedBytes < 1) return null;
    const version = this.peek(1).readUInt8(0) & versionMask;
    if (version !== this.version && !this.handshakeVersions.includes(version)) {
      // Old versions have a shorter header with a 1-byte stream id.
      const headerBytes = version <= legacyVersionMax ? legacyHeaderBytes : HEADER_BYTES;
      if (this.bufferedBytes < headerBytes) return null;
      const bytes = this.peek(headerBytes);
      const stream = version <= legacyVersionMax ? bytes.readInt8(2) : bytes.readInt16BE(2);
      return { kind: 'unsupportedVersion', version, stream };
    }
    if (this.bufferedBytes < HEADER_BYTES) return null;
    const header = decodeFrameHeader(this.take(HEADER_BYTES));
    if (header.bodyLength < 0) {
      return { kind: 'error', stream: header.stream, error: protocolError(`Invalid frame body length ${header.bodyLength}`) };
    }
    if (header.bodyLength > this.bodyBytesMax && header.bodyLength <= this.discardBytesMax) {
      this.discarding = header.bodyLength;
      return {
        kind: 'refused',
        stream: header.stream,
        error: protocolError(`Request is too big: length ${header.bodyLength} exceeds maximum allowed length ${this.bodyBytesMax}.`),
      };
    }
    if (header.bodyLength > this.bodyBytesMax) {
      return {
        kind: 'error',
        stream: header.stream,
        error: protocolError(`Request is too big: length ${header.bodyLength} exceeds maximum allowed length ${this.bodyBytesMax}.`),
      };
    }
    return header;
  }

  /** The first chunk, merged with the following ones until it holds at least `bytes`. */
  private peek(bytes: number): Buffer {
    assert(bytes <= this.bufferedBytes, 'peek past buffered bytes');
    const first = this.chunks[0];
    if (first !== undefined && first.length >= bytes) return first;
    // Merge only the chunks needed, so a small header never copies a large body behind it.
    let count = 0;
    let mergedBytes = 0;
    while (mergedBytes < bytes) mergedBytes += this.chunks[count++]?.length ?? 0;
    const merged = Buffer.concat(this.chunks.slice(0, count), mergedBytes);
    this.chunks.splice(0, count, merged);
    return merged;
  }

  /** Drops `bytes` buffered bytes without copying them. */
  private skip(bytes: number): void {
    let left = bytes;
    while (left > 0) {
      const first = this.chunks[0] as Buffer;
      if (first.length <= left) {
        this.chunks.shift();
        left -= first.length;
      } else {
        this.chunks[0] = first.subarray(left);
        left = 0;
      }
    }
    this.bufferedBytes -= bytes;
  }

  private take(bytes: number): Buffer {
    if (bytes === 0) return Buffer.alloc(0);
    const first = this.peek(bytes);
    const taken = first.subarray(0, bytes);
    const rest = first.subarray(bytes);
    if (rest.length > 0) this.chunks[0] = rest;
    else this.chunks.shift();
    this.bufferedBytes -= bytes;
    return taken;
  }
}
