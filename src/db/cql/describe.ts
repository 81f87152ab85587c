// DESCRIBE, executed by the server as Cassandra 4 does (its DescribeStatement): which schema
// elements each form shows, in which order, as rows of (keyspace_name, type, name
// [, create_statement]); DESCRIBE CLUSTER's row. The CQL text itself is describe-render.ts.
// Pure: the caller hands in the schema, the session's keyspace and the cluster's description.

import { invalidRequest } from '../common/errors.js';
import type { DataType } from '../protocol/data-type.js';
import type { ColumnSpec } from '../protocol/messages.js';
import { encodeValue } from '../protocol/type-codecs.js';
import type { KeyspaceMetadata, TableMetadata, UserAggregateMetadata, UserFunctionMetadata, UserTypeMetadata } from '../schema/metadata.js';
import { isSystemKeyspace } from '../schema/system-keyspaces.js';
import type { DescribeTarget, QualifiedName } from './ast.js';
import {
  aggregateCql, compareNames, functionCql, keyspaceCql, maybeQuote, singleQuoted, tableCql, userTypeCql, viewCql,
} from './describe-render.js';

export type ElementType = 'keyspace' | 'type' | 'function' | 'aggregate' | 'table' | 'index' | 'materialized_view';

/** One schema element DESCRIBE lists or prints. */
export interface SchemaElement {
  keyspace: string;
  type: ElementType;
  name: string;
  /** The element's CQL, with or without internals (table ids, dropped columns). */
  cql: (internals: boolean) => string;
}

/**
 * A secondary index as Cassandra's IndexMetadata (and system_schema.indexes) holds it: kind
 * COMPOSITES, KEYS or CUSTOM; options with 'target' (e.g. 'v', 'values(tags)', 'keys(m)') and,
 * for CUSTOM, 'class_name'.
 */
export interface IndexDescription {
  name: string;
  kind: string;
  options: Readonly<Record<string, string>>;
}

/**
 * The indexes of a table. TableMetadata carries none until secondary indexes land; when it
 * does (as `indexes`: a map or array of IndexDescription-shaped entries), they are shown.
 */
export function tableIndexes(table: TableMetadata): IndexDescription[] {
  const held = (table as unknown as { indexes?: ReadonlyMap<string, IndexDescription> | readonly IndexDescription[] }).indexes;
  if (held === undefined) return [];
  const list = held instanceof Map ? [...held.values()] : [...(held as readonly IndexDescription[])];
  return list.sort((a, b) => compareNames(a.name, b.name));
}

/** IndexMetadata.toCqlString: CREATE [CUSTOM] INDEX name ON ks.t (target) [USING 'class' [WITH OPTIONS = {...}]]; */
export function indexCql(table: TableMetadata, index: IndexDescription): string {
  const on = `${maybeQuote(table.keyspace)}.${maybeQuote(table.name)}`;
  const { target = '', class_name: className, ...rest } = index.options;
  if (index.kind.toUpperCase() !== 'CUSTOM') return `CREATE INDEX ${maybeQuote(index.name)} ON ${on} (${target});`;
  const keys = Object.keys(rest).sort(compareNames);
  const options = keys.length === 0 ? '' : ` WITH OPTIONS = {${keys.map((k) => `${singleQuoted(k)}: ${singleQuoted(rest[k] ?? '')}`).join(', ')}}`;
  return `CREATE CUSTOM INDEX ${maybeQuote(index.name)} ON ${on} (${target}) USING ${singleQuoted(className ?? '')}${options};`;
}

const keyspaceElement = (keyspace: KeyspaceMetadata): SchemaElement =>
  ({ keyspace: keyspace.name, type: 'keyspace', name: keyspace.name, cql: () => keyspaceCql(keyspace) });
const typeElement = (type: UserTypeMetadata): SchemaElement =>
  ({ keyspace: type.keyspace, type: 'type', name: type.name, cql: () => userTypeCql(type) });
const tableElement = (table: TableMetadata): SchemaElement =>
  ({ keyspace: table.keyspace, type: 'table', name: table.name, cql: (internals) => tableCql(table, { internals }) });
const viewElement = (view: TableMetadata): SchemaElement =>
  ({ keyspace: view.keyspace, type: 'materialized_view', name: view.name, cql: (internals) => viewCql(view, { internals }) });
const indexElement = (table: TableMetadata, index: IndexDescription): SchemaElement =>
  ({ keyspace: table.keyspace, type: 'index', name: index.name, cql: () => indexCql(table, index) });

const functionElement = (fn: UserFunctionMetadata): SchemaElement =>
  ({ keyspace: fn.keyspace, type: 'function', name: fn.name, cql: () => functionCql(fn) });
const aggregateElement = (aggregate: UserAggregateMetadata): SchemaElement =>
  ({ keyspace: aggregate.keyspace, type: 'aggregate', name: aggregate.name, cql: () => aggregateCql(aggregate) });
const functionsOf = (keyspace: KeyspaceMetadata): SchemaElement[] =>
  [...(keyspace.functions?.values() ?? [])].sort((a, b) => compareNames(a.name, b.name)).map(functionElement);
