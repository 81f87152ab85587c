// Non-frozen collections and user types stored by cell, as Cassandra stores them.
//
// Design. A non-frozen list, set, map or UDT column ("multi-cell") is a run of cells of that
// column in the row, each keyed by a cell path (storage/types.ts Cell.path) and each with its
// own timestamp, TTL and tombstone, so that element updates from different coordinators merge
// by last-write-wins per element instead of per column:
//   - set: path = the element's bytes, value = empty;
//   - map: path = the key's bytes, value = the value's bytes;
//   - list: path = a time-ordered id (listElementPath), value = the element; appends get ids
//     above every earlier one, prepends ids below every earlier one (Cassandra's timeuuids);
//   - UDT: path = the field's index (u16), value = the field's bytes.
// A pathless tombstone of the column is the collection-level deletion (Cassandra's complex
// deletion): it shadows the column's path cells at or below its timestamp (storage/partition.ts
// applies it in the same merge that applies row and range deletions). Overwriting the whole
// collection (`SET c = ...`, INSERT) writes that tombstone at timestamp - 1 plus the new cells;
// `DELETE c` and `SET c = null` write it at the timestamp (null: at timestamp - 1, nothing new).
// Storage stays type-agnostic: it orders cells by (column, path bytes); the comparator order
// of sets and maps is restored when a row is read (foldMultiCellColumns), which turns each
// multi-cell column's live cells back into one whole value, so selection, conditions and
// filters keep working on whole values. An empty collection reads as null.
// Old data: a pathless live cell of a multi-cell column (the whole-value layout written before
// cells had paths, and what system tables still write) reads as the column's value, with any
// path cells written since merged over it.
// List element operations by index (`l[i] = v`, `DELETE l[i]`) and list removal (`l - [..]`)
// read the current list first, as Cassandra does (analyze-modification.ts, ReadBeforeWrite).

import { invalidRequest } from '../common/errors.js';
import type { DataType } from '../protocol/data-type.js';
import { readCollectionCount, readElement, writeCount, writeElement } from '../protocol/value-bytes.js';
import type { ColumnMetadata, TableMetadata } from '../schema/metadata.js';
import { compareValues } from '../schema/value-order.js';
import { NO_DELETION_TIME, type Cell } from '../storage/types.js';

/** When a cell is written: its timestamp and the write's now (for TTLs and tombstones). */
export interface CellTimeContext {
  timestampMicros: number;
  nowSeconds: number;
}

/** Whether a column of this type is stored as cells with paths (non-frozen collection or UDT). */
export function isMultiCell(type: DataType): boolean {
  return (type.kind === 'list' || type.kind === 'set' || type.kind === 'map' || type.kind === 'udt') && !type.frozen;
}

/** A live or expiring cell of a column at a path (the value may be empty, as a set's are). */
export function pathCell(column: string, path: Buffer, { value, time, ttlSeconds }: { value: Buffer; time: CellTimeContext; ttlSeconds: number }): Cell {
  const expiring = ttlSeconds > 0;
  return {
    column, path, timestampMicros: time.timestampMicros,
    ttlSeconds: expiring ? ttlSeconds : 0,
    localDeletionTime: expiring ? time.nowSeconds + ttlSeconds : NO_DELETION_TIME,
    value,
  };
}

/** A tombstone of one element (a set element, a map key, a list id, a UDT field). */
export function pathTombstone(column: string, path: Buffer, time: CellTimeContext): Cell {
  return { column, path, timestampMicros: time.timestampMicros, ttlSeconds: 0, localDeletionTime: time.nowSeconds, value: null };
}

/** The collection-level deletion of a column at a timestamp. */
export function columnDeletion(column: string, { timestampMicros, nowSeconds }: CellTimeContext): Cell {
  return { column, timestampMicros, ttlSeconds: 0, localDeletionTime: nowSeconds, value: null };
}

function elementsOf(bytes: Buffer, perItem: 1 | 2): Buffer[] {
  const { count, offset: start } = readCollectionCount(bytes, 4 * perItem);
  const out: Buffer[] = [];
  let offset = start;
  for (let index = 0; index < count * perItem; index++) {
    const { value, offset: next } = readElement(bytes, offset);
    if (value === null) throw invalidRequest('null is not supported inside collections');
    out.push(Buffer.from(value));
    offset = next;
  }
  return out;
}

/** The fields of a serialized UDT value, by index (a missing trailing field is null). */
function fieldsOf(bytes: Buffer): Array<Buffer | null> {
  const out: Array<Buffer | null> = [];
  let offset = 0;
  while (offset < bytes.length) {
    const { value, offset: next } = readElement(bytes, offset);
    out.push(value === null ? null : Buffer.from(value));
    offset = next;
  }
  return out;
}

