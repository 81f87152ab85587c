// The CQL abstract syntax tree produced by parser.ts and consumed by the semantic analysis.
//
// Stable shape, so the analyser can rely on it:
// - Every union is discriminated by `kind`; switch on it with unreachable() in the default.
// - Names are plain strings, already normalised as Cassandra does: unquoted identifiers are
//   lowercased, "double-quoted" ones keep their case (with "" unescaped). Role and user names
//   given as 'string literals' keep their case too. Function names follow the same rule, so
//   `toTimestamp(now())` calls 'totimestamp' and 'now', as Cassandra names its functions.
// - Statements, columns, terms, relations and selectors carry `position` (line 1-based,
//   column 0-based, as Cassandra's ANTLR messages print them) for error messages.
// - Bind markers (`?` and `:name`) are numbered 0, 1, 2... in order of appearance in the text;
//   each BindMarker node carries its index, and the statement lists them all in
//   `bindMarkers` (the same objects, sorted by index). What a marker binds to (a column, a
//   TTL, a LIMIT, an IN list...) follows from where it sits in the tree.
// - Literal values stay text (`Literal.text`): the analyser converts them once it knows the
//   receiving column's type, as Cassandra does.
// - Nothing here is semantically checked beyond what the grammar itself forbids.

import type { DataType, NativeTypeName } from '../protocol/data-type.js';

export interface Position {
  /** 1-based line number. */
  line: number;
  /** 0-based column (character index within the line). */
  column: number;
}

/** A possibly keyspace-qualified name: tables, user types, functions. */
export interface QualifiedName {
  keyspace: string | null;
  name: string;
  position: Position;
}

/** A reference to a column by name. */
export interface ColumnRef {
  name: string;
  position: Position;
}

// ---------------------------------------------------------------------------------------------
// Types

/**
 * A CQL type as written. Mirrors protocol DataType, except that user types are references by
 * name (the analyser resolves them against the schema) and `frozen` is as written.
 * `frozen<tuple<...>>` and `tuple<...>` give the same node (tuples are always frozen).
 */
export type TypeNode =
  | { kind: 'native'; name: NativeTypeName; position: Position }
  | { kind: 'custom'; className: string; position: Position }
  | { kind: 'list'; element: TypeNode; frozen: boolean; position: Position }
  | { kind: 'set'; element: TypeNode; frozen: boolean; position: Position }
  | { kind: 'map'; key: TypeNode; value: TypeNode; frozen: boolean; position: Position }
  | { kind: 'tuple'; elements: TypeNode[]; position: Position }
  | { kind: 'userType'; keyspace: string | null; name: string; frozen: boolean; position: Position };

// ---------------------------------------------------------------------------------------------
// Terms (values)

/**
 * Constant kinds, as Cassandra's Constants.Type names them. NaN and Infinity (optionally
 * negative) are 'float' literals with text 'NaN', '-NaN', 'Infinity', '-Infinity'.
 */
export type LiteralType = 'string' | 'integer' | 'float' | 'boolean' | 'uuid' | 'hex' | 'duration';

export interface Literal {
  kind: 'literal';
  type: LiteralType;
  /**
   * string: the unescaped content; integer/float/duration: the digits as written, with a
   * leading '-' when negative; boolean: 'true' | 'false'; uuid: as written; hex: as written,
   * including the '0x' prefix.
   */
  text: string;
  position: Position;
}

export interface BindMarker {
  kind: 'bindMarker';
  /** 0-based, in order of appearance in the statement (across a whole BATCH). */
  index: number;
  /** The name of a `:name` marker (normalised like identifiers); null for `?`. */
  name: string | null;
  position: Position;
}

