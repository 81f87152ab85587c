// WHERE clauses: which relations restrict the partition key, the token, the clustering
// columns, and which must be evaluated as filters on rows (Cassandra's StatementRestrictions).

import { invalidRequest } from '../common/errors.js';
import type { DataType } from '../protocol/data-type.js';
import { UNSET } from '../protocol/messages.js';
import { clusteringPrefixBound, compareValues, CLUSTERING_RANGE_END, CLUSTERING_RANGE_START } from '../schema/clustering-key.js';
import type { ColumnMetadata, IndexMetadata, IndexTargetType, TableMetadata } from '../schema/metadata.js';
import type { ClusteringSlice } from '../storage/types.js';
import type { ComparisonOperator, Relation } from './ast.js';
import type { DecodedRow, IndexUse, TokenBound, ValuesOf } from './plan.js';
import { BindVariables, prepareInValues, prepareTerm, splitCollection, type EvaluationContext, type PreparedTerm } from './terms.js';

type Bound = { term: PreparedTerm; inclusive: boolean } | null;

interface ColumnRestriction {
  eq: ValuesOf | null;
  /** Whether eq came from IN (which no index serves). */
  isIn?: true;
  lower: Bound;
  upper: Bound;
  others: Relation[];
}

export interface Restrictions {
  partitionKeys: ValuesOf[] | null;
  tokenStart: TokenBound | null;
  tokenEnd: TokenBound | null;
  slices: (context: EvaluationContext) => ClusteringSlice[];
  filters: Array<(row: DecodedRow, context: EvaluationContext) => boolean>;
  /** Whether every partition key column is restricted by = or IN. */
  singlePartitions: boolean;
  /** Whether the clustering restrictions select exactly one row per partition (for modifications). */
  fullClustering: boolean;
  /** Clustering prefix values (for DELETE of ranges and UPDATE of rows). */
  clusteringPrefix: ValuesOf[];
  /** The secondary index that serves one restricted column, if any. */
  index: IndexUse | null;
}

const spec = (table: TableMetadata, column: ColumnMetadata, { type = column.type }: { type?: DataType } = {}) =>
  ({ keyspace: table.keyspace, table: table.name, name: column.name, type });

function columnOf(table: TableMetadata, name: string): ColumnMetadata {
  const column = table.columns.get(name);
  if (column === undefined) throw invalidRequest(`Undefined column name ${name} in table ${table.keyspace}.${table.name}`);
  return column;
}

function evaluateOne(term: PreparedTerm, column: string): ValuesOf {
  return (context) => {
    const value = term(context);
    if (value === null) throw invalidRequest(`Invalid null value in condition for column ${column}`);
    if (value === UNSET) throw invalidRequest(`Invalid unset value for column ${column}`);
    return [value];
  };
}

