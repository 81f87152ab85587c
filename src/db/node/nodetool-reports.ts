// What `aero nodetool info`, `describecluster`, `tablestats`, `compactionstats` and
// `gossipinfo` print, gathered by the node from the parts that keep it (JSON over the admin
// channel; src/cli/cluster/nodetool-reports.ts lays it out as Cassandra's nodetool does).
// Only figures the node really keeps: nothing is filled in for what it does not measure.

import { getHeapStatistics } from 'node:v8';
import process from 'node:process';
import { ApplicationState } from '../cluster/gossip/endpoint-state.js';
import { literalToNative } from '../cql/literals.js';
import type { LiteralType } from '../cql/ast.js';
import { murmur3Token } from '../dht/murmur3.js';
import type { NativeTypeName } from '../protocol/data-type.js';
import { encodeNative } from '../protocol/native-codecs.js';
import { serializePartitionKey } from '../schema/partition-key.js';
import type { Schema } from '../schema/schema.js';
import { isSystemKeyspace } from '../schema/system-keyspaces.js';
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
  /** Errors the node logged since start: Cassandra's Exceptions count (StorageMetrics), shown by nodetool info. */
  errorsLogged: () => number;
}

export type NodeReports = Record<'info' | 'describecluster' | 'tablestats' | 'compactionstats' | 'gossipinfo', () => Record<string, unknown>>;

export function nodeReports(parts: ReportParts): NodeReports {
  const { config, schema, storage, cluster } = parts;
  const { gossiper, messaging } = cluster.services;
  const tables = () => storage.tableStats().map((stats) => {
    const metrics = storage.tableMetrics(stats.tableId);
    const bloomReads = metrics.bloomFalsePositives + metrics.bloomTruePositives;
    const flushed = metrics.partitionSize.count > 0;
    return {
      ...stats,
      table: schema.findTableById(stats.tableId)?.name ?? stats.tableId,
      memtableSwitches: metrics.memtableSwitches,
      // Local reads and writes as Cassandra's ReadLatency / WriteLatency timers: counts and exact totals (µs).
      readCount: metrics.readLatency.count, readTotalMicros: metrics.readLatency.totalValue,
      writeCount: metrics.writeLatency.count, writeTotalMicros: metrics.writeLatency.totalValue,
      bloomFalsePositives: metrics.bloomFalsePositives,
      bloomFalseRatio: bloomReads === 0 ? 0 : metrics.bloomFalsePositives / bloomReads,
      // The partitions flushed since start (Cassandra reads its live sstables' statistics); null before the first flush.
      partitionBytes: flushed ? { min: metrics.partitionSize.min(), max: metrics.partitionSize.max(), mean: Math.floor(metrics.partitionSize.mean()) } : null,
      liveRowsPerRead: { count: metrics.rowsPerRead.count, mean: metrics.rowsPerRead.mean(), max: metrics.rowsPerRead.max() },
      tombstonesPerRead: { count: metrics.tombstonesPerRead.count, mean: metrics.tombstonesPerRead.mean(), max: metrics.tombstonesPerRead.max() },
      // No sstable is ever marked repaired here (no incremental repair): all of it is unrepaired.
      repairedBytes: 0,
      unrepairedBytes: stats.sstableBytes,
    };
  });
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
      // Heap Memory (MB) and Off Heap Memory (MB): V8's heap in use and its limit; memory outside it (buffers).
      heapUsedBytes: process.memoryUsage().heapUsed,
      heapMaxBytes: getHeapStatistics().heap_size_limit,
      offHeapBytes: process.memoryUsage().external,
      caches: storage.cacheStats(),
      exceptions: parts.errorsLogged(),
      percentRepaired: percentRepaired(storage.tableStats()),
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
      // Cassandra lists the nodes it cannot reach under UNREACHABLE, not under the version they last announced.
      const schemaVersions: Record<string, string[]> = {};
      for (const endpoint of endpoints) (schemaVersions[gossiper.isAlive(endpoint) ? state(endpoint, 'SCHEMA') ?? 'UNKNOWN' : 'UNREACHABLE'] ??= []).push(endpoint);
      return {
        name: config.clusterName,
        snitch: `org.apache.cassandra.locator.${config.endpointSnitch}`,
        partitioner: PARTITIONER,
        schemaVersions,
        releaseVersions: byValue('RELEASE_VERSION', RELEASE_VERSION),
        live: endpoints.filter((endpoint) => gossiper.isAlive(endpoint)).length,
        joining: statuses.filter((status) => status === 'BOOT').length,
        moving: statuses.filter((status) => status === 'MOVING').length,
        leaving: statuses.filter((status) => status === 'LEAVING' || status === 'removing').length,
        unreachable: gossiper.unreachableEndpoints().length,
        dataCenters,
        keyspaces: schema.allKeyspaces().filter((keyspace) => !keyspace.virtual).map((keyspace) => ({ name: keyspace.name, replication: keyspace.replication })),
      };
    },
    tablestats: () => ({ tables: tables() }),
    compactionstats: () => {
      const stats = storage.compactionStats();
      const tableName = (tableId: string) => schema.findTableById(tableId)?.name ?? tableId;
      return {
        ...stats,
        pendingByTable: stats.pendingByTable.map(({ keyspace, tableId, pending }) => ({ keyspace, table: tableName(tableId), pending })),
        // What runs now, as Cassandra's CompactionManager.getCompactions() (flushes are not listed there).
        tasks: storage.sstableTasks().filter((task) => task.kind !== 'flush').map((task) => ({
          id: task.id, kind: task.kind, keyspace: task.keyspace, table: tableName(task.tableId), completed: task.progressBytes, total: task.totalBytes, unit: 'bytes',
        })),
        throughputBytesPerSecond: config.storageTuning.compactionThroughputBytesPerSecond,
      };
    },
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