export type Term =
  | Literal
  | BindMarker
  | { kind: 'null'; position: Position }
  /** `[a, b]`. */
  | { kind: 'list'; elements: Term[]; position: Position }
  /** `{a, b}`. */
  | { kind: 'set'; elements: Term[]; position: Position }
  /** `{k: v, ...}`; also `{}`, which may equally be an empty set or map: the receiver decides. */
  | { kind: 'map'; entries: Array<{ key: Term; value: Term }>; position: Position }
  /** `{field: v, ...}` where every key is an identifier. */
  | { kind: 'userTypeLiteral'; fields: Array<{ name: string; value: Term }>; position: Position }
  /** `(a, b, ...)`, at least one element. */
  | { kind: 'tuple'; elements: Term[]; position: Position }
  /** `f(args)`, `ks.f(args)`: now(), uuid(), toTimestamp(now()), token(...), ... */
  | { kind: 'functionCall'; function: QualifiedName; args: Term[]; position: Position }
  /** `(type) term`: a type hint. */
  | { kind: 'typeHint'; type: TypeNode; term: Term; position: Position }
  /** `a + b`, `a - b`, `a * b`, `a / b`, `a % b`. */
  | { kind: 'operation'; operator: ArithmeticOperator; left: Term; right: Term; position: Position }
  /** `-a` where a is no numeric literal (those are negative literals). */
  | { kind: 'negation'; term: Term; position: Position }
  /**
   * One column's value from INSERT JSON's document (`json` is its string literal or marker).
   * Made by the analyser, never by the parser.
   */
  | { kind: 'jsonColumn'; json: Term; column: string; defaultUnset: boolean; shared: JsonDocumentCache; position: Position };

/** The parsed document of one INSERT JSON, shared by its columns' terms (parsed once per execution). */
export interface JsonDocumentCache {
  /** Every column of the table, by name. */
  columns: ReadonlySet<string>;
  /** By execution (its evaluation context), so nothing outlives the execution. */
  documents: WeakMap<object, ReadonlyMap<string, unknown>>;
}

export type ArithmeticOperator = '+' | '-' | '*' | '/' | '%';

// ---------------------------------------------------------------------------------------------
// WHERE clauses

/** Comparison operators of relations and conditions. */
export type ComparisonOperator = '=' | '<' | '<=' | '>' | '>=' | '!=';
/** Operators of single-column relations, besides IN and IS NOT NULL. */
export type RelationOperator = ComparisonOperator | 'CONTAINS' | 'CONTAINS KEY' | 'LIKE';

/** The right side of IN: a parenthesised list of terms, or one marker bound to the whole list. */
export type InValues =
  | { kind: 'terms'; terms: Term[] }
  | { kind: 'marker'; marker: BindMarker };

export type Relation =
  /** `col op term`; op is a comparison, CONTAINS, CONTAINS KEY or LIKE. */
  | { kind: 'singleColumn'; column: ColumnRef; operator: RelationOperator; value: Term; position: Position }
  /** `col IN (t1, t2)` or `col IN ?`. */
  | { kind: 'singleColumnIn'; column: ColumnRef; values: InValues; position: Position }
  /** `col[key] op term` (a map entry). */
  | { kind: 'mapEntry'; column: ColumnRef; key: Term; operator: ComparisonOperator; value: Term; position: Position }
  /** `(a, b) op (1, 2)` or `(a, b) op ?`; value is a tuple literal or a marker. */
  | { kind: 'multiColumn'; columns: ColumnRef[]; operator: ComparisonOperator; value: Term; position: Position }
  /** `(a, b) IN ((1, 2), (3, 4))`, `(a, b) IN (?, ?)`, `(a, b) IN ?`. */
  | { kind: 'multiColumnIn'; columns: ColumnRef[]; values: InValues; position: Position }
  /** `token(a, b) op term`. */
  | { kind: 'token'; columns: ColumnRef[]; operator: ComparisonOperator; value: Term; position: Position }
  /** `col IS NOT NULL` (materialized views only in Cassandra). */
  | { kind: 'isNotNull'; column: ColumnRef; position: Position };

