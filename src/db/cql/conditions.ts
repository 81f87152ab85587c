// The IF clause of a lightweight transaction (Cassandra's ColumnCondition and Conditions):
// IF NOT EXISTS, IF EXISTS, or column conditions (=, !=, <, <=, >, >=, IN, CONTAINS [KEY]) on
// a column, a list or map element (`c[k]`) or a user type field (`c.f`). Evaluated by the
// coordinator on the current row it read inside the Paxos round (a live view: only live rows
// and cells), so everything here is pure.

import { invalidRequest } from '../common/errors.js';
import type { DataType } from '../protocol/data-type.js';
import { UNSET, type BoundValue } from '../protocol/messages.js';
import { decodeValue } from '../protocol/type-codecs.js';
import { compareValues } from '../schema/value-order.js';
import type { ColumnMetadata, TableMetadata } from '../schema/metadata.js';
import type { Row } from '../storage/types.js';
import type { ColumnTarget, ComparisonOperator, Condition, ConditionClause } from './ast.js';
import { BindVariables, prepareInValues, prepareTerm, splitCollection, type EvaluationContext } from './terms.js';

/** The row a conditional statement concerns, resolved at execution. */
export interface CasRow {
  key: Buffer;
  token: bigint;
  clustering: Buffer;
  partitionKeyValues: Buffer[];
  clusteringValues: Buffer[];
}

export interface ConditionPlan {
  kind: 'notExists' | 'exists' | 'columns';
  /** Whether the conditions hold on the current row (null: no live row). */
  holds: (row: Row | null, context: EvaluationContext) => boolean;
  /** What a failed condition shows besides [applied]: the conditioned columns in IF order, or every column (IF [NOT] EXISTS). */
  columns: ColumnMetadata[] | 'all';
  /** The one row the conditions concern (IN on keys is refused). */
  row: (context: EvaluationContext) => CasRow;
}

type Test = (row: Row | null, context: EvaluationContext) => boolean;
type Extractor = (value: Buffer | null, context: EvaluationContext) => Buffer | null;

const int: DataType = { kind: 'native', name: 'int' };

export function cellValue(row: Row | null, column: string): Buffer | null {
  if (row === null) return null;
  for (const cell of row.cells) if (cell.column === column) return cell.value;
  return null;
}

/** The column conditions of an IF clause, or the existence test; null when there is no IF. */
export function analyzeConditionClause(
  clause: ConditionClause,
  table: TableMetadata,
  { variables }: { variables: BindVariables },
): Pick<ConditionPlan, 'kind' | 'holds' | 'columns'> | null {
  switch (clause.kind) {
    case 'none': return null;
    case 'notExists': return { kind: 'notExists', holds: (row) => row === null, columns: 'all' };
    case 'exists': return { kind: 'exists', holds: (row) => row !== null, columns: 'all' };
    case 'conditions': {
      const columns: ColumnMetadata[] = [];
      const tests = clause.conditions.map((condition) => {
        const column = table.columns.get(condition.target.column.name);
        if (column === undefined) throw invalidRequest(`Undefined column name ${condition.target.column.name} in table ${table.keyspace}.${table.name}`);
        if (column.kind === 'partition_key' || column.kind === 'clustering') throw invalidRequest(`PRIMARY KEY column '${column.name}' cannot have IF conditions`);
        // Static cells live in the partition's static row, which the CAS read does not fetch yet.
        if (column.kind === 'static') throw invalidRequest(`IF conditions on static column '${column.name}' are not supported`);
        if (column.type.kind === 'native' && column.type.name === 'counter') throw invalidRequest('Conditions on counters are not supported');
        if (!columns.includes(column)) columns.push(column);
        return conditionTest(condition, column, { table, variables });
      });
      return { kind: 'columns', holds: (row, context) => tests.every((test) => test(row, context)), columns };
    }
  }
}

