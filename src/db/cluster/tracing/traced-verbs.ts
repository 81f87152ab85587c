// Tracing across nodes. A coordinator tracing a request wraps each READ, RANGE_READ and
// MUTATION it sends in a TRACED_REQUEST (session id, coordinator, inner verb and payload),
// where Cassandra carries the session in the message header; the replica runs the inner
// verb's own handler inside its part of the session, records what it did, stores its events
// before it answers (so a finished session has the events of every replica that answered),
// and answers as the inner verb would. Storage calls made inside a session (the coordinator's
// local replica included) record Cassandra's storage events through tracedStore.
//   TRACED_REQUEST := version u8 | session id (16 bytes) | coordinator utf8 | verb id u16 | u32-length inner payload

import { ByteReader, ByteWriter } from '../../storage/mutation-serializer.js';
import type { Logger, Clock, Random } from '../../common/world.js';
import type { Mutation, ReadCommand, ReadResult } from '../../storage/types.js';
import { endpointTextLengthMax, internodePayloadBytesMax } from '../../common/limits.js';
import type { Endpoint } from '../endpoint.js';
import type { InboundMessage, MessagingService, RequestOptions } from '../messaging/messaging-service.js';
import { verbForId, verbInfo, type Verb } from '../messaging/verbs.js';
import type { ReplicaStore } from '../replica-verbs.js';
import { TraceState, type TraceContext, type TraceWriter } from './trace-state.js';

const tracedRequestVersion = 1;
/** The verbs whose replica work is traced. */
const TRACED_VERBS: ReadonlySet<Verb> = new Set<Verb>(['READ', 'RANGE_READ', 'MUTATION', 'MUTATION_BATCH']);
const MESSAGING_THREAD = 'Messaging-EventLoop-3-1';

export interface TracedRequest {
  sessionId: Buffer;
  coordinator: Endpoint;
  verb: Verb;
  payload: Buffer;
}

export function encodeTracedRequest(request: TracedRequest): Buffer {
  const writer = new ByteWriter();
  writer.u8(tracedRequestVersion);
  writer.bytes(request.sessionId);
  const coordinator = Buffer.from(request.coordinator, 'utf8');
  writer.u16(coordinator.length);
  writer.bytes(coordinator);
  writer.u16(verbInfo(request.verb).id);
  writer.u32(request.payload.length);
  writer.bytes(request.payload);
  return writer.finish();
}

export function decodeTracedRequest(payload: Buffer, source: string): TracedRequest {
  const reader = new ByteReader(payload, source);
  const version = reader.u8('traced request version');
  if (version !== tracedRequestVersion) throw reader.corrupt(`unknown traced request version ${version}`);
  const sessionId = reader.bytes(16, 'trace session id');
  const coordinator = reader.utf8(endpointTextLengthMax, 'trace coordinator');
  const id = reader.u16('traced verb');
  const verb = verbForId(id);
  if (verb === undefined || !TRACED_VERBS.has(verb)) throw reader.corrupt(`verb ${id} cannot be traced`);
  const inner = reader.lengthPrefixed(4, internodePayloadBytesMax, 'traced payload');
  if (reader.remaining() !== 0) throw reader.corrupt('trailing bytes after traced request');
  return { sessionId, coordinator, verb, payload: inner };
}

/** The coordinator's messaging as the StorageProxy sees it: traced verbs go out wrapped while a session is current. */
export function tracedMessaging(messaging: MessagingService, context: TraceContext): Pick<MessagingService, 'sendRequest' | 'localEndpoint'> {
  return {
    localEndpoint: messaging.localEndpoint,
    sendRequest(peer: Endpoint, verb: Verb, payload: Buffer, options: RequestOptions = {}): Promise<InboundMessage> {
      // Untraced: straight through, no further promise (tracing costs nothing when off).
      const state = context.current();
      if (state === undefined || !TRACED_VERBS.has(verb)) return messaging.sendRequest(peer, verb, payload, options);
      return sendTraced(messaging, state, { peer, verb, payload, options });
    },
  };
}

