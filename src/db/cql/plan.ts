// Executable plans: what semantic analysis makes of a statement. A plan holds closures over
// the bound values (terms.ts), so preparing is done once and each execution only evaluates.
// Plans perform no I/O; the coordinator executes them.

import type { ColumnSpec, SchemaChange } from '../protocol/messages.js';
import type { DataType } from '../protocol/data-type.js';
import type { TableMetadata } from '../schema/metadata.js';
import type { Cell, ClusteringSlice, Mutation } from '../storage/types.js';
import type { EvaluationContext, PreparedTerm } from './terms.js';
import type { ConditionPlan } from './conditions.js';
import type { DescribeTarget, PermissionName, RoleOptions } from './ast.js';

/** A row as the select pipeline sees it: its key values and cells by column name. */
export interface DecodedRow {
  partitionKey: Buffer;
  token: bigint;
  /** Wire bytes of each partition key column. */
  partitionKeyValues: Buffer[];
  /** Wire bytes of each clustering column. */
  clusteringValues: Buffer[];
  cells: Map<string, Cell>;
}

export type ValuesOf = (context: EvaluationContext) => Buffer[];

/** An index serving a restriction: its name and the indexed value to look up (per execution). */
export interface IndexUse {
  name: string;
  value: (context: EvaluationContext) => Buffer;
}

/** A bound on tokens from token(pk) relations. */
export interface TokenBound {
  term: PreparedTerm;
  inclusive: boolean;
}

/** The rows of one group (GROUP BY), or of the whole result of an aggregate query, accumulated into one output row. */
export interface GroupAccumulator {
  add(row: DecodedRow, context: EvaluationContext): void;
  output(context: EvaluationContext): Array<Buffer | null>;
}

export interface Selection {
  columns: ColumnSpec[];
  /** One output row per row read (used when nothing aggregates and there is no GROUP BY). */
  project: (row: DecodedRow, context: EvaluationContext) => Array<Buffer | null>;
  /** Whether a selector aggregates (count, min, max, sum, avg): the rows give one row, per group with GROUP BY. */
  aggregating: boolean;
  /** A fresh accumulator for one group (or for the whole result). */
  newGroup: () => GroupAccumulator;
  /** Columns whose cells must be read. */
  fetched: string[] | 'all';
}

export interface SelectPlan {
  kind: 'select';
  table: TableMetadata;
  /** One list of values per partition key column (IN gives several), or null for a range read. */
  partitionKeys: ValuesOf[] | null;
  tokenStart: TokenBound | null;
  tokenEnd: TokenBound | null;
  /** Clustering slices in the table's order (sorted, disjoint). */
  slices: (context: EvaluationContext) => ClusteringSlice[];
  /** Row filters (ALLOW FILTERING, or restrictions the slices cannot express). */
  filters: Array<(row: DecodedRow, context: EvaluationContext) => boolean>;
  /** A view keyed by a regular base column: its rows live only by their liveness (Cassandra's enforceStrictLiveness). */
  strictLiveness?: boolean;
  /** The secondary index that narrows a range read to the partitions holding a value (the filters still apply). */
  index?: IndexUse;
  selection: Selection;
  /** GROUP BY: the number of clustering columns in the group key (after the whole partition key); null without GROUP BY. */
  groupBy: { clusteringPrefix: number } | null;
  reversed: boolean;
  distinct: boolean;
  limit: PreparedTerm | null;
  perPartitionLimit: PreparedTerm | null;
}

export interface ModificationPlan {
  kind: 'modification';
  table: TableMetadata;
  /**
   * Builds the mutations for one execution at a timestamp (microseconds) and time (seconds);
   * `existing` gives the rows read first when readBeforeWrite is set.
   */
  mutations: (context: EvaluationContext, time: MutationTime) => Mutation[];
  /** List operations by index or by value read the rows they change first, as in Cassandra. */
  readBeforeWrite?: { rows: (context: EvaluationContext) => RowToRead[]; columns: string[] };
  /** USING TIMESTAMP, when given. */
  timestamp: PreparedTerm | null;
  /** The IF clause: the statement is then a lightweight transaction (Paxos). */
  condition?: ConditionPlan;
  /** An UPDATE of counters: the mutations hold deltas, applied through a leader replica. */
  counter?: true;
}

/** When a statement's mutations are written, and the rows read first when it reads before writing. */
export interface MutationTime {
  timestampMicros: number;
  nowSeconds: number;
  existing?: ExistingRows;
}

/** A row a statement reads before it writes. */
export interface RowToRead {
  key: Buffer;
  token: bigint;
  clustering: Buffer;
}