export function analyzeWhere(
  table: TableMetadata,
  relations: Relation[],
  { variables, ...options }: { variables: BindVariables; allowFiltering: boolean; forModification: boolean },
): Restrictions {
  const byColumn = new Map<string, ColumnRestriction>();
  const get = (name: string) => {
    let r = byColumn.get(name);
    if (r === undefined) { r = { eq: null, lower: null, upper: null, others: [] }; byColumn.set(name, r); }
    return r;
  };
  let tokenStart: TokenBound | null = null;
  let tokenEnd: TokenBound | null = null;
  const multi: Relation[] = [];
  for (const relation of relations) {
    switch (relation.kind) {
      case 'singleColumn': {
        const column = columnOf(table, relation.column.name);
        const r = get(column.name);
        if (relation.operator === '=') {
          if (r.eq !== null) throw invalidRequest(`${column.name} cannot be restricted by more than one relation if it includes an Equal`);
          r.eq = evaluateOne(prepareTerm(relation.value, spec(table, column), { variables }), column.name);
        } else if (['<', '<=', '>', '>='].includes(relation.operator)) {
          const bound = { term: prepareTerm(relation.value, spec(table, column), { variables }), inclusive: relation.operator.endsWith('=') };
          if (relation.operator.startsWith('>')) r.lower = bound; else r.upper = bound;
        } else {
          r.others.push(relation);
        }
        break;
      }
      case 'singleColumnIn': {
        const column = columnOf(table, relation.column.name);
        const r = get(column.name);
        if (r.eq !== null) throw invalidRequest(`${column.name} cannot be restricted by more than one relation if it includes a IN`);
        // Cassandra 4.0 (SingleColumnRelation.toReceivers): IN only on primary key columns, even
        // with an index or ALLOW FILTERING; an IN of one value is an EQ, served by an index.
        const single = relation.values.kind === 'terms' && relation.values.terms.length === 1 ? relation.values.terms[0] : undefined;
        const primaryKey = column.kind === 'partition_key' || column.kind === 'clustering';
        if (!primaryKey && single === undefined) throw invalidRequest(`IN predicates on non-primary-key columns (${column.name}) is not yet supported`);
        if (!primaryKey && single !== undefined) {
          r.eq = evaluateOne(prepareTerm(single, spec(table, column), { variables }), column.name);
          break;
        }
        r.eq = prepareInValues(relation.values, spec(table, column), { variables });
        r.isIn = true;
        break;
      }
      case 'token': {
        checkTokenColumns(table, relation.columns.map((c) => c.name));
        const term = prepareTerm(relation.value, { keyspace: table.keyspace, table: table.name, name: 'partition key token', type: { kind: 'native', name: 'bigint' } }, { variables });
        if (relation.operator === '=') { tokenStart = { term, inclusive: true }; tokenEnd = { term, inclusive: true }; }
        else if (relation.operator === '>' || relation.operator === '>=') tokenStart = { term, inclusive: relation.operator === '>=' };
        else if (relation.operator === '<' || relation.operator === '<=') tokenEnd = { term, inclusive: relation.operator === '<=' };
        else throw invalidRequest(`Unsupported "${relation.operator}" relation on token`);
        break;
      }
      case 'multiColumn': case 'multiColumnIn':
        multi.push(relation);
        break;
      case 'mapEntry': case 'isNotNull':
        get(relation.column.name).others.push(relation);
        break;
    }
  }
  return buildRestrictions(table, { byColumn, multi, tokenStart, tokenEnd, variables, ...options });
}

function checkTokenColumns(table: TableMetadata, names: string[]): void {
  const expected = table.partitionKey.map((c) => c.name);
  if (names.length !== expected.length || names.some((n, i) => n !== expected[i])) {
    throw invalidRequest(`The token function arguments must be in the partition key order: ${expected.join(', ')}`);
  }
}

interface BuildInput {
  byColumn: Map<string, ColumnRestriction>;
  multi: Relation[];
  tokenStart: TokenBound | null;
  tokenEnd: TokenBound | null;
  variables: BindVariables;
  allowFiltering: boolean;
  forModification: boolean;
}

const FILTERING_MESSAGE = 'Cannot execute this query as it might involve data filtering and thus may have unpredictable performance. If you want to execute this query despite the performance unpredictability, use ALLOW FILTERING';