/**
 * Cassandra's global PercentRepaired: the share of the user tables' sstable bytes marked
 * repaired, 100 when they hold none. No sstable is marked repaired here (repair streams the
 * differences but keeps no repairedAt), so it is 0 once user data is flushed.
 */
export function percentRepaired(tables: ReadonlyArray<{ keyspace: string; sstableBytes: number }>): number {
  const total = tables.filter((table) => !isSystemKeyspace(table.keyspace)).reduce((sum, table) => sum + table.sstableBytes, 0);
  return total > 0 ? 0 : 100;
}

export const reportNames = ['info', 'describecluster', 'tablestats', 'compactionstats', 'gossipinfo'] as const;

/** Which literal a key component's text is read as, by its column's type (Cassandra's AbstractType.fromString). */
function literalTypeFor(type: NativeTypeName): LiteralType {
  switch (type) {
    case 'int': case 'smallint': case 'tinyint': case 'bigint': case 'varint': case 'counter': return 'integer';
    case 'float': case 'double': case 'decimal': return 'float';
    case 'boolean': return 'boolean';
    case 'uuid': case 'timeuuid': return 'uuid';
    case 'blob': return 'hex';
    default: return 'string';
  }
}

/**
 * nodetool getendpoints: the token of a partition key given as text (components of a
 * composite key separated by ':', as Cassandra reads them) and the replicas that hold it.
 * Throws an Error with a clear message for an unknown table or a key its types do not read.
 */
export function endpointsForKey(parts: Pick<ReportParts, 'schema' | 'cluster'>, keyspace: string, table: string, key: string): { token: string; endpoints: string[] } {
  const metadata = parts.schema.findKeyspace(keyspace);
  if (metadata === undefined) throw new Error(`Unknown keyspace: ${keyspace}`);
  const tableMetadata = metadata.tables.get(table);
  if (tableMetadata === undefined) throw new Error(`Unknown table: ${keyspace}.${table}`);
  if (metadata.virtual || tableMetadata.virtual) throw new Error(`${keyspace}.${table} is a virtual table: it has no replicas`);
  const columns = tableMetadata.partitionKey;
  const texts = columns.length === 1 ? [key] : key.split(':');
  if (texts.length !== columns.length) throw new Error(`the partition key of ${keyspace}.${table} has ${columns.length} components (${columns.map((c) => c.name).join(', ')}): give them separated by ':'`);
  const components = columns.map((column, index) => {
    if (column.type.kind !== 'native') throw new Error(`getendpoints reads keys of native types only; ${column.name} is not one`);
    const name = column.type.name;
    const literalType = literalTypeFor(name);
    const raw = texts[index] ?? '';
    const text = literalType === 'hex' ? `0x${raw.replace(/^0x/i, '')}` : raw;
    if (literalType === 'integer' && !/^-?\d+$/.test(text)) throw new Error(`Invalid key '${raw.slice(0, 60)}' for ${column.name} of type ${name}`);
    if (literalType === 'float' && !/^-?\d+(\.\d+)?([eE][-+]?\d+)?$/.test(text)) throw new Error(`Invalid key '${raw.slice(0, 60)}' for ${column.name} of type ${name}`);
    if (literalType === 'uuid' && !/^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i.test(text)) throw new Error(`Invalid key '${raw.slice(0, 60)}' for ${column.name} of type ${name}`);
    if (literalType === 'hex' && !/^0x([0-9a-f]{2})*$/i.test(text)) throw new Error(`Invalid key '${raw.slice(0, 60)}' for ${column.name} of type blob (hex digits expected)`);
    if (literalType === 'boolean' && !/^(true|false)$/i.test(text)) throw new Error(`Invalid key '${raw.slice(0, 60)}' for ${column.name} of type boolean`);
    try {
      return encodeNative(name, literalToNative({ kind: 'literal', type: literalType, text, position: { line: 1, column: 0 } }, name, { receiver: column.name }));
    } catch (error) {
      throw new Error(`Invalid key '${raw.slice(0, 60)}' for ${column.name} of type ${name}: ${error instanceof Error ? error.message : String(error)}`);
    }
  });
  const token = murmur3Token(serializePartitionKey(components));
  const endpoints = parts.cluster.services.ring.replicasFor(metadata.replication, token).map((endpoint) => String(endpoint).replace(/:\d+$/, ''));
  return { token: String(token), endpoints };
}
