// Query tracing (Cassandra's Tracing and TraceState): a traced request has a session, named by
// a time UUID, on its coordinator; every node that works on it (the coordinator, and each
// replica a traced READ, RANGE_READ or MUTATION reaches) keeps a TraceState for it and records
// events: what it did (activity), when (source_elapsed: microseconds since that node joined
// the session), where (source) and on which stage (thread). The events are written to
// system_traces.events, the session (parameters, then its duration) to system_traces.sessions,
// by a TraceWriter (CQL through the node's own coordinator), as Cassandra's TraceKeyspace has it.

import type { Clock, Random } from '../../common/world.js';
import { parseEndpoint, type Endpoint } from '../endpoint.js';

/** Events one node keeps for one session; past it, further events are dropped (bounded memory). */
export const traceEventsMax = 1_000;
/** Cassandra's trace_type_query_ttl: traces expire after a day. */
export const traceTtlSeconds = 86_400;

/** 100-ns intervals between the UUID epoch (1582-10-15) and the Unix epoch. */
const UUID_EPOCH_OFFSET = 0x01b21dd213814000n;

/** A version-1 UUID for a time in microseconds: distinct per call as Clock.nowMicros strictly increases. */
export function timeUuidAt(micros: number, random: Random): Buffer {
  const ticks = BigInt(micros) * 10n + UUID_EPOCH_OFFSET;
  const out = Buffer.alloc(16);
  out.writeUInt32BE(Number(ticks & 0xffffffffn), 0);
  out.writeUInt16BE(Number((ticks >> 32n) & 0xffffn), 4);
  out.writeUInt16BE(Number((ticks >> 48n) & 0x0fffn) | 0x1000, 6);
  random.bytes(8).copy(out, 8);
  out[8] = ((out[8] ?? 0) & 0x3f) | 0x80;
  return out;
}

export function formatUuid(bytes: Buffer): string {
  const hex = bytes.toString('hex');
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-${hex.slice(12, 16)}-${hex.slice(16, 20)}-${hex.slice(20)}`;
}

export interface TraceEvent {
  eventId: Buffer;
  activity: string;
  source: string;
  sourcePort: number;
  sourceElapsedMicros: number;
  thread: string;
}

/** One node's part of a trace session. */
export class TraceState {
  private readonly startedMicros: number;
  private readonly events: TraceEvent[] = [];
  private readonly host: string;
  private readonly port: number;

  constructor(
    readonly sessionId: Buffer,
    private readonly options: { clock: Clock; random: Random; source: Endpoint; coordinator: Endpoint; thread: string },
  ) {
    this.startedMicros = options.clock.nowMicros();
    const address = parseEndpoint(options.source);
    this.host = address?.host ?? options.source;
    this.port = address?.port ?? 0;
  }

  /** The coordinator of the session (where the client's request arrived). */
  get coordinator(): Endpoint {
    return this.options.coordinator;
  }

  /** Records an event; `thread` overrides the state's stage for this one. */
  trace(activity: string, thread: string = this.options.thread): void {
    if (this.events.length >= traceEventsMax) return;
    const now = this.options.clock.nowMicros();
    this.events.push({
      eventId: timeUuidAt(now, this.options.random), activity, source: this.host, sourcePort: this.port,
      sourceElapsedMicros: Math.min(0x7fffffff, Math.max(0, now - this.startedMicros)), thread,
    });
  }

  /** The events recorded since the last call (what the writer has yet to store). */
  takeEvents(): TraceEvent[] {
    return this.events.splice(0, this.events.length);
  }

  elapsedMicros(): number {
    return this.options.clock.nowMicros() - this.startedMicros;
  }
}

/** Where the trace of the current request lives (an AsyncContext of the node). */
export interface TraceContext {
  run<R>(state: TraceState, fn: () => Promise<R>): Promise<R>;
  current(): TraceState | undefined;
  outside<R>(fn: () => R): R;
}

/** Stores trace rows in system_traces (the node wires CQL through its coordinator). */
export interface TraceWriter {
  writeEvents(sessionId: Buffer, events: readonly TraceEvent[]): Promise<void>;
}