function buildRestrictions(table: TableMetadata, input: BuildInput): Restrictions {
  const { byColumn } = input;
  const filters: Restrictions['filters'] = [];
  let needsFiltering = false;
  /** The columns whose restrictions are evaluated on rows: one of them may be served by an index. */
  const filtered: Array<{ column: ColumnMetadata; r: ColumnRestriction }> = [];
  // Partition key: all columns by = or IN, or none (then a range read, perhaps by token).
  const pkRestricted = table.partitionKey.map((c) => byColumn.get(c.name));
  const allPk = pkRestricted.every((r) => r?.eq != null && r.lower === null && r.upper === null && r.others.length === 0);
  let partitionKeys: ValuesOf[] | null = null;
  if (allPk) {
    partitionKeys = pkRestricted.map((r) => r!.eq!);
  } else {
    for (const column of table.partitionKey) {
      const r = byColumn.get(column.name);
      if (r !== undefined) { needsFiltering = true; filtered.push({ column, r }); filters.push(...columnFilters(table, column, { r, variables: input.variables })); }
    }
  }
  if (partitionKeys !== null && (input.tokenStart !== null || input.tokenEnd !== null)) {
    throw invalidRequest('Columns of the partition key cannot be restricted by both token and value relations');
  }
  // Clustering: a prefix of = / IN, then at most one slice; anything after is a filter.
  const prefix: ValuesOf[] = [];
  let sliceColumn: { column: ColumnMetadata; lower: Bound; upper: Bound } | null = null;
  let multiSlice: ((context: EvaluationContext) => ClusteringSlice[]) | null = null;
  let index = 0;
  if (input.multi.length > 0) {
    const result = analyzeMultiColumn(table, input.multi, { variables: input.variables });
    prefix.push(...result.prefix);
    multiSlice = result.slices;
    index = result.columnsCovered;
  }
  let gap = false;
  let gapFiltered = false;
  for (; index < table.clustering.length; index++) {
    const column = table.clustering[index]!;
    const r = byColumn.get(column.name);
    if (r === undefined) { gap = true; continue; }
    const sliceable = !gap && sliceColumn === null && multiSlice === null && r.others.length === 0;
    if (sliceable && r.eq !== null && r.lower === null && r.upper === null) { prefix.push(r.eq); continue; }
    if (sliceable && r.eq === null) { sliceColumn = { column, lower: r.lower, upper: r.upper }; continue; }
    if (!input.allowFiltering && gap) {
      throw invalidRequest(`PRIMARY KEY column "${column.name}" cannot be restricted as preceding column "${table.clustering[index - 1]?.name}" is not restricted`);
    }
    needsFiltering = true;
    gapFiltered = true;
    filtered.push({ column, r });
    filters.push(...columnFilters(table, column, { r, variables: input.variables }));
  }
  for (const column of table.regular) {
    const r = byColumn.get(column.name);
    if (r === undefined) continue;
    needsFiltering = true;
    filtered.push({ column, r });
    filters.push(...columnFilters(table, column, { r, variables: input.variables }));
  }
  // A range read (no partition key, or by token) restricted on clustering columns reads every
  // partition's rows to select them: Cassandra's needFiltering, ALLOW FILTERING or refused.
  const clusteringRestricted = prefix.length > 0 || sliceColumn !== null || multiSlice !== null;
  if (partitionKeys === null && clusteringRestricted && !input.forModification) needsFiltering = true;
  // A secondary index serves one restricted column (the clustering slice goes with it); any
  // other restriction evaluated on rows still needs ALLOW FILTERING (StatementRestrictions).
  const indexed = !input.forModification && !gapFiltered && filtered.length === 1 && servingIndex(table, filtered[0]!) !== undefined;
  if (needsFiltering && !input.allowFiltering && !indexed) {
    if (input.forModification) throw invalidRequest('Non PRIMARY KEY columns found in where clause');
    throw invalidRequest(FILTERING_MESSAGE);
  }
  const slices = multiSlice ?? buildSlices(table, prefix, { slice: sliceColumn });
  return {
    partitionKeys, tokenStart: input.tokenStart, tokenEnd: input.tokenEnd, slices, filters,
    singlePartitions: partitionKeys !== null,
    fullClustering: prefix.length === table.clustering.length && sliceColumn === null && multiSlice === null,
    clusteringPrefix: sliceColumn === null && multiSlice === null ? prefix : [],
    index: input.forModification ? null : indexUse(table, filtered, { variables: input.variables }),
  };
}

/** The index that can answer all of a column's restrictions, if any (CassandraIndex.supportsExpression). */
function servingIndex(table: TableMetadata, { column, r }: { column: ColumnMetadata; r: ColumnRestriction }): IndexMetadata | undefined {
  if (table.indexes === undefined || r.lower !== null || r.upper !== null) return undefined;
  const relations = (r.eq === null ? 0 : 1) + r.others.length;
  if (relations !== 1 || r.isIn === true) return undefined;
  const wanted: IndexTargetType[] = [];
  if (r.eq !== null) wanted.push('simple', 'full');
  for (const relation of r.others) {
    if (relation.kind === 'mapEntry' && relation.operator === '=') wanted.push('entries');
    if (relation.kind === 'singleColumn' && relation.operator === 'CONTAINS') wanted.push('values');
    if (relation.kind === 'singleColumn' && relation.operator === 'CONTAINS KEY') wanted.push('keys');
  }
  return [...table.indexes.values()].find((index) => index.column === column.name && wanted.includes(index.type));
}

/** The first restricted column an index serves, with the value its index is looked up by. */
function indexUse(table: TableMetadata, filtered: Array<{ column: ColumnMetadata; r: ColumnRestriction }>, { variables }: { variables: BindVariables }): IndexUse | null {
  for (const entry of filtered) {
    const index = servingIndex(table, entry);
    if (index === undefined) continue;
    const { column, r } = entry;
    if (r.eq !== null) {
      const eq = r.eq;
      return { name: index.name, value: (context) => eq(context)[0]! };
    }
    const relation = r.others[0]!;
    const type = column.type;
    const receiver = (name: string, t: DataType) => ({ keyspace: table.keyspace, table: table.name, name, type: t });
    const bytes = (term: PreparedTerm, context: EvaluationContext): Buffer => {
      const value = term(context);
      if (value === null || value === UNSET) throw invalidRequest(`Unsupported null value for column ${column.name}`);
      return value;
    };
    if (relation.kind === 'mapEntry' && type.kind === 'map') {
      const key = prepareTerm(relation.key, receiver(`key(${column.name})`, type.key), { variables });
      const value = prepareTerm(relation.value, receiver(`value(${column.name})`, type.value), { variables });
      return { name: index.name, value: (context) => entryIndexValue(bytes(key, context), bytes(value, context)) };
    }
    if (relation.kind === 'singleColumn') {
      const element = type.kind === 'map' ? (index.type === 'keys' ? type.key : type.value) : type.kind === 'list' || type.kind === 'set' ? type.element : null;
      if (element === null) return null;
      const term = prepareTerm(relation.value, receiver(column.name, element), { variables });
      return { name: index.name, value: (context) => bytes(term, context) };
    }
  }
  return null;
}

