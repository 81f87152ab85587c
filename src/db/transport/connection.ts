// One client connection of the native-protocol server: cuts bytes into frames, runs the
// connection's state machine (STARTUP, optional authentication, READY), hands statements to
// the QueryHandler with many requests in flight, and writes each answer on its stream id.
//
// States: 'startup' -> ('authenticating' ->) 'ready'. OPTIONS is answered in every state;
// statements and REGISTER only when ready. Reading pauses when too many requests are in flight
// or when the socket's write buffer is full, so a connection never buffers without bound.
//
// Versions: frames of v4 or v5 are taken until STARTUP, whose version the connection then
// keeps. v5 (spec 2.3): STARTUP and its answer go as plain frames; every byte after them, both
// ways, is a checksummed segment (protocol/segment.ts) holding the frames, LZ4-compressed as a
// whole when STARTUP asked for it. v4 compresses each frame's body instead.

import { fail } from '../common/assert.js';
import { CqlError, isDiskFull, overloaded, protocolError, serverError, toCqlError } from '../common/errors.js';
import { connectionEventBacklogMax, responseCoalesceBytesMax, responseFlushHopsMax as flushHopsMax } from '../common/limits.js';
import type { Clock, Connection, Logger } from '../common/world.js';
import type { Frame, FrameDecodeResult } from '../protocol/frame.js';
import {
  FrameFlag, Opcode, PROTOCOL_V5, PROTOCOL_VERSION, PROTOCOL_VERSIONS, PROTOCOL_VERSIONS_TEXT,
  type EventMessage, type RequestMessage, type ResponseMessage,
} from '../protocol/messages.js';
import { decodeRequest, encodeResponse, unsupportedVersionMessage } from '../protocol/codec.js';
import { decompressBody } from '../protocol/compression.js';
import { encodeSegments } from '../protocol/segment.js';
import type { Authenticator, SaslNegotiator } from './authenticator.js';
import { parseEventTypes, type EventHub, type EventSubscriber } from './events.js';
import { ClientFrameReader } from './frame-reader.js';
import type { LimiterWaiter, RequestLimiter } from './request-limiter.js';
import { RequestScheduler, type ScheduledClient } from './request-scheduler.js';
import { auditRequest, auditLogin } from './audit-hooks.js';
import type { AuditTarget } from './audit-hooks.js';
import { opcodeName, summarizeRequest, summarizeResponse } from './message-log.js';
import type { ClientState, QueryHandler, RequestOptions, TracedResult } from './query-handler.js';

/** What OPTIONS answers (spec 4.2.4); drivers index every key, so all three are always present. */
export const supportedOptions: ReadonlyMap<string, string[]> = new Map([
  ['CQL_VERSION', ['3.4.5']],
  ['COMPRESSION', ['lz4']],
  ['PROTOCOL_VERSIONS', [...PROTOCOL_VERSIONS_TEXT]],
]);

export interface ClientConnectionOptions {
  handler: QueryHandler;
  /** The node's clock: answers are written at the end of an event-loop turn (queueFrame). */
  clock: Clock;
  events: EventHub;
  logger: Logger;
  frameBodyBytesMax: number;
  requestsInFlightMax: number;
  /** The node's bound on request bytes in flight (native_transport_max_request_data_in_flight); none in unit tests. */
  limiter?: RequestLimiter;
  /** The node's turn-taking among connections (request-scheduler.ts); without one (unit tests) requests start at once. */
  scheduler?: RequestScheduler;
  /** Undefined: every client is admitted without credentials (AllowAllAuthenticator). */
  authenticator: Authenticator | undefined;
  /** Called once the connection has closed, for the server's bookkeeping. */
  onClosed: (connection: ClientConnection) => void;
  /** The audit log (audit_logging_options) and this node's address as its entries name it. */
  audit?: AuditTarget;
}

type Phase = 'startup' | 'authenticating' | 'ready';

