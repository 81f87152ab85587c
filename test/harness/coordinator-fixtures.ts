// Shared pieces of the coordinator tests over the in-process StorageCluster: one table with
// an int key and a text column v, SimpleStrategy RF 3, mutations and reads of a key, a
// StorageProxy on a node, and drive() (runs the virtual clock until a promise settles).

import type { Endpoint } from '../../src/db/cluster/endpoint.js';
import { silentLogger, type Clock } from '../../src/db/common/world.js';
import type { HintStore } from '../../src/db/coordinator/hints.js';
import { StorageProxy, type StorageProxyOptions } from '../../src/db/coordinator/storage-proxy.js';
import { murmur3Token } from '../../src/db/dht/murmur3.js';
import { CLUSTERING_RANGE_END, CLUSTERING_RANGE_START, EMPTY_CLUSTERING } from '../../src/db/schema/clustering-key.js';
import { MIN_TOKEN, NO_DELETION_TIME, type Cell, type Mutation, type ReadCommand, type ReadResult } from '../../src/db/storage/types.js';
import type { StorageCluster, StorageNode } from './storage-cluster.js';

export const table = { keyspace: 'ks', tableId: '00000000-0000-4000-8000-00000000000b', gcGraceSeconds: 864000 };
export const replication = { class: 'org.apache.cassandra.locator.SimpleStrategy', replication_factor: '3' };

export function keyOf(k: number): { key: Buffer; token: bigint } {
  const key = Buffer.alloc(4);
  key.writeInt32BE(k);
  return { key, token: murmur3Token(key) };
}

export function write(k: number, value: string, timestampMicros: number): Mutation {
  return {
    keyspace: table.keyspace, tableId: table.tableId, ...keyOf(k), partitionDeletion: null, rangeTombstones: [],
    rows: [{ clustering: EMPTY_CLUSTERING, liveness: null, deletion: null, cells: [{ column: 'v', timestampMicros, ttlSeconds: 0, localDeletionTime: NO_DELETION_TIME, value: Buffer.from(value) }] }],
  };
}

export function read(k: number, nowSeconds: number): ReadCommand {
  return {
    kind: 'single', tableId: table.tableId, ...keyOf(k), slices: [{ start: CLUSTERING_RANGE_START, end: CLUSTERING_RANGE_END }], reversed: false,
    columns: 'all', rowLimit: 100, perPartitionRowLimit: 100, nowSeconds, includeTombstones: false,
  };
}

export function scan(nowSeconds: number, rowLimit: number): ReadCommand {
  return {
    kind: 'range', tableId: table.tableId, slices: [{ start: CLUSTERING_RANGE_START, end: CLUSTERING_RANGE_END }], reversed: false, columns: 'all',
    rowLimit, perPartitionRowLimit: 100, nowSeconds, includeTombstones: false, start: { token: MIN_TOKEN }, end: { token: MIN_TOKEN }, partitionLimit: rowLimit,
  };
}

export function proxyFor(node: StorageNode, clock: Clock, hints?: HintStore, timeouts: Pick<StorageProxyOptions, 'truncateTimeoutMs'> = {}): StorageProxy {
  return new StorageProxy({
    clock, logger: silentLogger, messaging: node.messaging, ring: node.ring,
    isAlive: (endpoint: Endpoint) => node.gossiper.isAlive(endpoint), store: node.engine,
    replicationOf: () => replication, keyspaceOfTable: () => table.keyspace, localDataCenter: 'datacenter1',
    ...(hints === undefined ? {} : { hints }), ...timeouts,
  });
}

/** Runs the cluster's virtual clock until work settles; resolves or rejects as work did. */
export async function drive<T>(cluster: StorageCluster, work: Promise<T>): Promise<T> {
  let done = false;
  // Settled into a value at once, so a rejection is never unhandled while the clock runs.
  const tracked = work.then((value) => ({ ok: true as const, value }), (error: unknown) => ({ ok: false as const, error }));
  void tracked.finally(() => { done = true; });
  await cluster.runUntil(() => done, 120_000);
  const outcome = await tracked;
  if (!outcome.ok) throw outcome.error;
  return outcome.value;
}

/** The v cell of the first row of the first partition, if any. */
export function cellOf(result: ReadResult): Cell | undefined {
  return result.partitions[0]?.rows[0]?.cells[0];
}

export const valueOf = (result: ReadResult): string | undefined => cellOf(result)?.value?.toString();
