// Pure transformations behind ALTER TABLE and the user-type statements: each takes metadata
// and returns new metadata (never mutating), or throws Cassandra's error.

import { invalidRequest } from '../common/errors.js';
import { dataTypeToCql, type DataType } from '../protocol/data-type.js';
import type { ColumnMetadata, KeyspaceMetadata, TableMetadata, UserTypeMetadata } from './metadata.js';
import { checkColumnName, containsNative, isCounter, isCounterTable, withColumns, type ColumnInput } from './table-builder.js';
import { applyTableOptions, type OptionInput } from './table-options.js';

export type AlterTableChange =
  | { kind: 'addColumns'; columns: readonly ColumnInput[] }
  /** droppedAtMicros: the drop's timestamp; cells of these columns written at or before it are ignored from now on. */
  | { kind: 'dropColumns'; columns: readonly string[]; droppedAtMicros: number }
  | { kind: 'renameColumns'; renames: ReadonlyArray<{ from: string; to: string }> }
  | { kind: 'withOptions'; options: OptionInput };

export function alterTableMetadata(table: TableMetadata, change: AlterTableChange): TableMetadata {
  switch (change.kind) {
    case 'addColumns': return addColumns(table, change.columns);
    case 'dropColumns': return dropColumns(table, change.columns, { droppedAtMicros: change.droppedAtMicros });
    case 'renameColumns': return renameColumns(table, change.renames);
    case 'withOptions': return { ...table, options: applyTableOptions(table.options, change.options, { allowId: false }) };
  }
}

function addColumns(table: TableMetadata, columns: readonly ColumnInput[]): TableMetadata {
  const counterTable = isCounterTable(table);
  const regular = [...table.regular];
  const names = new Set(table.columns.keys());
  for (const column of columns) {
    checkColumnName(column.name);
    if (names.has(column.name)) throw invalidRequest(`Column with name '${column.name}' already exists`);
    if (column.isStatic === true && table.clustering.length === 0) {
      throw invalidRequest('Static columns are only useful (and thus allowed) if the table has at least one clustering column');
    }
    if (counterTable && !isCounter(column.type)) throw invalidRequest(`Cannot add a non counter column (${column.name}) in a counter table`);
    if (!counterTable && isCounter(column.type)) throw invalidRequest(`Cannot add a counter column (${column.name}) in a non counter table`);
    if (!isCounter(column.type) && containsNative(column.type, 'counter')) throw invalidRequest('Counters are not allowed inside collections');
    const dropped = table.droppedColumns.get(column.name);
    if (dropped !== undefined && dataTypeToCql(dropped.type) !== dataTypeToCql(column.type)) {
      throw invalidRequest(`Cannot re-add previously dropped column '${column.name}' of type ${dataTypeToCql(column.type)}, incompatible with previous type ${dataTypeToCql(dropped.type)}`);
    }
    names.add(column.name);
    regular.push({ name: column.name, type: column.type, kind: column.isStatic === true ? 'static' : 'regular', position: -1, order: 'none' });
  }
  // A re-added column keeps its drop record: data written before the drop must stay invisible.
  return withColumns(table, table.partitionKey, { clustering: table.clustering, regular });
}

function dropColumns(table: TableMetadata, names: readonly string[], { droppedAtMicros }: { droppedAtMicros: number }): TableMetadata {
  const droppedColumns = new Map(table.droppedColumns);
  const dropping = new Set<string>();
  for (const name of names) {
    const column = table.columns.get(name);
    if (column === undefined) throw invalidRequest(`Column ${name} was not found in table ${table.name}`);
    if (column.kind === 'partition_key' || column.kind === 'clustering') throw invalidRequest(`Cannot drop PRIMARY KEY column ${name}`);
    dropping.add(name);
    droppedColumns.set(name, { type: column.type, droppedAtMicros });
  }
  const regular = table.regular.filter((column) => !dropping.has(column.name));
  return { ...withColumns(table, table.partitionKey, { clustering: table.clustering, regular }), droppedColumns };
}