/** A client connection as system_views.clients lists it. */
export interface ClientDescription {
  address: string;
  port: number;
  stage: Phase;
  protocolVersion: number;
  driverName: string | null;
  driverVersion: string | null;
  username: string | null;
  requestCount: number;
  inFlight: number;
  /** Frames received but not started (the connection's requests-in-flight bound was reached). */
  queued: number;
}

/** A frame's size as the in-flight bound counts it: header and body as received. */
const frameHeaderBytes = 9;

/** A frame read and not yet started, with the request-data bytes it already holds (reserved while it was read), or 0. */
interface PendingFrame {
  frame: Frame;
  reserved: number;
}

export class ClientConnection implements EventSubscriber, LimiterWaiter, ScheduledClient {
  readonly state: ClientState;
  private readonly reader: ClientFrameReader;
  /** The version answers are encoded in: the request's before STARTUP, then the connection's. */
  private version = PROTOCOL_VERSION;
  /** v5: answers go out in segments (from the one after the reply to STARTUP). */
  private framed = false;
  private segmentsCompressed = false;
  /** A v5 STARTUP was accepted: segments start after its reply. */
  private frameAfterReply = false;
  private readonly pending: PendingFrame[] = [];
  /** Request-data bytes reserved for the frame being read (its header is in, its body is coming). */
  private partialReserved = 0;
  /** Reading stopped until the frame being read fits the request-data bound. */
  private partialWaiting = false;
  private readonly scheduler: RequestScheduler;
  private phase: Phase = 'startup';
  /** v4: frame bodies are LZ4-compressed. */
  private compressed = false;
  /** STARTUP asked for compression: it starts with the frame after the reply to STARTUP. */
  private compressAfterReply = false;
  private negotiator: SaslNegotiator | null = null;
  private inFlight = 0;
  /** Waiting for the request-data bound to have room for the next pending frame. */
  private throttled = false;
  /** STARTUP said THROW_ON_OVERLOAD=true: over the bound, answer Overloaded instead of waiting. */
  private throwOnOverload = false;
  /** Requests answered on this connection (system_views.clients request_count). */
  private answered = 0;
  private driver: { name: string | null; version: string | null } = { name: null, version: null };
  private eventBacklog = 0;
  private writable = true;
  private paused = false;
  /** No new frames are taken; the connection ends once in-flight requests are answered. */
  private closing = false;
  private closed = false;
  /** end() was called on the socket: nothing more may be written. */
  private ended = false;
  private idleWaiters: Array<() => void> = [];
  /** Encoded answers not yet written: those of one turn go out in one write (see queueFrame). */
  private outgoing: Buffer[] = [];
  private outgoingBytes = 0;
  private flushQueued = false;
  private flushHops = 0;
  private closeWaiters: Array<() => void> = [];

  constructor(private readonly connection: Connection, private readonly options: ClientConnectionOptions) {
    this.state = { keyspace: null, user: null, remoteAddress: connection.remoteAddress, remotePort: connection.remotePort };
    this.reader = new ClientFrameReader({ bodyBytesMax: options.frameBodyBytesMax });
    this.scheduler = options.scheduler ?? new RequestScheduler(Number.MAX_SAFE_INTEGER);
    connection.onData((chunk) => this.onData(chunk));
    connection.onDrain(() => this.onDrain());
    connection.onClose((error) => this.onClose(error));
  }

  get schedulingAddress(): string {
    return this.state.remoteAddress;
  }

  get requestsInFlight(): number {
    return this.inFlight;
  }

  /** What system_views.clients shows of this connection. */
  describe(): ClientDescription {
    return {
      address: this.state.remoteAddress, port: this.state.remotePort, stage: this.phase, protocolVersion: this.version,
      driverName: this.driver.name, driverVersion: this.driver.version, username: this.state.user,
      requestCount: this.answered, inFlight: this.inFlight, queued: this.pending.length,
    };
  }

  /** Stops taking requests; the connection ends when those in flight are answered. */
  shutdown(): void {
    this.closeWhenIdle();
  }

