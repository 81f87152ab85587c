// The coordinator's side of query tracing (Cassandra's Tracing.newSession / stopSession): a
// request with the tracing flag gets a session; its events (and those of the replicas it
// reaches, cluster/tracing) go to system_traces.events, the session row to
// system_traces.sessions with Cassandra's columns: started with the request's parameters,
// closed with its duration. The rows are written with CQL through this node's coordinator, at
// ALL so that a read at ONE finds them (ONE when a replica is down), expiring after a day.

import { ConsistencyLevel } from '../common/consistency.js';
import type { Clock, Logger, Random } from '../common/world.js';
import { parseEndpoint, type Endpoint } from '../cluster/endpoint.js';
import { TraceState, formatUuid, timeUuidAt, traceTtlSeconds, type TraceContext, type TraceEvent, type TraceWriter } from '../cluster/tracing/trace-state.js';
import type { DataType } from '../protocol/data-type.js';
import { encodeValue } from '../protocol/type-codecs.js';

/** Runs CQL as the system (QueryProcessor.internalQuery). */
export type InternalExecute = (query: string, values: Array<Buffer | null>, consistency: ConsistencyLevel) => Promise<unknown>;

const t = (name: 'uuid' | 'timeuuid' | 'text' | 'inet' | 'int' | 'timestamp'): DataType => ({ kind: 'native', name });
const textMap: DataType = { kind: 'map', key: t('text'), value: t('text'), frozen: false };

const INSERT_EVENT = 'INSERT INTO system_traces.events (session_id, event_id, activity, source, source_port, source_elapsed, thread) '
  + `VALUES (?, ?, ?, ?, ?, ?, ?) USING TTL ${traceTtlSeconds}`;
const INSERT_SESSION = 'INSERT INTO system_traces.sessions (session_id, client, command, coordinator, coordinator_port, parameters, request, started_at) '
  + `VALUES (?, ?, ?, ?, ?, ?, ?, ?) USING TTL ${traceTtlSeconds}`;
const CLOSE_SESSION = `UPDATE system_traces.sessions USING TTL ${traceTtlSeconds} SET duration = ? WHERE session_id = ?`;

/** Writes trace rows with CQL: at ALL, and at ONE when ALL cannot be met. */
export class CqlTraceWriter implements TraceWriter {
  constructor(private readonly execute: InternalExecute) {}

  async write(query: string, values: Array<Buffer | null>): Promise<void> {
    try {
      await this.execute(query, values, ConsistencyLevel.ALL);
    } catch {
      // ALL failed (a replica down or slow): the write still reached the live replicas; make sure of one.
      await this.execute(query, values, ConsistencyLevel.ONE);
    }
  }

  async writeEvents(sessionId: Buffer, events: readonly TraceEvent[]): Promise<void> {
    const session = encodeValue(t('uuid'), formatUuid(sessionId));
    await Promise.all(events.map((event) => this.write(INSERT_EVENT, [
      session, encodeValue(t('timeuuid'), formatUuid(event.eventId)), encodeValue(t('text'), event.activity),
      encodeValue(t('inet'), event.source), encodeValue(t('int'), event.sourcePort),
      encodeValue(t('int'), event.sourceElapsedMicros), encodeValue(t('text'), event.thread),
    ])));
  }
}

/** What the client asked, as system_traces.sessions records it. */
export interface TraceRequest {
  /** 'Execute CQL3 query', 'Execute CQL3 prepared query', 'Execute batch of CQL3 queries'. */
  request: string;
  /** The client's address (host:port or host). */
  client: string;
  /** e.g. query, consistency_level, page_size. */
  parameters: Record<string, string>;
}

/** A coordinator's trace session: run the request inside it, then finish it. */
export interface TraceSession {
  readonly sessionId: Buffer;
  run<R>(fn: () => Promise<R>): Promise<R>;
  trace(activity: string): void;
  /** Stores the coordinator's events, then the session's duration (what drivers wait for). */
  finish(): Promise<void>;
}

export interface NodeTracingOptions {
  context: TraceContext;
  writer: CqlTraceWriter;
  clock: Clock;
  random: Random;
  logger: Logger;
  localEndpoint: Endpoint;
}

export class NodeTracing {
  constructor(private readonly options: NodeTracingOptions) {}

  begin(request: TraceRequest): TraceSession {
    const { clock, random, context, writer, localEndpoint, logger } = this.options;
    const startedAtMs = clock.nowMs();
    const sessionId = timeUuidAt(clock.nowMicros(), random);
    const state = new TraceState(sessionId, { clock, random, source: localEndpoint, coordinator: localEndpoint, thread: 'Native-Transport-Requests-1' });
    const address = parseEndpoint(localEndpoint);
    const client = parseEndpoint(request.client)?.host ?? request.client;
    const id = encodeValue(t('uuid'), formatUuid(sessionId));
    const logged = (what: string) => (error: unknown) => logger.warn(`trace ${what} not stored`, { error: error instanceof Error ? error.message : String(error) });
    const started = context.outside(() => writer.write(INSERT_SESSION, [
      id, client === '' ? null : encodeValue(t('inet'), client), encodeValue(t('text'), 'QUERY'), encodeValue(t('inet'), address?.host ?? localEndpoint),
      encodeValue(t('int'), address?.port ?? 0), encodeValue(textMap, Object.entries(request.parameters)), encodeValue(t('text'), request.request),
      encodeValue(t('timestamp'), BigInt(startedAtMs)),
    ])).then(() => undefined, logged('session'));
    return {
      sessionId,
      run: (fn) => context.run(state, fn),
      trace: (activity) => state.trace(activity),
      finish: async () => {
        const duration = Math.min(0x7fffffff, state.elapsedMicros());
        await started;
        await context.outside(() => writer.writeEvents(sessionId, state.takeEvents())).catch(logged('events'));
        await context.outside(() => writer.write(CLOSE_SESSION, [encodeValue(t('int'), duration), id])).catch(logged('duration'));
      },
    };
  }
}
