// The column writes of INSERT, UPDATE and DELETE as cells: whole values, and the element
// operations of non-frozen collections and UDTs (collection-cells.ts holds the cell layout),
// with Cassandra's messages for the operations it refuses (cql3.Operation).

import { invalidRequest } from '../common/errors.js';
import type { DataType } from '../protocol/data-type.js';
import { UNSET, type BoundValue } from '../protocol/messages.js';
import { decodeValue } from '../protocol/type-codecs.js';
import type { ColumnMetadata, TableMetadata } from '../schema/metadata.js';
import { NO_DELETION_TIME, type Cell } from '../storage/types.js';
import type { Assignment, ColumnTarget, Term } from './ast.js';
import {
  additionCells, columnDeletion, isMultiCell, listElements, overwriteCells, pathCell, pathTombstone, removalCells, udtFieldPath, type CellTimeContext,
} from './collection-cells.js';
import { BindVariables, prepareTerm, termText, type EvaluationContext, type PreparedTerm } from './terms.js';

export interface WriteOptions {
  time: CellTimeContext;
  ttl: number;
  /** The row's current live cells, for writes that read before writing (readsExisting). */
  existing: readonly Cell[];
}

/** One column's part of a statement: the cells it writes to one row. */
export interface CellWrite {
  column: ColumnMetadata;
  /** List operations by index or by value read the row's current list first, as in Cassandra. */
  readsExisting: boolean;
  cells: (context: EvaluationContext, options: WriteOptions) => Cell[];
}

const int: DataType = { kind: 'native', name: 'int' };

function simpleCell(column: string, value: Buffer | null, { time, ttl }: { time: CellTimeContext; ttl: number }): Cell {
  if (value === null) return { column, timestampMicros: time.timestampMicros, ttlSeconds: 0, localDeletionTime: time.nowSeconds, value: null };
  if (ttl > 0) return { column, timestampMicros: time.timestampMicros, ttlSeconds: ttl, localDeletionTime: time.nowSeconds + ttl, value };
  return { column, timestampMicros: time.timestampMicros, ttlSeconds: 0, localDeletionTime: NO_DELETION_TIME, value };
}

/** A collection set to an empty one is set to null: it reads back null, as in Cassandra. */
function emptyAsNull(type: DataType, value: Buffer | null): Buffer | null {
  const collection = type.kind === 'set' || type.kind === 'list' || type.kind === 'map';
  return collection && !type.frozen && value !== null && value.length >= 4 && value.readInt32BE(0) === 0 ? null : value;
}

function receiverOf(table: TableMetadata, { name, type }: { name: string; type: DataType }) {
  return { keyspace: table.keyspace, table: table.name, name, type };
}

/** `c = value` (and INSERT's values): a simple cell, or for a multi-cell column its deletion and new cells. */
export function overwriteWrite(column: ColumnMetadata, value: PreparedTerm): CellWrite {
  return {
    column, readsExisting: false,
    cells: (context, { time, ttl }) => {
      const bytes: BoundValue = value(context);
      if (bytes === UNSET) return [];
      const checked = emptyAsNull(column.type, bytes);
      if (!isMultiCell(column.type)) return [simpleCell(column.name, checked, { time, ttl })];
      return overwriteCells(column, checked, { time, ttlSeconds: ttl, randomBytes: context.randomBytes });
    },
  };
}

function operationText(assignment: Assignment): string {
  const name = assignment.column.name;
  switch (assignment.kind) {
    case 'set': return `${name} = ${termText(assignment.value)}`;
    case 'add': return `${name} = ${name} + ${termText(assignment.value)}`;
    case 'subtract': return `${name} = ${name} - ${termText(assignment.value)}`;
    // Cassandra's Prepend.toString says "-", and its messages show it so.
    case 'prepend': return `${name} = ${termText(assignment.value)} - ${name}`;
    case 'setElement': return `${name}[${termText(assignment.key)}] = ${termText(assignment.value)}`;
    case 'setField': return `${name}.${assignment.field} = ${termText(assignment.value)}`;
  }
}

const isCollection = (type: DataType): boolean => type.kind === 'list' || type.kind === 'set' || type.kind === 'map';