// ---------------------------------------------------------------------------------------------
// Selectors

export type Selectable =
  | { kind: 'column'; column: ColumnRef }
  /** COUNT(*) and COUNT(1). count(col) is a functionCall named 'count'. */
  | { kind: 'countRows'; position: Position }
  | { kind: 'writetime'; column: ColumnRef; position: Position }
  | { kind: 'maxwritetime'; column: ColumnRef; position: Position }
  | { kind: 'ttl'; column: ColumnRef; position: Position }
  | { kind: 'functionCall'; function: QualifiedName; args: Selectable[]; position: Position }
  /** CAST(x AS type); the type is always native in Cassandra, checked by the analyser. */
  | { kind: 'cast'; selectable: Selectable; type: TypeNode; position: Position }
  /** `(type) selectable`. */
  | { kind: 'typeHint'; type: TypeNode; selectable: Selectable; position: Position }
  /** `x.field`: a field of a user type value. */
  | { kind: 'fieldAccess'; selectable: Selectable; field: string; position: Position }
  /** `x[key]`: an element of a map or set. */
  | { kind: 'elementAccess'; selectable: Selectable; key: Term; position: Position }
  /** A constant, marker or NULL used as a selector. */
  | { kind: 'term'; term: Term }
  /** `a + b` and the other arithmetic operators between selectors. */
  | { kind: 'operation'; operator: ArithmeticOperator; left: Selectable; right: Selectable; position: Position }
  /** `-a`. */
  | { kind: 'negation'; selectable: Selectable; position: Position };

export interface Selector {
  selectable: Selectable;
  /** `AS alias`, or null. */
  alias: string | null;
  position: Position;
}

export interface Ordering {
  column: ColumnRef;
  order: 'asc' | 'desc';
}

// ---------------------------------------------------------------------------------------------
// Modifications

/** USING TTL and USING TIMESTAMP; each an integer literal or a marker when present. */
export interface UsingClause {
  ttl: Term | null;
  timestamp: Term | null;
}

export type Assignment =
  /** `c = term`. */
  | { kind: 'set'; column: ColumnRef; value: Term; position: Position }
  /** `c = c + term` or `c += term`: counter increment, collection append/union. */
  | { kind: 'add'; column: ColumnRef; value: Term; position: Position }
  /** `c = c - term` or `c -= term`: counter decrement, collection element removal. */
  | { kind: 'subtract'; column: ColumnRef; value: Term; position: Position }
  /** `c = term + c`: list prepend. */
  | { kind: 'prepend'; column: ColumnRef; value: Term; position: Position }
  /** `c[key] = term`: a map entry or list element by index. */
  | { kind: 'setElement'; column: ColumnRef; key: Term; value: Term; position: Position }
  /** `c.field = term`: a field of a non-frozen user type. */
  | { kind: 'setField'; column: ColumnRef; field: string; value: Term; position: Position };

/** What an IF condition or a DELETE selection targets: a column, one of its elements, or a field. */
export interface ColumnTarget {
  column: ColumnRef;
  /** `c[term]`, or null. */
  element: Term | null;
  /** `c.field`, or null. */
  field: string | null;
}

export type Condition =
  | { kind: 'compare'; target: ColumnTarget; operator: ComparisonOperator; value: Term; position: Position }
  | { kind: 'in'; target: ColumnTarget; values: InValues; position: Position }
  | { kind: 'contains'; target: ColumnTarget; key: boolean; value: Term; position: Position };

/** IF EXISTS, IF NOT EXISTS (insert) and IF conditions. */
export type ConditionClause =
  | { kind: 'none' }
  | { kind: 'exists' }
  | { kind: 'notExists' }
  | { kind: 'conditions'; conditions: Condition[] };

// ---------------------------------------------------------------------------------------------
// Properties (WITH options of DDL)

/**
 * A property value: a constant (its Literal text, or an unreserved keyword / identifier) or a
 * map of constants, stored as text exactly as Cassandra's property maps do.
 */
