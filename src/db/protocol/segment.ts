// Protocol v5's outer framing (native_protocol_v5.spec, sections 2.1 to 2.3), which the spec
// calls frames and the drivers segments: after the STARTUP exchange, every byte of a v5
// connection is a segment, and the v4-style frames ("envelopes") travel inside them.
//
//   uncompressed: header (3 bytes LE: payload length 17 bits, self-contained flag bit 17)
//                 | CRC24 of those 3 bytes (3 bytes LE) | payload | CRC32 of payload (4 bytes LE)
//   LZ4:          header (5 bytes LE: compressed length 17 bits, uncompressed length 17 bits,
//                 self-contained flag bit 34) | CRC24 of those 5 bytes | payload | CRC32 of payload
//
// A self-contained segment holds one or more whole envelopes; an envelope longer than a
// segment's payload (128 KiB - 1) is cut over segments that are not self-contained. With LZ4,
// an uncompressed length of 0 means the payload went as it was (it did not shrink).

import { crc32 } from 'node:zlib';
import { fail } from '../common/assert.js';
import { CqlError, protocolError } from '../common/errors.js';
import { FrameDecoder, type Frame, type FrameDecodeResult } from './frame.js';
import { compressBlock, decompressBlock } from './lz4.js';
import { PROTOCOL_V5 } from './messages.js';

/** The largest payload of one segment: the 17 bits of its length field. */
export const segmentPayloadBytesMax = 128 * 1024 - 1;
const lengthBits = 17;
const lengthFactor = 2 ** lengthBits;
const crc24Bytes = 3;
const crc32Bytes = 4;
const uncompressedHeaderFieldBytes = 3;
const compressedHeaderFieldBytes = 5;

// CRC24 as Cassandra's Crc.crc24 computes it (the spec gives its two parameters).
const crc24Init = 0x875060;
const crc24Polynomial = 0x1974f0b;

/** The CRC24 of a segment header's first `length` bytes, fed least significant byte first. */
export function crc24(bytes: Uint8Array, length: number): number {
  let crc = crc24Init;
  for (let index = 0; index < length; index++) {
    crc ^= (bytes[index] ?? 0) << 16;
    for (let bit = 0; bit < 8; bit++) {
      crc <<= 1;
      if ((crc & 0x1000000) !== 0) crc ^= crc24Polynomial;
    }
  }
  return crc & 0xffffff;
}

/** Cassandra seeds the payload CRC32 with these 4 bytes (Crc.crc32's initial bytes; drivers do the same). */
const crc32Seed = crc32(Buffer.from([0xfa, 0x2d, 0x55, 0xca]));

/** The CRC32 of a segment's payload. */
export function payloadCrc32(payload: Uint8Array): number {
  return crc32(payload, crc32Seed);
}

export interface SegmentOptions {
  /** LZ4 was negotiated in STARTUP: segments have the 8-byte header. */
  compressed: boolean;
}

/**
 * Wraps envelopes (whole frames, header included) in segments: consecutive small ones share a
 * self-contained segment up to the payload bound; a larger one is cut over segments of its own.
 */
export function encodeSegments(envelopes: readonly Buffer[], options: SegmentOptions): Buffer {
  const out: Buffer[] = [];
  let group: Buffer[] = [];
  let groupBytes = 0;
  const flushGroup = () => {
    if (group.length === 0) return;
    const payload = group.length === 1 ? (group[0] as Buffer) : Buffer.concat(group, groupBytes);
    out.push(encodeSegment(payload, { compressed: options.compressed, selfContained: true }));
    group = [];
    groupBytes = 0;
  };
  for (const envelope of envelopes) {
    if (envelope.length > segmentPayloadBytesMax) {
      flushGroup();
      for (let start = 0; start < envelope.length; start += segmentPayloadBytesMax) {
        const part = envelope.subarray(start, start + segmentPayloadBytesMax);
        out.push(encodeSegment(part, { compressed: options.compressed, selfContained: false }));
      }
      continue;
    }
    if (groupBytes + envelope.length > segmentPayloadBytesMax) flushGroup();
    group.push(envelope);
    groupBytes += envelope.length;
  }
  flushGroup();
  return out.length === 1 ? (out[0] as Buffer) : Buffer.concat(out);
}

