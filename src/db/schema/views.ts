// Materialized views in the schema (Cassandra 4.0's ViewMetadata and the schema rules of
// CreateViewStatement, DropViewStatement, AlterViewStatement, and the checks DROP TABLE and
// ALTER TABLE make for a base table's views). Pure: Schema applies what these return.

import { invalidRequest } from '../common/errors.js';
import { isView, type KeyspaceMetadata, type TableMetadata, type TableOptions, type ViewMetadata } from './metadata.js';
import { buildTable, type CreateTableInput } from './table-builder.js';

export interface CreateViewInput {
  keyspace: string;
  name: string;
  baseTable: string;
  /** Selected base columns (every one for SELECT *). */
  columns: readonly string[];
  partitionKey: readonly string[];
  clustering: ReadonlyArray<{ name: string; order?: 'asc' | 'desc' }>;
  includeAllColumns: boolean;
  whereClause: string;
}

type ViewTable = TableMetadata & { view: ViewMetadata };
const noViews: readonly ViewTable[] = Object.freeze([]);
/**
 * The views of each keyspace's tables by base table id. Every write asks for its table's views,
 * so they are indexed once per tables map (schema changes replace the map, never change it).
 */
const viewsByTables = new WeakMap<ReadonlyMap<string, TableMetadata>, Map<string, ViewTable[]>>();

/** The views of a base table in its keyspace, sorted by name (shared: not to be changed). */
export function viewsOf(keyspace: KeyspaceMetadata, baseTableId: string): readonly ViewTable[] {
  let byBase = viewsByTables.get(keyspace.tables);
  if (byBase === undefined) {
    byBase = new Map();
    for (const table of keyspace.tables.values()) {
      if (!isView(table)) continue;
      const views = byBase.get(table.view.baseTableId);
      if (views === undefined) byBase.set(table.view.baseTableId, [table]);
      else views.push(table);
    }
    for (const views of byBase.values()) views.sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
    viewsByTables.set(keyspace.tables, byBase);
  }
  return byBase.get(baseTableId) ?? noViews;
}

/**
 * Whether a view's rows live only by their liveness (Cassandra's View.enforceStrictLiveness):
 * views whose primary key holds a regular base column, whose entry lives and dies with it.
 */
export function enforcesStrictLiveness(schema: { findTableById(id: string): TableMetadata | undefined }, table: TableMetadata): boolean {
  if (table.view === undefined) return false;
  const base = schema.findTableById(table.view.baseTableId);
  if (base === undefined) return false;
  return [...table.partitionKey, ...table.clustering].some((column) => base.columns.get(column.name)?.kind === 'regular');
}

/** The view's table: the selected base columns with their types, keyed as the view says. */
export function buildView(base: TableMetadata, input: CreateViewInput, settings: { id: string; options: TableOptions }): TableMetadata {
  const columns = input.columns.map((name) => {
    const column = base.columns.get(name);
    if (column === undefined) throw invalidRequest(`Undefined column name ${name} in table ${base.keyspace}.${base.name}`);
    return { name, type: column.type };
  });
  const definition: CreateTableInput = { keyspace: input.keyspace, name: input.name, columns, partitionKey: input.partitionKey, clustering: input.clustering };
  const table = buildTable(definition, { id: settings.id, options: settings.options, virtual: false });
  return {
    ...table,
    view: { baseTableId: base.id, baseTableName: base.name, includeAllColumns: input.includeAllColumns, whereClause: input.whereClause },
  };
}

/** DROP TABLE of a base table: refused while views depend on it (Cassandra 3.x/4.0's message). */
export function checkNoDependentViews(keyspace: KeyspaceMetadata, table: TableMetadata): void {
  if (isView(table)) throw invalidRequest('Cannot use DROP TABLE on a materialized view. Please use DROP MATERIALIZED VIEW instead.');
  const views = viewsOf(keyspace, table.id);
  if (views.length > 0) {
    throw invalidRequest(`Cannot drop table when materialized views still depend on it (${keyspace.name}.{${views.map((v) => v.name).join(',')}})`);
  }
}

/** ALTER TABLE on a view is refused; dropping a column of a base table with views is too. */
export function checkAlterWithViews(keyspace: KeyspaceMetadata, table: TableMetadata, change: { kind: string; columns?: readonly unknown[] }): void {
  if (isView(table)) throw invalidRequest('Cannot use ALTER TABLE on a materialized view; use ALTER MATERIALIZED VIEW instead');
  if (change.kind !== 'dropColumns') return;
  const first = change.columns?.[0];
  if (viewsOf(keyspace, table.id).length > 0 && typeof first === 'string') {
    throw invalidRequest(`Cannot drop column ${first} on base table ${table.name} with materialized views`);
  }
}

/** After ALTER TABLE ADD on a base table: its SELECT * views get the new columns too (Cassandra's AlterTableStatement.AddColumns). */
export function viewsWithAddedColumns(keyspace: KeyspaceMetadata, base: TableMetadata): TableMetadata[] {
  const out: TableMetadata[] = [];
  for (const view of viewsOf(keyspace, base.id)) {
    if (!view.view.includeAllColumns) continue;
    const added = base.regular.filter((column) => !view.columns.has(column.name) && column.kind === 'regular');
    if (added.length === 0) continue;
    const regular = [...view.regular, ...added.map((column) => ({ ...column }))].sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
    const all = [...view.partitionKey, ...view.clustering, ...regular];
    out.push({ ...view, regular, columns: new Map(all.map((column) => [column.name, column])) });
  }
  return out;
}
