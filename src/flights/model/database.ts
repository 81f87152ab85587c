// Connecting to the database through the DataStax driver, exactly as to Apache Cassandra:
// contact points, local datacenter, optional credentials and TLS. Consistency levels and
// replication are configuration, so one build runs on a single dev node (RF 1) and on a
// cluster (RF 3, QUORUM for status, ONE for tracking).

import cassandra from 'cassandra-driver';
import { readFileSync } from 'node:fs';
import { createKeyspaceCql, createTablesCql, isKeyspaceName, type ReplicationOptions } from './schema.js';

export const consistencyNames = ['ANY', 'ONE', 'TWO', 'THREE', 'QUORUM', 'ALL', 'LOCAL_QUORUM', 'EACH_QUORUM', 'LOCAL_ONE'] as const;
export type ConsistencyName = (typeof consistencyNames)[number];

const consistencyCodes: Readonly<Record<ConsistencyName, number>> = {
  ANY: cassandra.types.consistencies.any,
  ONE: cassandra.types.consistencies.one,
  TWO: cassandra.types.consistencies.two,
  THREE: cassandra.types.consistencies.three,
  QUORUM: cassandra.types.consistencies.quorum,
  ALL: cassandra.types.consistencies.all,
  LOCAL_QUORUM: cassandra.types.consistencies.localQuorum,
  EACH_QUORUM: cassandra.types.consistencies.eachQuorum,
  LOCAL_ONE: cassandra.types.consistencies.localOne,
};

export function parseConsistency(name: string): ConsistencyName {
  const upper = name.trim().toUpperCase();
  const found = consistencyNames.find((candidate) => candidate === upper);
  if (found === undefined) throw new RangeError(`unknown consistency level '${name}' (one of ${consistencyNames.join(', ')})`);
  return found;
}

export function consistencyCode(name: ConsistencyName): number {
  return consistencyCodes[name];
}

export interface DatabaseOptions {
  /** host or host:port. */
  contactPoints: string[];
  localDataCenter: string;
  keyspace: string;
  replication: ReplicationOptions;
  /** Status and schedule reads and writes. */
  strongConsistency: ConsistencyName;
  /** Tracking reads and writes. */
  weakConsistency: ConsistencyName;
  username?: string;
  password?: string;
  tls?: { caFile?: string; rejectUnauthorized: boolean };
  /** Per-request timeout of the driver. */
  requestTimeoutMs?: number;
}

export const defaultDatabaseOptions: DatabaseOptions = {
  contactPoints: ['127.0.0.1:9042'],
  localDataCenter: 'datacenter1',
  keyspace: 'flights',
  replication: { strategy: 'SimpleStrategy', replicationFactor: 1 },
  strongConsistency: 'QUORUM',
  weakConsistency: 'ONE',
};

export const contactPointsMax = 64;
/** How long the driver waits on a coordinator before asking another one too (speculative execution). */
export const speculativeDelayMs = 300;
const nativePortDefault = 9042;

/** The port of a contact point: host:port, [ipv6]:port, or none given (the default). */
function contactPointPort(point: string): number {
  const match = /^(?:\[[^\]]*\]|[^:[\]]+):(\d{1,5})$/.exec(point);
  const port = match?.[1] === undefined ? nativePortDefault : Number(match[1]);
  if (port < 1 || port > 65_535) throw new RangeError(`invalid port in contact point '${point}'`);
  return port;
}

/**
 * The driver reaches the nodes it discovers (system.peers) on one port, protocolOptions.port,
 * whatever port the contact points name; so the contact points must agree on it, and it must
 * be passed on, or a cluster on another port than 9042 is used through its contact points only.
 */
export function clusterNativePort(contactPoints: readonly string[]): number {
  const ports = new Set(contactPoints.map(contactPointPort));
  const [port] = ports;
  if (port === undefined || ports.size > 1) {
    throw new RangeError(`the contact points must all use one native port (the driver reaches the other nodes on it), got ${[...ports].join(', ')}`);
  }
  return port;
}

export function createClient(options: DatabaseOptions): cassandra.Client {
  if (options.contactPoints.length === 0 || options.contactPoints.length > contactPointsMax) {
    throw new RangeError(`between 1 and ${contactPointsMax} contact points needed`);
  }
  if (!isKeyspaceName(options.keyspace)) throw new RangeError(`invalid keyspace name '${options.keyspace}'`);
  const clientOptions: cassandra.ClientOptions = {
    contactPoints: options.contactPoints,
    localDataCenter: options.localDataCenter,
    protocolOptions: { port: clusterNativePort(options.contactPoints) },
    socketOptions: { readTimeout: options.requestTimeoutMs ?? 12_000, connectTimeout: 5_000 },
    // Every statement of the application may be retried on another node: plain inserts and
    // updates with driver-side timestamps, reads and IF NOT EXISTS DDL; no counters, list
    // appends or lightweight transactions. So a request caught on a node that dies is retried
    // on another node rather than failed.
    queryOptions: { isIdempotent: true },
    policies: {
      // The map and the simulator keep working while a node is down: reconnect steadily.
      reconnection: new cassandra.policies.reconnection.ConstantReconnectionPolicy(2_000),
      // A coordinator that has not answered within speculativeDelayMs gets a second one beside
      // it (idempotent statements only, which all of the app's are): a request caught on a
      // coordinator that waits on a replica that just died does not set the app's latency.
      speculativeExecution: new cassandra.policies.speculativeExecution.ConstantSpeculativeExecutionPolicy(speculativeDelayMs, 2),
    },
  };
  if (options.username !== undefined) {
    clientOptions.authProvider = new cassandra.auth.PlainTextAuthProvider(options.username, options.password ?? '');
  }
  if (options.tls !== undefined) {
    clientOptions.sslOptions = {
      rejectUnauthorized: options.tls.rejectUnauthorized,
      ...(options.tls.caFile === undefined ? {} : { ca: [readFileSync(options.tls.caFile)] }),
    };
  }
  return new cassandra.Client(clientOptions);
}

/** Creates the keyspace and tables if they do not exist; safe to run on every start. */
export async function ensureSchema(client: cassandra.Client, options: DatabaseOptions): Promise<void> {
  await client.execute(createKeyspaceCql(options.keyspace, options.replication));
  for (const statement of createTablesCql(options.keyspace)) await client.execute(statement);
}

/** A one-line, user-facing description of a driver error. */
export function describeDatabaseError(error: unknown): string {
  if (error instanceof cassandra.errors.NoHostAvailableError) {
    const reasons = Object.entries(error.innerErrors as Record<string, unknown>)
      .slice(0, 3)
      .map(([host, inner]) => `${host}: ${inner instanceof Error ? inner.message : String(inner)}`);
    return `database unavailable (no host reachable${reasons.length > 0 ? `: ${reasons.join('; ')}` : ''})`;
  }
  if (error instanceof cassandra.errors.ResponseError) return `database error: ${error.message}`;
  if (error instanceof cassandra.errors.OperationTimedOutError) return `database timeout: ${error.message}`;
  return error instanceof Error ? error.message : String(error);
}
