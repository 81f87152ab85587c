// The built-in keyspaces and their table definitions, with Cassandra 4.0's exact column names
// and types (drivers build their metadata from them). system, system_schema and
// system_virtual_schema and system_views are generated on read (virtual); system_auth, system_distributed and
// system_traces are ordinary replicated keyspaces that exist from the start.

import { createHash } from 'node:crypto';
import { native, type DataType, type NativeTypeName } from '../protocol/data-type.js';
import type { KeyspaceMetadata, TableMetadata } from './metadata.js';
import { LOCAL_STRATEGY, SIMPLE_STRATEGY } from './replication.js';
import { formatUuid } from './schema-document.js';
import { VIEWS_KEYSPACE, VIEWS_TABLES } from './system-views-tables.js';
import { buildTable } from './table-builder.js';
import { applyTableOptions, defaultTableOptions } from './table-options.js';

export const SYSTEM_KEYSPACE = 'system';
export const SCHEMA_KEYSPACE = 'system_schema';
export const VIRTUAL_SCHEMA_KEYSPACE = 'system_virtual_schema';
export const AUTH_KEYSPACE = 'system_auth';
export const DISTRIBUTED_KEYSPACE = 'system_distributed';
export const TRACES_KEYSPACE = 'system_traces';
export { VIEWS_KEYSPACE };

/** Keyspaces whose replication users may ALTER but which they may not drop or add tables to. */
export const REPLICATED_SYSTEM_KEYSPACES: ReadonlySet<string> = new Set([AUTH_KEYSPACE, DISTRIBUTED_KEYSPACE, TRACES_KEYSPACE]);
/** Keyspaces listed by system_virtual_schema rather than system_schema (Cassandra's virtual keyspaces). */
export const VIRTUAL_SCHEMA_LISTED: ReadonlySet<string> = new Set([VIRTUAL_SCHEMA_KEYSPACE, VIEWS_KEYSPACE]);

export function isSystemKeyspace(name: string): boolean {
  return name === SYSTEM_KEYSPACE || name === SCHEMA_KEYSPACE || name === VIRTUAL_SCHEMA_KEYSPACE || name === VIEWS_KEYSPACE || REPLICATED_SYSTEM_KEYSPACES.has(name);
}

const t = (name: NativeTypeName): DataType => native(name);
const frozenMap = (key: DataType, value: DataType): DataType => ({ kind: 'map', key, value, frozen: true });
const frozenList = (element: DataType): DataType => ({ kind: 'list', element, frozen: true });
const frozenSet = (element: DataType): DataType => ({ kind: 'set', element, frozen: true });
const set = (element: DataType): DataType => ({ kind: 'set', element, frozen: false });
const map = (key: DataType, value: DataType): DataType => ({ kind: 'map', key, value, frozen: false });

/** Cassandra's TableId.forSystemTable: UUID.nameUUIDFromBytes(keyspace bytes + table bytes). */
export function systemTableId(keyspace: string, table: string): string {
  const digest = createHash('md5').update(Buffer.from(keyspace + table, 'utf8')).digest();
  digest[6] = ((digest[6] as number) & 0x0f) | 0x30;
  digest[8] = ((digest[8] as number) & 0x3f) | 0x80;
  return formatUuid(digest);
}

interface TableSpec {
  columns: Array<[string, DataType]>;
  partitionKey: string[];
  clustering?: string[];
  comment: string;
}

function defineTable(keyspace: string, name: string, { spec, virtual }: { spec: TableSpec; virtual: boolean }): TableMetadata {
  const options = applyTableOptions(defaultTableOptions(), { comment: spec.comment }, { allowId: false });
  return buildTable(
    {
      keyspace, name, columns: spec.columns.map(([column, type]) => ({ name: column, type })), partitionKey: spec.partitionKey,
      clustering: (spec.clustering ?? []).map((column) => ({ name: column })),
    },
    { id: systemTableId(keyspace, name), options, virtual },
  );
}

