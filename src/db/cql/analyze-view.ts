/**
 * CREATE MATERIALIZED VIEW: validation in the order and with the messages of Cassandra 4.0's
 * CreateViewStatement.apply, then the schema change (Schema.createView). The view's rows are
 * kept by node/materialized-views.ts.
 */
import { alreadyExists, invalidRequest } from '../common/errors.js';
import type { OptionInput } from '../schema/table-options.js';
import { plan, propertiesToOptions } from './analyze-ddl.js';
import type { SchemaPlan } from './plan.js';
import { dataTypeToCql, type DataType } from '../protocol/data-type.js';
import type { Schema } from '../schema/schema.js';
import type { CreateViewStatement } from './ast.js';
import { analyzeViewRestrictions, relationText } from './view-filter.js';

export const MATERIALIZED_VIEWS_DISABLED = 'Materialized views are disabled. Enable in cassandra.yaml to use.';

interface ViewContext { schema: Schema; keyspace: string | null; enabled: boolean }

/** The plan of a CREATE MATERIALIZED VIEW: checked now, and again when applied (the schema may have changed between). */
export function createViewPlan(statement: CreateViewStatement, context: ViewContext): SchemaPlan {
  const keyspace = statement.view.keyspace ?? statement.table.keyspace ?? context.keyspace;
  const exists = (): boolean => keyspace !== null && context.schema.findTable(keyspace, statement.view.name)?.view !== undefined;
  if (!(statement.ifNotExists && exists())) validateCreateView(statement, context);
  return plan(() => {
    if (statement.ifNotExists && exists()) return null;
    validateCreateView(statement, context);
    const base = context.schema.getTable(keyspace!, statement.table.name);
    const selected = statement.selectors === null ? [...base.columns.keys()] : statement.selectors.map((s) => (s.selectable as { column: { name: string } }).column.name);
    const order = new Map(statement.clusteringOrder.map((o) => [o.column.name, o.order]));
    return context.schema.createView({
      keyspace: keyspace!, name: statement.view.name, baseTable: base.name, columns: [...new Set(selected)],
      partitionKey: statement.partitionKey.map((c) => c.name),
      clustering: statement.clustering.map((c) => ({ name: c.name, order: order.get(c.name) ?? 'asc' })),
      includeAllColumns: statement.selectors === null,
      whereClause: statement.where.map(relationText).join(' AND '),
      options: propertiesToOptions(statement.properties) as OptionInput,
    }, { ifNotExists: statement.ifNotExists });
  }, context.schema);
}

