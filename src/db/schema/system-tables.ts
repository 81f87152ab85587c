// The generated (virtual) tables: system.local, system.peers, system.peers_v2, every table of
// system_schema and of system_virtual_schema. Rows are Maps of column name to the protocol
// codecs' JS value for the column's type (text: string, uuid/inet: string, set/list: array,
// map: array of [key, value] sorted by key, timestamp: bigint milliseconds, null for null).
// The query layer sorts and filters them by primary key.

import { assert, fail } from '../common/assert.js';
import { dataTypeToCql } from '../protocol/data-type.js';
import type { KeyspaceMetadata, TableMetadata } from './metadata.js';
import type { Schema } from './schema.js';
import {
  builtInKeyspaces, SCHEMA_KEYSPACE, SYSTEM_KEYSPACE, VIEWS_KEYSPACE, VIRTUAL_SCHEMA_KEYSPACE, VIRTUAL_SCHEMA_LISTED,
} from './system-keyspaces.js';
import { isCounterTable } from './table-builder.js';
import { argumentTypeText } from './schema-functions.js';

export const RELEASE_VERSION = '4.0.11';
export const CQL_VERSION = '3.4.5';
export const NATIVE_PROTOCOL_VERSION = '5';
export const PARTITIONER = 'org.apache.cassandra.dht.Murmur3Partitioner';

export interface LocalNodeInfo {
  clusterName: string;
  listenAddress: string;
  listenPort: number;
  broadcastAddress: string;
  broadcastPort: number;
  /** The address clients connect to (native transport). */
  rpcAddress: string;
  rpcPort: number;
  dataCenter: string;
  rack: string;
  /** This node's tokens as decimal strings. */
  tokens: readonly string[];
  hostId: string;
  releaseVersion: string;
  cqlVersion: string;
  nativeProtocolVersion: string;
  partitioner: string;
  /** 'COMPLETED' once the node has joined the ring ('IN_PROGRESS', 'NEEDS_BOOTSTRAP' before). */
  bootstrapped: string;
  gossipGeneration: number;
}

export interface PeerInfo {
  /** The peer's internode (listen/broadcast) address and port. */
  peer: string;
  peerPort: number;
  dataCenter: string | null;
  rack: string | null;
  hostId: string | null;
  /** The peer's native transport address and port (rpc_address / native_address, native_port). */
  nativeAddress: string | null;
  nativePort: number | null;
  preferredIp: string | null;
  preferredPort: number | null;
  releaseVersion: string | null;
  schemaVersion: string | null;
  tokens: readonly string[];
}

export interface SystemContext {
  schema: Schema;
  local: LocalNodeInfo;
  peers: readonly PeerInfo[];
  /** The secondary indexes built on this node (system."IndexInfo"). */
  builtIndexes?: ReadonlyArray<{ keyspace: string; index: string }>;
  /** The materialized views built on this node (system.built_views). */
  builtViews?: ReadonlyArray<{ keyspace: string; view: string }>;
}

export type SystemRow = Map<string, unknown>;

export interface VirtualTable {
  metadata: TableMetadata;
  rows(context: SystemContext): SystemRow[];
}

type RowGenerator = (context: SystemContext) => SystemRow[];

const row = (entries: Record<string, unknown>): SystemRow => new Map(Object.entries(entries));
const byKey = <V>(record: Readonly<Record<string, V>>): Array<[string, V]> =>
  Object.entries(record).sort(([a], [b]) => Buffer.compare(Buffer.from(a), Buffer.from(b)));
const sortedTexts = (values: readonly string[]): string[] => [...values].sort((a, b) => Buffer.compare(Buffer.from(a), Buffer.from(b)));

// ---- system ----