export function udtFieldPath(index: number): Buffer {
  const path = Buffer.alloc(2);
  path.writeUInt16BE(index, 0);
  return path;
}

/**
 * A list element's path: a direction byte (0 prepend, 1 append), a 64-bit time key, the
 * element's position in its statement, and 8 random bytes so that concurrent writes through
 * different coordinators in the same microsecond never collide (Cassandra's timeuuid node
 * part). Appends use the write time, prepends its complement, so later appends sort after and
 * later prepends before every earlier element.
 */
export function listElementPath(direction: 'append' | 'prepend', { timestampMicros, index, random }: { timestampMicros: number; index: number; random: Buffer }): Buffer {
  const path = Buffer.alloc(21);
  path[0] = direction === 'append' ? 1 : 0;
  const time = BigInt.asUintN(64, BigInt(timestampMicros) + (1n << 63n));
  path.writeBigUInt64BE(direction === 'append' ? time : (1n << 64n) - 1n - time, 1);
  path.writeUInt32BE(index, 9);
  random.copy(path, 13, 0, 8);
  return path;
}

export interface ElementWriteOptions {
  time: CellTimeContext;
  ttlSeconds: number;
  randomBytes: (n: number) => Buffer;
}

export interface AdditionOptions extends ElementWriteOptions {
  direction?: 'append' | 'prepend';
}

/** The cells that add the elements of `value` (a whole value of the column's type) to the column. */
export function additionCells(column: ColumnMetadata, value: Buffer, options: AdditionOptions): Cell[] {
  const { time, ttlSeconds } = options;
  const type = column.type;
  const cell = (path: Buffer, bytes: Buffer) => pathCell(column.name, path, { value: bytes, time, ttlSeconds });
  switch (type.kind) {
    case 'set': return elementsOf(value, 1).map((element) => cell(element, Buffer.alloc(0)));
    case 'map': {
      const flat = elementsOf(value, 2);
      const cells: Cell[] = [];
      for (let index = 0; index < flat.length; index += 2) cells.push(cell(flat[index] as Buffer, flat[index + 1] as Buffer));
      return cells;
    }
    case 'list': {
      const random = options.randomBytes(8);
      const direction = options.direction ?? 'append';
      return elementsOf(value, 1).map((element, index) => cell(listElementPath(direction, { timestampMicros: time.timestampMicros, index, random }), element));
    }
    case 'udt': {
      const cells: Cell[] = [];
      fieldsOf(value).forEach((field, index) => { if (field !== null) cells.push(cell(udtFieldPath(index), field)); });
      return cells;
    }
    default: throw new Error(`additionCells on a simple column ${column.name}`);
  }
}

/** Cells of a whole-value write of a multi-cell column: the column deleted at timestamp - 1, then its new cells. */
export function overwriteCells(column: ColumnMetadata, value: Buffer | null, options: ElementWriteOptions): Cell[] {
  const deletion = columnDeletion(column.name, { timestampMicros: options.time.timestampMicros - 1, nowSeconds: options.time.nowSeconds });
  if (value === null) return [deletion];
  return [deletion, ...additionCells(column, value, options)];
}

/** Tombstones for the given set elements or map keys (`s = s - {...}`, `m = m - {...}`). */
export function removalCells(column: ColumnMetadata, keys: Buffer, time: CellTimeContext): Cell[] {
  return elementsOf(keys, 1).map((key) => pathTombstone(column.name, key, time));
}

/** Sorts cells into storage order (storage/partition.ts compareCellPosition) and keeps the last of equal positions. */
export function sortCells(cells: Cell[]): Cell[] {
  const position = (a: Cell, b: Cell): number => {
    if (a.column !== b.column) return a.column < b.column ? -1 : 1;
    if (a.path === undefined) return b.path === undefined ? 0 : -1;
    if (b.path === undefined) return 1;
    return Buffer.compare(a.path, b.path);
  };
  const sorted = cells.map((cell, order) => ({ cell, order })).sort((a, b) => position(a.cell, b.cell) || a.order - b.order);
  return sorted.filter((entry, index) => index === sorted.length - 1 || position(entry.cell, (sorted[index + 1] as { cell: Cell }).cell) !== 0).map((entry) => entry.cell);
}

