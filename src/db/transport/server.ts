// The native-protocol server: accepts client connections (bounded), gives each a
// ClientConnection, and on close stops accepting, lets in-flight requests finish within a
// bound, then closes what is left.

import { assert } from '../common/assert.js';
import {
  clientConnectionsMax, clientRequestsRunningMax, clientRequestsTurnMs, connectionRequestsInFlightMax, frameBodyBytesMax, requestDataInFlightBytesDefault, requestDataInFlightPerAddressBytesDefault,
} from '../common/limits.js';
import type { Clock, Connection, Logger, Network } from '../common/world.js';
import type { Authenticator } from './authenticator.js';
import type { AuditTarget } from './audit-hooks.js';
import { ClientConnection, type ClientDescription } from './connection.js';
import { EventHub } from './events.js';
import type { QueryHandler } from './query-handler.js';
import { RequestLimiter, type RequestLimits } from './request-limiter.js';
import { RequestScheduler } from './request-scheduler.js';

export interface NativeServerOptions {
  network: Network;
  host: string;
  /** 0 picks a free port (tests). */
  port: number;
  handler: QueryHandler;
  logger: Logger;
  clock: Clock;
  frameBodyBytesMax?: number;
  connectionsMax?: number;
  requestsInFlightMax?: number;
  /** Client requests running at once, all connections together (Cassandra's native_transport_max_threads). */
  requestsRunningMax?: number;
  /** Bytes of requests in flight, all clients and per client address (Cassandra's native_transport_max_request_data_in_flight[_per_ip]). */
  requestData?: RequestLimits;
  /** Undefined admits every client without credentials (AllowAllAuthenticator). */
  authenticator?: Authenticator;
  /** The audit log (audit_logging_options); entries name the node by auditHost. */
  audit?: AuditTarget;
}

export interface NativeServer {
  readonly host: string;
  readonly port: number;
  /** Open client connections. */
  connectionCount(): number;
  /** Every open connection (system_views.clients). */
  clients(): ClientDescription[];
  /** Native-Transport-Requests as tpstats shows it: requests running, queued, answered since start. */
  requestStats(): { active: number; pending: number; completed: number };
  /** Request bytes held now, and frames that waited for (or were refused by) the request-data bound since start. */
  requestDataStats(): { bytesInFlight: number; throttled: number };
  /** Whether new clients are accepted (false once close began). */
  isAccepting(): boolean;
  /**
   * Stops accepting connections, waits up to drainMs for in-flight requests, then closes
   * every connection. Idempotent.
   */
  close(options: { drainMs: number }): Promise<void>;
}

/** After connections are ended, how long to wait for clients to hang up before cutting them. */
const endGraceMs = 1000;

export async function startNativeServer(options: NativeServerOptions): Promise<NativeServer> {
  const bodyBytesMax = options.frameBodyBytesMax ?? frameBodyBytesMax;
  const connectionsMax = options.connectionsMax ?? clientConnectionsMax;
  assert(bodyBytesMax > 0 && connectionsMax > 0, 'server bounds must be positive');
  const logger = options.logger.child({ component: 'native-transport' });
  const events = new EventHub(options.handler);
  const limiter = new RequestLimiter(options.requestData ?? { bytesMax: requestDataInFlightBytesDefault, bytesPerAddressMax: requestDataInFlightPerAddressBytesDefault });
  const scheduler = new RequestScheduler(options.requestsRunningMax ?? clientRequestsRunningMax, { clock: options.clock, turnMs: clientRequestsTurnMs });
  const connections = new Set<ClientConnection>();
  let nextConnectionId = 1;
  /** Requests answered on connections since closed. */
  let answeredOnClosed = 0;
  let accepting = true;

  const accept = (connection: Connection) => {
    const remote = `${connection.remoteAddress}:${connection.remotePort}`;
    if (!accepting || connections.size >= connectionsMax) {
      // No frame has arrived yet, so there is no stream to answer on: hang up, drivers retry.
      logger.warn('refusing client connection', { remote, reason: accepting ? 'too many connections' : 'shutting down', connectionsMax });
      connection.destroy();
      return;
    }
    const id = nextConnectionId++;
    const client = new ClientConnection(connection, {
      handler: options.handler,
      clock: options.clock,
      events,
      logger: logger.child({ connection: id, remote }),
      frameBodyBytesMax: bodyBytesMax,
      requestsInFlightMax: options.requestsInFlightMax ?? connectionRequestsInFlightMax,
      limiter,
      scheduler,
      authenticator: options.authenticator,
      ...(options.audit === undefined ? {} : { audit: options.audit }),
      onClosed: (closed) => {
        if (connections.delete(closed)) answeredOnClosed += closed.describe().requestCount;
        logger.debug('client disconnected', { connection: id, remote });
      },
    });
    connections.add(client);
    logger.debug('client connected', { connection: id, remote });
  };

  const listener = await options.network.listen({ host: options.host, port: options.port }, accept);
  logger.info('native transport listening', { host: options.host, port: listener.port });
  let closing: Promise<void> | undefined;

  const close = async (drainMs: number) => {
    accepting = false;
    await listener.close();
    for (const client of connections) client.shutdown();
    await within(options.clock, drainMs, Promise.all([...connections].map((client) => client.whenIdle())));
    const left = [...connections];
    if (left.some((client) => client.requestsInFlight > 0)) {
      logger.warn('requests still in flight after the drain time, closing anyway', { drainMs });
    }
    for (const client of left) client.end();
    await within(options.clock, endGraceMs, Promise.all(left.map((client) => closedPromise(client, connections))));
    for (const client of connections) client.destroy();
    events.close();
    logger.info('native transport stopped');
  };

  return {
    host: options.host,
    port: listener.port,
    connectionCount: () => connections.size,
    clients: () => [...connections].map((client) => client.describe()),
    requestStats: () => {
      const open = [...connections].map((client) => client.describe());
      return {
        active: open.reduce((sum, c) => sum + c.inFlight, 0),
        pending: open.reduce((sum, c) => sum + c.queued, 0),
        completed: answeredOnClosed + open.reduce((sum, c) => sum + c.requestCount, 0),
      };
    },
    requestDataStats: () => ({ bytesInFlight: limiter.held(), throttled: limiter.throttled }),
    isAccepting: () => accepting,
    close: ({ drainMs }) => (closing ??= close(drainMs)),
  };
}

/** Waits for `work`, but no longer than timeoutMs. */
async function within(clock: Clock, timeoutMs: number, work: Promise<unknown>): Promise<void> {
  let timer: { cancel(): void } | undefined;
  const timeout = new Promise<void>((resolve) => {
    timer = clock.setTimer(timeoutMs, resolve);
  });
  await Promise.race([work, timeout]);
  timer?.cancel();
}

/** Resolves when the client has left the server's set (its socket closed). */
async function closedPromise(client: ClientConnection, connections: Set<ClientConnection>): Promise<void> {
  await client.whenClosed();
  assert(!connections.has(client), 'closed connection still tracked');
}