const aggregatesOf = (keyspace: KeyspaceMetadata): SchemaElement[] =>
  [...(keyspace.aggregates?.values() ?? [])].sort((a, b) => compareNames(a.name, b.name)).map(aggregateElement);

const byName = <T extends { name: string }>(items: Iterable<T>): T[] => [...items].sort((a, b) => compareNames(a.name, b.name));

/** User types by name, each after the types it uses (Types.sortedStream): replayable in order. */
export function typesInDependencyOrder(keyspace: KeyspaceMetadata): UserTypeMetadata[] {
  const ordered = new Map<string, UserTypeMetadata>();
  const visit = (type: DataType, depth: number): void => {
    if (depth > 64) return;
    switch (type.kind) {
      case 'list': case 'set': visit(type.element, depth + 1); return;
      case 'map': visit(type.key, depth + 1); visit(type.value, depth + 1); return;
      case 'tuple': for (const element of type.elements) visit(element, depth + 1); return;
      case 'udt': {
        const declared = keyspace.types.get(type.name);
        if (type.keyspace === keyspace.name && declared !== undefined) add(declared, depth + 1);
        return;
      }
      default: return;
    }
  };
  const add = (type: UserTypeMetadata, depth: number): void => {
    if (ordered.has(type.name)) return;
    for (const field of type.fields) visit(field.type, depth);
    ordered.set(type.name, type);
  };
  for (const type of byName(keyspace.types.values())) add(type, 0);
  return [...ordered.values()];
}

/** A table, its indexes, then its materialized views (a view alone when given one). */
function tableElements(table: TableMetadata, keyspace?: KeyspaceMetadata): SchemaElement[] {
  if (table.view !== undefined) return [viewElement(table)];
  const views = keyspace === undefined ? [] : byName([...keyspace.tables.values()].filter((t) => t.view?.baseTableId === table.id));
  return [tableElement(table), ...tableIndexes(table).map((index) => indexElement(table, index)), ...views.map(viewElement)];
}

/** A keyspace, then its types, functions, aggregates, and its tables each with its indexes. */
function keyspaceElements(keyspace: KeyspaceMetadata, { only }: { only: boolean }): SchemaElement[] {
  if (only) return [keyspaceElement(keyspace)];
  return [
    keyspaceElement(keyspace),
    ...typesInDependencyOrder(keyspace).map(typeElement),
    ...functionsOf(keyspace),
    ...aggregatesOf(keyspace),
    ...byName([...keyspace.tables.values()].filter((t) => t.view === undefined)).flatMap((table) => tableElements(table, keyspace)),
  ];
}

export interface DescribeContext {
  keyspaces: readonly KeyspaceMetadata[];
  sessionKeyspace: string | null;
}

function findKeyspace(context: DescribeContext, name: string): KeyspaceMetadata {
  const keyspace = context.keyspaces.find((k) => k.name === name);
  if (keyspace === undefined) throw invalidRequest(`'${name}' not found in keyspaces`);
  return keyspace;
}

function elementKeyspace(context: DescribeContext, name: QualifiedName): KeyspaceMetadata {
  const keyspace = name.keyspace ?? context.sessionKeyspace;
  if (keyspace === null) throw invalidRequest('No keyspace specified and no current keyspace');
  return findKeyspace(context, keyspace);
}

/** The listing forms: every keyspace (sorted), or only the session's keyspace when there is one. */
function listing(context: DescribeContext, of: (keyspace: KeyspaceMetadata) => SchemaElement[]): SchemaElement[] {
  const keyspaces = context.sessionKeyspace === null ? byName(context.keyspaces) : [findKeyspace(context, context.sessionKeyspace)];
  return keyspaces.flatMap((keyspace) => of(keyspace).sort((a, b) => compareNames(a.name, b.name)));
}

function findIndexed(keyspace: KeyspaceMetadata, name: string): SchemaElement | null {
  for (const table of keyspace.tables.values()) {
    const index = tableIndexes(table).find((i) => i.name === name);
    if (index !== undefined) return indexElement(table, index);
  }
  return null;
}

function oneElement(context: DescribeContext, target: Extract<DescribeTarget, { name: QualifiedName }>): SchemaElement[] {
  const keyspace = elementKeyspace(context, target.name);
  const name = target.name.name;
  switch (target.kind) {
    case 'table': {
      const table = keyspace.tables.get(name);
      if (table === undefined || table.view !== undefined) throw invalidRequest(`Table '${name}' not found in keyspace '${keyspace.name}'`);
      return tableElements(table, keyspace);
    }
    case 'type': {
      const type = keyspace.types.get(name);
      if (type === undefined) throw invalidRequest(`User defined type '${name}' not found in '${keyspace.name}'`);
      return [typeElement(type)];
    }
    case 'index': {
      const index = findIndexed(keyspace, name);
      if (index === null) throw invalidRequest(`Table for existing index '${name}' not found in '${keyspace.name}'`);
      return [index];
    }
    case 'view': {
      const view = keyspace.tables.get(name);
      if (view?.view === undefined) throw invalidRequest(`Materialized view '${name}' not found in '${keyspace.name}'`);
      return [viewElement(view)];
    }
    case 'function': {
      const found = functionsOf(keyspace).filter((element) => element.name === name);
      if (found.length === 0) throw invalidRequest(`User defined function '${name}' not found in '${keyspace.name}'`);
      return found;
    }
    case 'aggregate': {
      const found = aggregatesOf(keyspace).filter((element) => element.name === name);
      if (found.length === 0) throw invalidRequest(`User defined aggregate '${name}' not found in '${keyspace.name}'`);
      return found;
    }
    case 'generic': return genericElement(context, target.name);
  }
}