function conditionTest(condition: Condition, column: ColumnMetadata, { table, variables }: { table: TableMetadata; variables: BindVariables }): Test {
  const { type, extract } = targetOf(condition.target, column, { table, variables });
  if (condition.kind === 'compare' && !['=', '!='].includes(condition.operator)) checkSliceOnDurations(type, condition.operator);
  const receiver = { keyspace: table.keyspace, table: table.name, name: column.name, type };
  const current = (row: Row | null, context: EvaluationContext) => extract(cellValue(row, column.name), context);
  switch (condition.kind) {
    case 'compare': {
      const term = prepareTerm(condition.value, receiver, { variables });
      const operator = condition.operator;
      return (row, context) => compareCondition(type, current(row, context), { operator, value: conditionValue(term(context)) });
    }
    case 'in': {
      const values = inValues(condition, receiver, { variables });
      return (row, context) => {
        const value = current(row, context);
        return values(context).some((candidate) => compareCondition(type, value, { operator: '=', value: candidate }));
      };
    }
    case 'contains': {
      const elementType = containedType(type, { key: condition.key, column: column.name });
      const term = prepareTerm(condition.value, { ...receiver, type: elementType }, { variables });
      return (row, context) => {
        const value = current(row, context);
        const wanted = conditionValue(term(context));
        if (wanted === null) throw invalidRequest(`Invalid null value for ${condition.key ? 'CONTAINS KEY' : 'CONTAINS'} condition on ${column.name}`);
        if (value === null) return false;
        return collectionParts(type, value, { keys: condition.key }).some((part) => compareValues(elementType, part, { b: wanted }) === 0);
      };
    }
  }
}

function inValues(condition: Extract<Condition, { kind: 'in' }>, receiver: { keyspace: string; table: string; name: string; type: DataType }, { variables }: { variables: BindVariables }): (context: EvaluationContext) => Array<Buffer | null> {
  if (condition.values.kind === 'marker') return prepareInValues(condition.values, receiver, { variables });
  // Unlike IN restrictions, IN conditions may hold null (it matches a missing value).
  const terms = condition.values.terms.map((term) => prepareTerm(term, receiver, { variables }));
  return (context) => terms.map((term) => conditionValue(term(context)));
}

function conditionValue(value: BoundValue): Buffer | null {
  if (value === UNSET) throw invalidRequest('Invalid \'unset\' value in condition');
  return value;
}

/**
 * Cassandra's comparison of a condition: null equals only null, is unequal to everything
 * else, and cannot be ordered; a missing value fails every ordering.
 */
export function compareCondition(type: DataType, current: Buffer | null, { operator, value }: { operator: ComparisonOperator; value: Buffer | null }): boolean {
  if (value === null) {
    if (operator === '=') return current === null;
    if (operator === '!=') return current !== null;
    throw invalidRequest(`Invalid comparison with null for operator "${operator}"`);
  }
  if (current === null) return operator === '!=';
  const c = compareValues(type, current, { b: value });
  switch (operator) {
    case '=': return c === 0;
    case '!=': return c !== 0;
    case '<': return c < 0;
    case '<=': return c <= 0;
    case '>': return c > 0;
    case '>=': return c >= 0;
  }
}

