// Schema metadata: keyspaces, tables, columns, user types, as system_schema describes them.
// Pure data; Schema (schema.ts) holds the current set and applies changes.

import type { DataType } from '../protocol/data-type.js';

export type ColumnKind = 'partition_key' | 'clustering' | 'regular' | 'static';
export type ClusteringOrder = 'asc' | 'desc' | 'none';

export interface ColumnMetadata {
  name: string;
  type: DataType;
  kind: ColumnKind;
  /** Index within the partition key or clustering columns; -1 for regular and static columns (as system_schema.columns.position). */
  position: number;
  /** 'asc' or 'desc' for clustering columns, 'none' otherwise. */
  order: ClusteringOrder;
}

/** Table options that drivers read from system_schema.tables and print in DESCRIBE. */
export interface TableOptions {
  bloomFilterFpChance: number;
  caching: Record<string, string>;
  comment: string;
  compaction: Record<string, string>;
  compression: Record<string, string>;
  crcCheckChance: number;
  defaultTimeToLive: number;
  extensions: Record<string, Buffer>;
  gcGraceSeconds: number;
  maxIndexInterval: number;
  memtableFlushPeriodInMs: number;
  minIndexInterval: number;
  readRepair: string;
  speculativeRetry: string;
  additionalWritePolicy: string;
  cdc: boolean;
}

export interface TableMetadata {
  keyspace: string;
  name: string;
  /** UUID string; a new one each time a table is created. */
  id: string;
  partitionKey: ColumnMetadata[];
  clustering: ColumnMetadata[];
  /** Regular and static columns, sorted by name. */
  regular: ColumnMetadata[];
  /** Every column by name. */
  columns: Map<string, ColumnMetadata>;
  options: TableOptions;
  /** Columns dropped by ALTER TABLE DROP, with the time (microseconds) of the drop: older cells of that name are ignored. */
  droppedColumns: Map<string, { type: DataType; droppedAtMicros: number }>;
  /** True for tables whose data is generated on read (system, system_schema, virtual tables). */
  virtual: boolean;
  /** Secondary indexes by name (absent or empty: none), as system_schema.indexes lists them. */
  indexes?: ReadonlyMap<string, IndexMetadata>;
  /** Set on a materialized view (a table kept from its base table's writes); absent on tables. */
  view?: ViewMetadata;
}

/**
 * What makes a table a materialized view (Cassandra's ViewMetadata), as system_schema.views
 * lists it. The view's own columns are a subset of the base table's, with the same names.
 */
export interface ViewMetadata {
  baseTableId: string;
  baseTableName: string;
  /** SELECT *: columns added to the base table later are added to the view too. */
  includeAllColumns: boolean;
  /** The WHERE clause as CQL text (Cassandra's WhereClause.toCQLString): IS NOT NULL and restrictions on base primary key columns. */
  whereClause: string;
}

/** Whether a table is a materialized view. */
export function isView(table: TableMetadata): table is TableMetadata & { view: ViewMetadata } {
  return table.view !== undefined;
}

/** What a native secondary index covers of its column (Cassandra's IndexTarget.Type). */
export type IndexTargetType = 'simple' | 'values' | 'keys' | 'entries' | 'full';

/**
 * A native secondary index (Cassandra's IndexMetadata, kind COMPOSITES): its name, unique in
 * the keyspace, and its target as system_schema.indexes stores it in options.target
 * ('v', 'values(tags)', 'keys(m)', 'entries(m)', 'full(f)').
 */
export interface IndexMetadata {
  name: string;
  kind: 'COMPOSITES' | 'KEYS' | 'CUSTOM';
  options: Readonly<Record<string, string>>;
  /** The indexed column and what of it is indexed (derived from options.target). */
  column: string;
  type: IndexTargetType;
}

export interface ReplicationOptions {
  /** Fully qualified, e.g. 'org.apache.cassandra.locator.SimpleStrategy'. */
  class: string;
  /** replication_factor, or datacenter name -> factor; all values as strings, as system_schema stores them. */
  [option: string]: string;
}

export interface UserTypeMetadata {
  keyspace: string;
  name: string;
  fields: Array<{ name: string; type: DataType }>;
}

export interface KeyspaceMetadata {
  name: string;
  replication: ReplicationOptions;
  durableWrites: boolean;
  tables: Map<string, TableMetadata>;
  types: Map<string, UserTypeMetadata>;
  /** User-defined functions by signature (`name(type, ...)`, see functionSignature); absent when there are none. */
  functions?: Map<string, UserFunctionMetadata>;
  /** User-defined aggregates by signature; absent when there are none. */
  aggregates?: Map<string, UserAggregateMetadata>;
  virtual: boolean;
}

/** A user-defined function (CREATE FUNCTION), as system_schema.functions holds it. */
export interface UserFunctionMetadata {
  keyspace: string;
  name: string;
  argumentNames: string[];
  argumentTypes: DataType[];
  returnType: DataType;
  /** CALLED ON NULL INPUT (true) or RETURNS NULL ON NULL INPUT (false). */
  calledOnNullInput: boolean;
  language: string;
  body: string;
}

/** A user-defined aggregate (CREATE AGGREGATE), as system_schema.aggregates holds it. */
export interface UserAggregateMetadata {
  keyspace: string;
  name: string;
  argumentTypes: DataType[];
  /** The state function's name (same keyspace), taking (state type, ...argument types). */
  stateFunction: string;
  stateType: DataType;
  /** The final function's name (same keyspace), taking the state type; null without FINALFUNC. */
  finalFunction: string | null;
  /** INITCOND: its CQL literal text (system_schema.aggregates.initcond) and its value as hex; null without. */
  initialCondition: { text: string; hex: string } | null;
  returnType: DataType;
}