  /** Resolves once no request is in flight (at once if none is). */
  whenIdle(): Promise<void> {
    if (this.inFlight === 0 || this.closed) return Promise.resolve();
    return new Promise((resolve) => this.idleWaiters.push(resolve));
  }

  /** Resolves once the socket has closed. */
  whenClosed(): Promise<void> {
    if (this.closed) return Promise.resolve();
    return new Promise((resolve) => this.closeWaiters.push(resolve));
  }

  /** Flushes what is queued and closes, whether or not requests are in flight. */
  end(): void {
    this.closing = true;
    this.dropPending();
    this.endSocket();
  }

  private endSocket(): void {
    if (this.ended) return;
    this.flush();
    this.ended = true;
    this.connection.end();
  }

  destroy(): void {
    this.connection.destroy();
  }

  sendEvent(event: EventMessage): void {
    if (this.closed || this.closing) return;
    if (!this.writable && ++this.eventBacklog > connectionEventBacklogMax) {
      this.options.logger.warn('client too slow to take events, closing its connection', { eventBacklog: this.eventBacklog });
      this.connection.destroy();
      return;
    }
    this.send(-1, { opcode: Opcode.EVENT, event });
  }

  private onData(chunk: Buffer): void {
    this.takeFrames(this.reader.push(chunk));
    this.reservePartialFrame();
    this.processPending();
  }

  /**
   * Reserves the bytes of the frame being read as soon as its header says how long it is, as
   * Cassandra does: without it, every connection could hold most of a maximal frame outside the
   * bound. When they do not fit, the connection stops reading until they do (whatever
   * THROW_ON_OVERLOAD says: the frame cannot be answered before it has been read).
   */
  private reservePartialFrame(): void {
    const limiter = this.options.limiter;
    if (limiter === undefined || this.closed || this.partialReserved > 0) return;
    const bytes = this.reader.partialFrameBytes;
    if (bytes === 0) return;
    if (limiter.tryReserve(this.state.remoteAddress, bytes)) {
      this.partialReserved = bytes;
      this.partialWaiting = false;
      return;
    }
    this.partialWaiting = true;
    limiter.wait(this);
  }

  private takeFrames(results: FrameDecodeResult[]): void {
    for (const result of results) {
      if (result.kind === 'frame') {
        // The first frame cut is the one whose header came in an earlier chunk, if bytes were reserved for it.
        const reserved = this.partialReserved;
        this.partialReserved = 0;
        if (reserved > 0 && reserved !== frameHeaderBytes + result.frame.body.length) fail('reserved bytes do not match the frame read');
        this.pending.push({ frame: result.frame, reserved });
      }
      else if (result.kind === 'refused') this.sendError(result.stream, result.error);
      else this.rejectStream(result);
    }
  }

  /** A frame that cannot be read leaves the stream unsynchronized: answer it, then close. */
  private rejectStream(result: Exclude<FrameDecodeResult, { kind: 'frame' | 'refused' }>): void {
    const error = result.kind === 'unsupportedVersion' ? this.versionError(result.version) : result.error;
    this.options.logger.debug('unreadable frame, closing the connection', { stream: result.stream, message: error.message });
    this.sendError(result.stream, error);
    this.closeWhenIdle();
  }

  private versionError(version: number): CqlError {
    if (this.phase === 'startup' || !PROTOCOL_VERSIONS.includes(version)) return protocolError(unsupportedVersionMessage(version));
    return protocolError(`Invalid message version. Got ${version} but previous messages on this connection had version ${this.version}`);
  }

  /** A request could start now: not over the connection's bounds, and its answers can be written. */
  private canStart(): boolean {
    return this.pending.length > 0 && this.inFlight < this.options.requestsInFlightMax && !this.closed && !this.throttled && this.writable;
  }

  private processPending(): void {
    if (this.canStart()) this.scheduler.ready(this);
    this.updateReading();
    if (this.closing && this.pending.length === 0 && this.inFlight === 0) this.endSocket();
  }

