// What the native-protocol server asks of the layer that executes CQL. The server owns
// connections, frames and session state; the handler owns statements, prepared ids and results.

import type { BatchMessage, QueryParameters, ResultMessage, EventMessage } from '../protocol/messages.js';

/** Per-connection state the handler reads and may change (USE changes keyspace). */
export interface ClientState {
  keyspace: string | null;
  /** The authenticated role, or null when the AllowAllAuthenticator is in use. */
  user: string | null;
  remoteAddress: string;
  remotePort: number;
}

/** Per-request options from the frame header. */
export interface RequestOptions {
  /** The tracing flag (0x02): the handler traces the request and returns the session id with the result. */
  tracing?: boolean;
}

/** A result, with the trace session id when the request was traced. */
/** A result with what the frame carries beside it: the tracing session id (flag 0x02) and warnings for the client (flag 0x08). */
export type TracedResult = ResultMessage & { tracingId?: Buffer; warnings?: string[] };

export interface QueryHandler {
  query(query: string, parameters: QueryParameters, state: ClientState, request?: RequestOptions): Promise<TracedResult>;
  prepare(query: string, state: ClientState): Promise<ResultMessage>;
  execute(id: Buffer, parameters: QueryParameters, state: ClientState, request?: RequestOptions): Promise<TracedResult>;
  batch(batch: BatchMessage, state: ClientState, request?: RequestOptions): Promise<TracedResult>;
  /** Subscribes to server events (schema, topology, status); returns an unsubscribe function. */
  onEvent(listener: (event: EventMessage) => void): () => void;
}