function renameColumns(table: TableMetadata, renames: ReadonlyArray<{ from: string; to: string }>): TableMetadata {
  let partitionKey = table.partitionKey;
  let clustering = table.clustering;
  const names = new Set(table.columns.keys());
  for (const { from, to } of renames) {
    checkColumnName(to);
    const column = [...partitionKey, ...clustering, ...table.regular].find((candidate) => candidate.name === from);
    if (column === undefined) throw invalidRequest(`Cannot rename unknown column ${from} in table ${table.name}`);
    if (column.kind !== 'partition_key' && column.kind !== 'clustering') throw invalidRequest(`Cannot rename non PRIMARY KEY column ${from}`);
    if (names.has(to)) throw invalidRequest(`Cannot rename column ${from} to ${to} in table '${table.name}'; another column with that name already exists`);
    names.delete(from);
    names.add(to);
    const rename = (columns: ColumnMetadata[]): ColumnMetadata[] => columns.map((c) => (c.name === from ? { ...c, name: to } : c));
    partitionKey = rename(partitionKey);
    clustering = rename(clustering);
  }
  return withColumns(table, partitionKey, { clustering, regular: table.regular });
}

// ---- user types ----

export type AlterTypeChange =
  | { kind: 'addField'; field: string; type: DataType }
  | { kind: 'renameFields'; renames: ReadonlyArray<{ from: string; to: string }> };

export function alterUserType(type: UserTypeMetadata, change: AlterTypeChange): UserTypeMetadata {
  if (change.kind === 'addField') {
    if (type.fields.some((field) => field.name === change.field)) {
      throw invalidRequest(`Cannot add new field ${change.field} to type ${type.keyspace}.${type.name}: a field with name ${change.field} already exists`);
    }
    return { ...type, fields: [...type.fields, { name: change.field, type: change.type }] };
  }
  let fields = type.fields;
  for (const { from, to } of change.renames) {
    if (!fields.some((field) => field.name === from)) throw invalidRequest(`Unkown field ${from} in user type ${type.keyspace}.${type.name}`);
    if (fields.some((field) => field.name === to)) throw invalidRequest(`Duplicate field name ${to} in type ${type.keyspace}.${type.name}`);
    fields = fields.map((field) => (field.name === from ? { ...field, name: to } : field));
  }
  return { ...type, fields };
}

/** Whether a type refers to the user type keyspace.name (directly or nested). */
export function referencesUserType(type: DataType, keyspace: string, { name }: { name: string }): boolean {
  switch (type.kind) {
    case 'native': case 'custom': return false;
    case 'list': case 'set': return referencesUserType(type.element, keyspace, { name });
    case 'map': return referencesUserType(type.key, keyspace, { name }) || referencesUserType(type.value, keyspace, { name });
    case 'tuple': return type.elements.some((element) => referencesUserType(element, keyspace, { name }));
    case 'udt': return (type.keyspace === keyspace && type.name === name) || type.fields.some((f) => referencesUserType(f.type, keyspace, { name }));
  }
}

/** The type with every use of a user type replaced by its new definition (types carry their fields inline). */
export function replaceUserType(type: DataType, updated: UserTypeMetadata): DataType {
  switch (type.kind) {
    case 'native': case 'custom': return type;
    case 'list': case 'set': return { ...type, element: replaceUserType(type.element, updated) };
    case 'map': return { ...type, key: replaceUserType(type.key, updated), value: replaceUserType(type.value, updated) };
    case 'tuple': return { ...type, elements: type.elements.map((element) => replaceUserType(element, updated)) };
    case 'udt': {
      if (type.keyspace === updated.keyspace && type.name === updated.name) return { ...type, fields: updated.fields };
      return { ...type, fields: type.fields.map((field) => ({ ...field, type: replaceUserType(field.type, updated) })) };
    }
  }
}

/** The keyspace with a user type's new definition propagated into other types and every table's columns. */
export function propagateUserType(keyspace: KeyspaceMetadata, updated: UserTypeMetadata): KeyspaceMetadata {
  const types = new Map(keyspace.types);
  for (const [name, type] of types) {
    if (name === updated.name) types.set(name, updated);
    else types.set(name, { ...type, fields: type.fields.map((field) => ({ ...field, type: replaceUserType(field.type, updated) })) });
  }
  const tables = new Map<string, TableMetadata>();
  for (const [name, table] of keyspace.tables) {
    const replace = (columns: ColumnMetadata[]): ColumnMetadata[] => columns.map((column) => ({ ...column, type: replaceUserType(column.type, updated) }));
    tables.set(name, withColumns(table, replace(table.partitionKey), { clustering: replace(table.clustering), regular: replace(table.regular) }));
  }
  return { ...keyspace, types, tables };
}
