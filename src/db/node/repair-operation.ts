// nodetool repair on this node: for every table of the target (all replicated keyspaces, one
// keyspace, or one table) and every token range this node replicates, a repair session with
// the range's other replicas (cluster/repair/repair-session.ts), one range at a time so memory
// stays bounded. Every replica must be up, as Cassandra requires (no partial repair).

import type { ClusterNode } from './cluster-node.js';
import type { AdminTarget } from './admin.js';
import { repairRange, type RepairResult } from '../cluster/repair/repair-session.js';
import type { Schema } from '../schema/schema.js';
import type { StorageEngine } from '../storage/engine.js';
import type { Logger } from '../common/world.js';

export async function repairNode(parts: { schema: Schema; storage: StorageEngine; cluster: ClusterNode; logger: Logger }, target: AdminTarget): Promise<Record<string, unknown>> {
  const { schema, cluster, logger } = parts;
  const services = cluster.services;
  const local = services.messaging.localEndpoint;
  const keyspaces = target.keyspace === undefined
    ? schema.allKeyspaces().filter((keyspace) => !keyspace.virtual && !keyspace.replication.class.endsWith('LocalStrategy'))
    : [schema.getKeyspace(target.keyspace)];
  const totals: RepairResult & { ranges: number; tables: number } = { ranges: 0, tables: 0, differingRanges: 0, partitionsPulled: 0, partitionsPushed: 0 };
  const context = { messaging: services.messaging, store: cluster.repairStore, logger };
  for (const keyspace of keyspaces) {
    const tables = [...keyspace.tables.values()].filter((table) => !table.virtual && (target.table === undefined || table.name === target.table));
    if (target.table !== undefined && tables.length === 0) schema.getTable(keyspace.name, target.table);
    const ranges = services.ring.clone().rangesWithReplicas(keyspace.replication).filter((entry) => entry.replicas.includes(local));
    const down = [...new Set(ranges.flatMap((entry) => entry.replicas))].filter((endpoint) => endpoint !== local && !services.gossiper.isAlive(endpoint));
    if (down.length > 0 && tables.length > 0) throw new Error(`cannot repair ${keyspace.name}: replicas ${down.join(', ')} are down`);
    for (const table of tables) {
      totals.tables++;
      for (const entry of ranges) {
        const result = await repairRange(context, { keyspace: keyspace.name, tableId: table.id, range: entry.range, replicas: entry.replicas });
        totals.ranges++;
        totals.differingRanges += result.differingRanges;
        totals.partitionsPulled += result.partitionsPulled;
        totals.partitionsPushed += result.partitionsPushed;
      }
    }
  }
  logger.info('repair finished', { ...target, ...totals });
  return { ...totals };
}