function localRows(context: SystemContext): SystemRow[] {
  const { local, schema } = context;
  return [row({
    key: 'local', bootstrapped: local.bootstrapped, broadcast_address: local.broadcastAddress, broadcast_port: local.broadcastPort,
    cluster_name: local.clusterName, cql_version: local.cqlVersion, data_center: local.dataCenter,
    gossip_generation: local.gossipGeneration, host_id: local.hostId, listen_address: local.listenAddress,
    listen_port: local.listenPort, native_protocol_version: local.nativeProtocolVersion, partitioner: local.partitioner,
    rack: local.rack, release_version: local.releaseVersion, rpc_address: local.rpcAddress, rpc_port: local.rpcPort,
    schema_version: schema.schemaVersion(), tokens: sortedTexts(local.tokens), truncated_at: null,
  })];
}

function peersRows(context: SystemContext): SystemRow[] {
  return context.peers.map((peer) => row({
    peer: peer.peer, data_center: peer.dataCenter, host_id: peer.hostId, preferred_ip: peer.preferredIp, rack: peer.rack,
    release_version: peer.releaseVersion, rpc_address: peer.nativeAddress, schema_version: peer.schemaVersion,
    tokens: peer.tokens.length === 0 ? null : sortedTexts(peer.tokens),
  }));
}

/** system."IndexInfo": one row per index built on this node, by keyspace then index name. */
function indexInfoRows(context: SystemContext): SystemRow[] {
  const built = [...(context.builtIndexes ?? [])].sort((a, b) => Buffer.compare(Buffer.from(a.keyspace), Buffer.from(b.keyspace)) || Buffer.compare(Buffer.from(a.index), Buffer.from(b.index)));
  return built.map(({ keyspace, index }) => row({ table_name: keyspace, index_name: index, value: null }));
}

/** system.built_views: one row per materialized view built on this node. */
function builtViewRows(context: SystemContext): SystemRow[] {
  const built = [...(context.builtViews ?? [])].sort((a, b) => Buffer.compare(Buffer.from(a.keyspace), Buffer.from(b.keyspace)) || Buffer.compare(Buffer.from(a.view), Buffer.from(b.view)));
  return built.map(({ keyspace, view }) => row({ keyspace_name: keyspace, view_name: view, status_replicated: false }));
}

function peersV2Rows(context: SystemContext): SystemRow[] {
  return context.peers.map((peer) => row({
    peer: peer.peer, peer_port: peer.peerPort, data_center: peer.dataCenter, host_id: peer.hostId,
    native_address: peer.nativeAddress, native_port: peer.nativePort, preferred_ip: peer.preferredIp,
    preferred_port: peer.preferredPort, rack: peer.rack, release_version: peer.releaseVersion,
    schema_version: peer.schemaVersion, tokens: peer.tokens.length === 0 ? null : sortedTexts(peer.tokens),
  }));
}

// ---- system_schema ----

/** Keyspaces system_schema lists (Cassandra's virtual keyspaces are listed by system_virtual_schema instead). */
function schemaListed(context: SystemContext): KeyspaceMetadata[] {
  return context.schema.allKeyspaces().filter((keyspace) => !VIRTUAL_SCHEMA_LISTED.has(keyspace.name));
}

function virtualListed(context: SystemContext): KeyspaceMetadata[] {
  return context.schema.allKeyspaces().filter((keyspace) => VIRTUAL_SCHEMA_LISTED.has(keyspace.name));
}

function keyspaceRows(context: SystemContext): SystemRow[] {
  return schemaListed(context).map((keyspace) => row({
    keyspace_name: keyspace.name, durable_writes: keyspace.durableWrites, replication: byKey(keyspace.replication),
  }));
}

/** The table-parameter columns shared by system_schema.tables and views. */
function tableParameters(table: TableMetadata): Record<string, unknown> {
  const options = table.options;
  return {
    bloom_filter_fp_chance: options.bloomFilterFpChance, caching: byKey(options.caching), comment: options.comment,
    compaction: byKey(options.compaction), compression: byKey(options.compression), crc_check_chance: options.crcCheckChance,
    dclocal_read_repair_chance: 0, default_time_to_live: options.defaultTimeToLive, extensions: byKey(options.extensions),
    gc_grace_seconds: options.gcGraceSeconds, id: table.id, max_index_interval: options.maxIndexInterval,
    memtable_flush_period_in_ms: options.memtableFlushPeriodInMs, min_index_interval: options.minIndexInterval,
    read_repair_chance: 0, speculative_retry: options.speculativeRetry, additional_write_policy: options.additionalWritePolicy,
    cdc: options.cdc, read_repair: options.readRepair,
  };
}

