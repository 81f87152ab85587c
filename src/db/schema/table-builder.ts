// Builds TableMetadata from a CREATE TABLE definition, with Cassandra's checks on primary
// keys, static and counter columns. Pure: the caller supplies the id and checks the keyspace.

import { invalidRequest } from '../common/errors.js';
import { columnNameLengthMax, schemaNameLengthMax, tableColumnsMax } from '../common/limits.js';
import { dataTypeToCql, type DataType } from '../protocol/data-type.js';
import { checkClusteringType } from './clustering-key.js';
import type { ColumnMetadata, TableMetadata, TableOptions } from './metadata.js';

export interface ColumnInput {
  name: string;
  type: DataType;
  isStatic?: boolean;
}

export interface CreateTableInput {
  keyspace: string;
  name: string;
  columns: readonly ColumnInput[];
  /** Partition key column names, in order. */
  partitionKey: readonly string[];
  /** Clustering column names in order, with their CLUSTERING ORDER (asc when absent). */
  clustering: ReadonlyArray<{ name: string; order?: 'asc' | 'desc' }>;
}

const NAME_PATTERN = /^[A-Za-z0-9_]+$/;

/** Keyspace, table and type names: Cassandra's rule and message. */
export function checkSchemaName(what: 'Keyspace' | 'Table' | 'Type', name: string): void {
  if (name.length === 0 || name.length > schemaNameLengthMax || !NAME_PATTERN.test(name)) {
    throw invalidRequest(`${what} name must not be empty, more than ${schemaNameLengthMax} characters long, or contain non-alphanumeric-underscore characters (got "${name}")`);
  }
}

export function checkColumnName(name: string): void {
  if (name.length === 0) throw invalidRequest('Column names must not be empty');
  if (name.length > columnNameLengthMax) throw invalidRequest(`Column name ${name.slice(0, 64)}... is longer than ${columnNameLengthMax} characters`);
}

export function isCounter(type: DataType): boolean {
  return type.kind === 'native' && type.name === 'counter';
}

function isMultiCell(type: DataType): boolean {
  return (type.kind === 'list' || type.kind === 'set' || type.kind === 'map' || type.kind === 'udt') && !type.frozen;
}

/** Whether a type mentions a type (used to reject counters and durations inside collections). */
export function containsNative(type: DataType, name: string): boolean {
  switch (type.kind) {
    case 'native': return type.name === name;
    case 'custom': return false;
    case 'list': case 'set': return containsNative(type.element, name);
    case 'map': return containsNative(type.key, name) || containsNative(type.value, name);
    case 'tuple': return type.elements.some((element) => containsNative(element, name));
    case 'udt': return type.fields.some((field) => containsNative(field.type, name));
  }
}

function checkPrimaryKeyType(column: string, type: DataType): void {
  if (isCounter(type)) throw invalidRequest(`counter type is not supported for PRIMARY KEY column '${column}'`);
  if (containsNative(type, 'duration')) throw invalidRequest(`duration type is not supported for PRIMARY KEY column '${column}'`);
  if (isMultiCell(type)) {
    const what = type.kind === 'udt' ? 'user-defined type' : 'collection type';
    throw invalidRequest(`Invalid non-frozen ${what} ${dataTypeToCql(type)} for PRIMARY KEY component ${column}`);
  }
}

function collectColumns(input: CreateTableInput): Map<string, ColumnInput> {
  if (input.columns.length > tableColumnsMax) throw invalidRequest(`Table ${input.name} has more than ${tableColumnsMax} columns`);
  const byName = new Map<string, ColumnInput>();
  for (const column of input.columns) {
    checkColumnName(column.name);
    if (byName.has(column.name)) throw invalidRequest(`Duplicate column '${column.name}' declaration for table '${input.name}'`);
    if (!isCounter(column.type) && containsNative(column.type, 'counter')) throw invalidRequest('Counters are not allowed inside collections');
    byName.set(column.name, column);
  }
  return byName;
}

function keyColumn(byName: Map<string, ColumnInput>, used: Set<string>, { name, table }: { name: string; table: string }): ColumnInput {
  const column = byName.get(name);
  if (column === undefined) throw invalidRequest(`Unknown column '${name}' referenced in PRIMARY KEY for table '${table}'`);
  if (used.has(name)) throw invalidRequest(`Duplicate column '${name}' in PRIMARY KEY for table '${table}'`);
  if (column.isStatic === true) throw invalidRequest(`Static column '${name}' cannot be part of the PRIMARY KEY`);
  checkPrimaryKeyType(name, column.type);
  used.add(name);
  return column;
}

/** Validates a definition and builds the table (columns sorted as system_schema lists them). */
export function buildTable(input: CreateTableInput, settings: { id: string; options: TableOptions; virtual: boolean }): TableMetadata {
  const byName = collectColumns(input);
  if (input.partitionKey.length === 0) throw invalidRequest(`No PRIMARY KEY specifed for table '${input.name}' (exactly one required)`);
  const used = new Set<string>();
  const partitionKey: ColumnMetadata[] = input.partitionKey.map((name, position) => {
    const column = keyColumn(byName, used, { name, table: input.name });
    return { name, type: column.type, kind: 'partition_key', position, order: 'none' };
  });
  const clustering: ColumnMetadata[] = input.clustering.map(({ name, order }, position) => {
    const column = keyColumn(byName, used, { name, table: input.name });
    checkClusteringType(name, column.type);
    return { name, type: column.type, kind: 'clustering', position, order: order ?? 'asc' };
  });
  const regular: ColumnMetadata[] = [];
  for (const column of byName.values()) {
    if (used.has(column.name)) continue;
    if (column.isStatic === true && clustering.length === 0) {
      throw invalidRequest('Static columns are only useful (and thus allowed) if the table has at least one clustering column');
    }
    regular.push({ name: column.name, type: column.type, kind: column.isStatic === true ? 'static' : 'regular', position: -1, order: 'none' });
  }
  regular.sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
  const counters = regular.filter((column) => isCounter(column.type)).length;
  if (counters > 0 && counters < regular.length) throw invalidRequest('Cannot mix counter and non counter columns in the same table');
  const all = [...partitionKey, ...clustering, ...regular];
  return {
    keyspace: input.keyspace, name: input.name, id: settings.id, partitionKey, clustering, regular,
    columns: new Map(all.map((column) => [column.name, column])),
    options: settings.options, droppedColumns: new Map(), virtual: settings.virtual,
  };
}

/** Whether a table holds counters (every regular column is a counter). */
export function isCounterTable(table: TableMetadata): boolean {
  return table.regular.length > 0 && table.regular.every((column) => isCounter(column.type));
}

/** Rebuilds the derived fields (regular order, columns map) after columns changed. */
export function withColumns(table: TableMetadata, partitionKey: ColumnMetadata[], { clustering, regular }: { clustering: ColumnMetadata[]; regular: ColumnMetadata[] }): TableMetadata {
  const sorted = [...regular].sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
  const all = [...partitionKey, ...clustering, ...sorted];
  return { ...table, partitionKey, clustering, regular: sorted, columns: new Map(all.map((column) => [column.name, column])) };
}