const SYSTEM_TABLES: Record<string, TableSpec> = {
  local: {
    comment: 'information about the local node',
    partitionKey: ['key'],
    columns: [['key', t('text')], ['bootstrapped', t('text')], ['broadcast_address', t('inet')], ['broadcast_port', t('int')],
      ['cluster_name', t('text')], ['cql_version', t('text')], ['data_center', t('text')], ['gossip_generation', t('int')],
      ['host_id', t('uuid')], ['listen_address', t('inet')], ['listen_port', t('int')], ['native_protocol_version', t('text')],
      ['partitioner', t('text')], ['rack', t('text')], ['release_version', t('text')], ['rpc_address', t('inet')],
      ['rpc_port', t('int')], ['schema_version', t('uuid')], ['tokens', set(t('text'))], ['truncated_at', map(t('uuid'), t('blob'))]],
  },
  peers: {
    comment: 'information about known peers in the cluster',
    partitionKey: ['peer'],
    columns: [['peer', t('inet')], ['data_center', t('text')], ['host_id', t('uuid')], ['preferred_ip', t('inet')], ['rack', t('text')],
      ['release_version', t('text')], ['rpc_address', t('inet')], ['schema_version', t('uuid')], ['tokens', set(t('text'))]],
  },
  peers_v2: {
    comment: 'information about known peers in the cluster',
    partitionKey: ['peer'],
    clustering: ['peer_port'],
    columns: [['peer', t('inet')], ['peer_port', t('int')], ['data_center', t('text')], ['host_id', t('uuid')],
      ['native_address', t('inet')], ['native_port', t('int')], ['preferred_ip', t('inet')], ['preferred_port', t('int')],
      ['rack', t('text')], ['release_version', t('text')], ['schema_version', t('uuid')], ['tokens', set(t('text'))]],
  },
  built_views: {
    comment: 'built views', partitionKey: ['keyspace_name'], clustering: ['view_name'],
    columns: [['keyspace_name', t('text')], ['view_name', t('text')], ['status_replicated', t('boolean')]],
  },
  // Cassandra's BUILT_INDEXES: table_name holds the keyspace's name, value is never set.
  IndexInfo: {
    comment: 'built column indexes',
    partitionKey: ['table_name'],
    clustering: ['index_name'],
    columns: [['table_name', t('text')], ['index_name', t('text')], ['value', t('blob')]],
  },
};

const TABLE_PARAMETER_COLUMNS: Array<[string, DataType]> = [
  ['bloom_filter_fp_chance', t('double')], ['caching', frozenMap(t('text'), t('text'))], ['comment', t('text')],
  ['compaction', frozenMap(t('text'), t('text'))], ['compression', frozenMap(t('text'), t('text'))], ['crc_check_chance', t('double')],
  ['dclocal_read_repair_chance', t('double')], ['default_time_to_live', t('int')], ['extensions', frozenMap(t('text'), t('blob'))],
  ['gc_grace_seconds', t('int')], ['id', t('uuid')], ['max_index_interval', t('int')], ['memtable_flush_period_in_ms', t('int')],
  ['min_index_interval', t('int')], ['read_repair_chance', t('double')], ['speculative_retry', t('text')],
  ['additional_write_policy', t('text')], ['cdc', t('boolean')], ['read_repair', t('text')],
];

const COLUMN_COLUMNS: Array<[string, DataType]> = [
  ['keyspace_name', t('text')], ['table_name', t('text')], ['column_name', t('text')], ['clustering_order', t('text')],
  ['column_name_bytes', t('blob')], ['kind', t('text')], ['position', t('int')], ['type', t('text')],
];

const SCHEMA_TABLES: Record<string, TableSpec> = {
  keyspaces: {
    comment: 'keyspace definitions', partitionKey: ['keyspace_name'],
    columns: [['keyspace_name', t('text')], ['durable_writes', t('boolean')], ['replication', frozenMap(t('text'), t('text'))]],
  },
  tables: {
    comment: 'table definitions', partitionKey: ['keyspace_name'], clustering: ['table_name'],
    columns: [['keyspace_name', t('text')], ['table_name', t('text')], ['flags', frozenSet(t('text'))], ...TABLE_PARAMETER_COLUMNS],
  },
  columns: {
    comment: 'column definitions', partitionKey: ['keyspace_name'], clustering: ['table_name', 'column_name'], columns: COLUMN_COLUMNS,
  },
  triggers: {
    comment: 'trigger definitions', partitionKey: ['keyspace_name'], clustering: ['table_name', 'trigger_name'],
    columns: [['keyspace_name', t('text')], ['table_name', t('text')], ['trigger_name', t('text')], ['options', frozenMap(t('text'), t('text'))]],
  },
  dropped_columns: {
    comment: 'dropped column registry', partitionKey: ['keyspace_name'], clustering: ['table_name', 'column_name'],
    columns: [['keyspace_name', t('text')], ['table_name', t('text')], ['column_name', t('text')], ['dropped_time', t('timestamp')],
      ['kind', t('text')], ['type', t('text')]],
  },
  views: {
    comment: 'view definitions', partitionKey: ['keyspace_name'], clustering: ['view_name'],
    columns: [['keyspace_name', t('text')], ['view_name', t('text')], ['base_table_id', t('uuid')], ['base_table_name', t('text')],
      ['where_clause', t('text')], ['include_all_columns', t('boolean')], ...TABLE_PARAMETER_COLUMNS],
  },
  types: {
    comment: 'user defined type definitions', partitionKey: ['keyspace_name'], clustering: ['type_name'],
    columns: [['keyspace_name', t('text')], ['type_name', t('text')], ['field_names', frozenList(t('text'))], ['field_types', frozenList(t('text'))]],
  },
  functions: {
    comment: 'user defined function definitions', partitionKey: ['keyspace_name'], clustering: ['function_name', 'argument_types'],
    columns: [['keyspace_name', t('text')], ['function_name', t('text')], ['argument_types', frozenList(t('text'))],
      ['argument_names', frozenList(t('text'))], ['body', t('text')], ['language', t('text')], ['return_type', t('text')],
      ['called_on_null_input', t('boolean')]],
  },
  aggregates: {
    comment: 'user defined aggregate definitions', partitionKey: ['keyspace_name'], clustering: ['aggregate_name', 'argument_types'],
    columns: [['keyspace_name', t('text')], ['aggregate_name', t('text')], ['argument_types', frozenList(t('text'))],
      ['final_func', t('text')], ['initcond', t('text')], ['return_type', t('text')], ['state_func', t('text')], ['state_type', t('text')]],
  },
  indexes: {
    comment: 'secondary index definitions', partitionKey: ['keyspace_name'], clustering: ['table_name', 'index_name'],
    columns: [['keyspace_name', t('text')], ['table_name', t('text')], ['index_name', t('text')], ['kind', t('text')],
      ['options', frozenMap(t('text'), t('text'))]],
  },
};