  /**
   * The scheduler's turn: starts the next frame and returns true (then calls scheduler.done()
   * once it is answered), or returns false when none can start now.
   */
  startNext(): boolean {
    if (!this.canStart()) return false;
    const { frame, reserved } = this.pending[0] as PendingFrame;
    const bytes = frameHeaderBytes + frame.body.length;
    const admitted = reserved > 0 ? 'run' : this.admit(frame, bytes);
    if (admitted === 'wait') {
      this.updateReading();
      return false;
    }
    this.pending.shift();
    if (admitted === 'run') this.handleFrame(frame, bytes);
    else this.scheduler.done();
    if (this.closing && this.pending.length === 0 && this.inFlight === 0) this.endSocket();
    return true;
  }

  /** Frames read and not started are dropped, and the bytes they hold given back. */
  private dropPending(): void {
    for (const { reserved } of this.pending.splice(0)) if (reserved > 0) this.releaseBytes(reserved);
  }

  /**
   * Reserves the frame's bytes under the node's bound. Over it, the connection waits (it stops
   * reading until bytes come back) or, if the client asked for it, the frame is answered with
   * Overloaded and dropped.
   */
  private admit(frame: Frame, bytes: number): 'run' | 'wait' | 'refused' {
    const limiter = this.options.limiter;
    if (limiter === undefined || limiter.tryReserve(this.state.remoteAddress, bytes)) return 'run';
    if (this.throwOnOverload) {
      const { bytesMax, bytesPerAddressMax } = limiter.limits;
      this.sendError(frame.header.stream, overloaded(
        `Server is in overloaded state. Cannot accept more requests at this point: request data in flight over native_transport_max_request_data_in_flight (${bytesMax} bytes) or its per-IP bound (${bytesPerAddressMax} bytes)`,
      ));
      return 'refused';
    }
    this.throttled = true;
    limiter.wait(this);
    return 'wait';
  }

  /** The limiter has bytes again: try the waiting frame, and the frame being read. */
  wake(): void {
    this.throttled = false;
    if (this.closed) return;
    if (this.partialWaiting) this.reservePartialFrame();
    this.processPending();
  }

  private releaseBytes(bytes: number): void {
    this.options.limiter?.release(this.state.remoteAddress, bytes);
  }

  private handleFrame(frame: Frame, bytes: number): void {
    const { stream } = frame.header;
    // Before STARTUP each request is answered in its own version (OPTIONS may probe any).
    if (this.phase === 'startup') this.version = frame.header.version;
    let request: RequestMessage;
    try {
      request = this.decodeFrame(frame);
    } catch (error) {
      // The length was valid, so the next frame starts where this one ended: keep the connection.
      this.releaseBytes(bytes);
      this.sendError(stream, toCqlError(error));
      this.scheduler.done();
      return;
    }
    if (this.options.logger.isDebugEnabled()) {
      this.options.logger.debug('received', { opcode: opcodeName(request.opcode), stream, summary: summarizeRequest(request) });
    }
    this.inFlight++;
    const ready = this.phase === 'ready';
    this.dispatch(request, { tracing: (frame.header.flags & FrameFlag.TRACING) !== 0 }).then(
      (response) => {
        if (ready && this.options.audit?.logger.isEnabled() === true) auditRequest(this.options.audit, this.state, request, response);
        this.complete(stream, response, bytes);
      },
      (error: unknown) => {
        const response = this.errorResponse(error);
        if (ready && this.options.audit?.logger.isEnabled() === true) auditRequest(this.options.audit, this.state, request, response);
        this.complete(stream, response, bytes);
      },
    );
  }

  private decodeFrame(frame: Frame): RequestMessage {
    const { header } = frame;
    let body = frame.body;
    // v5 compresses segments, not frames: there the flag is deprecated and ignored (spec 2.4).
    if ((header.flags & FrameFlag.COMPRESSION) !== 0 && header.version < PROTOCOL_V5) {
      if (!this.compressed) throw protocolError('Compressed frame received but no compression was negotiated in STARTUP');
      body = decompressBody(body, { bodyBytesMax: this.options.frameBodyBytesMax });
    }
    return decodeRequest(header, body);
  }

