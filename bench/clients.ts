// The two load targets: the lean pipelined client (connections spread round-robin over the
// nodes; slot i uses connection i mod connections, so each connection holds exactly its share
// of the window) and the official cassandra-driver (prepared statements, a pool of
// connections per node, token-aware routing; the in-flight window is the loop's).

import cassandra from 'cassandra-driver';
import type { ConsistencyLevel } from '../src/db/common/consistency.js';
import { ExecuteTemplate, LeanConnection } from './lean-client.js';
import { keyOf, poolValue, type Completion, type LoadTarget, type Shape } from './load.js';
import { insertCql, selectCql } from './statements.js';

export type ClientKind = 'lean' | 'driver';

/** A key unlikely to appear elsewhere in a frame, to find where templates put the key. */
const templateKey = 0x0bad_cafe_f00d;

export interface Endpoint {
  host: string;
  port: number;
}

export class LeanTarget implements LoadTarget {
  private readonly insertFrame: ExecuteTemplate;
  private readonly selectFrame: ExecuteTemplate;

  private constructor(private readonly connections: LeanConnection[], ids: { insert: Buffer; select: Buffer }, consistency: ConsistencyLevel) {
    this.insertFrame = ExecuteTemplate.create(ids.insert, { consistency, key: keyOf(templateKey), value: poolValue(0) });
    this.selectFrame = ExecuteTemplate.create(ids.select, { consistency, key: keyOf(templateKey), value: null });
  }

  static async open(endpoints: Endpoint[], options: { connections: number; consistency: ConsistencyLevel; localAddress?: string }): Promise<LeanTarget> {
    const connections: LeanConnection[] = [];
    try {
      for (let i = 0; i < options.connections; i++) {
        const endpoint = endpoints[i % endpoints.length] as Endpoint;
        connections.push(await LeanConnection.open(endpoint.host, endpoint.port, options.localAddress === undefined ? {} : { localAddress: options.localAddress }));
      }
      // Every node must know the statements: prepare on one connection per node.
      let ids: { insert: Buffer; select: Buffer } | null = null;
      for (let i = 0; i < Math.min(endpoints.length, connections.length); i++) {
        const connection = connections[i] as LeanConnection;
        ids = { insert: await connection.prepare(insertCql), select: await connection.prepare(selectCql) };
      }
      if (ids === null) throw new Error('no connection to prepare on');
      return new LeanTarget(connections, ids, options.consistency);
    } catch (error) {
      for (const connection of connections) connection.close();
      throw error;
    }
  }

  get connectionCount(): number {
    return this.connections.length;
  }

  insert(key: number, slot: number, done: Completion): void {
    this.connection(slot).request((stream) => this.insertFrame.build(stream, key, poolValue(key)), done);
  }

  select(key: number, slot: number, done: Completion): void {
    this.connection(slot).request((stream) => this.selectFrame.build(stream, key, null), done);
  }

  close(): void {
    for (const connection of this.connections) connection.close();
  }

  private connection(slot: number): LeanConnection {
    return this.connections[slot % this.connections.length] as LeanConnection;
  }
}

/** A driver client with `connectionsPerHost` connections to each node. */
export function driverClient(endpoints: Endpoint[], options: { connectionsPerHost: number; requestTimeoutMs?: number }): cassandra.Client {
  const { distance } = cassandra.types;
  const first = endpoints[0] as Endpoint;
  return new cassandra.Client({
    contactPoints: endpoints.map((e) => e.host),
    localDataCenter: 'datacenter1',
    protocolOptions: { port: first.port },
    pooling: { coreConnectionsPerHost: { [distance.local]: options.connectionsPerHost, [distance.remote]: 1 }, maxRequestsPerConnection: 32_768 },
    socketOptions: { readTimeout: options.requestTimeoutMs ?? 12_000, connectTimeout: 10_000 },
    queryOptions: { prepare: true, isIdempotent: true },
  });
}

export class DriverTarget implements LoadTarget {
  private readonly options: cassandra.QueryOptions;

  private constructor(private readonly client: cassandra.Client, readonly connectionCount: number, consistency: ConsistencyLevel) {
    this.options = { prepare: true, consistency };
  }

  static async open(endpoints: Endpoint[], options: { shape: Shape; consistency: ConsistencyLevel }): Promise<DriverTarget> {
    const connectionsPerHost = Math.max(1, Math.ceil(options.shape.connections / endpoints.length));
    const client = driverClient(endpoints, { connectionsPerHost });
    try {
      await client.connect();
      // Prepare both statements up front, so the first measured requests are not preparing.
      await client.execute(selectCql, [cassandra.types.Long.fromNumber(0)], { prepare: true, consistency: options.consistency });
      await client.execute(insertCql, [cassandra.types.Long.fromNumber(0), poolValue(0)], { prepare: true, consistency: options.consistency });
    } catch (error) {
      await client.shutdown();
      throw error;
    }
    return new DriverTarget(client, connectionsPerHost * endpoints.length, options.consistency);
  }

  insert(key: number, _slot: number, done: Completion): void {
    this.client.execute(insertCql, [cassandra.types.Long.fromNumber(key), poolValue(key)], this.options).then(() => done(null), (error: unknown) => done(errorText(error)));
  }

  select(key: number, _slot: number, done: Completion): void {
    this.client.execute(selectCql, [cassandra.types.Long.fromNumber(key)], this.options).then(() => done(null), (error: unknown) => done(errorText(error)));
  }

  async close(): Promise<void> {
    await this.client.shutdown();
  }
}

export function errorText(error: unknown): string {
  return error instanceof Error ? `${error.name}: ${error.message}`.slice(0, 300) : String(error);
}