/** The live cells of a row read before writing (empty when the row does not exist). */
export type ExistingRows = (key: Buffer, clustering: Buffer) => readonly Cell[];

export interface BatchPlan {
  kind: 'batch';
  statements: ModificationPlan[];
  logged: boolean;
  /** BATCH USING TIMESTAMP, when given. */
  timestamp: PreparedTerm | null;
}

/** DDL and USE: run against the schema by the coordinator. */
export interface SchemaPlan {
  kind: 'schema';
  /** Returns the change to announce, or null when nothing changed (IF [NOT] EXISTS). */
  apply: () => Promise<SchemaChange | null>;
}

export interface UsePlan {
  kind: 'use';
  keyspace: string;
}

export interface TruncatePlan {
  kind: 'truncate';
  table: TableMetadata;
}

/** A resource permissions are granted on (Cassandra's DataResource and RoleResource). */
export type AuthResource =
  | { kind: 'allKeyspaces' }
  | { kind: 'keyspace'; keyspace: string }
  | { kind: 'table'; keyspace: string; table: string }
  | { kind: 'allRoles' }
  | { kind: 'role'; role: string }
  | { kind: 'allFunctions' }
  | { kind: 'keyspaceFunctions'; keyspace: string }
  /** A user function or aggregate by its signature (argument types with the outer frozen<> dropped). */
  | { kind: 'function'; keyspace: string; name: string; argumentTypes: DataType[] };

/** Roles and permissions statements, with USER forms turned into ROLE forms and resources resolved. */
export type AuthStatement =
  | { kind: 'createRole'; role: string; ifNotExists: boolean; options: RoleOptions }
  | { kind: 'alterRole'; role: string; ifExists: boolean; options: RoleOptions }
  | { kind: 'dropRole'; role: string; ifExists: boolean }
  | { kind: 'grantRole'; role: string; grantee: string }
  | { kind: 'revokeRole'; role: string; revokee: string }
  | { kind: 'grantPermissions' | 'revokePermissions'; permissions: PermissionName[] | 'all'; resource: AuthResource; role: string }
  | { kind: 'listPermissions'; permissions: PermissionName[] | 'all'; resource: AuthResource | null; of: string | null; recursive: boolean }
  | { kind: 'listRoles'; of: string | null; recursive: boolean; users: boolean };

/** Roles and permissions: executed by the auth layer. */
export interface AuthPlan {
  kind: 'auth';
  statement: AuthStatement;
}

/** DESCRIBE: rendered from the schema by the node that receives it (describe.ts). */
export interface DescribePlan {
  kind: 'describe';
  target: DescribeTarget;
  internals: boolean;
}

export type Plan = SelectPlan | ModificationPlan | BatchPlan | SchemaPlan | UsePlan | TruncatePlan | AuthPlan | DescribePlan;

/** A data permission a statement needs before it runs (checked by the authorizer). */
export interface DataAccess {
  permission: 'CREATE' | 'ALTER' | 'DROP' | 'SELECT' | 'MODIFY' | 'EXECUTE';
  /** A function resource instead of keyspace and table (EXECUTE of a user function, CREATE in a keyspace's functions). */
  resource?: Extract<AuthResource, { kind: 'function' | 'keyspaceFunctions' }>;
  /** null: ALL KEYSPACES. */
  keyspace: string | null;
  /** null: the keyspace itself. */
  table: string | null;
}

/** A statement ready to execute any number of times with different bound values. */
export interface PreparedStatement {
  plan: Plan;
  /** The type each bind marker receives, in marker order. */
  variables: ColumnSpec[];
  /** For each partition key column (in key order), the index of the marker that binds it; empty if not all are markers. */
  partitionKeyIndices: number[];
  /** Result columns (SELECT), empty otherwise. */
  resultColumns: ColumnSpec[];
  /** Keyspace and table of the statement, for routing and metadata. */
  keyspace: string | null;
  /** True when every table name in the text was keyspace-qualified (prepared id ignores the session keyspace). */
  fullyQualified: boolean;
  /** The data permissions the statement needs (absent: none, e.g. USE and role statements, which check their own). */
  access?: DataAccess[];
  /** CREATE KEYSPACE/TABLE: the resource whose creator is granted every applicable permission. */
  created?: { keyspace: string; table: string | null };
  /** DROP KEYSPACE/TABLE: the resource whose permissions are revoked from every role. */
  dropped?: { keyspace: string; table: string | null };
  /** CREATE/DROP FUNCTION/AGGREGATE: the keyspace whose created function's creator is granted, or whose dropped function's grants are revoked. */
  functionsOf?: string;
}

export type ResultType = DataType;