  private complete(stream: number, response: ResponseMessage, bytes: number): void {
    this.inFlight--;
    this.answered++;
    this.send(stream, response);
    if (this.inFlight === 0) {
      const waiters = this.idleWaiters;
      this.idleWaiters = [];
      for (const resolve of waiters) resolve();
    }
    this.releaseBytes(bytes);
    this.scheduler.done();
    this.processPending();
  }

  private async dispatch(request: RequestMessage, traced: RequestOptions): Promise<ResponseMessage> {
    const { handler } = this.options;
    switch (request.opcode) {
      case Opcode.OPTIONS:
        return { opcode: Opcode.SUPPORTED, options: new Map(supportedOptions) };
      case Opcode.STARTUP:
        try {
          return this.startup(request.options);
        } catch (error) {
          if (this.reader.awaitingStartup) this.takeFrames(this.reader.resumeHandshake());
          throw error;
        }
      case Opcode.AUTH_RESPONSE:
        return this.authResponse(request.token);
      default:
        break;
    }
    if (this.phase !== 'ready') {
      throw protocolError(`Unexpected message ${opcodeName(request.opcode)}, expecting ${this.phase === 'startup' ? 'STARTUP' : 'AUTH_RESPONSE'}`);
    }
    switch (request.opcode) {
      case Opcode.REGISTER:
        this.options.events.register(this, parseEventTypes(request.events));
        return { opcode: Opcode.READY };
      case Opcode.QUERY:
        return { opcode: Opcode.RESULT, result: await handler.query(request.query, request.parameters, this.stateIn(request.parameters.keyspace), traced) };
      case Opcode.PREPARE:
        return { opcode: Opcode.RESULT, result: await handler.prepare(request.query, this.stateIn(request.keyspace)) };
      case Opcode.EXECUTE:
        return { opcode: Opcode.RESULT, result: await handler.execute(request.id, request.parameters, this.state, traced) };
      case Opcode.BATCH:
        return { opcode: Opcode.RESULT, result: await handler.batch(request.batch, this.stateIn(request.batch.keyspace), traced) };
    }
  }

  /**
   * A v5 request naming its keyspace runs on a copy of the session in that keyspace, as
   * Cassandra clones its ClientState: a USE inside it changes only the copy.
   */
  private stateIn(keyspace: string | undefined): ClientState {
    return keyspace === undefined ? this.state : { ...this.state, keyspace };
  }

  private startup(options: Map<string, string>): ResponseMessage {
    if (this.phase !== 'startup') throw protocolError('Unexpected message STARTUP, the connection is already started');
    const cqlVersion = options.get('CQL_VERSION');
    if (cqlVersion === undefined) throw protocolError('Missing value CQL_VERSION in STARTUP message');
    if (!/^3(\.\d+){0,2}$/.test(cqlVersion)) throw protocolError(`Unsupported CQL version ${cqlVersion}, supported: 3.4.5`);
    this.driver = { name: options.get('DRIVER_NAME') ?? null, version: options.get('DRIVER_VERSION') ?? null };
    this.throwOnOverload = options.get('THROW_ON_OVERLOAD')?.toLowerCase() === 'true';
    const compression = options.get('COMPRESSION');
    if (compression !== undefined && compression !== '' && compression.toLowerCase() !== 'lz4') {
      throw protocolError(`Unknown compression algorithm: ${compression}`);
    }
    // Compression starts after READY (or AUTHENTICATE): the answer to STARTUP itself is plain.
    const startCompressing = compression !== undefined && compression !== '';
    if (this.reader.awaitingStartup) {
      this.frameAfterReply = true;
      this.segmentsCompressed = startCompressing;
      this.takeFrames(this.reader.startSegments({ compressed: startCompressing }));
    }
    // v5 compresses whole segments (segment.ts), never a frame's body.
    const compressFrames = startCompressing && this.version < PROTOCOL_V5;
    const authenticator = this.options.authenticator;
    if (authenticator === undefined) {
      this.phase = 'ready';
      this.compressAfterReply = compressFrames;
      return { opcode: Opcode.READY };
    }
    this.phase = 'authenticating';
    this.negotiator = authenticator.newSaslNegotiator(this.state);
    this.compressAfterReply = compressFrames;
    return { opcode: Opcode.AUTHENTICATE, authenticator: authenticator.className };
  }