export type PropertyValue =
  | { kind: 'constant'; type: LiteralType | 'identifier'; text: string }
  | { kind: 'map'; entries: Array<{ key: string; value: string }> };

export interface Property {
  name: string;
  value: PropertyValue;
  position: Position;
}

// ---------------------------------------------------------------------------------------------
// Statements

interface StatementBase {
  position: Position;
  /** Every bind marker of the statement, by index. Empty for statements that cannot hold any. */
  bindMarkers: BindMarker[];
}

export interface SelectStatement extends StatementBase {
  kind: 'select';
  json: boolean;
  distinct: boolean;
  /** null for `SELECT *`. */
  selectors: Selector[] | null;
  table: QualifiedName;
  where: Relation[];
  groupBy: ColumnRef[];
  orderBy: Ordering[];
  perPartitionLimit: Term | null;
  limit: Term | null;
  allowFiltering: boolean;
}

export type InsertValues =
  | { kind: 'columns'; columns: ColumnRef[]; values: Term[] }
  /** INSERT ... JSON; `json` is a string literal or a marker; DEFAULT UNSET sets defaultUnset. */
  | { kind: 'json'; json: Term; defaultUnset: boolean };

export interface InsertStatement extends StatementBase {
  kind: 'insert';
  table: QualifiedName;
  values: InsertValues;
  ifNotExists: boolean;
  using: UsingClause;
}

export interface UpdateStatement extends StatementBase {
  kind: 'update';
  table: QualifiedName;
  using: UsingClause;
  assignments: Assignment[];
  where: Relation[];
  /** 'none', 'exists' or 'conditions'. */
  condition: ConditionClause;
}

export interface DeleteStatement extends StatementBase {
  kind: 'delete';
  /** Empty when the whole row (or partition, or range) is deleted. */
  selections: ColumnTarget[];
  table: QualifiedName;
  /** Only timestamp may be set (the parser rejects TTL). */
  using: UsingClause;
  where: Relation[];
  condition: ConditionClause;
}

export type BatchType = 'logged' | 'unlogged' | 'counter';

export type ModificationStatement = InsertStatement | UpdateStatement | DeleteStatement;

export interface BatchStatement extends StatementBase {
  kind: 'batch';
  batchType: BatchType;
  using: UsingClause;
  /**
   * The statements, in order. Marker indexes are global to the batch: each child's
   * `bindMarkers` holds only its own markers, the batch's holds all of them.
   */
  statements: ModificationStatement[];
}

export interface UseStatement extends StatementBase {
  kind: 'use';
  keyspace: string;
}

export interface TruncateStatement extends StatementBase {
  kind: 'truncate';
  table: QualifiedName;
}

export interface CreateKeyspaceStatement extends StatementBase {
  kind: 'createKeyspace';
  keyspace: string;
  ifNotExists: boolean;
  properties: Property[];
}

export interface AlterKeyspaceStatement extends StatementBase {
  kind: 'alterKeyspace';
  keyspace: string;
  ifExists: boolean;
  properties: Property[];
}

export interface DropKeyspaceStatement extends StatementBase {
  kind: 'dropKeyspace';
  keyspace: string;
  ifExists: boolean;
}

export interface ColumnDefinition {
  name: string;
  type: TypeNode;
  isStatic: boolean;
  position: Position;
}

export interface CreateTableStatement extends StatementBase {
  kind: 'createTable';
  table: QualifiedName;
  ifNotExists: boolean;
  columns: ColumnDefinition[];
  /**
   * From `col type PRIMARY KEY` or `PRIMARY KEY ((a, b), c)`; empty when none was given (the
   * analyser reports it). Two PRIMARY KEY declarations are rejected by the parser.
   */
  partitionKey: ColumnRef[];
  clustering: ColumnRef[];
  /** WITH CLUSTERING ORDER BY (...), as written. */
  clusteringOrder: Ordering[];
  compactStorage: boolean;
  properties: Property[];
}

