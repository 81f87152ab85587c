// What the node tells clients about itself and its peers through the virtual system tables
// (system.local, system.peers, system.peers_v2, system_schema.*).

import { VIEWS_KEYSPACE } from '../schema/system-views-tables.js';
import type { TableMetadata } from '../schema/metadata.js';
import type { Schema } from '../schema/schema.js';
import {
  CQL_VERSION, NATIVE_PROTOCOL_VERSION, PARTITIONER, RELEASE_VERSION, virtualTables,
  type LocalNodeInfo, type PeerInfo, type SystemRow,
} from '../schema/system-tables.js';
import type { ClusterDescription } from '../cql/describe.js';
import type { TokenMetadata } from '../cluster/ring/token-metadata.js';
import type { NodeConfig } from './config.js';
import type { NodeIdentity } from './identity.js';

export function localNodeInfo(config: NodeConfig, identity: NodeIdentity, gossipGeneration: number): LocalNodeInfo {
  return {
    clusterName: config.clusterName,
    listenAddress: config.listenAddress,
    listenPort: config.storagePort,
    broadcastAddress: config.broadcastAddress,
    broadcastPort: config.storagePort,
    rpcAddress: config.rpcAddress,
    rpcPort: config.nativeTransportPort,
    dataCenter: config.dc,
    rack: config.rack,
    tokens: identity.tokens.map(String),
    hostId: identity.hostId,
    releaseVersion: RELEASE_VERSION,
    cqlVersion: CQL_VERSION,
    nativeProtocolVersion: NATIVE_PROTOCOL_VERSION,
    partitioner: PARTITIONER,
    bootstrapped: 'COMPLETED',
    gossipGeneration,
  };
}

/** The row source of every virtual table, for the query processor. */
export function systemRows(options: {
  schema: Schema; local: () => LocalNodeInfo; peers: () => readonly PeerInfo[]; views?: (table: string) => SystemRow[];
  builtIndexes?: () => ReadonlyArray<{ keyspace: string; index: string }>;
  builtViews?: () => ReadonlyArray<{ keyspace: string; view: string }>;
}): (table: TableMetadata) => SystemRow[] {
  const tables = virtualTables();
  return (table) => {
    if (table.keyspace === VIEWS_KEYSPACE) return options.views?.(table.name) ?? [];
    const virtual = tables.get(`${table.keyspace}.${table.name}`);
    if (virtual === undefined) return [];
    return virtual.rows({ schema: options.schema, local: options.local(), peers: options.peers(), ...(options.builtIndexes === undefined ? {} : { builtIndexes: options.builtIndexes() }), ...(options.builtViews === undefined ? {} : { builtViews: options.builtViews() }) });
  };
}

/** DESCRIBE CLUSTER's answer: names from the configuration, ranges and replicas from the ring. */
export function clusterDescription(options: { config: NodeConfig; schema: Schema; ring: TokenMetadata }): ClusterDescription {
  const { config, schema, ring } = options;
  return {
    clusterName: config.clusterName,
    partitioner: PARTITIONER,
    snitch: config.endpointSnitch,
    rangeOwnership: (keyspace) => {
      const metadata = schema.findKeyspace(keyspace);
      if (metadata === undefined) return [];
      // Cassandra prints InetAddressAndPort.toString(): '/host:port'.
      return ring.rangesWithReplicas(metadata.replication).map(({ range, replicas }) => [String(range.right), replicas.map((endpoint) => `/${endpoint}`)]);
    },
  };
}
