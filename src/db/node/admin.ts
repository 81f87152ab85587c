// The admin channel (our stand-in for Cassandra's JMX on port 7199): a small HTTP API that
// `aero nodetool` calls. Local-only: it binds to the node's listen address (each local node has
// its own 127.0.0.N) and answers only clients on the same machine. It listens on the injected
// Network (admin-http.ts speaks HTTP/1.1 over its Connections), so the in-process harness
// reaches it as real tools reach a real node.

import { clientConnectionsMax, schemaNameLengthMax } from '../common/limits.js';
import type { Clock, Connection, Listener, Logger, Network } from '../common/world.js';
import { encodeAdminResponse, parseAdminRequest, type AdminHttpRequest } from './admin-http.js';

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
  /** nodetool repair: anti-entropy repair of the ranges this node replicates; a JSON summary. */
  repair?(target: AdminTarget): Promise<Record<string, unknown>>;
  /** nodetool decommission: stream this node's ranges away, leave the ring, stop. */
  decommission?(): Promise<Record<string, unknown>>;
  /** nodetool removenode: restore the replicas of a dead node's ranges and remove it from the ring. */
  removeNode?(hostId: string): Promise<Record<string, unknown>>;
  /** nodetool removenode status: Cassandra's RemovalStatus line for the removal this node coordinates. */
  removalStatus?(): string;
  /** nodetool cleanup: drop the data of ranges this node no longer replicates. */
  cleanup?(target: AdminTarget): Promise<Record<string, unknown>>;
  /** The partitions this node stores of one table (their tokens), for checking placement. */
  localData?(target: AdminTarget): Promise<Record<string, unknown>>;
  /** nodetool netstats: the node's mode and its streams. */
  netstats?(): Record<string, unknown>;
  /** nodetool enablehandoff / disablehandoff: whether this coordinator writes hints for down replicas. */
  setHintedHandoff?(enabled: boolean): void;
  /** nodetool enableauditlog / disableauditlog (with the filters of audit_logging_options). */
  setAuditLog?(enabled: boolean): Promise<Record<string, unknown>>;
  /** GET /metrics: the Prometheus exposition text. */
  metrics?(): Promise<{ contentType: string; text: string }>;
  /** GET /health: up when the node accepts clients; `checks` says what was looked at. */
  health?(): { up: boolean; checks: Record<string, boolean> };
  /** nodetool getlogginglevel / setlogginglevel: the node's log level, changed at runtime. */
  logging?: { level(): string; setLevel(level: 'debug' | 'info' | 'warn' | 'error'): void };
  /** nodetool drain: stop clients, gossip and messaging, flush every memtable; the node then only awaits its stop. */
  drain?(): Promise<void>;
  /** nodetool getendpoints: the token of a partition key (as text) and the replicas holding it. */
  getEndpoints?(keyspace: string, table: string, key: string): { token: string; endpoints: string[] };
  /** GET /<name>: read-only reports for nodetool (info, describecluster, tablestats, ...), JSON. */
  reports?: Readonly<Record<string, (target: AdminTarget) => Record<string, unknown>>>;
}

export interface AdminServer {
  readonly host: string;
  readonly port: number;
  close(): Promise<void>;
}

export interface AdminServerOptions {
  network: Network;
  clock: Clock;
  host: string;
  /** 0 picks a free port (tests). */
  port: number;
  operations: AdminOperations;
  logger: Logger;
}

/** A client gets this long to send its whole request (an idle connection never holds a slot). */
const requestTimeoutMs = 10_000;

interface AdminReply {
  status: number;
  body: unknown;
  /** A non-JSON body (the Prometheus text). */
  text?: { contentType: string; text: string };
}

export async function startAdminServer(options: AdminServerOptions): Promise<AdminServer> {
  const open = new Set<Connection>();
  const listener: Listener = await options.network.listen({ host: options.host, port: options.port }, (connection) => {
    if (open.size >= clientConnectionsMax) {
      connection.destroy();
      return;
    }
    open.add(connection);
    connection.onClose(() => open.delete(connection));
    serve(connection, options);
  });
  let closing: Promise<void> | undefined;
  return {
    host: options.host,
    port: listener.port,
    close: () => (closing ??= listener.close().then(() => {
      for (const connection of open) connection.destroy();
    })),
  };
}

