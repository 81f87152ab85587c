// Native secondary indexes in the schema (Cassandra's CreateIndexStatement, DropIndexStatement
// and IndexMetadata): the checks and messages for what may be indexed, default names, the
// target text stored in system_schema.indexes, and which indexes depend on a column.

import { invalidRequest } from '../common/errors.js';
import { murmur3Token } from '../dht/murmur3.js';
import type { DataType } from '../protocol/data-type.js';
import type { IndexMetadata, IndexTargetType, KeyspaceMetadata, TableMetadata } from './metadata.js';
import { containsNative, isCounterTable } from './table-builder.js';

export interface IndexTargetInput {
  column: string;
  /** As written: `(c)` is simple; a collection's simple target becomes values(c). */
  type: IndexTargetType;
  /** The column name as CQL text (double-quoted when needed), for options.target. */
  quotedColumn: string;
}

export interface CreateIndexInput {
  /** Null: the default name, table_column_idx (then _1, _2... while taken). */
  name: string | null;
  target: IndexTargetInput;
}

const isCollection = (type: DataType): boolean => type.kind === 'list' || type.kind === 'set' || type.kind === 'map';
const isFrozenCollection = (type: DataType): boolean => isCollection(type) && (type as { frozen: boolean }).frozen;
const isMultiCell = (type: DataType): boolean =>
  (isCollection(type) || type.kind === 'udt') && !(type as { frozen: boolean }).frozen;

/** Every index of the keyspace, by name (index names are unique per keyspace). */
export function findIndexedTable(keyspace: KeyspaceMetadata, name: string): TableMetadata | undefined {
  for (const table of keyspace.tables.values()) if (table.indexes?.has(name) === true) return table;
  return undefined;
}

export function tableIndexList(table: TableMetadata): IndexMetadata[] {
  return table.indexes === undefined ? [] : [...table.indexes.values()];
}

/** The table with the index added; null when IF NOT EXISTS makes it a no-op. Throws Cassandra's errors. */
export function addIndex(keyspace: KeyspaceMetadata, table: TableMetadata, { input, ifNotExists }: { input: CreateIndexInput; ifNotExists: boolean }): TableMetadata | null {
  if (input.name !== null && findIndexedTable(keyspace, input.name) !== undefined) {
    if (ifNotExists) return null;
    throw invalidRequest(`Index '${input.name}' already exists`);
  }
  if (isCounterTable(table)) throw invalidRequest("Secondary indexes on counter tables aren't supported");
  const column = table.columns.get(input.target.column);
  if (column === undefined) throw invalidRequest(`Column '${input.target.column}' doesn't exist`);
  // A plain target on a collection means its values (IndexTarget.Raw.prepare); frozen ones then need full().
  const type: IndexTargetType = input.target.type === 'simple' && isCollection(column.type) ? 'values' : input.target.type;
  validateTarget(table, { column: column.name, columnType: column.type, kind: column.kind, type });
  const target = type === 'simple' ? input.target.quotedColumn : `${type}(${input.target.quotedColumn})`;
  const name = input.name ?? availableName(keyspace, defaultIndexName(table.name, column.name));
  const duplicate = tableIndexList(table).find((index) => index.options['target'] === target);
  if (duplicate !== undefined) {
    if (ifNotExists) return null;
    throw invalidRequest(`Index ${name} is a duplicate of existing index ${duplicate.name}`);
  }
  const index: IndexMetadata = { name, kind: 'COMPOSITES', options: { target }, column: column.name, type };
  const indexes = new Map(table.indexes ?? []);
  indexes.set(name, index);
  return { ...table, indexes };
}

function validateTarget(table: TableMetadata, target: { column: string; columnType: DataType; kind: string; type: IndexTargetType }): void {
  const { columnType: type, column: quoted } = target;
  if (containsNative(type, 'duration')) {
    if (isCollection(type)) throw invalidRequest('Secondary indexes are not supported on collections containing durations');
    if (type.kind === 'tuple') throw invalidRequest('Secondary indexes are not supported on tuples containing durations');
    if (type.kind === 'udt') throw invalidRequest('Secondary indexes are not supported on UDTs containing durations');
    throw invalidRequest('Secondary indexes are not supported on duration columns');
  }
  if (target.kind === 'partition_key' && table.partitionKey.length === 1) {
    throw invalidRequest(`Cannot create secondary index on the only partition key column ${quoted}`);
  }
  if (isFrozenCollection(type) && target.type !== 'full') {
    throw invalidRequest(`Cannot create ${target.type}() index on frozen column ${quoted}. Frozen collections are immutable and must be fully indexed by using the 'full(${quoted})' modifier`);
  }
  if (!isFrozenCollection(type) && target.type === 'full') throw invalidRequest('full() indexes can only be created on frozen collections');
  if (!isCollection(type) && target.type !== 'simple') {
    throw invalidRequest(`Cannot create ${target.type}() index on ${quoted}. Non-collection columns only support simple indexes`);
  }
  if (!(type.kind === 'map' && isMultiCell(type)) && (target.type === 'keys' || target.type === 'entries')) {
    throw invalidRequest(`Cannot create index on ${target.type} of column ${quoted} with non-map type`);
  }
  if (type.kind === 'udt' && isMultiCell(type)) throw invalidRequest(`Cannot create index on non-frozen UDT column ${quoted}`);
}

/** IndexMetadata.generateDefaultIndexName: table_column_idx without non-word characters. */
export function defaultIndexName(table: string, column: string): string {
  return `${table}_${column}_idx`.replace(/\W/g, '');
}

function availableName(keyspace: KeyspaceMetadata, base: string): string {
  let name = base;
  for (let i = 1; findIndexedTable(keyspace, name) !== undefined; i++) name = `${base}_${i}`;
  return name;
}

/** The table without the index. */
export function withoutIndex(table: TableMetadata, name: string): TableMetadata {
  const indexes = new Map(table.indexes ?? []);
  indexes.delete(name);
  return { ...table, indexes };
}

/** Refuses DROP or RENAME of a column some index depends on (AlterTableStatement's message). */
export function checkNoDependentIndexes(table: TableMetadata, column: string, { verb }: { verb: 'drop' | 'rename' }): void {
  const dependent = tableIndexList(table).filter((index) => index.column === column).map((index) => index.name);
  if (dependent.length > 0) throw invalidRequest(`Cannot ${verb} column ${column} because it has dependent secondary indexes (${dependent.join(', ')})`);
}

/** Parses options.target back into column and type (for schema documents written by peers). */
export function parseIndexTarget(target: string): { column: string; type: IndexTargetType } {
  const match = /^(keys|values|entries|full)\((.*)\)$/.exec(target);
  const [type, quoted] = match === null ? ['simple' as const, target] : [match[1] as IndexTargetType, match[2]!];
  const column = quoted.startsWith('"') && quoted.endsWith('"') && quoted.length >= 2 ? quoted.slice(1, -1).replace(/""/g, '"') : quoted;
  return { column, type };
}

/** The storage table id of an index's local table: derived from the base table's id and the index name, the same on every node. */
export function indexTableId(baseTableId: string, indexName: string): string {
  const half = (salt: string) => (murmur3Token(Buffer.from(`${baseTableId}/${indexName}/${salt}`, 'utf8')) & 0xffffffffffffffffn).toString(16).padStart(16, '0');
  const hex = `${half('high')}${half('low')}`;
  const variant = ((parseInt(hex[16]!, 16) & 0x3) | 0x8).toString(16);
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-3${hex.slice(13, 16)}-${variant}${hex.slice(17, 20)}-${hex.slice(20, 32)}`;
}