/**
 * CREATE MATERIALIZED VIEW [IF NOT EXISTS] v AS SELECT cols FROM t WHERE ... PRIMARY KEY (...)
 * [WITH ...] (Cassandra 4.0's CreateViewStatement). selectors is null for SELECT *.
 */
export interface CreateViewStatement extends StatementBase {
  kind: 'createView';
  view: QualifiedName;
  ifNotExists: boolean;
  table: QualifiedName;
  selectors: Selector[] | null;
  where: Relation[];
  partitionKey: ColumnRef[];
  clustering: ColumnRef[];
  clusteringOrder: Ordering[];
  compactStorage: boolean;
  properties: Property[];
}

export type AlterTableAction =
  | { kind: 'addColumns'; columns: ColumnDefinition[] }
  | { kind: 'dropColumns'; columns: ColumnRef[]; timestamp: Term | null }
  | { kind: 'renameColumns'; renames: Array<{ from: ColumnRef; to: ColumnRef }> }
  /** ALTER col TYPE t: removed from Cassandra; parsed so the analyser can say so. */
  | { kind: 'alterColumnType'; column: ColumnRef; type: TypeNode }
  | { kind: 'withProperties'; properties: Property[] };

export interface AlterTableStatement extends StatementBase {
  kind: 'alterTable';
  table: QualifiedName;
  action: AlterTableAction;
}

/** CREATE INDEX [IF NOT EXISTS] [name] ON t (target): a native secondary index. */
export interface CreateIndexStatement extends StatementBase {
  kind: 'createIndex';
  /** The index name (its keyspace, when qualified, must be the table's); null for the default. */
  index: QualifiedName | null;
  table: QualifiedName;
  ifNotExists: boolean;
  target: { column: ColumnRef; type: 'simple' | 'values' | 'keys' | 'entries' | 'full' };
}

/** DROP MATERIALIZED VIEW [IF EXISTS] v. */
export interface DropViewStatement extends StatementBase {
  kind: 'dropView';
  view: QualifiedName;
  ifExists: boolean;
}

/** ALTER MATERIALIZED VIEW v WITH options. */
export interface AlterViewStatement extends StatementBase {
  kind: 'alterView';
  view: QualifiedName;
  properties: Property[];
}

export interface DropIndexStatement extends StatementBase {
  kind: 'dropIndex';
  index: QualifiedName;
  ifExists: boolean;
}

export interface DropTableStatement extends StatementBase {
  kind: 'dropTable';
  table: QualifiedName;
  ifExists: boolean;
}

export interface CreateTypeStatement extends StatementBase {
  kind: 'createType';
  type: QualifiedName;
  ifNotExists: boolean;
  fields: Array<{ name: string; type: TypeNode; position: Position }>;
}

export type AlterTypeAction =
  | { kind: 'addField'; field: string; type: TypeNode }
  | { kind: 'renameFields'; renames: Array<{ from: string; to: string }> }
  | { kind: 'alterFieldType'; field: string; type: TypeNode };

export interface AlterTypeStatement extends StatementBase {
  kind: 'alterType';
  type: QualifiedName;
  action: AlterTypeAction;
}

export interface DropTypeStatement extends StatementBase {
  kind: 'dropType';
  type: QualifiedName;
  ifExists: boolean;
}

export interface CreateFunctionStatement extends StatementBase {
  kind: 'createFunction';
  function: QualifiedName;
  orReplace: boolean;
  ifNotExists: boolean;
  arguments: Array<{ name: string; type: TypeNode }>;
  calledOnNullInput: boolean;
  returnType: TypeNode;
  language: string;
  body: string;
}

