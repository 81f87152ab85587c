// The schema as timestamped rows, as Cassandra 4 keeps system_schema: one row per keyspace,
// keyspace parameters, user type, table, table options, column and dropped column, each with
// the write time (microseconds) of the DDL statement that last set it, and tombstones for
// drops. Nodes exchange these rows and merge them cell by cell, so two schema changes made at
// once through different nodes both survive when they touch different objects, and the same
// object converges to the later write.
//
// Row paths: [ks] (the keyspace exists), [ks, 'params'], [ks, 'type', name],
// [ks, 'function', signature], [ks, 'aggregate', signature],
// [ks, 'table', name] (exists, with its id), [ks, 'table', name, 'options'],
// [ks, 'table', name, 'column', column], [ks, 'table', name, 'dropped', column],
// [ks, 'table', name, 'index', index], [ks, 'table', name, 'view'] (a materialized view's definition).
//
// Merge of one path: the later write wins; at equal times a tombstone wins, then the greater
// value (Cassandra's reconciliation). A tombstone of a keyspace or table also hides every row
// under it written no later than the drop (Cassandra's partition and range deletions), so a
// DROP TABLE concurrent with an ALTER of that table drops it: ALTER writes only the rows it
// changes (columns, options), never the table's own row, so the drop's tombstone keeps the
// table gone and the orphaned column rows are hidden. A visible row needs its keyspace (and
// table) visible too, and written no earlier than their creation, so a table created again
// under a dropped name never shows a column added to the old one.

import { CorruptionError } from '../common/errors.js';
import type { ColumnMetadata } from './metadata.js';
import { SCHEMA_DOCUMENT_FORMAT, type SchemaDocument } from './schema-document.js';

export const SCHEMA_ROWS_FORMAT = 2;

/** One row: when it was written and its value (canonical JSON), or null for a tombstone. */
export interface SchemaCell {
  ts: number;
  value: string | null;
}

/** Row path (JSON of the path array) to its cell. */
export type SchemaCells = Map<string, SchemaCell>;

type Path = string[];

const key = (path: Path): string => JSON.stringify(path);

/** The visible rows of a document: path key to value. */
export function rowsOfDocument(document: SchemaDocument): Map<string, string> {
  const rows = new Map<string, string>();
  for (const keyspace of document.keyspaces) {
    const ks = keyspace.name;
    rows.set(key([ks]), '{}');
    rows.set(key([ks, 'params']), JSON.stringify({ replication: keyspace.replication, durableWrites: keyspace.durableWrites }));
    for (const type of keyspace.types) rows.set(key([ks, 'type', type.name]), JSON.stringify(type.fields));
    for (const fn of keyspace.functions ?? []) rows.set(key([ks, 'function', fn.signature]), JSON.stringify(fn));
    for (const aggregate of keyspace.aggregates ?? []) rows.set(key([ks, 'aggregate', aggregate.signature]), JSON.stringify(aggregate));
    for (const table of keyspace.tables) {
      const t = table.name;
      rows.set(key([ks, 'table', t]), JSON.stringify({ id: table.id }));
      rows.set(key([ks, 'table', t, 'options']), JSON.stringify(table.options));
      for (const column of [...table.partitionKey, ...table.clustering, ...table.regular]) {
        rows.set(key([ks, 'table', t, 'column', column.name]), JSON.stringify(column));
      }
      for (const [name, dropped] of table.droppedColumns) rows.set(key([ks, 'table', t, 'dropped', name]), JSON.stringify(dropped));
      for (const index of table.indexes ?? []) rows.set(key([ks, 'table', t, 'index', index.name]), JSON.stringify(index));
      if (table.view !== undefined) rows.set(key([ks, 'table', t, 'view']), JSON.stringify(table.view));
    }
  }
  return rows;
}

/** Every row of a document written at `ts`: how a document of the first format becomes rows. */
export function cellsOfDocument(document: SchemaDocument, ts: number): SchemaCells {
  const cells: SchemaCells = new Map();
  for (const [path, value] of rowsOfDocument(document)) cells.set(path, { ts, value });
  return cells;
}

/** The keyspace and table rows a row lives under (nearest last). */
function ancestors(path: Path): Path[] {
  if (path.length === 1) return [];
  const result: Path[] = [[path[0] as string]];
  if (path[1] === 'table' && path.length > 3) result.push(path.slice(0, 3));
  return result;
}

function wins(candidate: SchemaCell, current: SchemaCell): boolean {
  if (candidate.ts !== current.ts) return candidate.ts > current.ts;
  if (candidate.value === null || current.value === null) return candidate.value === null && current.value !== null;
  return candidate.value > current.value;
}