/** The type a condition compares and how to get its value out of the column's. */
function targetOf(target: ColumnTarget, column: ColumnMetadata, { table, variables }: { table: TableMetadata; variables: BindVariables }): { type: DataType; extract: Extractor } {
  const type = column.type;
  if (target.field !== null) {
    if (type.kind !== 'udt') throw invalidRequest(`Invalid field selection: ${column.name} of type ${describeKind(type)} is not a user type`);
    const index = type.fields.findIndex((field) => field.name === target.field);
    if (index < 0) throw invalidRequest(`Unknown field ${target.field} for column ${column.name}`);
    return { type: type.fields[index]!.type, extract: (value) => (value === null ? null : udtField(value, index)) };
  }
  if (target.element === null) return { type, extract: (value) => value };
  const receiver = (name: string, t: DataType) => ({ keyspace: table.keyspace, table: table.name, name, type: t });
  if (type.kind === 'list') {
    const index = prepareTerm(target.element, receiver(`idx(${column.name})`, int), { variables });
    return {
      type: type.element,
      extract: (value, context) => {
        const bytes = conditionValue(index(context));
        if (bytes === null) throw invalidRequest('Invalid null value for list element access');
        const at = decodeValue(int, bytes) as number;
        if (at < 0) throw invalidRequest(`Invalid negative list index ${at}`);
        if (value === null) return null;
        return splitCollection(value)[at] ?? null;
      },
    };
  }
  if (type.kind === 'map') {
    const key = prepareTerm(target.element, receiver(`key(${column.name})`, type.key), { variables });
    return {
      type: type.value,
      extract: (value, context) => {
        const wanted = conditionValue(key(context));
        if (wanted === null) throw invalidRequest('Invalid null value for map element access');
        if (value === null) return null;
        const parts = mapEntries(value);
        for (let i = 0; i + 1 < parts.length; i += 2) if (compareValues(type.key, parts[i]!, { b: wanted }) === 0) return parts[i + 1]!;
        return null;
      },
    };
  }
  throw invalidRequest(`Invalid element access syntax for ${type.kind === 'set' ? 'set' : 'non-collection'} column ${column.name}`);
}

/** Cassandra's ColumnCondition.validateOperationOnDurations: durations have no order. */
function checkSliceOnDurations(type: DataType, operator: string): void {
  if (!referencesDuration(type)) return;
  if (type.kind === 'list' || type.kind === 'set' || type.kind === 'map') throw invalidRequest('Slice conditions are not supported on collections containing durations');
  if (type.kind === 'tuple') throw invalidRequest('Slice conditions are not supported on tuples containing durations');
  if (type.kind === 'udt') throw invalidRequest('Slice conditions are not supported on UDTs containing durations');
  throw invalidRequest(`Slice conditions ( ${operator} ) are not supported on durations`);
}

function referencesDuration(type: DataType): boolean {
  switch (type.kind) {
    case 'native': return type.name === 'duration';
    case 'custom': return false;
    case 'list': case 'set': return referencesDuration(type.element);
    case 'map': return referencesDuration(type.key) || referencesDuration(type.value);
    case 'tuple': return type.elements.some(referencesDuration);
    case 'udt': return type.fields.some((field) => referencesDuration(field.type));
  }
}

function describeKind(type: DataType): string {
  return type.kind === 'native' ? type.name : type.kind;
}

function containedType(type: DataType, { key, column }: { key: boolean; column: string }): DataType {
  if (type.kind === 'map') return key ? type.key : type.value;
  if (!key && (type.kind === 'list' || type.kind === 'set')) return type.element;
  throw invalidRequest(`Cannot use ${key ? 'CONTAINS KEY' : 'CONTAINS'} on non-${key ? 'map' : 'collection'} column ${column}`);
}

function collectionParts(type: DataType, value: Buffer, { keys }: { keys: boolean }): Buffer[] {
  if (type.kind !== 'map') return splitCollection(value);
  return mapEntries(value).filter((_, i) => (i % 2 === 0) === keys);
}

/** A serialized map's keys and values, alternating. */
function mapEntries(value: Buffer): Buffer[] {
  if (value.length < 4) throw invalidRequest('Invalid map value: too short');
  const doubled = Buffer.alloc(4);
  doubled.writeInt32BE(value.readInt32BE(0) * 2, 0);
  return splitCollection(Buffer.concat([doubled, value.subarray(4)]));
}

/** Field `index` of a serialized user type value (missing trailing fields are null). */
function udtField(value: Buffer, index: number): Buffer | null {
  let offset = 0;
  for (let i = 0; offset + 4 <= value.length; i++) {
    const length = value.readInt32BE(offset);
    offset += 4;
    if (length >= 0 && offset + length > value.length) throw invalidRequest('Invalid user type value: too short');
    if (i === index) return length < 0 ? null : value.subarray(offset, offset + length);
    if (length > 0) offset += length;
  }
  return null;
}