  private async authResponse(token: Buffer | null): Promise<ResponseMessage> {
    const negotiator = this.negotiator;
    if (this.phase !== 'authenticating' || negotiator === null) {
      throw protocolError('Unexpected message AUTH_RESPONSE, no authentication in progress');
    }
    let step: Awaited<ReturnType<SaslNegotiator['evaluateResponse']>>;
    try {
      step = await negotiator.evaluateResponse(token);
    } catch (error) {
      if (this.options.audit?.logger.isEnabled() === true) auditLogin(this.options.audit, this.state, token, error);
      throw error;
    }
    if (step.kind === 'challenge') return { opcode: Opcode.AUTH_CHALLENGE, token: step.token };
    if (this.options.audit?.logger.isEnabled() === true) auditLogin(this.options.audit, { ...this.state, user: step.user }, token, null);
    this.state.user = step.user;
    this.negotiator = null;
    this.phase = 'ready';
    return { opcode: Opcode.AUTH_SUCCESS, token: step.token };
  }

  private errorResponse(error: unknown): ResponseMessage {
    if (!(error instanceof CqlError) && !isDiskFull(error)) {
      // Anything but a CqlError (or a full disk) escaping the handler is a bug in this program.
      const stack = error instanceof Error ? error.stack : String(error);
      this.options.logger.error('request failed with an unexpected error', { stack });
    }
    const cqlError = error instanceof CqlError ? error : serverError(toCqlError(error).message);
    return { opcode: Opcode.ERROR, code: cqlError.code, message: cqlError.message, details: cqlError.details };
  }

  private sendError(stream: number, error: CqlError): void {
    this.send(stream, { opcode: Opcode.ERROR, code: error.code, message: error.message, details: error.details });
  }

  private send(stream: number, response: ResponseMessage): void {
    if (this.closed || this.ended) return;
    if (this.options.logger.isDebugEnabled()) {
      this.options.logger.debug('sending', { opcode: opcodeName(response.opcode), stream, summary: summarizeResponse(response) });
    }
    const frame = this.encode(stream, response);
    const startupReply = response.opcode === Opcode.READY || response.opcode === Opcode.AUTHENTICATE;
    if (this.compressAfterReply && startupReply) {
      this.compressed = true;
      this.compressAfterReply = false;
    }
    this.queueFrame(frame);
    if (this.frameAfterReply && startupReply) {
      // The reply to STARTUP (and what was queued before it) goes plain; segments from here on.
      this.flush();
      this.framed = true;
      this.frameAfterReply = false;
    }
  }

  /**
   * Answers completed in one event-loop turn are written together: a socket write per answer
   * cost more CPU than the answer itself. The flush runs at the end of the turn (the clock's
   * yieldToEventLoop: once the loop has run every I/O callback that was ready, such as request
   * bytes of other connections, thread-pool reads, a group commit's release of hundreds of
   * writes), as Netty's flush consolidation does. A flush as a microtask wrote once per
   * thread-pool read, since each completion drains the microtask queue (bench/README, findings
   * of 2026-12-05, fifth session). A clock without it (simulations) flushes once the answers stop
   * arriving across a few microtasks. A full batch goes out at once.
   */
  private queueFrame(frame: Buffer): void {
    this.outgoing.push(frame);
    this.outgoingBytes += frame.length;
    if (this.outgoingBytes >= responseCoalesceBytesMax) {
      this.flush();
      return;
    }
    if (this.flushQueued) return;
    this.flushQueued = true;
    const endOfTurn = this.options.clock.yieldToEventLoop?.();
    if (endOfTurn !== undefined) {
      void endOfTurn.then(() => {
        if (this.flushQueued) this.flush();
      });
      return;
    }
    this.flushHops = 0;
    queueMicrotask(() => this.flushWhenQuiet(this.outgoing.length));
  }

