// The internode frame: every message between nodes (gossip included) travels as one frame.
//   magic u32 'AERI' | version u8 | flags u8 | verb id u16 | request id u32 | payload length u32
//   | header crc32 u32 (over the 16 bytes before it) | payload | payload crc32 u32
// The header has its own checksum so that a corrupt length is caught before it decides how many
// bytes to buffer; the length is also checked against internodePayloadBytesMax at that point.

import { crc32 } from 'node:zlib';
import { assert } from '../../common/assert.js';
import { CorruptionError } from '../../common/errors.js';
import { internodePayloadBytesMax } from '../../common/limits.js';
import { verbForId, verbInfo, type Verb } from './verbs.js';

export const frameMagic = 0x41455249; // 'AERI': Aerolíneas internode
export const frameVersion = 1;
export const frameHeaderBytes = 20;
export const frameTrailerBytes = 4;

/** Frame flag bits. Unknown bits are rejected, so a future meaning is never silently ignored. */
export const MessageFlag = {
  /** The message answers the request with the same id. */
  response: 0x01,
  /** A response that reports the request failed (verb FAILURE_RSP). */
  failure: 0x02,
  /** A request whose sender waits for a response. */
  expectsResponse: 0x04,
} as const;
const knownFlags = MessageFlag.response | MessageFlag.failure | MessageFlag.expectsResponse;

export interface Message {
  verb: Verb;
  /** Request id: chosen by the requester, echoed by the response; 0 for one-way messages. */
  id: number;
  flags: number;
  payload: Buffer;
}

export interface FrameHeader {
  verb: Verb;
  id: number;
  flags: number;
  payloadBytes: number;
}

export function encodedFrameSize(message: Message): number {
  return frameHeaderBytes + message.payload.length + frameTrailerBytes;
}

/**
 * A frame as three parts: its header, the payload itself (not copied), and the trailer. The
 * transport writes the parts of every frame of one turn in one socket write, so a payload sent
 * to several replicas is encoded once and copied only into that write.
 */
export function encodeFrameParts(message: Message): [Buffer, Buffer, Buffer] {
  assert(Number.isInteger(message.id) && message.id >= 0 && message.id <= 0xffffffff, 'request id out of range');
  assert((message.flags & ~knownFlags) === 0, 'unknown message flags');
  assert(message.payload.length <= internodePayloadBytesMax, 'internode payload too large');
  const header = Buffer.allocUnsafe(frameHeaderBytes);
  header.writeUInt32BE(frameMagic, 0);
  header.writeUInt8(frameVersion, 4);
  header.writeUInt8(message.flags, 5);
  header.writeUInt16BE(verbInfo(message.verb).id, 6);
  header.writeUInt32BE(message.id, 8);
  header.writeUInt32BE(message.payload.length, 12);
  header.writeUInt32BE(crc32(header.subarray(0, 16)), 16);
  const trailer = Buffer.allocUnsafe(frameTrailerBytes);
  trailer.writeUInt32BE(crc32(message.payload), 0);
  return [header, message.payload, trailer];
}

/** A frame as one buffer (tests, and the in-memory transport). */
export function encodeFrame(message: Message): Buffer {
  return Buffer.concat(encodeFrameParts(message), encodedFrameSize(message));
}

/** Validates a frame header (at least frameHeaderBytes long) and returns its fields. */
export function decodeFrameHeader(bytes: Buffer, source: string, offset = 0): FrameHeader {
  assert(bytes.length >= frameHeaderBytes, 'need a whole header');
  const magic = bytes.readUInt32BE(0);
  if (magic !== frameMagic) throw new CorruptionError(source, offset, `bad internode magic 0x${magic.toString(16)}`);
  const checksum = bytes.readUInt32BE(16);
  if (checksum !== crc32(bytes.subarray(0, 16))) throw new CorruptionError(source, offset, 'internode header checksum mismatch');
  const version = bytes.readUInt8(4);
  if (version !== frameVersion) throw new CorruptionError(source, offset, `unsupported internode version ${version}`);
  const flags = bytes.readUInt8(5);
  if ((flags & ~knownFlags) !== 0) throw new CorruptionError(source, offset, `unknown internode flags 0x${flags.toString(16)}`);
  const verbId = bytes.readUInt16BE(6);
  const verb = verbForId(verbId);
  if (verb === undefined) throw new CorruptionError(source, offset, `unknown verb id ${verbId}`);
  const payloadBytes = bytes.readUInt32BE(12);
  if (payloadBytes > internodePayloadBytesMax) {
    throw new CorruptionError(source, offset, `internode payload of ${payloadBytes} bytes exceeds ${internodePayloadBytesMax}`);
  }
  return { verb, id: bytes.readUInt32BE(8), flags, payloadBytes };
}

/** Decodes exactly one whole frame. */
export function decodeFrame(frame: Buffer, source: string, offset = 0): Message {
  if (frame.length < frameHeaderBytes) throw new CorruptionError(source, offset, `truncated internode header: ${frame.length} bytes`);
  const header = decodeFrameHeader(frame, source, offset);
  const expected = frameHeaderBytes + header.payloadBytes + frameTrailerBytes;
  if (frame.length !== expected) {
    throw new CorruptionError(source, offset, `internode frame of ${frame.length} bytes, header says ${expected}`);
  }
  const payloadEnd = frameHeaderBytes + header.payloadBytes;
  const payload = frame.subarray(frameHeaderBytes, payloadEnd);
  if (frame.readUInt32BE(payloadEnd) !== crc32(payload)) {
    throw new CorruptionError(source, offset + payloadEnd, 'internode payload checksum mismatch');
  }
  return { verb: header.verb, id: header.id, flags: header.flags, payload };
}

/**
 * Cuts a byte stream into whole frames. The header is validated (magic, checksum, length bound)
 * as soon as its 20 bytes are in, before any payload is buffered. After an error the stream is
 * unusable: the caller closes the connection.
 */
export class FrameSplitter {
  private chunks: Buffer[] = [];
  private buffered = 0;
  private streamOffset = 0;
  /** Total size of the frame being assembled, once its header is known. */
  private frameBytes: number | undefined;

  constructor(private readonly source: string) {}

  push(chunk: Buffer): Buffer[] {
    this.chunks.push(chunk);
    this.buffered += chunk.length;
    const frames: Buffer[] = [];
    for (;;) {
      if (this.frameBytes === undefined) {
        if (this.buffered < frameHeaderBytes) break;
        const header = decodeFrameHeader(this.peek(frameHeaderBytes), this.source, this.streamOffset);
        this.frameBytes = frameHeaderBytes + header.payloadBytes + frameTrailerBytes;
      }
      if (this.buffered < this.frameBytes) break;
      frames.push(this.take(this.frameBytes));
      this.streamOffset += this.frameBytes;
      this.frameBytes = undefined;
    }
    return frames;
  }

  /** Bytes held for an incomplete frame. */
  bufferedBytes(): number {
    return this.buffered;
  }

  private peek(n: number): Buffer {
    const first = this.chunks[0];
    if (first !== undefined && first.length >= n) return first.subarray(0, n);
    return Buffer.concat(this.chunks).subarray(0, n);
  }

  private take(n: number): Buffer {
    const all = this.chunks.length === 1 ? (this.chunks[0] as Buffer) : Buffer.concat(this.chunks);
    const frame = all.subarray(0, n);
    const rest = all.subarray(n);
    this.chunks = rest.length > 0 ? [rest] : [];
    this.buffered = rest.length;
    return frame;
  }
}
