// What in-process query-processor tests share: a one-node cluster from storage-cluster.ts
// (messaging, gossip and ring on the simulated network and clock, a storage engine on a
// simulated disk), an empty schema, and the real coordinator, a StorageProxy on that node, so
// that every request of a test takes the path a client's request takes. Replication factor 1
// is all one node can serve; a keyspace asking for more is Unavailable above ONE, as on a
// single real node. Time stands still unless the test advances the clock.

import { ConsistencyLevel } from '../../src/db/common/consistency.js';
import { silentLogger } from '../../src/db/common/world.js';
import type { BoundValue, QueryParameters } from '../../src/db/protocol/messages.js';
import { defaultQueryParameters } from '../../src/db/protocol/query-parameters.js';
import { QueryProcessor, type QuerySession } from '../../src/db/query/query-processor.js';
import { StorageProxy } from '../../src/db/coordinator/storage-proxy.js';
import { PaxosReplica } from '../../src/db/cluster/paxos/paxos-state.js';
import { Schema } from '../../src/db/schema/schema.js';
import type { StorageEngine } from '../../src/db/storage/engine.js';
import type { SeededRandom } from './seeded-random.js';
import type { SimulatedClock } from './simulated-clock.js';
import { SimulatedDisk } from './simulated-disk.js';
import { StorageCluster } from './storage-cluster.js';

export interface ProcessorFixture {
  clock: SimulatedClock;
  random: SeededRandom;
  storage: StorageEngine;
  schema: Schema;
  coordinator: StorageProxy;
}

export async function openProcessorFixture(options: { seed?: number } = {}): Promise<ProcessorFixture> {
  const cluster = new StorageCluster({ nodes: 1, seed: options.seed ?? 1, tables: [] });
  const node = await cluster.startNode(0);
  const { clock } = cluster;
  const random = cluster.gossip.random.fork();
  const disk = new SimulatedDisk();
  await disk.makeDirectory('data');
  const schema = new Schema({ random, disk, path: 'data/schema.json' });
  const coordinator = new StorageProxy({
    clock, logger: silentLogger, messaging: node.messaging, ring: node.ring,
    isAlive: (endpoint) => node.gossiper.isAlive(endpoint), store: node.engine,
    replicationOf: (keyspace) => schema.findKeyspace(keyspace)?.replication,
    keyspaceOfTable: (tableId) => schema.findTableById(tableId)?.keyspace,
    localDataCenter: 'datacenter1',
    paxos: { replica: new PaxosReplica({ clock, state: node.batchlogStore, data: node.engine }), random: random.fork() },
    counterId: '00000000-0000-4000-8000-000000000001',
  });
  return { clock, random, storage: node.engine, schema, coordinator };
}

/** A started QueryProcessor on the fixture, an anonymous session, and `run` for ad-hoc CQL at ONE. */
export async function openProcessor(options: { seed?: number } = {}) {
  const fixture = await openProcessorFixture(options);
  const { clock, random, storage, schema, coordinator } = fixture;
  const processor = new QueryProcessor({ world: { clock, random, logger: silentLogger }, schema, storage, coordinator, virtualRows: () => [] });
  await processor.start();
  const state: QuerySession = { keyspace: null, user: null };
  const run = (query: string, values: BoundValue[] = [], extra: Partial<QueryParameters> = {}) =>
    processor.query(query, { ...defaultQueryParameters(ConsistencyLevel.ONE), values, ...extra }, state);
  return { ...fixture, processor, run, state };
}
