// The rows of keyspace system_views (schema/system-views-tables.ts), generated from this node's
// live state on each read: they are node-local, as Cassandra's are (a driver reads the views
// of the node it sends the query to). Only measured figures: a column this node has no
// counterpart for (TLS details of a client, internode throttling) is null or 0 where 0 is
// what it is (nothing throttles internode traffic here, so throttled_count is 0 by fact).

import type { MessagingStats } from '../cluster/messaging/messaging-stats.js';
import type { EstimatedHistogram } from '../common/estimated-histogram.js';
import type { TableMetadata } from '../schema/metadata.js';
import type { Schema } from '../schema/schema.js';
import type { StorageEngine } from '../storage/engine.js';
import type { ClientDescription } from '../transport/connection.js';
import { keyTable } from './config-file.js';
import type { NodeConfig } from './config.js';
import type { PoolStats } from './nodetool-stats-reports.js';

export type ViewRow = Map<string, unknown>;

export interface ViewSources {
  config: NodeConfig;
  schema: Schema;
  storage: StorageEngine;
  pools: () => PoolStats[];
  clients: () => ClientDescription[];
  messaging: MessagingStats;
  /** Where each peer endpoint ("host:port") is: its datacenter and rack. */
  placement: (endpoint: string) => { dc: string; rack: string };
  coordinatorTables: ReadonlyMap<string, { read: EstimatedHistogram; scan: EstimatedHistogram; write: EstimatedHistogram }>;
  /** Seconds the node has run (per_second columns are mean rates since start). */
  uptimeSeconds: () => number;
}

const row = (entries: Record<string, unknown>): ViewRow => new Map(Object.entries(entries));
const round3 = (value: number) => Math.round(value * 1000) / 1000;
const mebibytes = (bytes: number) => BigInt(Math.ceil(bytes / (1024 * 1024)));

function storedTables(schema: Schema): TableMetadata[] {
  return schema.allKeyspaces().filter((k) => !k.virtual).flatMap((k) => [...k.tables.values()].filter((t) => !t.virtual));
}

function splitEndpoint(endpoint: string): { address: string; port: number } {
  const at = endpoint.lastIndexOf(':');
  return at < 0 ? { address: endpoint, port: 0 } : { address: endpoint.slice(0, at).replace(/^\[|\]$/g, ''), port: Number(endpoint.slice(at + 1)) };
}