/** The indexed value of a map entry (an entries() index): the key behind its u16 length, then the value. */
export function entryIndexValue(key: Buffer, value: Buffer): Buffer {
  const length = Buffer.alloc(2);
  length.writeUInt16BE(Math.min(key.length, 0xffff), 0);
  return Buffer.concat([length, key, value]);
}

/** Cartesian product of per-column value lists. */
export function cartesian(lists: Buffer[][]): Buffer[][] {
  // The common case, every column restricted by `=`, is one combination: no intermediate arrays.
  if (lists.every((list) => list.length === 1)) return [lists.map((list) => list[0] as Buffer)];
  let out: Buffer[][] = [[]];
  for (const list of lists) out = out.flatMap((prefix) => list.map((value) => [...prefix, value]));
  return out;
}

function buildSlices(table: TableMetadata, prefix: ValuesOf[], { slice }: { slice: { column: ColumnMetadata; lower: Bound; upper: Bound } | null }) {
  return (context: EvaluationContext): ClusteringSlice[] => {
    const prefixes = cartesian(prefix.map((values) => values(context)));
    const slices = prefixes.map((p) => {
      if (slice === null) return { start: clusteringPrefixBound(table, p, { bound: 'before' }), end: clusteringPrefixBound(table, p, { bound: 'after' }) };
      return sliceFor(table, p, { slice, context });
    });
    return normalizeSlices(slices);
  };
}

function boundValue(bound: NonNullable<Bound>, column: ColumnMetadata, context: EvaluationContext): Buffer {
  const value = bound.term(context);
  if (value === null || value === UNSET) throw invalidRequest(`Invalid null value in condition for column ${column.name}`);
  return value;
}

function sliceFor(table: TableMetadata, p: Buffer[], { slice, context }: { slice: { column: ColumnMetadata; lower: Bound; upper: Bound }; context: EvaluationContext }): ClusteringSlice {
  // In value order: lower bound -> start, upper bound -> end. A DESC column reverses byte order.
  const desc = slice.column.order === 'desc';
  const edge = (bound: Bound, isLower: boolean): Buffer => {
    if (bound === null) return clusteringPrefixBound(table, p, { bound: isLower !== desc ? 'before' : 'after' });
    const values = [...p, boundValue(bound, slice.column, context)];
    // Ascending: lower inclusive -> before, lower exclusive -> after; upper inclusive -> after, exclusive -> before.
    const before = isLower ? bound.inclusive : !bound.inclusive;
    return clusteringPrefixBound(table, values, { bound: before !== desc ? 'before' : 'after' });
  };
  const lower = edge(slice.lower, true);
  const upper = edge(slice.upper, false);
  return desc ? { start: upper, end: lower } : { start: lower, end: upper };
}

/** Sorts slices by start, drops empty ones and merges overlapping ones. */
export function normalizeSlices(slices: ClusteringSlice[]): ClusteringSlice[] {
  const sorted = slices.filter((s) => Buffer.compare(s.start, s.end) < 0).sort((a, b) => Buffer.compare(a.start, b.start));
  const out: ClusteringSlice[] = [];
  for (const slice of sorted) {
    const last = out[out.length - 1];
    if (last !== undefined && Buffer.compare(slice.start, last.end) <= 0) {
      if (Buffer.compare(slice.end, last.end) > 0) last.end = slice.end;
    } else {
      out.push({ ...slice });
    }
  }
  return out;
}

export const FULL_SLICE: ClusteringSlice = { start: CLUSTERING_RANGE_START, end: CLUSTERING_RANGE_END };