/** DESCRIBE name: a keyspace, else a table, an index or a view of the (session's) keyspace, in this order. */
function genericElement(context: DescribeContext, name: QualifiedName): SchemaElement[] {
  if (name.keyspace === null && context.keyspaces.some((k) => k.name === name.name)) {
    return keyspaceElements(findKeyspace(context, name.name), { only: false });
  }
  const keyspace = findKeyspace(context, name.keyspace ?? context.sessionKeyspace ?? name.name);
  const table = keyspace.tables.get(name.name);
  if (table !== undefined) return tableElements(table, keyspace);
  const index = findIndexed(keyspace, name.name);
  if (index !== null) return [index];
  throw invalidRequest(`'${name.name}' not found in keyspace '${keyspace.name}'`);
}

/** The elements a DESCRIBE form shows, in Cassandra's order; null for DESCRIBE CLUSTER (not elements). */
export function describedElements(target: DescribeTarget, context: DescribeContext): SchemaElement[] | null {
  switch (target.kind) {
    case 'cluster': return null;
    case 'keyspaces': return byName(context.keyspaces).map(keyspaceElement);
    case 'tables': return listing(context, (k) => [...k.tables.values()].filter((t) => t.view === undefined).map(tableElement));
    case 'types': return listing(context, (k) => [...k.types.values()].map(typeElement));
    case 'functions': return listing(context, functionsOf);
    case 'aggregates': return listing(context, aggregatesOf);
    case 'schema':
      return byName(context.keyspaces)
        .filter((k) => target.full || !isSystemKeyspace(k.name))
        .flatMap((k) => keyspaceElements(k, { only: false }));
    case 'keyspace': {
      const name = target.keyspace ?? context.sessionKeyspace;
      if (name === null) throw invalidRequest('No keyspace specified and no current keyspace');
      return keyspaceElements(findKeyspace(context, name), { only: target.only });
    }
    default: return oneElement(context, target);
  }
}

/** Whether the form prints CQL (create_statement) or only lists names. */
export function printsStatements(target: DescribeTarget): boolean {
  return !['keyspaces', 'tables', 'types', 'functions', 'aggregates', 'cluster'].includes(target.kind);
}

const text: DataType = { kind: 'native', name: 'text' };
const spec = (name: string, type: DataType = text): ColumnSpec => ({ keyspace: 'system', table: 'describe', name, type });

export function elementColumns(target: DescribeTarget): ColumnSpec[] {
  const list = [spec('keyspace_name'), spec('type'), spec('name')];
  return printsStatements(target) ? [...list, spec('create_statement')] : list;
}

export function elementRow(element: SchemaElement, { statement, internals }: { statement: boolean; internals: boolean }): Buffer[] {
  const values = [maybeQuote(element.keyspace), element.type, maybeQuote(element.name)];
  if (statement) values.push(element.cql(internals));
  return values.map((value) => Buffer.from(value, 'utf8'));
}

/** What DESCRIBE CLUSTER shows: names, and with a non-system session keyspace, its ranges' replicas. */
export interface ClusterDescription {
  clusterName: string;
  /** Fully qualified; printed without 'org.apache.cassandra.dht.'. */
  partitioner: string;
  /** Fully qualified or short; printed without 'org.apache.cassandra.locator.'. */
  snitch: string;
  /** For a keyspace: each range's end token (as text) -> its replicas' addresses, sorted by range. */
  rangeOwnership: (keyspace: string) => Array<[string, string[]]>;
}

const rangeOwnershipType: DataType = { kind: 'map', key: text, value: { kind: 'list', element: text, frozen: false }, frozen: false };

export function clusterResult(cluster: ClusterDescription, sessionKeyspace: string | null): { columns: ColumnSpec[]; row: Buffer[] } {
  const trim = (value: string, prefix: string) => (value.startsWith(prefix) ? value.slice(prefix.length) : value);
  const columns = [spec('cluster'), spec('partitioner'), spec('snitch')];
  const row: Buffer[] = [cluster.clusterName, trim(cluster.partitioner, 'org.apache.cassandra.dht.'), trim(cluster.snitch, 'org.apache.cassandra.locator.')]
    .map((value) => Buffer.from(value, 'utf8'));
  if (sessionKeyspace !== null && !isSystemKeyspace(sessionKeyspace)) {
    columns.push(spec('range_ownership', rangeOwnershipType));
    row.push(encodeValue(rangeOwnershipType, new Map(cluster.rangeOwnership(sessionKeyspace))));
  }
  return { columns, row };
}