/** One request per connection: gather it, answer, close. */
function serve(connection: Connection, options: AdminServerOptions): void {
  let received = Buffer.alloc(0);
  let answered = false;
  const timer = options.clock.setTimer(requestTimeoutMs, () => answer({ status: 408, body: { error: 'request not received in time' } }));
  const answer = (reply: AdminReply) => {
    if (answered) return;
    answered = true;
    timer.cancel();
    connection.write(encodeAdminResponse(reply.status, reply.body, reply.text));
    connection.end();
  };
  connection.onClose(() => timer.cancel());
  connection.onData((chunk) => {
    if (answered) return;
    // The parser refuses a head or body past its bounds, so `received` stays bounded.
    received = Buffer.concat([received, chunk]);
    const parsed = parseAdminRequest(received);
    if (parsed.kind === 'more') return;
    if (parsed.kind === 'refused') {
      answer({ status: parsed.refusal.status, body: { error: parsed.refusal.error } });
      return;
    }
    if (!isLocal(connection)) {
      answer({ status: 403, body: { error: 'the admin channel answers local clients only' } });
      return;
    }
    // The timeout bounds receiving the request, not the operation: a repair or a decommission lasts minutes.
    timer.cancel();
    handle(parsed.request, options).then(answer, (error: unknown) => {
      // An operation refused or broken for a reason the operator can act on is a conflict, not a fault.
      const refused = error instanceof Error && (error.name === 'MembershipError' || error.name === 'StreamError');
      options.logger.error('admin request failed', { url: parsed.request.target, error });
      answer({ status: refused ? 409 : 500, body: { error: error instanceof Error ? error.message : String(error) } });
    });
  });
}