function analyzeMultiColumn(table: TableMetadata, relations: Relation[], { variables }: { variables: BindVariables }) {
  if (relations.length !== 1) throw invalidRequest('Only one multi-column relation is supported per query');
  const relation = relations[0]!;
  if (relation.kind !== 'multiColumn' && relation.kind !== 'multiColumnIn') throw invalidRequest('bad multi-column relation');
  const columns = relation.columns.map((c) => columnOf(table, c.name));
  columns.forEach((column, i) => {
    if (column.kind !== 'clustering' || column.position !== i) {
      throw invalidRequest(`Multi-column relations can only be applied to clustering columns in order, from the first: ${column.name}`);
    }
  });
  const tupleType: DataType = { kind: 'tuple', elements: columns.map((c) => c.type) };
  const receiver = { keyspace: table.keyspace, table: table.name, name: `(${columns.map((c) => c.name).join(',')})`, type: tupleType };
  const split = (bytes: Buffer): Buffer[] => tupleComponents(bytes, columns.length);
  if (relation.kind === 'multiColumnIn') {
    const values = prepareInValues(relation.values, receiver, { variables });
    const slices = (context: EvaluationContext) => normalizeSlices(values(context).map((tuple) => {
      const parts = split(tuple);
      return { start: clusteringPrefixBound(table, parts, { bound: 'before' }), end: clusteringPrefixBound(table, parts, { bound: 'after' }) };
    }));
    return { prefix: [], slices, columnsCovered: columns.length };
  }
  const term = prepareTerm(relation.value, receiver, { variables });
  const desc = columns[0]!.order === 'desc';
  if (columns.some((c) => (c.order === 'desc') !== desc)) throw invalidRequest('Multi-column slices over columns of mixed clustering order are not supported');
  const op = relation.operator;
  const slices = (context: EvaluationContext): ClusteringSlice[] => {
    const bytes = term(context);
    if (bytes === null || bytes === UNSET) throw invalidRequest('Invalid null value in multi-column condition');
    const parts = split(bytes);
    return normalizeSlices([tupleSlice(table, parts, { op, desc })]);
  };
  return { prefix: [], slices, columnsCovered: columns.length };
}

function tupleSlice(table: TableMetadata, parts: Buffer[], { op, desc }: { op: ComparisonOperator; desc: boolean }): ClusteringSlice {
  const at = (b: 'before' | 'after') => clusteringPrefixBound(table, parts, { bound: b });
  if (op === '=') return { start: at('before'), end: at('after') };
  const isLower = op === '>' || op === '>=';
  const inclusive = op.endsWith('=');
  const flip = (b: 'before' | 'after'): 'before' | 'after' => (desc ? (b === 'before' ? 'after' : 'before') : b);
  const bound = at(flip(isLower ? (inclusive ? 'before' : 'after') : (inclusive ? 'after' : 'before')));
  const lowEnd = isLower !== desc;
  return lowEnd ? { start: bound, end: CLUSTERING_RANGE_END } : { start: CLUSTERING_RANGE_START, end: bound };
}

function tupleComponents(bytes: Buffer, count: number): Buffer[] {
  const out: Buffer[] = [];
  let offset = 0;
  for (let i = 0; i < count; i++) {
    if (offset + 4 > bytes.length) throw invalidRequest('Invalid tuple value: too short');
    const length = bytes.readInt32BE(offset);
    if (length < 0) throw invalidRequest('Invalid null component in multi-column relation');
    out.push(bytes.subarray(offset + 4, offset + 4 + length));
    offset += 4 + length;
  }
  return out;
}

/** Row filters for a column's restrictions (ALLOW FILTERING or restrictions beyond the key prefix). */
function columnFilters(table: TableMetadata, column: ColumnMetadata, { r, variables }: { r: ColumnRestriction; variables: BindVariables }) {
  const filters: Array<(row: DecodedRow, context: EvaluationContext) => boolean> = [];
  const read = valueReader(column);
  const cmp = (a: Buffer, b: Buffer) => compareValues(column.type, a, { b });
  if (r.eq !== null) {
    const eq = r.eq;
    filters.push((row, context) => { const v = read(row); return v !== null && eq(context).some((x) => cmp(v, x) === 0); });
  }
  for (const [bound, isLower] of [[r.lower, true], [r.upper, false]] as const) {
    if (bound === null) continue;
    filters.push((row, context) => {
      const v = read(row);
      if (v === null) return false;
      const c = cmp(v, boundValue(bound, column, context));
      return isLower ? (bound.inclusive ? c >= 0 : c > 0) : (bound.inclusive ? c <= 0 : c < 0);
    });
  }
  for (const relation of r.others) filters.push(otherFilter(table, column, { relation, variables, read }));
  return filters;
}