/** Throws Cassandra's InvalidRequest for the first problem of the definition; returns when it is valid. */
export function validateCreateView(statement: CreateViewStatement, context: ViewContext): void {
  if (!context.enabled) throw invalidRequest(MATERIALIZED_VIEWS_DISABLED);
  const keyspaceName = statement.view.keyspace ?? statement.table.keyspace ?? context.keyspace;
  if (keyspaceName === null) throw invalidRequest('No keyspace has been specified. USE a keyspace, or explicitly specify keyspace.tablename');
  if (statement.table.keyspace !== null && statement.table.keyspace !== keyspaceName) {
    throw invalidRequest('Cannot create a materialized view on a table in a separate keyspace');
  }
  const viewName = statement.view.name;
  const keyspace = context.schema.findKeyspace(keyspaceName);
  if (keyspace === undefined) throw invalidRequest(`Keyspace '${keyspaceName}' doesn't exist`);
  const table = context.schema.findTable(keyspaceName, statement.table.name);
  if (table === undefined) throw invalidRequest(`Base table '${statement.table.name}' doesn't exist`);
  if (table.view !== undefined) throw invalidRequest('Materialized views cannot be created against other materialized views');
  const existing = context.schema.findTable(keyspaceName, viewName);
  if (existing?.view !== undefined) throw alreadyExists(keyspaceName, viewName);
  if (existing !== undefined) {
    throw invalidRequest(`Cannot create materialized view '${viewName}' - a table with the same name already exists`);
  }
  if ([...table.columns.values()].some((c) => isCounter(c.type))) throw invalidRequest('Materialized views are not supported on counter tables');
  if (table.options.gcGraceSeconds === 0) {
    throw invalidRequest(`Cannot create materialized view '${viewName}' for base table '${table.name}' with gc_grace_seconds of 0, since this value is used to TTL undelivered updates. Setting gc_grace_seconds too low might cause undelivered updates to expire before being replayed.`);
  }

  // SELECT clause
  const selected = new Set<string>();
  if (statement.selectors === null) for (const name of table.columns.keys()) selected.add(name);
  for (const selector of statement.selectors ?? []) {
    if (selector.alias !== null) throw invalidRequest(`Cannot use aliases when defining a materialized view (got ${selectorText(selector.selectable)} AS ${selector.alias})`);
    if (selector.selectable.kind !== 'column') throw invalidRequest(`Can only select columns by name when defining a materialized view (got ${selectorText(selector.selectable)})`);
    const name = selector.selectable.column.name;
    if (!table.columns.has(name)) throw invalidRequest(`Undefined column name ${name} in table ${keyspaceName}.${table.name}`);
    selected.add(name);
  }
  for (const name of selected) {
    if (table.columns.get(name)?.kind === 'static') throw invalidRequest(`Cannot include static column '${name}' in materialized view '${viewName}'`);
  }

  // PRIMARY KEY
  if (statement.partitionKey.length === 0) throw invalidRequest(`Must provide at least one partition key column for materialized view '${viewName}'`);
  const keyColumns = new Set<string>();
  for (const { name } of [...statement.partitionKey, ...statement.clustering]) {
    const column = table.columns.get(name);
    if (column === undefined || !selected.has(name)) throw invalidRequest(`Unknown column '${name}' referenced in PRIMARY KEY for materialized view '${viewName}'`);
    if (keyColumns.has(name)) throw invalidRequest(`Duplicate column '${name}' in PRIMARY KEY clause for materialized view '${viewName}'`);
    keyColumns.add(name);
    const type = column.type;
    if ((type.kind === 'list' || type.kind === 'set' || type.kind === 'map') && !type.frozen) throw invalidRequest(`Invalid non-frozen collection type '${typeText(type)}' for PRIMARY KEY column '${name}'`);
    if (type.kind === 'udt' && !type.frozen) throw invalidRequest(`Invalid non-frozen user-defined type '${typeText(type)}' for PRIMARY KEY column '${name}'`);
    if (isCounter(type)) throw invalidRequest(`counter type is not supported for PRIMARY KEY column '${name}'`);
    if (type.kind === 'native' && type.name === 'duration') throw invalidRequest(`duration type is not supported for PRIMARY KEY column '${name}'`);
  }
  if (statement.clusteringOrder.length > 0) {
    const ordered = statement.clusteringOrder.map((o) => o.column.name);
    const clustering = statement.clustering.map((c) => c.name);
    if (ordered.length !== clustering.length || ordered.some((name, i) => name !== clustering[i])) {
      throw invalidRequest('Clustering key columns must exactly match columns in CLUSTERING ORDER BY directive');
    }
  }
  const basePrimaryKey = [...table.partitionKey, ...table.clustering].map((c) => c.name);
  const missing = basePrimaryKey.filter((name) => !keyColumns.has(name));
  if (missing.length > 0) {
    throw invalidRequest(`Cannot create materialized view '${viewName}' without primary key columns ${missing.join(', ')} from base table '${table.name}'`);
  }
  const extra = [...keyColumns].filter((name) => !basePrimaryKey.includes(name));
  if (extra.length > 1) throw invalidRequest(`Cannot include more than one non-primary key column in materialized view primary key (got ${extra.join(', ')})`);

  // WHERE clause
  if (statement.where.some((r) => r.kind === 'token')) throw invalidRequest('Cannot use token relation when defining a materialized view');
  const restricted = new Set<string>();
  const illegal: string[] = [];
  for (const relation of statement.where) {
    const columns = 'columns' in relation ? relation.columns : [relation.column];
    for (const { name } of columns) {
      if (!table.columns.has(name)) throw invalidRequest(`Undefined column name ${name} in table ${keyspaceName}.${table.name}`);
      restricted.add(name);
      const kind = table.columns.get(name)?.kind;
      if (relation.kind !== 'isNotNull' && (kind === 'regular' || kind === 'static') && !illegal.includes(name)) illegal.push(name);
    }
  }
  // Restrictions beyond IS NOT NULL are those of a SELECT with ALLOW FILTERING (StatementRestrictions with forView).
  analyzeViewRestrictions(table, statement.where);
  const unrestricted = [...keyColumns].filter((name) => !restricted.has(name));
  if (unrestricted.length > 0) throw invalidRequest(`Primary key columns ${unrestricted.join(', ')} must be restricted with 'IS NOT NULL' or otherwise`);
  // Cassandra 4.0 allows these only with -Dcassandra.mv.allow_filtering_nonkey_columns_unsafe (CASSANDRA-13798:
  // an entry that left the view cannot come back correctly); there is no such switch here.
  if (illegal.length > 0) throw invalidRequest(`Non-primary key columns can only be restricted with 'IS NOT NULL' (got: ${illegal.join(',')} restricted illegally)`);

  // Options
  if (statement.properties.some((p) => p.name === 'id')) throw invalidRequest('Cannot set id for a materialized view');
  const ttl = statement.properties.find((p) => p.name === 'default_time_to_live');
  if (ttl !== undefined && ttl.value.kind === 'constant' && Number(ttl.value.text) > 0) {
    throw invalidRequest('Cannot set default_time_to_live for a materialized view. Data in a materialized view always expire at the same time than the corresponding data in the parent table.');
  }
}

function isCounter(type: DataType): boolean {
  return type.kind === 'native' && type.name === 'counter';
}

function typeText(type: DataType): string {
  return dataTypeToCql(type);
}

function selectorText(selectable: { kind: string }): string {
  return selectable.kind;
}
