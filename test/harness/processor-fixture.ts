// What in-process query-processor tests share: a one-node cluster from storage-cluster.ts
// (messaging, gossip and ring on the simulated network and clock, a storage engine on a
// simulated disk), an empty schema, and the real coordinator, a StorageProxy on that node, so
// that every request of a test takes the path a client's request takes. Replication factor 1
// is all one node can serve; a keyspace asking for more is Unavailable above ONE, as on a
// single real node. Time stands still unless the test advances the clock.

import { silentLogger } from '../../src/db/common/world.js';
import { StorageProxy } from '../../src/db/coordinator/storage-proxy.js';
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
  });
  return { clock, random, storage: node.engine, schema, coordinator };
}