const VIRTUAL_SCHEMA_TABLES: Record<string, TableSpec> = {
  keyspaces: { comment: 'virtual keyspace definitions', partitionKey: ['keyspace_name'], columns: [['keyspace_name', t('text')]] },
  tables: {
    comment: 'virtual table definitions', partitionKey: ['keyspace_name'], clustering: ['table_name'],
    columns: [['keyspace_name', t('text')], ['table_name', t('text')], ['comment', t('text')]],
  },
  columns: {
    comment: 'virtual column definitions', partitionKey: ['keyspace_name'], clustering: ['table_name', 'column_name'], columns: COLUMN_COLUMNS,
  },
};

const AUTH_TABLES: Record<string, TableSpec> = {
  roles: {
    comment: 'role definitions', partitionKey: ['role'],
    columns: [['role', t('text')], ['can_login', t('boolean')], ['is_superuser', t('boolean')], ['member_of', set(t('text'))], ['salted_hash', t('text')]],
  },
  role_members: {
    comment: 'role memberships lookup table', partitionKey: ['role'], clustering: ['member'],
    columns: [['role', t('text')], ['member', t('text')]],
  },
  role_permissions: {
    comment: 'permissions granted to db roles', partitionKey: ['role'], clustering: ['resource'],
    columns: [['role', t('text')], ['resource', t('text')], ['permissions', set(t('text'))]],
  },
  resource_role_permissons_index: {
    comment: 'index of db roles with permissions granted on a resource', partitionKey: ['resource'], clustering: ['role'],
    columns: [['resource', t('text')], ['role', t('text')]],
  },
  network_permissions: {
    comment: 'user network permissions', partitionKey: ['role'],
    columns: [['role', t('text')], ['dcs', frozenSet(t('text'))]],
  },
};

const TRACES_TABLES: Record<string, TableSpec> = {
  sessions: {
    comment: 'tracing sessions', partitionKey: ['session_id'],
    columns: [['session_id', t('uuid')], ['client', t('inet')], ['command', t('text')], ['coordinator', t('inet')],
      ['coordinator_port', t('int')], ['duration', t('int')], ['parameters', map(t('text'), t('text'))], ['request', t('text')],
      ['started_at', t('timestamp')]],
  },
  events: {
    comment: 'tracing events', partitionKey: ['session_id'], clustering: ['event_id'],
    columns: [['session_id', t('uuid')], ['event_id', t('timeuuid')], ['activity', t('text')], ['source', t('inet')],
      ['source_port', t('int')], ['source_elapsed', t('int')], ['thread', t('text')]],
  },
};

function keyspace(name: string, replication: KeyspaceMetadata['replication'], { specs, virtual }: { specs: Record<string, TableSpec>; virtual: boolean }): KeyspaceMetadata {
  const tables = new Map<string, TableMetadata>();
  for (const [table, spec] of Object.entries(specs)) tables.set(table, defineTable(name, table, { spec, virtual }));
  return { name, replication, durableWrites: true, tables, types: new Map(), virtual };
}

/** Fresh copies of every built-in keyspace (the replicated ones may later be altered and persisted). */
export function builtInKeyspaces(): KeyspaceMetadata[] {
  const local = { class: LOCAL_STRATEGY };
  return [
    keyspace(SYSTEM_KEYSPACE, local, { specs: SYSTEM_TABLES, virtual: true }),
    keyspace(SCHEMA_KEYSPACE, local, { specs: SCHEMA_TABLES, virtual: true }),
    keyspace(VIRTUAL_SCHEMA_KEYSPACE, local, { specs: VIRTUAL_SCHEMA_TABLES, virtual: true }),
    keyspace(VIEWS_KEYSPACE, local, { specs: VIEWS_TABLES, virtual: true }),
    keyspace(AUTH_KEYSPACE, { class: SIMPLE_STRATEGY, replication_factor: '1' }, { specs: AUTH_TABLES, virtual: false }),
    keyspace(DISTRIBUTED_KEYSPACE, { class: SIMPLE_STRATEGY, replication_factor: '3' }, { specs: {}, virtual: false }),
    keyspace(TRACES_KEYSPACE, { class: SIMPLE_STRATEGY, replication_factor: '2' }, { specs: TRACES_TABLES, virtual: false }),
  ];
}
