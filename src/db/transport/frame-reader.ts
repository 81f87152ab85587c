// What a client connection reads: the frames of the handshake, of any version a client may
// start with, until STARTUP; then v4 frames, or for v5 (spec 2.3) the segments every byte
// after the STARTUP comes in (protocol/segment.ts). The segments' format depends on STARTUP's
// COMPRESSION option, which the connection learns only when it handles that STARTUP, so the
// bytes behind a v5 STARTUP are held (bounded) until it says startSegments or resumeHandshake.

import { protocolError } from '../common/errors.js';
import { frameBodyBytesMax, segmentBacklogBytesMax } from '../common/limits.js';
import { FrameDecoder, type FrameDecodeResult } from '../protocol/frame.js';
import { PROTOCOL_V5, PROTOCOL_VERSIONS } from '../protocol/messages.js';
import { SegmentDecoder } from '../protocol/segment.js';

const emptyChunk = Buffer.alloc(0);

export class ClientFrameReader {
  /** Frames straight off the socket: every version of the handshake until STARTUP, then v4. */
  private decoder: FrameDecoder;
  /** v5, once its STARTUP was accepted: the segments the frames come in. */
  private segments: SegmentDecoder | null = null;
  /** The bytes behind a v5 STARTUP, until the connection has handled it. */
  private backlog: Buffer[] | null = null;
  private backlogBytes = 0;
  /** Too much came behind a v5 STARTUP: nothing more is read (the connection closes). */
  private overrun = false;

  constructor(private readonly options: { bodyBytesMax: number }) {
    this.decoder = this.handshakeDecoder();
  }

  /** A v5 STARTUP was read and not yet accepted or refused. */
  get awaitingStartup(): boolean {
    return this.backlog !== null;
  }

  /**
   * Bytes of the frame being read, known from its header before its body has arrived, so that
   * the connection can reserve them while it reads (0 between frames, and while the bytes
   * behind a v5 STARTUP are held: that hold has its own small bound).
   */
  get partialFrameBytes(): number {
    if (this.segments !== null) return this.segments.partialFrameBytes;
    return this.backlog === null ? this.decoder.partialFrameBytes : 0;
  }

  push(chunk: Buffer): FrameDecodeResult[] {
    if (this.segments !== null) return this.segments.push(chunk);
    if (this.backlog !== null) return this.hold(chunk);
    const results = this.decoder.push(chunk);
    const version = this.decoder.startupVersion;
    if (version === null) return results;
    // The STARTUP just cut sets the connection's version: v4 goes on cutting frames, v5 waits.
    if (version !== PROTOCOL_V5) {
      this.decoder.pin(version);
      return results.concat(this.push(emptyChunk));
    }
    this.backlog = [];
    return results.concat(this.hold(this.decoder.detach()));
  }

  /** The v5 STARTUP was accepted: the bytes held behind it are the first segments. */
  startSegments(options: { compressed: boolean }): FrameDecodeResult[] {
    const backlog = Buffer.concat(this.backlog ?? []);
    this.backlog = null;
    this.segments = new SegmentDecoder({ compressed: options.compressed, bodyBytesMax: this.options.bodyBytesMax });
    return this.segments.push(backlog);
  }

  /** The v5 STARTUP was refused: the connection is still in its handshake, with plain frames (spec 2.3.1). */
  resumeHandshake(): FrameDecodeResult[] {
    const backlog = Buffer.concat(this.backlog ?? []);
    this.backlog = null;
    this.decoder = this.handshakeDecoder();
    return this.push(backlog);
  }

  private handshakeDecoder(): FrameDecoder {
    // A frame over the configured bound but within the largest one configurable is skipped and
    // answered, and the connection stays (a driver sending one big value keeps its pool).
    return new FrameDecoder({ bodyBytesMax: this.options.bodyBytesMax, handshakeVersions: PROTOCOL_VERSIONS, discardBytesMax: frameBodyBytesMax });
  }

  /** A client waits for the answer to STARTUP, so little may come before it: the hold is bounded. */
  private hold(chunk: Buffer): FrameDecodeResult[] {
    if (chunk.length === 0 || this.overrun) return [];
    this.backlogBytes += chunk.length;
    if (this.backlogBytes > segmentBacklogBytesMax) {
      this.overrun = true;
      this.backlog = [];
      return [{ kind: 'error', stream: 0, error: protocolError('Too many bytes sent before the answer to a protocol v5 STARTUP') }];
    }
    this.backlog?.push(chunk);
    return [];
  }
}