async function handle(request: AdminHttpRequest, options: AdminServerOptions): Promise<AdminReply> {
  const url = new URL(request.target, 'http://admin');
  const target = parseTarget(url);
  if (typeof target === 'string') return { status: 400, body: { error: target } };
  const route = `${request.method} ${url.pathname}`;
  const { operations, logger } = options;
  switch (route) {
    case 'POST /flush':
      logger.info('admin: flush', { ...target });
      await operations.flush(target);
      return { status: 200, body: { ok: true } };
    case 'POST /compact':
      logger.info('admin: compact', { ...target });
      await operations.compact(target);
      return { status: 200, body: { ok: true } };
    case 'POST /repair':
      if (operations.repair === undefined) return { status: 404, body: { error: 'this node does not repair' } };
      logger.info('admin: repair', { ...target });
      return { status: 200, body: { ok: true, ...(await operations.repair(target)) } };
    case 'POST /enablehandoff':
    case 'POST /disablehandoff': {
      const enabled = route === 'POST /enablehandoff';
      if (operations.setHintedHandoff === undefined) return { status: 404, body: { error: 'this node keeps no hints' } };
      logger.info('admin: hinted handoff', { enabled });
      operations.setHintedHandoff(enabled);
      return { status: 200, body: { ok: true, hintedHandoffEnabled: enabled } };
    }
    case 'POST /enableauditlog':
    case 'POST /disableauditlog': {
      const enabled = route === 'POST /enableauditlog';
      if (operations.setAuditLog === undefined) return { status: 404, body: { error: 'this node keeps no audit log' } };
      logger.info('admin: audit log', { enabled });
      return { status: 200, body: { ok: true, auditLog: await operations.setAuditLog(enabled) } };
    }
    case 'POST /decommission':
      if (operations.decommission === undefined) return { status: 404, body: { error: 'this node cannot decommission' } };
      logger.info('admin: decommission');
      return { status: 200, body: { ok: true, ...(await operations.decommission()) } };
    case 'GET /removenode/status':
      if (operations.removalStatus === undefined) return { status: 404, body: { error: 'this node cannot remove nodes' } };
      return { status: 200, body: { status: operations.removalStatus() } };
    case 'POST /removenode': {
      const hostId = url.searchParams.get('hostId') ?? '';
      if (!/^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i.test(hostId)) return { status: 400, body: { error: `expected a host id (a UUID), got '${hostId.slice(0, 60)}'` } };
      if (operations.removeNode === undefined) return { status: 404, body: { error: 'this node cannot remove nodes' } };
      logger.info('admin: removenode', { hostId });
      return { status: 200, body: { ok: true, ...(await operations.removeNode(hostId.toLowerCase())) } };
    }
    case 'POST /cleanup':
      if (operations.cleanup === undefined) return { status: 404, body: { error: 'this node cannot clean up' } };
      logger.info('admin: cleanup', { ...target });
      return { status: 200, body: { ok: true, ...(await operations.cleanup(target)) } };
    case 'GET /localdata':
      if (operations.localData === undefined) return { status: 404, body: { error: 'this node does not list its data' } };
      if (target.table === undefined) return { status: 400, body: { error: 'localdata needs ?keyspace=K&table=T' } };
      return { status: 200, body: await operations.localData(target) };
    case 'GET /netstats':
      if (operations.netstats === undefined) return { status: 404, body: { error: 'this node does not stream' } };
      return { status: 200, body: operations.netstats() };
    case 'POST /drain':
      if (operations.drain === undefined) return { status: 404, body: { error: 'this node cannot drain' } };
      logger.info('admin: drain');
      await operations.drain();
      return { status: 200, body: { ok: true } };
    case 'GET /getendpoints': {
      if (operations.getEndpoints === undefined) return { status: 404, body: { error: 'this node does not place keys' } };
      const key = url.searchParams.get('key');
      if (target.keyspace === undefined || target.table === undefined || key === null) return { status: 400, body: { error: 'getendpoints needs ?keyspace=K&table=T&key=KEY' } };
      if (key.length > 65535) return { status: 400, body: { error: 'key longer than 65535 characters' } };
      try {
        return { status: 200, body: operations.getEndpoints(target.keyspace, target.table, key) };
      } catch (error) {
        return { status: 400, body: { error: error instanceof Error ? error.message : String(error) } };
      }
    }
    case 'GET /logginglevel':
      if (operations.logging === undefined) return { status: 404, body: { error: 'this node has no adjustable logger' } };
      return { status: 200, body: { level: operations.logging.level() } };
    case 'POST /logginglevel': {
      if (operations.logging === undefined) return { status: 404, body: { error: 'this node has no adjustable logger' } };
      const level = (url.searchParams.get('level') ?? '').toLowerCase();
      if (level !== 'debug' && level !== 'info' && level !== 'warn' && level !== 'error') {
        return { status: 400, body: { error: `expected a log level (DEBUG, INFO, WARN or ERROR), got '${(url.searchParams.get('level') ?? '').slice(0, 40)}'` } };
      }
      const previous = operations.logging.level();
      operations.logging.setLevel(level);
      logger.warn('admin: log level changed', { from: previous, to: level });
      return { status: 200, body: { ok: true, level } };
    }
    case 'GET /status':
      return { status: 200, body: await operations.status(target) };
    case 'GET /metrics':
      if (operations.metrics === undefined) return { status: 404, body: { error: 'this node keeps no metrics' } };
      return { status: 200, body: null, text: await operations.metrics() };
    case 'GET /health': {
      if (operations.health === undefined) return { status: 404, body: { error: 'this node reports no health' } };
      const health = operations.health();
      return { status: health.up ? 200 : 503, body: { status: health.up ? 'UP' : 'DOWN', ...health.checks } };
    }
    default: {
      const report = request.method === 'GET' ? operations.reports?.[url.pathname.slice(1)] : undefined;
      if (report !== undefined && Object.hasOwn(operations.reports ?? {}, url.pathname.slice(1))) return { status: 200, body: report(target) };
      return { status: 404, body: { error: `no such admin operation: ${route}` } };
    }
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
function isLocal(connection: Connection): boolean {
  const remote = connection.remoteAddress;
  return remote === connection.localAddress || remote.startsWith('127.') || remote === '::1' || remote.startsWith('::ffff:127.');
}