async function sendTraced(messaging: MessagingService, state: TraceState, request: { peer: Endpoint; verb: Verb; payload: Buffer; options: RequestOptions }): Promise<InboundMessage> {
  const { peer, verb, payload, options } = request;
  const info = verbInfo(verb);
  state.trace(`Sending ${verb} message to /${peer}, size=${payload.length} bytes`, MESSAGING_THREAD);
  const wrapped = encodeTracedRequest({ sessionId: state.sessionId, coordinator: state.coordinator, verb, payload });
  const response = await messaging.sendRequest(peer, 'TRACED_REQUEST', wrapped, { timeoutMs: options.timeoutMs ?? info.timeoutMs });
  const responseVerb = (info.responseVerb ?? 'FAILURE_RSP') as Verb;
  state.trace(`${responseVerb} message received from /${peer}`, MESSAGING_THREAD);
  return { ...response, verb: responseVerb };
}

const stageOf = (verb: Verb): string => (verb === 'MUTATION' ? 'MutationStage-1' : 'ReadStage-1');

export interface TracedVerbsOptions {
  context: TraceContext;
  writer: TraceWriter;
  clock: Clock;
  random: Random;
  logger: Logger;
}

/** The replica side: TRACED_REQUEST runs the inner verb's handler inside this node's part of the session. */
export function registerTracedVerbs(messaging: MessagingService, options: TracedVerbsOptions): void {
  const { context, writer, logger } = options;
  messaging.registerHandler('TRACED_REQUEST', async (message) => {
    const request = decodeTracedRequest(message.payload, `TRACED_REQUEST from ${message.from}`);
    const handler = messaging.handlerOf(request.verb);
    if (handler === undefined) throw new Error(`no handler for traced ${request.verb}`);
    const state = new TraceState(request.sessionId, {
      clock: options.clock, random: options.random, source: messaging.localEndpoint, coordinator: request.coordinator, thread: stageOf(request.verb),
    });
    state.trace(`${request.verb} message received from /${message.from}`, MESSAGING_THREAD);
    const response = await context.run(state, async () => handler({ ...message, verb: request.verb, payload: request.payload }));
    state.trace(`Enqueuing response to /${message.from}`);
    // Stored before the answer: a session the coordinator closes holds the events of every replica that answered.
    await context.outside(() => writer.writeEvents(state.sessionId, state.takeEvents())).catch((error: unknown) => {
      logger.warn('trace events not stored', { error: error instanceof Error ? error.message : String(error) });
    });
    return response;
  });
}

function liveRowsAndTombstones(result: ReadResult): { rows: number; tombstones: number } {
  let rows = 0;
  let tombstones = 0;
  for (const partition of result.partitions) {
    tombstones += partition.rangeTombstones.length + (partition.partitionDeletion === null ? 0 : 1);
    for (const row of partition.rows) {
      if (row.deletion !== null) tombstones++;
      else rows++;
      for (const cell of row.cells) if (cell.value === null) tombstones++;
    }
  }
  return { rows, tombstones };
}

/** A store that records Cassandra's storage events while a session is current (local reads and writes of a traced request). */
export function tracedStore(store: ReplicaStore, options: { context: TraceContext; tableName: (tableId: string) => string }): ReplicaStore {
  const { context, tableName } = options;
  // Untraced calls go straight to the store: no further promise (tracing costs nothing when off).
  return {
    apply(mutations: Mutation[], encoded?: Buffer): Promise<void> {
      const state = context.current();
      if (state !== undefined) {
        state.trace('Appending to commitlog');
        for (const mutation of mutations) state.trace(`Adding to ${tableName(mutation.tableId)} memtable`);
      }
      return store.apply(mutations, encoded);
    },
    read(command: ReadCommand): Promise<ReadResult> {
      const state = context.current();
      if (state === undefined) return store.read(command);
      const kind = command.kind === 'single' ? 'single-partition' : 'range';
      state.trace(`Executing ${kind} query on ${tableName(command.tableId)}`);
      state.trace('Merging memtable contents');
      return store.read(command).then((result) => {
        const { rows, tombstones } = liveRowsAndTombstones(result);
        state.trace(`Read ${rows} live rows and ${tombstones} tombstone cells`);
        return result;
      });
    },
    truncate: (tableId: string) => store.truncate(tableId),
  };
}