export function valueReader(column: ColumnMetadata): (row: DecodedRow) => Buffer | null {
  if (column.kind === 'partition_key') return (row) => row.partitionKeyValues[column.position] ?? null;
  if (column.kind === 'clustering') return (row) => row.clusteringValues[column.position] ?? null;
  return (row) => row.cells.get(column.name)?.value ?? null;
}

function otherFilter(table: TableMetadata, column: ColumnMetadata, { relation, variables, read }: { relation: Relation; variables: BindVariables; read: (row: DecodedRow) => Buffer | null }) {
  const receiver = (type: DataType) => ({ keyspace: table.keyspace, table: table.name, name: column.name, type });
  if (relation.kind === 'singleColumn' && relation.operator === '!=') {
    const term = prepareTerm(relation.value, receiver(column.type), { variables });
    return (row: DecodedRow, context: EvaluationContext) => {
      const v = read(row); const x = term(context);
      return v !== null && x instanceof Buffer && compareValues(column.type, v, { b: x }) !== 0;
    };
  }
  if (relation.kind === 'singleColumn' && (relation.operator === 'CONTAINS' || relation.operator === 'CONTAINS KEY')) {
    const type = column.type;
    const isKey = relation.operator === 'CONTAINS KEY';
    const elementType = type.kind === 'map' ? (isKey ? type.key : type.value) : type.kind === 'list' || type.kind === 'set' ? type.element : null;
    if (elementType === null || (isKey && type.kind !== 'map')) throw invalidRequest(`Cannot use ${relation.operator} on non-collection column ${column.name}`);
    const term = prepareTerm(relation.value, receiver(elementType), { variables });
    return (row: DecodedRow, context: EvaluationContext) => {
      const v = read(row); const x = term(context);
      if (v === null || !(x instanceof Buffer)) return false;
      const elements = type.kind === 'map' ? mapParts(v, isKey) : splitCollection(v);
      return elements.some((e) => compareValues(elementType, e, { b: x }) === 0);
    };
  }
  if (relation.kind === 'mapEntry') return mapEntryFilter(table, column, { relation, variables, read });
  throw invalidRequest(`Unsupported restriction on column ${column.name}`);
}

/** `m[key] op value`: the entry of that key compared (a row without the key does not match). */
function mapEntryFilter(
  table: TableMetadata, column: ColumnMetadata,
  { relation, variables, read }: { relation: Extract<Relation, { kind: 'mapEntry' }>; variables: BindVariables; read: (row: DecodedRow) => Buffer | null },
) {
  const type = column.type;
  if (type.kind !== 'map') throw invalidRequest(`Column ${column.name} cannot be used as a map`);
  const receiver = (name: string, t: DataType) => ({ keyspace: table.keyspace, table: table.name, name, type: t });
  const keyTerm = prepareTerm(relation.key, receiver(`key(${column.name})`, type.key), { variables });
  const valueTerm = prepareTerm(relation.value, receiver(`value(${column.name})`, type.value), { variables });
  const op = relation.operator;
  return (row: DecodedRow, context: EvaluationContext) => {
    const v = read(row); const k = keyTerm(context); const x = valueTerm(context);
    if (!(k instanceof Buffer)) throw invalidRequest(`Invalid null map key for column ${column.name}`);
    if (v === null || !(x instanceof Buffer)) return false;
    const keys = mapParts(v, true);
    const values = mapParts(v, false);
    const at = keys.findIndex((key) => compareValues(type.key, key, { b: k }) === 0);
    if (at < 0) return false;
    const c = compareValues(type.value, values[at]!, { b: x });
    switch (op) {
      case '=': return c === 0;
      case '!=': return c !== 0;
      case '<': return c < 0;
      case '<=': return c <= 0;
      case '>': return c > 0;
      case '>=': return c >= 0;
      default: throw invalidRequest(`Unsupported "${op}" relation on map entry of ${column.name}`);
    }
  };
}

function mapParts(bytes: Buffer, keys: boolean): Buffer[] {
  const all = splitCollection(Buffer.concat([countPrefix(bytes), bytes.subarray(4)]));
  return all.filter((_, i) => (i % 2 === 0) === keys);
}

function countPrefix(bytes: Buffer): Buffer {
  const out = Buffer.alloc(4);
  out.writeInt32BE(bytes.readInt32BE(0) * 2, 0);
  return out;
}

