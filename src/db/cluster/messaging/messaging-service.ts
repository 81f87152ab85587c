// The messaging service: sends one-way messages and requests to peers, matches responses to
// requests by id, times requests out through the injected Clock, and dispatches inbound
// messages to the handler registered for their verb. Every message sent and received is
// logged at debug level, as client messages are.

import { MessagingStats } from './messaging-stats.js';
import { assert, fail } from '../../common/assert.js';
import { CorruptionError, InternodeError } from '../../common/errors.js';
import { endpointTextLengthMax, failureMessageBytesMax, internodePayloadBytesMax, internodeRequestsPendingMax, internodeRequestsServedMax } from '../../common/limits.js';
import type { Clock, Logger, TimerHandle } from '../../common/world.js';
import { ByteReader, ByteWriter } from '../../storage/mutation-serializer.js';
import type { Endpoint } from '../endpoint.js';
import { decodeFrame, encodedFrameSize, encodeFrameParts, MessageFlag, type Message } from './frame.js';
import type { Transport } from './transport.js';
import { verbInfo, type Verb } from './verbs.js';

export interface InboundMessage {
  from: Endpoint;
  verb: Verb;
  id: number;
  flags: number;
  payload: Buffer;
}

/**
 * Handles an inbound message. For a request verb the returned bytes are the response payload
 * (undefined means an empty one); a thrown error becomes a FAILURE_RSP. One-way verbs' results
 * are ignored.
 */
export type VerbHandler = (message: InboundMessage) => Buffer | undefined | Promise<Buffer | undefined>;

/** Why a peer could not serve a request (the FAILURE_RSP payload), explicit wire ids. */
export const RequestFailureReason = {
  unknown: 0,
  readTooManyTombstones: 1,
  timeout: 2,
  incompatibleSchema: 3,
  noHandler: 4,
  overloaded: 5,
} as const;
export type RequestFailureReason = (typeof RequestFailureReason)[keyof typeof RequestFailureReason];
{
  const ids = Object.values(RequestFailureReason);
  assert(new Set(ids).size === ids.length, 'duplicate request failure reason');
}

/** Thrown by a handler to answer with a specific failure reason. */
export class RequestFailure extends Error {
  override name = 'RequestFailure';
  constructor(readonly reason: RequestFailureReason, message: string) {
    super(message);
  }
}

export function encodeFailure(reason: RequestFailureReason, message: string): Buffer {
  const writer = new ByteWriter();
  writer.u16(reason);
  const text = Buffer.from(message, 'utf8').subarray(0, failureMessageBytesMax);
  writer.u16(text.length);
  writer.bytes(text);
  return writer.finish();
}

export function decodeFailure(payload: Buffer, source: string): { reason: number; message: string } {
  const reader = new ByteReader(payload, source);
  const reason = reader.u16('failure reason');
  const message = reader.utf8(failureMessageBytesMax, 'failure message');
  if (reader.remaining() !== 0) throw reader.corrupt('trailing bytes after failure response');
  return { reason, message };
}

interface PendingRequest {
  peer: Endpoint;
  verb: Verb;
  timer: TimerHandle;
  resolve: (message: InboundMessage) => void;
  reject: (error: InternodeError) => void;
}

export interface MessagingServiceOptions {
  transport: Transport;
  clock: Clock;
  logger: Logger;
  /** Requests served at once before more are refused as overloaded. */
  requestsServedMax?: number;
}

export interface RequestOptions {
  /** Overrides the verb's timeout. */
  timeoutMs?: number;
}

export class MessagingService {
  readonly localEndpoint: Endpoint;
  private readonly transport: Transport;
  private readonly clock: Clock;
  private readonly logger: Logger;
  private readonly handlers = new Map<Verb, VerbHandler>();
  private readonly pending = new Map<number, PendingRequest>();
  private nextRequestId = 1;
  private running = false;
  /** Requests from peers whose handler has not answered yet. */
  private served = 0;
  private readonly dropped = new Map<Verb, number>();
  /** Handler work per verb and traffic per peer (nodetool tpstats, system_views.internode_*). */
  readonly stats = new MessagingStats();
  private readonly requestsServedMax: number;

  constructor(options: MessagingServiceOptions) {
    this.transport = options.transport;
    this.clock = options.clock;
    this.logger = options.logger;
    this.localEndpoint = options.transport.localEndpoint;
    this.requestsServedMax = options.requestsServedMax ?? internodeRequestsServedMax;
    assert(this.localEndpoint.length <= endpointTextLengthMax, 'endpoint too long');
  }

  registerHandler(verb: Verb, handler: VerbHandler): void {
    if (!(!this.handlers.has(verb))) fail(`handler for ${verb} registered twice`);
    this.handlers.set(verb, handler);
  }

