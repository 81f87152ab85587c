// INSERT JSON '...' [DEFAULT NULL | DEFAULT UNSET] as Cassandra reads it: every column of the
// table receives its value from the document, and a column the document lacks is null
// (DEFAULT NULL, the default: the cell is deleted) or left as it is (DEFAULT UNSET).

import type { TableMetadata } from '../schema/metadata.js';
import type { ColumnRef, InsertValues, JsonDocumentCache, Term } from './ast.js';

export function jsonInsertValues(values: Extract<InsertValues, { kind: 'json' }>, table: TableMetadata): { columns: ColumnRef[]; values: Term[] } {
  const all = [...table.partitionKey, ...table.clustering, ...table.regular];
  const shared: JsonDocumentCache = { columns: new Set(table.columns.keys()), documents: new WeakMap() };
  const position = values.json.position;
  return {
    columns: all.map((column) => ({ name: column.name, position })),
    values: all.map((column): Term => ({ kind: 'jsonColumn', json: values.json, column: column.name, defaultUnset: values.defaultUnset, shared, position })),
  };
}
