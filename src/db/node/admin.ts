// The admin channel (our stand-in for Cassandra's JMX on port 7199): a small HTTP API that
// `aero nodetool` calls. Local-only: it binds to the node's listen address (each local node has
// its own 127.0.0.N) and answers only clients on the same machine.

import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import { adminRequestBodyBytesMax, schemaNameLengthMax } from '../common/limits.js';
import type { Logger } from '../common/world.js';

/** Which tables an operation applies to; absent fields mean "all". */
export interface AdminTarget {
  keyspace?: string;
  table?: string;
}

/** What the admin channel can do; node.ts injects the storage engine's operations. */
export interface AdminOperations {
  flush(target: AdminTarget): Promise<void>;
  compact(target: AdminTarget): Promise<void>;
  /** A JSON-serializable summary of the node; with a keyspace, ownership is effective under its replication. */
  status(target?: AdminTarget): Promise<Record<string, unknown>>;
  /** nodetool enablehandoff / disablehandoff: whether this coordinator writes hints for down replicas. */
  setHintedHandoff?(enabled: boolean): void;
}

export interface AdminServer {
  readonly host: string;
  readonly port: number;
  close(): Promise<void>;
}

export interface AdminServerOptions {
  host: string;
  /** 0 picks a free port (tests). */
  port: number;
  operations: AdminOperations;
  logger: Logger;
}


export function startAdminServer(options: AdminServerOptions): Promise<AdminServer> {
  const server = createServer((request, response) => {
    handle(request, response, options).catch((error: unknown) => {
      options.logger.error('admin request failed', { url: request.url, error });
      reply(response, 500, { error: error instanceof Error ? error.message : String(error) });
    });
  });
  // Admin requests are rare and short; do not let an idle client hold a socket forever.
  server.keepAliveTimeout = 1000;
  server.requestTimeout = 0;
  return new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen({ host: options.host, port: options.port }, () => {
      server.off('error', reject);
      const address = server.address();
      const port = typeof address === 'object' && address !== null ? address.port : options.port;
      resolve(adminServer(server, options.host, port));
    });
  });
}

function adminServer(server: Server, host: string, port: number): AdminServer {
  return {
    host,
    port,
    close: () =>
      new Promise((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      }),
  };
}

async function handle(request: IncomingMessage, response: ServerResponse, options: AdminServerOptions): Promise<void> {
  if (!isLocal(request)) {
    reply(response, 403, { error: 'the admin channel answers local clients only' });
    return;
  }
  const declaredBytes = Number(request.headers['content-length'] ?? 0);
  if (!(declaredBytes <= adminRequestBodyBytesMax)) {
    reply(response, 413, { error: `request body larger than ${adminRequestBodyBytesMax} bytes` });
    return;
  }
  const url = new URL(request.url ?? '/', 'http://admin');
  const target = parseTarget(url);
  if (typeof target === 'string') {
    reply(response, 400, { error: target });
    return;
  }
  const route = `${request.method ?? 'GET'} ${url.pathname}`;
  const { operations, logger } = options;
  switch (route) {
    case 'POST /flush':
      logger.info('admin: flush', { ...target });
      await operations.flush(target);
      reply(response, 200, { ok: true });
      return;
    case 'POST /compact':
      logger.info('admin: compact', { ...target });
      await operations.compact(target);
      reply(response, 200, { ok: true });
      return;
    case 'POST /enablehandoff':
    case 'POST /disablehandoff': {
      const enabled = route === 'POST /enablehandoff';
      if (operations.setHintedHandoff === undefined) {
        reply(response, 404, { error: 'this node keeps no hints' });
        return;
      }
      logger.info('admin: hinted handoff', { enabled });
      operations.setHintedHandoff(enabled);
      reply(response, 200, { ok: true, hintedHandoffEnabled: enabled });
      return;
    }
    case 'GET /status':
      reply(response, 200, await operations.status(target));
      return;
    default:
      reply(response, 404, { error: `no such admin operation: ${route}` });
  }
}

function parseTarget(url: URL): AdminTarget | string {
  const target: AdminTarget = {};
  const keyspace = url.searchParams.get('keyspace');
  const table = url.searchParams.get('table');
  for (const name of [keyspace, table]) {
    if (name !== null && (name.length === 0 || name.length > schemaNameLengthMax)) return 'bad keyspace or table name';
  }
  if (table !== null && keyspace === null) return 'a table needs its keyspace';
  if (keyspace !== null) target.keyspace = keyspace;
  if (table !== null) target.table = table;
  return target;
}

/** Same machine: a loopback peer, or a peer connecting from our own address. */
function isLocal(request: IncomingMessage): boolean {
  const remote = request.socket.remoteAddress ?? '';
  const local = request.socket.localAddress ?? '';
  return remote === local || remote.startsWith('127.') || remote === '::1' || remote.startsWith('::ffff:127.');
}

function reply(response: ServerResponse, status: number, body: unknown): void {
  if (response.headersSent) {
    response.end();
    return;
  }
  const text = `${JSON.stringify(body)}\n`;
  response.writeHead(status, { 'content-type': 'application/json', 'content-length': Buffer.byteLength(text) });
  response.end(text);
}