function tableRows(context: SystemContext): SystemRow[] {
  const rows: SystemRow[] = [];
  for (const keyspace of schemaListed(context)) {
    for (const table of keyspace.tables.values()) {
      if (table.view !== undefined) continue; // listed by system_schema.views
      // Every CQL table is 'compound'; the python driver reads a table without it as COMPACT STORAGE.
      const flags = isCounterTable(table) ? ['compound', 'counter'] : ['compound'];
      rows.push(row({ keyspace_name: keyspace.name, table_name: table.name, flags, ...tableParameters(table) }));
    }
  }
  return rows;
}

function columnRowsOf(keyspaces: readonly KeyspaceMetadata[]): SystemRow[] {
  const rows: SystemRow[] = [];
  for (const keyspace of keyspaces) {
    for (const table of keyspace.tables.values()) {
      for (const column of table.columns.values()) {
        rows.push(row({
          keyspace_name: keyspace.name, table_name: table.name, column_name: column.name, clustering_order: column.order,
          column_name_bytes: Buffer.from(column.name, 'utf8'), kind: column.kind, position: column.position,
          type: dataTypeToCql(column.type),
        }));
      }
    }
  }
  return rows;
}

function viewRows(context: SystemContext): SystemRow[] {
  const rows: SystemRow[] = [];
  for (const keyspace of schemaListed(context)) {
    for (const table of keyspace.tables.values()) {
      if (table.view === undefined) continue;
      rows.push(row({
        keyspace_name: keyspace.name, view_name: table.name, base_table_id: table.view.baseTableId, base_table_name: table.view.baseTableName,
        where_clause: table.view.whereClause, include_all_columns: table.view.includeAllColumns, ...tableParameters(table),
      }));
    }
  }
  return rows;
}

function indexRows(context: SystemContext): SystemRow[] {
  return schemaListed(context).flatMap((keyspace) => [...keyspace.tables.values()].flatMap((table) =>
    [...(table.indexes?.values() ?? [])].map((index) => row({
      keyspace_name: keyspace.name, table_name: table.name, index_name: index.name, kind: index.kind, options: byKey(index.options),
    }))));
}

function droppedColumnRows(context: SystemContext): SystemRow[] {
  const rows: SystemRow[] = [];
  for (const keyspace of schemaListed(context)) {
    for (const table of keyspace.tables.values()) {
      for (const [name, dropped] of table.droppedColumns) {
        rows.push(row({
          keyspace_name: keyspace.name, table_name: table.name, column_name: name,
          dropped_time: BigInt(Math.floor(dropped.droppedAtMicros / 1000)), kind: 'regular', type: dataTypeToCql(dropped.type),
        }));
      }
    }
  }
  return rows;
}

function typeRows(context: SystemContext): SystemRow[] {
  const rows: SystemRow[] = [];
  for (const keyspace of schemaListed(context)) {
    for (const type of keyspace.types.values()) {
      rows.push(row({
        keyspace_name: keyspace.name, type_name: type.name, field_names: type.fields.map((field) => field.name),
        field_types: type.fields.map((field) => dataTypeToCql(field.type)),
      }));
    }
  }
  return rows;
}

function functionRows(context: SystemContext): SystemRow[] {
  return schemaListed(context).flatMap((keyspace) => [...(keyspace.functions?.values() ?? [])].map((fn) => row({
    keyspace_name: keyspace.name, function_name: fn.name, argument_types: fn.argumentTypes.map(argumentTypeText),
    argument_names: fn.argumentNames, body: fn.body, language: fn.language, return_type: argumentTypeText(fn.returnType),
    called_on_null_input: fn.calledOnNullInput,
  })));
}