/** Merges `incoming` into `cells`; true when anything changed. */
export function mergeCells(cells: SchemaCells, incoming: SchemaCells): boolean {
  let changed = false;
  for (const [path, cell] of incoming) {
    const current = cells.get(path);
    if (current === undefined || wins(cell, current)) {
      cells.set(path, { ts: cell.ts, value: cell.value });
      changed = true;
    }
  }
  if (changed) purgeShadowed(cells);
  return changed;
}

/**
 * True when the keyspace or table above the row hides it: a tombstone at the row's time or
 * later, or a creation later than the row (the row belongs to an earlier object of that name;
 * CREATE writes all of an object's rows at its own time, later changes only later ones).
 */
function shadowed(cells: SchemaCells, { path, ts }: { path: Path; ts: number }): boolean {
  return ancestors(path).some((ancestor) => {
    const cell = cells.get(key(ancestor));
    return cell !== undefined && (cell.value === null ? cell.ts >= ts : cell.ts > ts);
  });
}

/** Forgets rows a drop hides: they can never show again (tombstones only ever get later). */
function purgeShadowed(cells: SchemaCells): void {
  for (const [path, cell] of cells) if (shadowed(cells, { path: JSON.parse(path) as Path, ts: cell.ts })) cells.delete(path);
}

/**
 * Records a local DDL statement that turned the visible rows `before` into `after`: every new
 * or changed row is written at `ts`, every removed object gets a tombstone at `ts` (once, at
 * the highest object removed: a dropped table's columns fall under its tombstone).
 */
export function recordChange(cells: SchemaCells, { before, after, ts }: { before: Map<string, string>; after: Map<string, string>; ts: number }): void {
  for (const [path, value] of after) if (before.get(path) !== value) cells.set(path, { ts, value });
  for (const path of before.keys()) {
    if (after.has(path)) continue;
    const parsed = JSON.parse(path) as Path;
    if (ancestors(parsed).some((ancestor) => before.has(key(ancestor)) && !after.has(key(ancestor)))) continue;
    cells.set(path, { ts, value: null });
  }
  purgeShadowed(cells);
}

function isVisible(cells: SchemaCells, path: Path): SchemaCell | undefined {
  const cell = cells.get(key(path));
  if (cell === undefined || cell.value === null || shadowed(cells, { path, ts: cell.ts })) return undefined;
  for (const ancestor of ancestors(path)) if (isVisible(cells, ancestor) === undefined) return undefined;
  return cell;
}

const byName = <T extends { name: string }>(a: T, b: T): number => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0);
const bySignature = <T extends { signature: string }>(a: T, b: T): number => (a.signature < b.signature ? -1 : a.signature > b.signature ? 1 : 0);

type KeyspaceDocument = SchemaDocument['keyspaces'][number];
type TableDocument = KeyspaceDocument['tables'][number];

/** The document the visible rows describe (canonical, as toDocument makes it). */
export function documentOfCells(cells: SchemaCells): SchemaDocument {
  const keyspaces = new Map<string, KeyspaceDocument>();
  const tables = new Map<string, TableDocument>();
  const paths = [...cells.keys()].map((path) => JSON.parse(path) as Path).sort((a, b) => a.length - b.length);
  for (const path of paths) {
    const cell = isVisible(cells, path);
    if (cell === undefined || cell.value === null) continue;
    const value: unknown = JSON.parse(cell.value);
    const keyspace = keyspaces.get(path[0] as string);
    const name = path[2] as string;
    if (path.length === 1) {
      keyspaces.set(path[0] as string, { name: path[0] as string, replication: { class: '' }, durableWrites: true, types: [], tables: [] });
    } else if (keyspace === undefined) {
      continue;
    } else if (path[1] === 'params') {
      const params = value as Pick<KeyspaceDocument, 'replication' | 'durableWrites'>;
      keyspace.replication = params.replication;
      keyspace.durableWrites = params.durableWrites;
    } else if (path[1] === 'type') {
      keyspace.types.push({ name, fields: value as KeyspaceDocument['types'][number]['fields'] });
    } else if (path[1] === 'function') {
      (keyspace.functions ??= []).push(value as NonNullable<KeyspaceDocument['functions']>[number]);
    } else if (path[1] === 'aggregate') {
      (keyspace.aggregates ??= []).push(value as NonNullable<KeyspaceDocument['aggregates']>[number]);
    } else if (path.length === 3) {
      const table: TableDocument = {
        name, id: (value as { id: string }).id, partitionKey: [], clustering: [], regular: [],
        options: undefined as unknown as TableDocument['options'], droppedColumns: [],
      };
      tables.set(key(path), table);
      keyspace.tables.push(table);
    } else {
      const table = tables.get(key(path.slice(0, 3)));
      if (table === undefined) continue;
      if (path[3] === 'options') table.options = value as TableDocument['options'];
      else if (path[3] === 'view') table.view = value as NonNullable<TableDocument['view']>;
      else if (path[3] === 'dropped') table.droppedColumns.push([path[4] as string, value as TableDocument['droppedColumns'][number][1]]);
      else if (path[3] === 'index') (table.indexes ??= []).push(value as NonNullable<TableDocument['indexes']>[number]);
      else if (path[3] === 'column') {
        const column = value as ColumnMetadata;
        const list = column.kind === 'partition_key' ? table.partitionKey : column.kind === 'clustering' ? table.clustering : table.regular;
        list.push(column);
      }
    }
  }
  const result: KeyspaceDocument[] = [];
  for (const keyspace of keyspaces.values()) {
    // A table is only whole with its options and a partition key; rows of a half-merged table
    // (never seen in practice: one DDL writes them together) are left out rather than served.
    keyspace.tables = keyspace.tables.filter((table) => table.options !== undefined && table.partitionKey.length > 0);
    for (const table of keyspace.tables) {
      table.partitionKey.sort((a, b) => a.position - b.position);
      table.clustering.sort((a, b) => a.position - b.position);
      table.regular.sort(byName);
      table.droppedColumns.sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
      table.indexes?.sort(byName);
    }
    keyspace.functions?.sort(bySignature);
    keyspace.aggregates?.sort(bySignature);
    keyspace.types.sort(byName);
    keyspace.tables.sort(byName);
    if (keyspace.replication.class !== '') result.push(keyspace);
  }
  return { format: SCHEMA_DOCUMENT_FORMAT, keyspaces: result.sort(byName) };
}

