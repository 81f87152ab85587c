// The tables of keyspace system_views, as Cassandra 4.0 defines them (db/virtual/): the same
// names, columns, types and keys, so cqlsh and drivers read a node's state as they would from
// Cassandra. Their rows are the answering node's own (node/system-views.ts generates them).

import { native, type DataType, type NativeTypeName } from '../protocol/data-type.js';

export const VIEWS_KEYSPACE = 'system_views';

export interface ViewTableSpec {
  columns: Array<[string, DataType]>;
  partitionKey: string[];
  clustering?: string[];
  comment: string;
}

const t = (name: NativeTypeName): DataType => native(name);

/** keyspace_name, table_name: the key of Cassandra's per-table metric tables. */
const perTable = (comment: string, columns: Array<[string, DataType]>): ViewTableSpec => ({
  comment, partitionKey: ['keyspace_name', 'table_name'], columns: [['keyspace_name', t('text')], ['table_name', t('text')], ...columns],
});

const latency = (comment: string): ViewTableSpec => perTable(comment, [
  ['count', t('bigint')], ['max_ms', t('double')], ['p50th_ms', t('double')], ['p99th_ms', t('double')], ['per_second', t('double')],
]);

const histogram = (comment: string): ViewTableSpec => perTable(comment, [
  ['count', t('bigint')], ['max', t('double')], ['p50th', t('double')], ['p99th', t('double')],
]);

const internodeKey: Array<[string, DataType]> = [['address', t('inet')], ['port', t('int')], ['dc', t('text')], ['rack', t('text')]];
const counters = (names: string[]): Array<[string, DataType]> => names.map((name) => [name, t('bigint')]);

export const VIEWS_TABLES: Record<string, ViewTableSpec> = {
  clients: {
    comment: 'currently connected clients', partitionKey: ['address'], clustering: ['port'],
    columns: [['address', t('inet')], ['port', t('int')], ['connection_stage', t('text')], ['driver_name', t('text')],
      ['driver_version', t('text')], ['hostname', t('text')], ['protocol_version', t('int')], ['request_count', t('bigint')],
      ['ssl_cipher_suite', t('text')], ['ssl_enabled', t('boolean')], ['ssl_protocol', t('text')], ['username', t('text')]],
  },
  settings: { comment: 'current settings', partitionKey: ['name'], columns: [['name', t('text')], ['value', t('text')]] },
  thread_pools: {
    comment: 'metrics of the stages of this node', partitionKey: ['name'],
    columns: [['name', t('text')], ['active_tasks', t('int')], ['active_tasks_limit', t('int')], ['blocked_tasks', t('bigint')],
      ['blocked_tasks_all_time', t('bigint')], ['completed_tasks', t('bigint')], ['pending_tasks', t('int')]],
  },
  caches: {
    comment: 'system caches', partitionKey: ['name'],
    columns: [['name', t('text')], ['capacity_bytes', t('bigint')], ['entry_count', t('int')], ['hit_count', t('bigint')],
      ['hit_ratio', t('double')], ['recent_hit_rate_per_second', t('bigint')], ['recent_request_rate_per_second', t('bigint')],
      ['request_count', t('bigint')], ['size_bytes', t('bigint')]],
  },
  sstable_tasks: {
    comment: 'current sstable tasks', partitionKey: ['keyspace_name'], clustering: ['table_name', 'task_id'],
    columns: [['keyspace_name', t('text')], ['table_name', t('text')], ['task_id', t('uuid')], ['kind', t('text')],
      ['progress', t('bigint')], ['total', t('bigint')], ['unit', t('text')]],
  },
  local_read_latency: latency('local read latency of each table'),
  local_scan_latency: latency('local range scan latency of each table'),
  local_write_latency: latency('local write latency of each table'),
  coordinator_read_latency: latency('read latency of the requests this node coordinated, by table'),
  coordinator_scan_latency: latency('range scan latency of the requests this node coordinated, by table'),
  coordinator_write_latency: latency('write latency of the requests this node coordinated, by table'),
  tombstones_per_read: histogram('tombstones met per read of each table'),
  rows_per_read: histogram('live rows per read of each table'),
  disk_usage: perTable('disk space of each table\'s live sstables', [['mebibytes', t('bigint')]]),
  max_partition_size: perTable('largest partition of each table', [['mebibytes', t('bigint')]]),
  internode_inbound: {
    comment: 'internode inbound messaging', partitionKey: ['address', 'port'], clustering: ['dc', 'rack'],
    columns: [...internodeKey, ...counters(['corrupt_frames_recovered', 'corrupt_frames_unrecovered', 'error_bytes', 'error_count',
      'expired_bytes', 'expired_count', 'processed_bytes', 'processed_count', 'received_bytes', 'received_count', 'scheduled_bytes',
      'scheduled_count', 'throttled_count', 'throttled_nanos', 'using_bytes', 'using_reserve_bytes'])],
  },
  internode_outbound: {
    comment: 'internode outbound messaging', partitionKey: ['address', 'port'], clustering: ['dc', 'rack'],
    columns: [...internodeKey, ...counters(['active_connections', 'connection_attempts', 'error_bytes', 'error_count', 'expired_bytes',
      'expired_count', 'overload_bytes', 'overload_count', 'pending_bytes', 'pending_count', 'sent_bytes', 'sent_count',
      'successful_connection_attempts', 'using_reserve_bytes'])],
  },
};
