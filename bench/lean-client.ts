// The lean load client: one socket per connection speaking native protocol v4 with the
// project's own codecs, many requests pipelined on stream ids, writes coalesced per event-loop
// turn. Only ERROR bodies are decoded on the hot path: a RESULT is counted from its header, so
// the client costs far less per request than the server it measures.

import { connect, type Socket } from 'node:net';
import type { ConsistencyLevel } from '../src/db/common/consistency.js';
import { decodeResponse, encodeRequest } from '../src/db/protocol/codec.js';
import { FrameDecoder } from '../src/db/protocol/frame.js';
import { Opcode, type FrameHeader, type RequestMessage, type ResponseMessage } from '../src/db/protocol/messages.js';

/** Called once per request: null on success, else a one-line error. */
export type Completion = (error: string | null) => void;

const streamsMax = 32_768;

/** Gets the response's header and body, or null when the connection failed first. */
type Responder = (header: FrameHeader | null, body: Buffer) => void;
const connectTimeoutMs = 10_000;

export class LeanConnection {
  private readonly decoder = new FrameDecoder();
  private readonly waiting: Array<Responder | undefined> = [];
  private readonly freeStreams: number[] = [];
  private queued: Buffer[] = [];
  private flushScheduled = false;
  private closedReason: string | null = null;

  private constructor(private readonly socket: Socket) {
    for (let stream = streamsMax - 1; stream >= 0; stream--) this.freeStreams.push(stream);
    socket.setNoDelay(true);
    socket.on('data', (chunk: Buffer) => this.onData(chunk));
    socket.on('error', (error) => this.fail(`connection error: ${error.message}`));
    socket.on('close', () => this.fail('connection closed'));
  }

  /** localAddress: the client's source address (a second client host on the loopback, 127.0.0.2). */
  static async open(host: string, port: number, options: { localAddress?: string } = {}): Promise<LeanConnection> {
    const socket = await new Promise<Socket>((resolve, reject) => {
      const s = connect({ host, port, ...(options.localAddress === undefined ? {} : { localAddress: options.localAddress }) });
      const timer = setTimeout(() => { s.destroy(); reject(new Error(`connect to ${host}:${port} timed out`)); }, connectTimeoutMs);
      s.once('connect', () => { clearTimeout(timer); resolve(s); });
      s.once('error', (error) => { clearTimeout(timer); reject(error); });
    });
    const connection = new LeanConnection(socket);
    const ready = await connection.call({ opcode: Opcode.STARTUP, options: new Map([['CQL_VERSION', '3.0.0']]) });
    if (ready.opcode !== Opcode.READY) throw new Error(`STARTUP answered with opcode ${ready.opcode}`);
    return connection;
  }

  get inFlight(): number {
    return streamsMax - this.freeStreams.length;
  }

  /** One request and its decoded response (for setup, not the hot path). */
  async call(request: RequestMessage): Promise<ResponseMessage> {
    return new Promise((resolve, reject) => {
      this.send((stream) => encodeRequest(stream, request), (header, body) => {
        if (header === null) reject(new Error(this.closedReason ?? 'connection closed'));
        else resolve(decodeResponse(header, body));
      });
    });
  }

  async prepare(query: string): Promise<Buffer> {
    const message = await this.call({ opcode: Opcode.PREPARE, query });
    if (message.opcode === Opcode.RESULT && message.result.kind === 'prepared') return message.result.id;
    if (message.opcode === Opcode.ERROR) throw new Error(`PREPARE failed: ${message.message}`);
    throw new Error(`PREPARE answered with opcode ${message.opcode}`);
  }

  /** Pipelined request whose frame `encode` builds for a stream id; `done` gets null for any RESULT, else the error text. */
  request(encode: (stream: number) => Buffer, done: Completion): void {
    this.send(encode, (header, body) => {
      if (header === null) done(this.closedReason ?? 'connection closed');
      else if (header.opcode === Opcode.RESULT) done(null);
      else done(describeError(header, body));
    });
  }

  close(): void {
    this.socket.destroy();
  }