  private flushWhenQuiet(seen: number): void {
    if (!this.flushQueued) return;
    if (this.outgoing.length > seen && this.flushHops < flushHopsMax) {
      this.flushHops++;
      queueMicrotask(() => this.flushWhenQuiet(this.outgoing.length));
      return;
    }
    this.flush();
  }

  private flush(): void {
    this.flushQueued = false;
    const frames = this.outgoing;
    if (frames.length === 0) return;
    const bytes = this.framed
      ? encodeSegments(frames, { compressed: this.segmentsCompressed })
      : frames.length === 1 ? (frames[0] as Buffer) : Buffer.concat(frames, this.outgoingBytes);
    this.outgoing = [];
    this.outgoingBytes = 0;
    if (this.closed) return;
    if (!this.connection.write(bytes)) {
      this.writable = false;
      this.updateReading();
    }
  }

  /**
   * A result the codecs refuse (an assertion about its shape) is the handler's bug: it is
   * logged and that one request gets a ServerError, instead of taking the node down.
   */
  private encode(stream: number, response: ResponseMessage): Buffer {
    try {
      // A traced request's result carries its session id, which goes first in the body (flag 0x02).
      const result = response.opcode === Opcode.RESULT ? (response.result as TracedResult) : undefined;
      const tracingId = result?.tracingId;
      const warnings = result?.warnings;
      return encodeResponse(stream, response, {
        compress: this.compressed, version: this.version, ...(tracingId === undefined ? {} : { tracingId }), ...(warnings === undefined ? {} : { warnings }),
      });
    } catch (error) {
      if (response.opcode === Opcode.ERROR) throw error;
      const stack = error instanceof Error ? error.stack : String(error);
      this.options.logger.error('response could not be encoded', { opcode: opcodeName(response.opcode), stack });
      const failure = serverError(`Response could not be encoded: ${toCqlError(error).message}`);
      const answer: ResponseMessage = { opcode: Opcode.ERROR, code: failure.code, message: failure.message, details: failure.details };
      return encodeResponse(stream, answer, { compress: this.compressed, version: this.version });
    }
  }

  private onDrain(): void {
    this.writable = true;
    this.eventBacklog = 0;
    this.processPending();
  }

  /** Reads only while answers can be written and the in-flight bound has room. */
  private updateReading(): void {
    const shouldRead = this.writable && !this.closing && !this.throttled && !this.partialWaiting && this.inFlight < this.options.requestsInFlightMax;
    if (shouldRead && this.paused) {
      this.paused = false;
      this.connection.resume();
    } else if (!shouldRead && !this.paused) {
      this.paused = true;
      this.connection.pause();
    }
  }

  private closeWhenIdle(): void {
    if (this.closing) return;
    this.closing = true;
    this.processPending();
  }

  private onClose(error?: Error): void {
    if (this.closed) return;
    this.closed = true;
    this.dropPending();
    if (this.partialReserved > 0) this.releaseBytes(this.partialReserved);
    this.partialReserved = 0;
    this.partialWaiting = false;
    this.options.limiter?.forget(this);
    this.scheduler.forget(this);
    this.throttled = false;
    this.options.events.remove(this);
    if (error !== undefined && (error as NodeJS.ErrnoException).code !== 'ECONNRESET') {
      this.options.logger.debug('client connection failed', { message: error.message });
    }
    const waiters = this.idleWaiters;
    this.idleWaiters = [];
    for (const resolve of waiters) resolve();
    this.options.onClosed(this);
    for (const resolve of this.closeWaiters.splice(0)) resolve();
  }
}