/** One segment around `payload` (at most segmentPayloadBytesMax bytes). */
export function encodeSegment(payload: Buffer, options: SegmentOptions & { selfContained: boolean }): Buffer {
  if (!(payload.length <= segmentPayloadBytesMax)) fail(`segment payload of ${payload.length} bytes exceeds ${segmentPayloadBytesMax}`);
  const flag = options.selfContained ? 1 : 0;
  if (!options.compressed) {
    return withHeader(payload, { fields: payload.length + flag * lengthFactor, fieldBytes: uncompressedHeaderFieldBytes });
  }
  const block = payload.length === 0 ? payload : compressBlock(payload);
  // A payload that does not shrink goes as it is, marked by an uncompressed length of 0.
  const shrank = block.length < payload.length;
  const sent = shrank ? block : payload;
  const uncompressedBytes = shrank ? payload.length : 0;
  const fields = sent.length + uncompressedBytes * lengthFactor + flag * lengthFactor * lengthFactor;
  return withHeader(sent, { fields, fieldBytes: compressedHeaderFieldBytes });
}

function withHeader(payload: Buffer, header: { fields: number; fieldBytes: number }): Buffer {
  const headerBytes = header.fieldBytes + crc24Bytes;
  const segment = Buffer.allocUnsafe(headerBytes + payload.length + crc32Bytes);
  segment.writeUIntLE(header.fields, 0, header.fieldBytes);
  segment.writeUIntLE(crc24(segment, header.fieldBytes), header.fieldBytes, crc24Bytes);
  payload.copy(segment, headerBytes);
  segment.writeUInt32LE(payloadCrc32(payload), headerBytes + payload.length);
  return segment;
}

/** A segment's header fields, its CRC24 checked. */
interface SegmentHeader {
  payloadBytes: number;
  /** 0 when the payload is not compressed. */
  uncompressedBytes: number;
  selfContained: boolean;
}

export interface SegmentDecoderOptions extends SegmentOptions {
  /** Largest envelope body accepted, as FrameDecoder's bodyBytesMax. */
  bodyBytesMax?: number;
}

/**
 * Cuts a v5 byte stream into segments, checks both CRCs, and yields the envelopes they carry,
 * as FrameDecoder does for v4. A bad CRC, or segments that do not hold whole envelopes as the
 * spec says, is an error after which the decoder stops: the stream cannot be trusted again.
 */
export class SegmentDecoder {
  private readonly compressed: boolean;
  private readonly headerBytes: number;
  private readonly envelopes: FrameDecoder;
  private buffer: Buffer = Buffer.alloc(0);
  private stopped = false;

  constructor(options: SegmentDecoderOptions) {
    this.compressed = options.compressed;
    this.headerBytes = (options.compressed ? compressedHeaderFieldBytes : uncompressedHeaderFieldBytes) + crc24Bytes;
    this.envelopes = new FrameDecoder({ version: PROTOCOL_V5, ...(options.bodyBytesMax === undefined ? {} : { bodyBytesMax: options.bodyBytesMax }) });
  }

  get isStopped(): boolean {
    return this.stopped;
  }

  /** Bytes held: of a segment not yet whole, and of a large envelope not yet whole. */
  get bufferedByteCount(): number {
    return this.buffer.length + this.envelopes.bufferedByteCount;
  }

  /** Header and body bytes of the large envelope being gathered across segments, once its header is in. */
  get partialFrameBytes(): number {
    return this.envelopes.partialFrameBytes;
  }

