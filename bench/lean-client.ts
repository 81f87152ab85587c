// The lean load client: one socket per connection speaking native protocol v4 with the
// project's own codecs, many requests pipelined on stream ids, writes coalesced per event-loop
// turn. Only ERROR bodies are decoded on the hot path: a RESULT is counted from its header, so
// the client costs far less per request than the server it measures.

import { connect, type Socket } from 'node:net';
import { ConsistencyLevel } from '../src/db/common/consistency.js';
import { decodeResponse, encodeRequest } from '../src/db/protocol/codec.js';
import { FrameDecoder } from '../src/db/protocol/frame.js';
import { Opcode, type BoundValue, type FrameHeader, type RequestMessage, type ResponseMessage } from '../src/db/protocol/messages.js';

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

  static async open(host: string, port: number): Promise<LeanConnection> {
    const socket = await new Promise<Socket>((resolve, reject) => {
      const s = connect({ host, port });
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

  /** Pipelined EXECUTE of a prepared statement; `done` gets null or the error text. */
  execute(id: Buffer, values: BoundValue[], options: { consistency: ConsistencyLevel; done: Completion }): void {
    const parameters = {
      consistency: options.consistency, values, names: null, skipMetadata: true, pageSize: null,
      pagingState: null, serialConsistency: null, defaultTimestamp: null,
    };
    this.send((stream) => encodeRequest(stream, { opcode: Opcode.EXECUTE, id, parameters }), (header, body) => {
      if (header === null) options.done(this.closedReason ?? 'connection closed');
      else if (header.opcode === Opcode.RESULT) options.done(null);
      else options.done(describeError(header, body));
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
