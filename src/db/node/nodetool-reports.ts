// What `aero nodetool info`, `describecluster`, `tablestats`, `compactionstats` and
// `gossipinfo` print, gathered by the node from the parts that keep it (JSON over the admin
// channel; src/cli/cluster/nodetool-reports.ts lays it out as Cassandra's nodetool does).
// Only figures the node really keeps: nothing is filled in for what it does not measure.

import { ApplicationState } from '../cluster/gossip/endpoint-state.js';
import type { Schema } from '../schema/schema.js';
import { PARTITIONER, RELEASE_VERSION } from '../schema/system-tables.js';
import type { StorageEngine } from '../storage/engine.js';
import type { ClusterNode } from './cluster-node.js';
import type { NodeConfig } from './config.js';

export interface ReportParts {
  config: NodeConfig;
  schema: Schema;
  storage: StorageEngine;
  cluster: ClusterNode;
  hostId: string;
  tokens: readonly bigint[];
  mode: () => string;
  nativeAccepting: () => boolean;
  uptimeMs: () => number;
}

export type NodeReports = Record<'info' | 'describecluster' | 'tablestats' | 'compactionstats' | 'gossipinfo', () => Record<string, unknown>>;

export function nodeReports(parts: ReportParts): NodeReports {
  const { config, schema, storage, cluster } = parts;
  const { gossiper, messaging } = cluster.services;
  const tables = () => storage.tableStats().map((stats) => ({ ...stats, table: schema.findTableById(stats.tableId)?.name ?? stats.tableId }));
  return {
    info: () => ({
      id: parts.hostId,
      gossipActive: gossiper.isAlive(messaging.localEndpoint),
      nativeTransportActive: parts.nativeAccepting(),
      loadBytes: storage.loadBytes(),
      generation: gossiper.generation,
      uptimeSeconds: Math.floor(parts.uptimeMs() / 1000),
      dataCenter: config.dc,
      rack: config.rack,
      mode: parts.mode(),
      tokens: parts.tokens.map(String),
    }),
    describecluster: () => {
      const endpoints = gossiper.endpoints();
      const state = (endpoint: string, key: ApplicationState) => gossiper.endpointState(endpoint)?.states.get(key)?.value;
      const byValue = (key: ApplicationState, fallback: string) => {
        const groups: Record<string, string[]> = {};
        for (const endpoint of endpoints) (groups[state(endpoint, key) ?? fallback] ??= []).push(endpoint);
        return groups;
      };
      const statuses = endpoints.map((endpoint) => (state(endpoint, 'STATUS') ?? '').split(',')[0] ?? '');
      const dataCenters: Record<string, { nodes: number; down: number }> = {};
      for (const endpoint of endpoints) {
        const entry = (dataCenters[state(endpoint, 'DC') ?? config.dc] ??= { nodes: 0, down: 0 });
        entry.nodes++;
        if (!gossiper.isAlive(endpoint)) entry.down++;
      }
      return {
        name: config.clusterName,
        snitch: `org.apache.cassandra.locator.${config.endpointSnitch}`,
        partitioner: PARTITIONER,
        schemaVersions: byValue('SCHEMA', 'UNKNOWN'),
        releaseVersions: byValue('RELEASE_VERSION', RELEASE_VERSION),
        live: endpoints.filter((endpoint) => gossiper.isAlive(endpoint)).length,
        joining: statuses.filter((status) => status === 'BOOT').length,
        moving: statuses.filter((status) => status === 'MOVING').length,
        leaving: statuses.filter((status) => status === 'LEAVING').length,
        unreachable: gossiper.unreachableEndpoints().length,
        dataCenters,
        keyspaces: schema.allKeyspaces().filter((keyspace) => !keyspace.virtual).map((keyspace) => ({ name: keyspace.name, replication: keyspace.replication })),
      };
    },
    tablestats: () => ({ tables: tables() }),
    compactionstats: () => ({ ...storage.compactionStats() }),
    gossipinfo: () => ({
      endpoints: gossiper.endpoints().map((endpoint) => {
        const known = gossiper.endpointState(endpoint);
        const states = known === undefined ? [] : [...known.states].map(([key, value]) => ({ key, version: value.version, value: value.value }))
          .sort((a, b) => ApplicationState[a.key] - ApplicationState[b.key]);
        return { endpoint, generation: known?.heartbeat.generation ?? 0, heartbeat: known?.heartbeat.version ?? 0, states };
      }),
    }),
  };
}

export const reportNames = ['info', 'describecluster', 'tablestats', 'compactionstats', 'gossipinfo'] as const;
