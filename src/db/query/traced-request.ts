// A client request with the tracing flag: it runs inside a trace session of this node (its
// coordinator), and its result carries the session id, which the server puts first in the
// response body (frame flag 0x02) for the driver to read the trace with.

import { consistencyName } from '../common/consistency.js';
import type { QueryParameters, ResultMessage } from '../protocol/messages.js';
import type { NodeTracing } from '../coordinator/tracing.js';

/** A result with what the frame carries beside it: the tracing session id and warnings for the client. */
export type TracedResult = ResultMessage & { tracingId?: Buffer; warnings?: string[] };

export interface TracedRequest {
  request: string;
  /** The statement's text; null for batches. */
  query: string | null;
  parameters: QueryParameters;
  /** The client's address: transport's ClientState has it, an internal session not. */
  state: object;
}

function clientOf(state: object): string {
  return 'remoteAddress' in state && typeof state.remoteAddress === 'string' ? state.remoteAddress : '';
}

/** Cassandra's session parameters: query, consistency levels, page size. */
function sessionParameters({ query, parameters }: TracedRequest): Record<string, string> {
  const out: Record<string, string> = { consistency_level: consistencyName(parameters.consistency) };
  if (query !== null) out.query = query;
  if (parameters.pageSize !== null && parameters.pageSize > 0) out.page_size = String(parameters.pageSize);
  if (parameters.serialConsistency !== null) out.serial_consistency_level = consistencyName(parameters.serialConsistency);
  return out;
}

export async function traced(tracing: Pick<NodeTracing, 'begin'>, request: TracedRequest, run: () => Promise<ResultMessage>): Promise<TracedResult> {
  const session = tracing.begin({ request: request.request, client: clientOf(request.state), parameters: sessionParameters(request) });
  try {
    const result = await session.run(async () => {
      if (request.query !== null) session.trace(`Parsing ${request.query}`);
      session.trace('Preparing statement');
      return run();
    });
    return { ...result, tracingId: session.sessionId };
  } finally {
    await session.finish();
  }
}