/** An UPDATE assignment other than a counter's: its cells, with Cassandra's checks. */
export function assignmentWrite(assignment: Assignment, column: ColumnMetadata, { table, variables }: { table: TableMetadata; variables: BindVariables }): CellWrite {
  const type = column.type;
  const refuse = (what: string) => invalidRequest(`Invalid operation (${operationText(assignment)}) for ${what} ${column.name}`);
  const prepare = (term: Term, { receiverType, name = column.name }: { receiverType: DataType; name?: string }) => prepareTerm(term, receiverOf(table, { name, type: receiverType }), { variables });
  switch (assignment.kind) {
    case 'set': return overwriteWrite(column, prepare(assignment.value, { receiverType: type }));
    case 'add':
    case 'subtract': {
      if (!isCollection(type)) {
        if (type.kind === 'tuple' && assignment.kind === 'add') throw refuse('tuple column');
        throw refuse('non counter column');
      }
      if (!isMultiCell(type)) throw refuse('frozen collection column');
      if (assignment.kind === 'add') return additionWrite(column, { value: prepare(assignment.value, { receiverType: type }), direction: 'append' });
      if (type.kind === 'list') return listRemovalWrite(column, prepare(assignment.value, { receiverType: type }));
      const keysType: DataType = type.kind === 'map' ? { kind: 'set', element: type.key, frozen: false } : type;
      return removalWrite(column, prepare(assignment.value, { receiverType: keysType }));
    }
    case 'prepend': {
      if (type.kind !== 'list') throw refuse('non list column');
      if (type.frozen) throw refuse('frozen list column');
      return additionWrite(column, { value: prepare(assignment.value, { receiverType: type }), direction: 'prepend' });
    }
    case 'setElement': {
      if (!isCollection(type)) throw refuse('non collection column');
      if (!isMultiCell(type)) throw refuse('frozen collection column');
      if (type.kind === 'set') throw refuse('set column');
      if (type.kind === 'map') return mapPutWrite(column, { key: prepare(assignment.key, { receiverType: type.key, name: `key(${column.name})` }), value: prepare(assignment.value, { receiverType: type.value, name: `value(${column.name})` }) });
      if (type.kind !== 'list') throw refuse('non collection column');
      return listSetWrite(column, { index: prepare(assignment.key, { receiverType: int, name: `idx(${column.name})` }), value: prepare(assignment.value, { receiverType: type.element, name: `value(${column.name})` }) });
    }
    case 'setField': {
      if (type.kind !== 'udt') throw refuse('non-UDT column');
      if (type.frozen) throw refuse('frozen UDT column');
      const index = type.fields.findIndex((field) => field.name === assignment.field);
      if (index < 0) throw invalidRequest(`UDT column ${column.name} does not have a field named ${assignment.field}`);
      return fieldWrite(column, { index, value: prepare(assignment.value, { receiverType: (type.fields[index] as { type: DataType }).type, name: `${column.name}.${assignment.field}` }) });
    }
  }
}

function additionWrite(column: ColumnMetadata, { value, direction }: { value: PreparedTerm; direction: 'append' | 'prepend' }): CellWrite {
  return {
    column, readsExisting: false,
    cells: (context, { time, ttl }) => {
      const bytes = value(context);
      if (bytes === UNSET || bytes === null) return [];
      return additionCells(column, bytes, { time, ttlSeconds: ttl, randomBytes: context.randomBytes, direction });
    },
  };
}

function removalWrite(column: ColumnMetadata, keys: PreparedTerm): CellWrite {
  return {
    column, readsExisting: false,
    cells: (context, { time }) => {
      const bytes = keys(context);
      if (bytes === UNSET || bytes === null) return [];
      return removalCells(column, bytes, time);
    },
  };
}

/** `l = l - [..]`: tombstones for every current element equal to one of the given ones. */
function listRemovalWrite(column: ColumnMetadata, value: PreparedTerm): CellWrite {
  return {
    column, readsExisting: true,
    cells: (context, { time, ttl, existing }) => {
      const bytes = value(context);
      if (bytes === UNSET || bytes === null) return [];
      const unwanted = new Set(listElementsOfValue(bytes).map((element) => element.toString('hex')));
      const current = listElements(existing, column.name);
      if (current.some((element) => element.path === null)) {
        // An old whole-value list has no element ids: rewrite what is left of it.
        const kept = current.filter((element) => !unwanted.has(element.value.toString('hex'))).map((element) => element.value);
        return overwriteCells(column, kept.length === 0 ? null : listValue(kept), { time, ttlSeconds: ttl, randomBytes: context.randomBytes });
      }
      return current.filter((element) => unwanted.has(element.value.toString('hex'))).map((element) => pathTombstone(column.name, element.path as Buffer, time));
    },
  };
}

function listElementsOfValue(bytes: Buffer): Buffer[] {
  return listElements([{ column: '', timestampMicros: 0, ttlSeconds: 0, localDeletionTime: NO_DELETION_TIME, value: bytes }], '').map((element) => element.value);
}

function listValue(elements: Buffer[]): Buffer {
  const count = Buffer.alloc(4);
  count.writeInt32BE(elements.length, 0);
  return Buffer.concat([count, ...elements.map((element) => {
    const length = Buffer.alloc(4);
    length.writeInt32BE(element.length, 0);
    return Buffer.concat([length, element]);
  })]);
}

function mapPutWrite(column: ColumnMetadata, { key, value }: { key: PreparedTerm; value: PreparedTerm }): CellWrite {
  return {
    column, readsExisting: false,
    cells: (context, { time, ttl }) => {
      const keyBytes = key(context);
      if (keyBytes === UNSET) throw invalidRequest('Invalid unset map key');
      if (keyBytes === null) throw invalidRequest('Invalid null map key');
      const bytes = value(context);
      if (bytes === UNSET) return [];
      if (bytes === null) return [pathTombstone(column.name, keyBytes, time)];
      return [pathCell(column.name, keyBytes, { value: bytes, time, ttlSeconds: ttl })];
    },
  };
}