/** Cells as sorted JSON-ready triples: what is persisted and what peers exchange. */
export function exportCells(cells: SchemaCells): Array<[string, number, string | null]> {
  return [...cells.entries()].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)).map(([path, cell]) => [path, cell.ts, cell.value]);
}

/** Parses exported cells, checking every one; `source` names the sender or file in errors. */
export function importCells(value: unknown, source: string): SchemaCells {
  if (!Array.isArray(value)) throw new CorruptionError(source, 0, 'schema rows are not a list');
  const cells: SchemaCells = new Map();
  for (const entry of value as unknown[]) {
    if (!Array.isArray(entry) || entry.length !== 3) throw new CorruptionError(source, 0, 'malformed schema row');
    const [path, ts, cellValue] = entry as [unknown, unknown, unknown];
    if (typeof path !== 'string' || typeof ts !== 'number' || !Number.isSafeInteger(ts) || (cellValue !== null && typeof cellValue !== 'string')) {
      throw new CorruptionError(source, 0, 'malformed schema row');
    }
    checkRow({ path, value: cellValue }, source);
    cells.set(path, { ts, value: cellValue });
  }
  return cells;
}

const shapes = new Set(['1', '2:params', '3:type', '3:function', '3:aggregate', '3:table', '4:options', '4:view', '5:column', '5:dropped', '5:index']);

function checkRow({ path, value }: { path: string; value: string | null }, source: string): void {
  let parsed: unknown;
  let parsedValue: unknown;
  try {
    parsed = JSON.parse(path);
    parsedValue = value === null ? null : JSON.parse(value);
  } catch {
    throw new CorruptionError(source, 0, 'schema row is not valid JSON');
  }
  if (!Array.isArray(parsed) || parsed.some((part) => typeof part !== 'string')) throw new CorruptionError(source, 0, 'malformed schema row path');
  const parts = parsed as string[];
  const shape = parts.length === 1 ? '1' : `${parts.length}:${parts.length >= 4 ? parts[3] : parts[1]}`;
  if (!shapes.has(shape) || (parts.length >= 4 && parts[1] !== 'table')) throw new CorruptionError(source, 0, 'unknown schema row path');
  if (parsedValue !== null && (typeof parsedValue !== 'object')) throw new CorruptionError(source, 0, 'malformed schema row value');
  if (shape === '5:column' && parsedValue !== null) {
    const column = parsedValue as Partial<ColumnMetadata>;
    if (typeof column.name !== 'string' || typeof column.kind !== 'string' || typeof column.position !== 'number' || typeof column.type !== 'object') {
      throw new CorruptionError(source, 0, 'malformed schema column row');
    }
  }
}

/** The latest write time among the cells (0 when none). */
export function latestTimestamp(cells: SchemaCells): number {
  let latest = 0;
  for (const cell of cells.values()) latest = Math.max(latest, cell.ts);
  return latest;
}