/** The live list elements of a row's column in list order, with their paths (for reads before writes). */
export function listElements(cells: readonly Cell[], column: string): Array<{ path: Buffer | null; value: Buffer }> {
  const out: Array<{ path: Buffer | null; value: Buffer }> = [];
  for (const cell of cells) {
    if (cell.column !== column || cell.value === null) continue;
    if (cell.path === undefined) for (const element of elementsOf(cell.value, 1)) out.push({ path: null, value: element });
    else out.push({ path: cell.path, value: cell.value });
  }
  return out;
}

function encodeElements(items: Buffer[]): Buffer {
  return Buffer.concat([writeCount(items.length), ...items.map((item) => writeElement(item))]);
}

/** One column's live cells (sorted by path, pathless first) folded into its whole value, or null when empty. */
function foldColumn(type: DataType, cells: Cell[]): Buffer | null {
  const legacy = cells[0]?.path === undefined ? (cells[0]?.value ?? null) : null;
  const pathCells = cells.filter((cell) => cell.path !== undefined && cell.value !== null);
  switch (type.kind) {
    case 'list': {
      const items = [...(legacy === null ? [] : elementsOf(legacy, 1)), ...pathCells.map((cell) => cell.value as Buffer)];
      return items.length === 0 ? null : encodeElements(items);
    }
    case 'set': {
      const items = [...(legacy === null ? [] : elementsOf(legacy, 1)), ...pathCells.map((cell) => cell.path as Buffer)];
      const sorted = items.sort((a, b) => compareValues(type.element, a, { b }));
      const unique = sorted.filter((item, index) => index === 0 || compareValues(type.element, sorted[index - 1] as Buffer, { b: item }) !== 0);
      return unique.length === 0 ? null : encodeElements(unique);
    }
    case 'map': {
      const entries: Array<[Buffer, Buffer]> = [];
      if (legacy !== null) {
        const flat = elementsOf(legacy, 2);
        for (let index = 0; index < flat.length; index += 2) entries.push([flat[index] as Buffer, flat[index + 1] as Buffer]);
      }
      for (const cell of pathCells) entries.push([cell.path as Buffer, cell.value as Buffer]);
      // A stable sort keeps equal keys in arrival order: the path cell (newer layout) wins.
      const sorted = entries.sort((a, b) => compareValues(type.key, a[0], { b: b[0] }));
      const unique = sorted.filter((entry, index) => index === sorted.length - 1 || compareValues(type.key, entry[0], { b: (sorted[index + 1] as [Buffer, Buffer])[0] }) !== 0);
      if (unique.length === 0) return null;
      return Buffer.concat([writeCount(unique.length), ...unique.flatMap(([key, value]) => [writeElement(key), writeElement(value)])]);
    }
    case 'udt': {
      const fields: Array<Buffer | null> = legacy === null ? [] : fieldsOf(legacy);
      for (const cell of pathCells) {
        const index = (cell.path as Buffer).length === 2 ? (cell.path as Buffer).readUInt16BE(0) : -1;
        if (index < 0 || index >= type.fields.length) continue;
        while (fields.length <= index) fields.push(null);
        fields[index] = cell.value;
      }
      if (fields.every((field) => field === null)) return null;
      while (fields.length < type.fields.length) fields.push(null);
      return Buffer.concat(fields.map((field) => writeElement(field)));
    }
    default: return legacy;
  }
}

/**
 * A row's live cells by column, each multi-cell column's cells folded into one cell holding
 * the whole value (in comparator order; timestamp: the newest element's). A multi-cell column
 * with no live element is absent (reads as null). Cells of unknown columns pass through.
 */
export function foldMultiCellColumns(table: TableMetadata, cells: readonly Cell[]): Cell[] {
  const out: Cell[] = [];
  let index = 0;
  while (index < cells.length) {
    const first = cells[index] as Cell;
    let end = index + 1;
    while (end < cells.length && (cells[end] as Cell).column === first.column) end++;
    const type = table.columns.get(first.column)?.type;
    if (type === undefined || !isMultiCell(type)) {
      for (let at = index; at < end; at++) if ((cells[at] as Cell).path === undefined) out.push(cells[at] as Cell);
    } else if (end === index + 1 && first.path === undefined) {
      // A whole value alone (old layout, or system tables) reads as it is; a deletion alone is no value.
      if (first.value !== null) out.push(first);
    } else {
      const group = cells.slice(index, end).filter((cell) => cell.value !== null);
      const value = foldColumn(type, group);
      if (value !== null) {
        const timestampMicros = Math.max(...group.map((cell) => cell.timestampMicros));
        out.push({ column: first.column, timestampMicros, ttlSeconds: 0, localDeletionTime: NO_DELETION_TIME, value });
      }
    }
    index = end;
  }
  return out;
}