/** Rows of system_views.<name>; an unknown name has none. */
export function systemViewRows(sources: ViewSources): (name: string) => ViewRow[] {
  const perTable = (make: (table: TableMetadata) => Record<string, unknown>) =>
    storedTables(sources.schema).map((table) => row({ keyspace_name: table.keyspace, table_name: table.name, ...make(table) }));
  const latency = (histogram: EstimatedHistogram | undefined) => {
    const summary = histogram?.summary();
    const [p50 = 0, , , , p99 = 0, , max = 0] = summary?.percentiles ?? [];
    const count = summary?.count ?? 0;
    return { count: BigInt(count), p50th_ms: round3(p50 / 1000), p99th_ms: round3(p99 / 1000), max_ms: round3(max / 1000), per_second: round3(count / Math.max(1, sources.uptimeSeconds())) };
  };
  const distribution = (histogram: EstimatedHistogram) => {
    const [p50 = 0, , , , p99 = 0, , max = 0] = histogram.summary().percentiles;
    return { count: BigInt(histogram.count), p50th: round3(p50), p99th: round3(p99), max: round3(max) };
  };
  const metrics = (table: TableMetadata) => sources.storage.tableMetrics(table.id);
  const diskBytes = () => new Map(sources.storage.tableStats().map((stats) => [stats.tableId, stats.sstableBytes]));
  const generators: Record<string, () => ViewRow[]> = {
    clients: () => sources.clients().map((client) => row({
      address: client.address, port: client.port, connection_stage: client.stage, driver_name: client.driverName,
      driver_version: client.driverVersion, hostname: client.address, protocol_version: client.protocolVersion,
      request_count: BigInt(client.requestCount), ssl_enabled: sources.config.clientEncryptionOptions?.['enabled'] === true,
      ssl_cipher_suite: null, ssl_protocol: null, username: client.username ?? 'anonymous',
    })),
    settings: () => {
      const config = sources.config as unknown as Record<string, unknown>;
      const rows: ViewRow[] = [];
      for (const [property, name] of keyTable) {
        const value = config[property];
        if (property === 'clientEncryptionOptions' || property === 'serverEncryptionOptions') {
          // Only whether TLS is on: paths and passwords stay in the file.
          rows.push(row({ name: `${name}_enabled`, value: String((value as Record<string, unknown> | null)?.['enabled'] === true) }));
          continue;
        }
        if (value === undefined) continue;
        rows.push(row({ name, value: value === null ? null : typeof value === 'object' ? JSON.stringify(value) : String(value) }));
      }
      return rows;
    },
    thread_pools: () => sources.pools().map((pool) => row({
      name: pool.name, active_tasks: pool.active, active_tasks_limit: pool.name === 'Native-Transport-Requests' ? null : 1, pending_tasks: pool.pending,
      completed_tasks: BigInt(pool.completed), blocked_tasks: BigInt(pool.blocked), blocked_tasks_all_time: BigInt(pool.allTimeBlocked),
    })),
    caches: () => sources.storage.cacheStats().map((cache) => {
      const requests = cache.hits + cache.misses;
      return row({
        name: cache.name, capacity_bytes: BigInt(cache.capacityBytes), size_bytes: BigInt(cache.sizeBytes), entry_count: cache.entries,
        request_count: BigInt(requests), hit_count: BigInt(cache.hits), hit_ratio: requests === 0 ? Number.NaN : cache.hits / requests,
        recent_request_rate_per_second: BigInt(Math.round(requests / Math.max(1, sources.uptimeSeconds()))),
        recent_hit_rate_per_second: BigInt(Math.round(cache.hits / Math.max(1, sources.uptimeSeconds()))),
      });
    }),
    // The flushes, compactions and cleanups writing now; progress and total in bytes (storage engine's sstableTasks).
    sstable_tasks: () => sources.storage.sstableTasks().map((task) => row({
      keyspace_name: task.keyspace, table_name: sources.schema.findTableById(task.tableId)?.name ?? task.tableId, task_id: task.id,
      kind: task.kind, progress: BigInt(task.progressBytes), total: BigInt(task.totalBytes), unit: 'bytes',
    })),
    local_read_latency: () => perTable((table) => latency(metrics(table).readLatency)),
    local_scan_latency: () => perTable((table) => latency(metrics(table).rangeLatency)),
    local_write_latency: () => perTable((table) => latency(metrics(table).writeLatency)),
    coordinator_read_latency: () => perTable((table) => latency(sources.coordinatorTables.get(table.id)?.read)),
    coordinator_scan_latency: () => perTable((table) => latency(sources.coordinatorTables.get(table.id)?.scan)),
    coordinator_write_latency: () => perTable((table) => latency(sources.coordinatorTables.get(table.id)?.write)),
    rows_per_read: () => perTable((table) => distribution(metrics(table).rowsPerRead)),
    tombstones_per_read: () => perTable((table) => distribution(metrics(table).tombstonesPerRead)),
    disk_usage: () => {
      const bytes = diskBytes();
      return perTable((table) => ({ mebibytes: mebibytes(bytes.get(table.id) ?? 0) }));
    },
    max_partition_size: () => perTable((table) => ({ mebibytes: mebibytes(metrics(table).maxPartitionBytes) })),
    internode_inbound: () => [...sources.messaging.peerTraffic()].filter(([, t]) => t.receivedCount > 0).map(([endpoint, traffic]) => row({
      ...splitEndpoint(endpoint), ...sources.placement(endpoint),
      received_count: BigInt(traffic.receivedCount), received_bytes: BigInt(traffic.receivedBytes),
      processed_count: BigInt(traffic.processedCount), processed_bytes: BigInt(traffic.processedBytes),
      error_count: BigInt(traffic.errorCount), error_bytes: BigInt(traffic.errorBytes),
      corrupt_frames_recovered: 0n, corrupt_frames_unrecovered: BigInt(traffic.errorCount), expired_count: 0n, expired_bytes: 0n,
      scheduled_count: 0n, scheduled_bytes: 0n, throttled_count: 0n, throttled_nanos: 0n, using_bytes: 0n, using_reserve_bytes: 0n,
    })),
    internode_outbound: () => [...sources.messaging.peerTraffic()].filter(([, t]) => t.sentCount + t.droppedCount > 0).map(([endpoint, traffic]) => row({
      ...splitEndpoint(endpoint), ...sources.placement(endpoint),
      sent_count: BigInt(traffic.sentCount), sent_bytes: BigInt(traffic.sentBytes),
      overload_count: BigInt(traffic.droppedCount), overload_bytes: BigInt(traffic.droppedBytes),
      pending_count: 0n, pending_bytes: 0n, error_count: 0n, error_bytes: 0n, expired_count: 0n, expired_bytes: 0n,
      active_connections: null, connection_attempts: null, successful_connection_attempts: null, using_reserve_bytes: 0n,
    })),
  };
  return (name) => generators[name]?.() ?? [];
}