  private send(encode: (stream: number) => Buffer, onResponse: Responder): void {
    if (this.closedReason !== null) { onResponse(null, Buffer.alloc(0)); return; }
    const stream = this.freeStreams.pop();
    if (stream === undefined) throw new Error(`more than ${streamsMax} requests in flight on one connection`);
    this.waiting[stream] = onResponse;
    this.queued.push(encode(stream));
    if (!this.flushScheduled) {
      this.flushScheduled = true;
      // Every request issued in this turn (e.g. the replies to one socket chunk) goes in one write.
      queueMicrotask(() => this.flush());
    }
  }

  private flush(): void {
    this.flushScheduled = false;
    const frames = this.queued;
    this.queued = [];
    if (frames.length === 0 || this.closedReason !== null) return;
    this.socket.write(frames.length === 1 ? frames[0] as Buffer : Buffer.concat(frames));
  }

  private onData(chunk: Buffer): void {
    for (const result of this.decoder.push(chunk)) {
      if (result.kind !== 'frame') { this.fail(`undecodable response (${result.kind})`); return; }
      const { header, body } = result.frame;
      if (header.stream < 0) continue; // events are not asked for
      const callback = this.waiting[header.stream];
      if (callback === undefined) { this.fail(`response on idle stream ${header.stream}`); return; }
      this.waiting[header.stream] = undefined;
      this.freeStreams.push(header.stream);
      callback(header, body);
    }
  }

  private fail(reason: string): void {
    if (this.closedReason !== null) return;
    this.closedReason = reason;
    this.socket.destroy();
    for (let stream = 0; stream < this.waiting.length; stream++) {
      const callback = this.waiting[stream];
      if (callback === undefined) continue;
      this.waiting[stream] = undefined;
      callback(null, Buffer.alloc(0));
    }
  }
}

function describeError(header: FrameHeader, body: Buffer): string {
  if (header.opcode !== Opcode.ERROR) return `unexpected opcode ${header.opcode}`;
  try {
    const message = decodeResponse(header, body);
    return message.opcode === Opcode.ERROR ? `error 0x${message.code.toString(16)}: ${message.message}` : 'error';
  } catch (error) {
    return `undecodable error: ${(error as Error).message}`;
  }
}

/**
 * An EXECUTE frame encoded once by the codec with marker values, then copied per request with
 * the stream id, key and value written in place: every request of a statement has the same
 * length (8-byte key, fixed-size value), so the hot path allocates one buffer and encodes nothing.
 */
export class ExecuteTemplate {
  private constructor(private readonly frame: Buffer, private readonly keyOffset: number, private readonly valueOffset: number) {}

  static create(id: Buffer, options: { consistency: ConsistencyLevel; key: Buffer; value: Buffer | null }): ExecuteTemplate {
    const values = options.value === null ? [options.key] : [options.key, options.value];
    const parameters = {
      consistency: options.consistency, values, names: null, skipMetadata: true, pageSize: null,
      pagingState: null, serialConsistency: null, defaultTimestamp: null,
    };
    const frame = encodeRequest(0, { opcode: Opcode.EXECUTE, id, parameters });
    // Values are the body's last bytes: [int length][key] then [int length][value].
    const valueOffset = options.value === null ? frame.length : frame.length - options.value.length;
    const keyOffset = (options.value === null ? frame.length : valueOffset - 4) - options.key.length;
    const keyFound = frame.subarray(keyOffset, keyOffset + options.key.length).equals(options.key) && frame.readInt32BE(keyOffset - 4) === options.key.length;
    if (options.key.length !== 8 || !keyFound) throw new Error('EXECUTE template: an 8-byte key was not where expected');
    return new ExecuteTemplate(frame, keyOffset, valueOffset);
  }

  /** The frame for a stream id, a bigint key (0 <= key < 2^53) and the value (same length as the template's). */
  build(stream: number, key: number, value: Buffer | null): Buffer {
    const frame = Buffer.allocUnsafe(this.frame.length);
    this.frame.copy(frame);
    frame.writeInt16BE(stream, 2);
    frame.writeUInt32BE(Math.floor(key / 0x1_0000_0000), this.keyOffset);
    frame.writeUInt32BE(key >>> 0, this.keyOffset + 4);
    if (value !== null) {
      if (value.length !== this.frame.length - this.valueOffset) throw new Error(`EXECUTE template: value of ${value.length} bytes, template has ${this.frame.length - this.valueOffset}`);
      value.copy(frame, this.valueOffset);
    }
    return frame;
  }
}
