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

export interface QueryHandler {
  query(query: string, parameters: QueryParameters, state: ClientState): Promise<ResultMessage>;
  prepare(query: string, state: ClientState): Promise<ResultMessage>;
  execute(id: Buffer, parameters: QueryParameters, state: ClientState): Promise<ResultMessage>;
  batch(batch: BatchMessage, state: ClientState): Promise<ResultMessage>;
  /** Subscribes to server events (schema, topology, status); returns an unsubscribe function. */
  onEvent(listener: (event: EventMessage) => void): () => void;
}