  /** The handler registered for a verb (tracing runs a wrapped request through it). */
  handlerOf(verb: Verb): VerbHandler | undefined {
    return this.handlers.get(verb);
  }

  async start(): Promise<void> {
    assert(!this.running, 'messaging started twice');
    this.running = true;
    await this.transport.start((from, frame) => this.receive(from, frame));
  }

  /** Sends a one-way message; false when the transport refused it at once. */
  send(peer: Endpoint, verb: Verb, payload: Buffer): boolean {
    return this.transmit(peer, { verb, id: 0, flags: 0, payload });
  }

  /** Sends a request and resolves with the response; rejects with InternodeError. */
  sendRequest(peer: Endpoint, verb: Verb, payload: Buffer, options: RequestOptions = {}): Promise<InboundMessage> {
    const info = verbInfo(verb);
    if (!(info.responseVerb !== undefined)) fail(`${verb} is not a request verb`);
    if (!this.running) return Promise.reject(new InternodeError('closed', peer, verb, 'messaging is not running'));
    if (this.pending.size >= internodeRequestsPendingMax) {
      this.drop(verb);
      return Promise.reject(new InternodeError('overloaded', peer, verb, `${this.pending.size} requests pending`));
    }
    const id = this.allocateRequestId();
    const timeoutMs = options.timeoutMs ?? info.timeoutMs;
    return new Promise<InboundMessage>((resolve, reject) => {
      const timer = this.clock.setTimer(timeoutMs, () => {
        if (this.pending.delete(id)) reject(new InternodeError('timeout', peer, verb, `no response in ${timeoutMs} ms`));
      });
      this.pending.set(id, { peer, verb, timer, resolve, reject });
      if (!this.transmit(peer, { verb, id, flags: MessageFlag.expectsResponse, payload })) {
        this.settle(id)?.reject(new InternodeError('overloaded', peer, verb, 'outbound queue full'));
      }
    });
  }

  /**
   * Messages dropped since start, by verb (Cassandra's DroppedMessage metrics): outbound ones
   * the transport refused or too many pending requests stopped, inbound requests shed under
   * load, and responses that came after their request had timed out.
   */
  droppedMessages(): ReadonlyMap<Verb, number> {
    return this.dropped;
  }

  private drop(verb: Verb): void {
    this.dropped.set(verb, (this.dropped.get(verb) ?? 0) + 1);
  }

  /** Requests awaiting a response (for tests and metrics). */
  pendingRequests(): number {
    return this.pending.size;
  }

  async close(): Promise<void> {
    this.running = false;
    for (const id of [...this.pending.keys()]) {
      const request = this.settle(id);
      request?.reject(new InternodeError('closed', request.peer, request.verb, 'messaging closed'));
    }
    await this.transport.close();
  }

  private allocateRequestId(): number {
    // Ids wrap at 2^32 and skip 0 (one-way messages) and ids still pending.
    for (;;) {
      const id = this.nextRequestId;
      this.nextRequestId = id >= 0xffffffff ? 1 : id + 1;
      if (!this.pending.has(id)) return id;
    }
  }

  private settle(id: number): PendingRequest | undefined {
    const request = this.pending.get(id);
    if (request === undefined) return undefined;
    this.pending.delete(id);
    request.timer.cancel();
    return request;
  }

  private transmit(peer: Endpoint, message: Message): boolean {
    const frame = encodeFrameParts(message);
    if (this.logger.isDebugEnabled()) {
      this.logger.debug('internode send', { peer, verb: message.verb, id: message.id, flags: message.flags, bytes: encodedFrameSize(message) });
    }
    if (peer === this.localEndpoint) {
      // Messages to this node skip the network (as Cassandra delivers locally), but still go
      // through the frame codec and dispatch, on a later microtask as a peer's would.
      if (!this.running) return false;
      const whole = Buffer.concat(frame, encodedFrameSize(message));
      queueMicrotask(() => this.receive(peer, whole));
      return true;
    }
    const accepted = this.transport.send(peer, frame);
    const traffic = this.stats.traffic(peer);
    const bytes = encodedFrameSize(message);
    if (accepted) {
      traffic.sentCount++;
      traffic.sentBytes += bytes;
    } else {
      traffic.droppedCount++;
      traffic.droppedBytes += bytes;
    }
    if (!accepted) this.drop(message.verb);
    if (!accepted) this.logger.debug('internode send refused', { peer, verb: message.verb, id: message.id });
    return accepted;
  }