export interface DropFunctionStatement extends StatementBase {
  kind: 'dropFunction' | 'dropAggregate';
  function: QualifiedName;
  ifExists: boolean;
  /** The argument types that pick one overload; null when none were given. */
  argumentTypes: TypeNode[] | null;
}

export interface CreateAggregateStatement extends StatementBase {
  kind: 'createAggregate';
  aggregate: QualifiedName;
  orReplace: boolean;
  ifNotExists: boolean;
  argumentTypes: TypeNode[];
  stateFunction: string;
  stateType: TypeNode;
  finalFunction: string | null;
  initialCondition: Term | null;
}

/**
 * A statement this database recognises but does not implement (secondary indexes,
 * materialized views, functions, aggregates, triggers, DESCRIBE). The analyser answers
 * Invalid "<feature> is not supported". The rest of the text is lexed but not parsed.
 */
export interface UnsupportedStatement extends StatementBase {
  kind: 'unsupported';
  /** e.g. 'CREATE INDEX', 'CREATE MATERIALIZED VIEW', 'DROP FUNCTION'. */
  feature: string;
}

/** What DESCRIBE shows (Cassandra 4's DescribeStatement forms). Names are null for the session's keyspace. */
export type DescribeTarget =
  | { kind: 'keyspaces' | 'tables' | 'types' | 'functions' | 'aggregates' | 'cluster' }
  | { kind: 'schema'; full: boolean }
  | { kind: 'keyspace'; keyspace: string | null; only: boolean }
  | { kind: 'table' | 'type' | 'index' | 'view' | 'function' | 'aggregate'; name: QualifiedName }
  /** DESCRIBE name / DESCRIBE ks.name: a keyspace, table, index or view, looked up in that order. */
  | { kind: 'generic'; name: QualifiedName };

/** DESCRIBE ... [WITH INTERNALS]: executed by the server (cqlsh 6 sends it as a query). */
export interface DescribeStatement extends StatementBase {
  kind: 'describe';
  target: DescribeTarget;
  internals: boolean;
}

// ---------------------------------------------------------------------------------------------
// Roles, users and permissions

/** Options of CREATE/ALTER ROLE; null when not given. */
export interface RoleOptions {
  password: string | null;
  /** HASHED PASSWORD '...' (Cassandra 5). */
  hashedPassword: string | null;
  login: boolean | null;
  superuser: boolean | null;
  options: Array<{ key: string; value: string }> | null;
}

export interface CreateRoleStatement extends StatementBase {
  kind: 'createRole';
  role: string;
  ifNotExists: boolean;
  options: RoleOptions;
}

export interface AlterRoleStatement extends StatementBase {
  kind: 'alterRole';
  role: string;
  ifExists: boolean;
  options: RoleOptions;
}

export interface DropRoleStatement extends StatementBase {
  kind: 'dropRole';
  role: string;
  ifExists: boolean;
}

/** CREATE USER: a role with LOGIN = true (legacy syntax). */
export interface CreateUserStatement extends StatementBase {
  kind: 'createUser';
  user: string;
  ifNotExists: boolean;
  password: string | null;
  /** SUPERUSER / NOSUPERUSER, or null when neither was given. */
  superuser: boolean | null;
}

export interface AlterUserStatement extends StatementBase {
  kind: 'alterUser';
  user: string;
  ifExists: boolean;
  password: string | null;
  superuser: boolean | null;
}

export interface DropUserStatement extends StatementBase {
  kind: 'dropUser';
  user: string;
  ifExists: boolean;
}

export interface GrantRoleStatement extends StatementBase {
  kind: 'grantRole';
  role: string;
  grantee: string;
}

export interface RevokeRoleStatement extends StatementBase {
  kind: 'revokeRole';
  role: string;
  revokee: string;
}

export type PermissionName =
  | 'CREATE' | 'ALTER' | 'DROP' | 'SELECT' | 'MODIFY' | 'AUTHORIZE' | 'DESCRIBE' | 'EXECUTE'
  | 'UNMASK' | 'SELECT_MASKED';