  push(chunk: Buffer): FrameDecodeResult[] {
    const results: FrameDecodeResult[] = [];
    if (this.stopped) return results;
    // A segment is at most 128 KiB: joining a partial one with the next chunk copies little.
    if (chunk.length > 0) this.buffer = this.buffer.length === 0 ? chunk : Buffer.concat([this.buffer, chunk]);
    try {
      while (!this.stopped && this.buffer.length >= this.headerBytes && this.nextSegment(results));
    } catch (error) {
      if (!(error instanceof CqlError)) throw error;
      results.push({ kind: 'error', stream: 0, error });
      this.stop();
    }
    return results;
  }

  private stop(): void {
    this.stopped = true;
    this.buffer = Buffer.alloc(0);
  }

  /** Decodes the segment at the front into `results`; false while it is not all here. */
  private nextSegment(results: FrameDecodeResult[]): boolean {
    const header = this.readHeader();
    const total = this.headerBytes + header.payloadBytes + crc32Bytes;
    if (this.buffer.length < total) return false;
    const payload = this.buffer.subarray(this.headerBytes, this.headerBytes + header.payloadBytes);
    const expected = this.buffer.readUInt32LE(this.headerBytes + header.payloadBytes);
    this.buffer = this.buffer.subarray(total);
    const computed = payloadCrc32(payload);
    if (computed !== expected) {
      throw protocolError(`CRC mismatch on the payload of a protocol v5 segment: received 0x${hex(expected)}, computed 0x${hex(computed)}`);
    }
    // decompressBlock checks every length and fails with a ProtocolError on a corrupt block.
    const bytes = header.uncompressedBytes > 0 ? decompressBlock(payload, header.uncompressedBytes) : payload;
    this.takeEnvelopes(bytes, { selfContained: header.selfContained, results });
    return true;
  }

  private readHeader(): SegmentHeader {
    const fieldBytes = this.headerBytes - crc24Bytes;
    const fields = this.buffer.readUIntLE(0, fieldBytes);
    const expected = this.buffer.readUIntLE(fieldBytes, crc24Bytes);
    const computed = crc24(this.buffer, fieldBytes);
    if (computed !== expected) {
      throw protocolError(`CRC mismatch on the header of a protocol v5 segment: received 0x${hex(expected)}, computed 0x${hex(computed)}`);
    }
    const payloadBytes = fields % lengthFactor;
    if (!this.compressed) return { payloadBytes, uncompressedBytes: 0, selfContained: Math.floor(fields / lengthFactor) % 2 === 1 };
    const uncompressedBytes = Math.floor(fields / lengthFactor) % lengthFactor;
    return { payloadBytes, uncompressedBytes, selfContained: Math.floor(fields / lengthFactor / lengthFactor) % 2 === 1 };
  }

  /**
   * A self-contained payload must end on an envelope boundary, with no large envelope under
   * way; the segments of a large envelope carry that envelope alone and end with it.
   */
  private takeEnvelopes(bytes: Buffer, segment: { selfContained: boolean; results: FrameDecodeResult[] }): void {
    const { selfContained, results } = segment;
    if (selfContained && this.envelopes.hasPartialFrame) throw protocolError('A self-contained protocol v5 segment arrived inside a large envelope');
    const frames: Frame[] = [];
    for (const result of this.envelopes.push(bytes)) {
      if (result.kind !== 'frame') {
        // An envelope the frame decoder refuses (another version, a bad length): its own answer.
        results.push(result);
        this.stop();
        return;
      }
      frames.push(result.frame);
    }
    if (selfContained && this.envelopes.hasPartialFrame) throw protocolError('A self-contained protocol v5 segment ends inside an envelope');
    if (!selfContained && frames.length > 0 && (frames.length > 1 || this.envelopes.hasPartialFrame)) {
      throw protocolError('A protocol v5 segment that is not self-contained holds more than one envelope');
    }
    for (const frame of frames) results.push({ kind: 'frame', frame });
  }
}

function hex(value: number): string {
  return value.toString(16).padStart(6, '0');
}