  private receive(from: Endpoint, frame: Buffer): void {
    const traffic = this.stats.traffic(from);
    traffic.receivedCount++;
    traffic.receivedBytes += frame.length;
    let message: Message;
    try {
      message = decodeFrame(frame, `internode from ${from}`);
    } catch (error) {
      if (!(error instanceof CorruptionError)) throw error;
      traffic.errorCount++;
      traffic.errorBytes += frame.length;
      this.logger.warn('dropping corrupt internode frame', { peer: from, error: error.message });
      return;
    }
    const inbound: InboundMessage = { from, ...message };
    if (this.logger.isDebugEnabled()) {
      this.logger.debug('internode receive', { peer: from, verb: inbound.verb, id: inbound.id, flags: inbound.flags, bytes: frame.length });
    }
    traffic.processedCount++;
    traffic.processedBytes += frame.length;
    if ((inbound.flags & MessageFlag.response) !== 0) this.receiveResponse(inbound);
    else this.dispatch(inbound);
  }

  private receiveResponse(message: InboundMessage): void {
    const request = this.pending.get(message.id);
    // Late responses (after the timeout) and responses from the wrong peer are dropped.
    if (request === undefined || request.peer !== message.from) {
      this.drop(message.verb);
      this.logger.debug('dropping unmatched internode response', { peer: message.from, verb: message.verb, id: message.id });
      return;
    }
    this.settle(message.id);
    this.stats.work(message.verb).completed++;
    if ((message.flags & MessageFlag.failure) !== 0) {
      request.reject(new InternodeError('failure', message.from, request.verb, describeFailure(message)));
      return;
    }
    const expected = verbInfo(request.verb).responseVerb;
    if (message.verb !== expected) {
      request.reject(new InternodeError('failure', message.from, request.verb, `answered with ${message.verb}, expected ${expected}`));
      return;
    }
    request.resolve(message);
  }

  private dispatch(message: InboundMessage): void {
    const expectsResponse = (message.flags & MessageFlag.expectsResponse) !== 0;
    const handler = this.handlers.get(message.verb);
    if (handler === undefined) {
      this.logger.warn('no handler for internode verb', { peer: message.from, verb: message.verb });
      if (expectsResponse) this.respondFailure(message, new RequestFailure(RequestFailureReason.noHandler, `no handler for ${message.verb}`));
      return;
    }
    if (expectsResponse && this.served >= this.requestsServedMax) {
      this.drop(message.verb);
      // Shed load rather than queue without bound; the requester treats it as a failure.
      this.respondFailure(message, new RequestFailure(RequestFailureReason.overloaded, `${this.served} requests in progress`));
      return;
    }
    const work = this.stats.work(message.verb);
    let result: ReturnType<VerbHandler>;
    try {
      result = handler(message);
    } catch (error) {
      work.failed++;
      this.handlerFailed(message, error, expectsResponse);
      return;
    }
    if (expectsResponse) this.served++;
    work.active++;
    Promise.resolve(result).then(
      (payload) => {
        work.active--;
        work.completed++;
        if (expectsResponse) {
          this.served--;
          this.respond(message, payload ?? Buffer.alloc(0));
        }
      },
      (error: unknown) => {
        work.active--;
        work.failed++;
        if (expectsResponse) this.served--;
        this.handlerFailed(message, error, expectsResponse);
      },
    );
  }

  private handlerFailed(message: InboundMessage, error: unknown, expectsResponse: boolean): void {
    this.logger.warn('internode handler failed', { peer: message.from, verb: message.verb, error: String(error) });
    if (expectsResponse) this.respondFailure(message, error);
  }

  private respond(request: InboundMessage, payload: Buffer): void {
    if (payload.length > internodePayloadBytesMax) {
      // A result too large for one frame (a huge range read) fails the request, not the node.
      this.respondFailure(request, new RequestFailure(RequestFailureReason.unknown, `response of ${payload.length} bytes exceeds ${internodePayloadBytesMax}`));
      return;
    }
    const responseVerb = verbInfo(request.verb).responseVerb as Verb;
    this.transmit(request.from, { verb: responseVerb, id: request.id, flags: MessageFlag.response, payload });
  }

  private respondFailure(request: InboundMessage, error: unknown): void {
    const reason = error instanceof RequestFailure ? error.reason : RequestFailureReason.unknown;
    const text = error instanceof Error ? error.message : String(error);
    const payload = encodeFailure(reason, text);
    this.transmit(request.from, { verb: 'FAILURE_RSP', id: request.id, flags: MessageFlag.response | MessageFlag.failure, payload });
  }
}

function describeFailure(message: InboundMessage): string {
  try {
    const { reason, message: text } = decodeFailure(message.payload, `failure response from ${message.from}`);
    return `reason ${reason}: ${text}`;
  } catch (error) {
    if (!(error instanceof CorruptionError)) throw error;
    return `undecodable failure response (${error.message})`;
  }
}