/** The path of the list element at an index of the current list (Cassandra's messages when out of bounds). */
function listPathAt(column: ColumnMetadata, { index, existing, context, verb }: { index: PreparedTerm; existing: readonly Cell[]; context: EvaluationContext; verb: 'set' | 'delete' }): { path: Buffer | null; position: number; current: Array<{ path: Buffer | null; value: Buffer }> } {
  const bytes = index(context);
  if (bytes === UNSET) throw invalidRequest('Invalid unset value for list index');
  if (bytes === null) throw invalidRequest('Invalid null value for list index');
  const position = decodeValue(int, bytes) as number;
  const current = listElements(existing, column.name);
  if (current.length === 0) throw invalidRequest(verb === 'set' ? 'Attempted to set an element on a list which is null' : 'Attempted to delete an element from a list which is null');
  if (position < 0 || position >= current.length) throw invalidRequest(`List index ${position} out of bound, list has size ${current.length}`);
  return { path: (current[position] as { path: Buffer | null }).path, position, current };
}

function listSetWrite(column: ColumnMetadata, { index, value }: { index: PreparedTerm; value: PreparedTerm }): CellWrite {
  return {
    column, readsExisting: true,
    cells: (context, { time, ttl, existing }) => {
      const bytes = value(context);
      if (bytes === UNSET) return [];
      const { path, position, current } = listPathAt(column, { index, existing, context, verb: 'set' });
      if (path === null) {
        const values = current.map((element) => element.value);
        if (bytes === null) values.splice(position, 1);
        else values[position] = bytes;
        return overwriteCells(column, values.length === 0 ? null : listValue(values), { time, ttlSeconds: ttl, randomBytes: context.randomBytes });
      }
      if (bytes === null) return [pathTombstone(column.name, path, time)];
      return [pathCell(column.name, path, { value: bytes, time, ttlSeconds: ttl })];
    },
  };
}

function fieldWrite(column: ColumnMetadata, { index, value }: { index: number; value: PreparedTerm }): CellWrite {
  return {
    column, readsExisting: false,
    cells: (context, { time, ttl }) => {
      const bytes = value(context);
      if (bytes === UNSET) return [];
      if (bytes === null) return [pathTombstone(column.name, udtFieldPath(index), time)];
      return [pathCell(column.name, udtFieldPath(index), { value: bytes, time, ttlSeconds: ttl })];
    },
  };
}

/** A DELETE selection: the whole column, one element of a collection, or one field of a UDT. */
export function deletionWrite(target: ColumnTarget, column: ColumnMetadata, { table, variables }: { table: TableMetadata; variables: BindVariables }): CellWrite {
  const type = column.type;
  if (target.field !== null) {
    if (type.kind !== 'udt') throw invalidRequest(`Invalid field deletion operation for non-UDT column ${column.name}`);
    if (type.frozen) throw invalidRequest(`Frozen UDT column ${column.name} does not support field deletions`);
    const index = type.fields.findIndex((field) => field.name === target.field);
    if (index < 0) throw invalidRequest(`UDT column ${column.name} does not have a field named ${target.field}`);
    return { column, readsExisting: false, cells: (_context, { time }) => [pathTombstone(column.name, udtFieldPath(index), time)] };
  }
  if (target.element === null) return { column, readsExisting: false, cells: (_context, { time }) => [columnDeletion(column.name, time)] };
  if (!isCollection(type)) throw invalidRequest(`Invalid deletion operation for non collection column ${column.name}`);
  if (!isMultiCell(type)) throw invalidRequest(`Invalid deletion operation for frozen collection column ${column.name}`);
  if (type.kind === 'list') {
    const index = prepareTerm(target.element, receiverOf(table, { name: `idx(${column.name})`, type: int }), { variables });
    return {
      column, readsExisting: true,
      cells: (context, { time, ttl, existing }) => {
        const { path, position, current } = listPathAt(column, { index, existing, context, verb: 'delete' });
        if (path !== null) return [pathTombstone(column.name, path, time)];
        const values = current.map((element) => element.value);
        values.splice(position, 1);
        return overwriteCells(column, values.length === 0 ? null : listValue(values), { time, ttlSeconds: ttl, randomBytes: context.randomBytes });
      },
    };
  }
  const keyType = type.kind === 'map' ? type.key : type.kind === 'set' ? type.element : type;
  const key = prepareTerm(target.element, receiverOf(table, { name: type.kind === 'map' ? `key(${column.name})` : column.name, type: keyType }), { variables });
  return {
    column, readsExisting: false,
    cells: (context, { time }) => {
      const bytes = key(context);
      if (bytes === UNSET) return [];
      if (bytes === null) throw invalidRequest(type.kind === 'map' ? 'Invalid null map key' : 'Invalid null set element');
      return [pathTombstone(column.name, bytes, time)];
    },
  };
}