/** The permissions of GRANT/REVOKE/LIST: `ALL [PERMISSIONS]` or one named permission. */
export type Permissions = { kind: 'all' } | { kind: 'one'; permission: PermissionName };

export type Resource =
  | { kind: 'allKeyspaces' }
  | { kind: 'keyspace'; keyspace: string }
  | { kind: 'table'; table: QualifiedName }
  | { kind: 'allRoles' }
  | { kind: 'role'; role: string }
  | { kind: 'allFunctions'; keyspace: string | null }
  | { kind: 'function'; function: QualifiedName; argTypes: TypeNode[] }
  | { kind: 'allMbeans' }
  | { kind: 'mbean'; name: string };

export interface GrantPermissionsStatement extends StatementBase {
  kind: 'grantPermissions';
  permissions: Permissions;
  resource: Resource;
  grantee: string;
}

export interface RevokePermissionsStatement extends StatementBase {
  kind: 'revokePermissions';
  permissions: Permissions;
  resource: Resource;
  revokee: string;
}

export interface ListPermissionsStatement extends StatementBase {
  kind: 'listPermissions';
  permissions: Permissions;
  /** null: every resource. */
  resource: Resource | null;
  /** OF role, or null for every role. */
  of: string | null;
  recursive: boolean;
}

export interface ListRolesStatement extends StatementBase {
  kind: 'listRoles';
  of: string | null;
  recursive: boolean;
}

export interface ListUsersStatement extends StatementBase {
  kind: 'listUsers';
}

export type Statement =
  | SelectStatement
  | InsertStatement
  | UpdateStatement
  | DeleteStatement
  | BatchStatement
  | UseStatement
  | TruncateStatement
  | CreateKeyspaceStatement
  | AlterKeyspaceStatement
  | DropKeyspaceStatement
  | CreateTableStatement
  | CreateViewStatement
  | DropViewStatement
  | AlterViewStatement
  | AlterTableStatement
  | DropTableStatement
  | CreateIndexStatement
  | DropIndexStatement
  | CreateTypeStatement
  | AlterTypeStatement
  | DropTypeStatement
  | CreateFunctionStatement
  | DropFunctionStatement
  | CreateAggregateStatement
  | UnsupportedStatement
  | DescribeStatement
  | CreateRoleStatement
  | AlterRoleStatement
  | DropRoleStatement
  | CreateUserStatement
  | AlterUserStatement
  | DropUserStatement
  | GrantRoleStatement
  | RevokeRoleStatement
  | GrantPermissionsStatement
  | RevokePermissionsStatement
  | ListPermissionsStatement
  | ListRolesStatement
  | ListUsersStatement;

export type StatementKind = Statement['kind'];

/**
 * Converts a type as written into a protocol DataType; user types are looked up with
 * `resolveUserType` (which throws its own error when the type is unknown). Tuples are frozen
 * by nature; `frozen` on a user type is carried over to the result.
 */
export function typeNodeToDataType(
  node: TypeNode,
  resolveUserType: (userType: { keyspace: string | null; name: string; frozen: boolean }) => DataType,
): DataType {
  const recurse = (inner: TypeNode): DataType => typeNodeToDataType(inner, resolveUserType);
  switch (node.kind) {
    case 'native': return { kind: 'native', name: node.name };
    case 'custom': return { kind: 'custom', className: node.className };
    case 'list': return { kind: 'list', element: recurse(node.element), frozen: node.frozen };
    case 'set': return { kind: 'set', element: recurse(node.element), frozen: node.frozen };
    case 'map': return { kind: 'map', key: recurse(node.key), value: recurse(node.value), frozen: node.frozen };
    case 'tuple': return { kind: 'tuple', elements: node.elements.map(recurse) };
    case 'userType': return resolveUserType({ keyspace: node.keyspace, name: node.name, frozen: node.frozen });
  }
}