function aggregateRows(context: SystemContext): SystemRow[] {
  return schemaListed(context).flatMap((keyspace) => [...(keyspace.aggregates?.values() ?? [])].map((aggregate) => row({
    keyspace_name: keyspace.name, aggregate_name: aggregate.name, argument_types: aggregate.argumentTypes.map(argumentTypeText),
    final_func: aggregate.finalFunction, initcond: aggregate.initialCondition?.text ?? null, return_type: argumentTypeText(aggregate.returnType),
    state_func: aggregate.stateFunction, state_type: argumentTypeText(aggregate.stateType),
  })));
}

const noRows: RowGenerator = () => [];

// ---- system_virtual_schema ----

function virtualKeyspaceRows(context: SystemContext): SystemRow[] {
  return virtualListed(context).map((keyspace) => row({ keyspace_name: keyspace.name }));
}

function virtualTableRows(context: SystemContext): SystemRow[] {
  return virtualListed(context).flatMap((keyspace) => [...keyspace.tables.values()].map((table) => row({
    keyspace_name: keyspace.name, table_name: table.name, comment: table.options.comment,
  })));
}

/** Generators by keyspace and table; every virtual table of builtInKeyspaces() has one (checked below). */
const GENERATORS: ReadonlyMap<string, RowGenerator> = new Map<string, RowGenerator>([
  [`${SYSTEM_KEYSPACE}.local`, localRows],
  [`${SYSTEM_KEYSPACE}.peers`, peersRows],
  [`${SYSTEM_KEYSPACE}.peers_v2`, peersV2Rows],
  [`${SYSTEM_KEYSPACE}.IndexInfo`, indexInfoRows],
  [`${SYSTEM_KEYSPACE}.built_views`, builtViewRows],
  [`${SCHEMA_KEYSPACE}.keyspaces`, keyspaceRows],
  [`${SCHEMA_KEYSPACE}.tables`, tableRows],
  [`${SCHEMA_KEYSPACE}.columns`, (context) => columnRowsOf(schemaListed(context))],
  [`${SCHEMA_KEYSPACE}.dropped_columns`, droppedColumnRows],
  [`${SCHEMA_KEYSPACE}.types`, typeRows],
  [`${SCHEMA_KEYSPACE}.triggers`, noRows],
  [`${SCHEMA_KEYSPACE}.views`, viewRows],
  [`${SCHEMA_KEYSPACE}.functions`, functionRows],
  [`${SCHEMA_KEYSPACE}.aggregates`, aggregateRows],
  [`${SCHEMA_KEYSPACE}.indexes`, indexRows],
  [`${VIRTUAL_SCHEMA_KEYSPACE}.keyspaces`, virtualKeyspaceRows],
  [`${VIRTUAL_SCHEMA_KEYSPACE}.tables`, virtualTableRows],
  [`${VIRTUAL_SCHEMA_KEYSPACE}.columns`, (context) => columnRowsOf(virtualListed(context))],
]);

/** Every generated table, by `keyspace.table`. */
export function virtualTables(): Map<string, VirtualTable> {
  const tables = new Map<string, VirtualTable>();
  for (const keyspace of builtInKeyspaces()) {
    // system_views' rows are the node's live state: node/system-views.ts generates them.
    if (!keyspace.virtual || keyspace.name === VIEWS_KEYSPACE) continue;
    for (const metadata of keyspace.tables.values()) {
      const generator = GENERATORS.get(`${keyspace.name}.${metadata.name}`);
      if (!(generator !== undefined)) fail(`no row generator for ${keyspace.name}.${metadata.name}`);
      tables.set(`${keyspace.name}.${metadata.name}`, { metadata, rows: generator });
    }
  }
  assert(tables.size === GENERATORS.size, 'a row generator without a table definition');
  return tables;
}
