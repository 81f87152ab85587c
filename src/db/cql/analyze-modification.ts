// INSERT, UPDATE and DELETE into ModificationPlans: closures that build Mutations.

import { invalidRequest } from '../common/errors.js';
import { ttlSecondsMax } from '../common/limits.js';
import { murmur3Token } from '../dht/murmur3.js';
import type { DataType } from '../protocol/data-type.js';
import { UNSET, type BoundValue } from '../protocol/messages.js';
import { decodeValue } from '../protocol/type-codecs.js';
import { clusteringPrefixBound, encodeClustering, EMPTY_CLUSTERING } from '../schema/clustering-key.js';
import type { ColumnMetadata, TableMetadata } from '../schema/metadata.js';
import { serializePartitionKey } from '../schema/partition-key.js';
import { isCounterTable } from '../schema/table-builder.js';
import { NO_DELETION_TIME, type Cell, type Mutation, type Row } from '../storage/types.js';
import type { Assignment, ConditionClause, DeleteStatement, InsertStatement, Relation, Term, UpdateStatement, UsingClause } from './ast.js';
import type { ExistingRows, ModificationPlan, RowToRead, ValuesOf } from './plan.js';
import { sortCells } from './collection-cells.js';
import { assignmentWrite as elementWrite, deletionWrite, overwriteWrite, type CellWrite } from './element-operations.js';
import { analyzeWhere, cartesian } from './restrictions.js';
import { BindVariables, prepareTerm, type EvaluationContext, type PreparedTerm } from './terms.js';
import { jsonInsertValues } from './insert-json.js';
import { analyzeConditionClause, type CasRow, type ConditionPlan } from './conditions.js';

interface Time {
  timestampMicros: number;
  nowSeconds: number;
}

const bigint: DataType = { kind: 'native', name: 'bigint' };
const int: DataType = { kind: 'native', name: 'int' };

function columnOf(table: TableMetadata, name: string): ColumnMetadata {
  const column = table.columns.get(name);
  if (column === undefined) throw invalidRequest(`Undefined column name ${name} in table ${table.keyspace}.${table.name}`);
  return column;
}

function usingTerms(using: UsingClause, table: TableMetadata, { variables }: { variables: BindVariables }) {
  const receiver = (name: string, type: DataType) => ({ keyspace: table.keyspace, table: table.name, name, type });
  return {
    timestamp: using.timestamp === null ? null : prepareTerm(using.timestamp, receiver('[timestamp]', bigint), { variables }),
    ttl: using.ttl === null ? null : prepareTerm(using.ttl, receiver('[ttl]', int), { variables }),
  };
}

/** The TTL of this execution: USING TTL, else the table's default_time_to_live. */
function ttlOf(ttl: PreparedTerm | null, table: TableMetadata, context: EvaluationContext): number {
  if (ttl === null) return table.options.defaultTimeToLive;
  const bytes = ttl(context);
  if (bytes === null || bytes === UNSET) return table.options.defaultTimeToLive;
  const value = decodeValue(int, bytes) as number | null;
  if (value === null) return 0;
  if (value < 0) throw invalidRequest('A TTL must be greater or equal to 0, but was ' + value);
  if (value > ttlSecondsMax) throw invalidRequest(`ttl is too large. requested (${value}) maximum (${ttlSecondsMax})`);
  return value;
}

function partitionKeysOf(table: TableMetadata, values: ValuesOf[], context: EvaluationContext): Array<{ key: Buffer; token: bigint }> {
  return cartesian(values.map((v) => v(context))).map((components) => {
    components.forEach((c, i) => { if (c.length === 0 && table.partitionKey.length === 1) throw invalidRequest(`Key may not be empty (column ${table.partitionKey[i]?.name})`); });
    const key = serializePartitionKey(components);
    return { key, token: murmur3Token(key) };
  });
}

function cellsOf(writes: CellWrite[], context: EvaluationContext, options: { time: Time; ttl: number; existing: readonly Cell[] }): Cell[] {
  return sortCells(writes.flatMap((write) => write.cells(context, options)));
}

/** The rows of a statement's mutations, each with its cells (read before writing when a write needs the row). */
function rowsOf(writes: CellWrite[], context: EvaluationContext, options: { time: Time; ttl: number; key: Buffer; clusterings: Buffer[]; existing: ExistingRows | undefined }): Row[] {
  const { time, ttl, key, existing } = options;
  const reads = writes.some((write) => write.readsExisting);
  const shared = reads ? [] : cellsOf(writes, context, { time, ttl, existing: [] });
  return options.clusterings.map((clustering) => ({
    clustering, liveness: null, deletion: null,
    cells: reads ? cellsOf(writes, context, { time, ttl, existing: existing?.(key, clustering) ?? [] }) : shared,
  }));
}

/** What a statement whose writes read the current row must read: each of its rows. */
function readBeforeWriteOf(
  writes: CellWrite[],
  rows: (context: EvaluationContext) => RowToRead[],
): ModificationPlan['readBeforeWrite'] | undefined {
  const columns = [...new Set(writes.filter((write) => write.readsExisting).map((write) => write.column.name))];
  return columns.length === 0 ? undefined : { rows, columns };
}

const isCounterColumn = (column: ColumnMetadata) => column.type.kind === 'native' && column.type.name === 'counter';

function checkWritable(column: ColumnMetadata): void {
  if (isCounterColumn(column)) throw invalidRequest(`Cannot set the value of counter column ${column.name} (counters can only be incremented/decremented, not set)`);
}

/** Cassandra's rules for any modification of a counter table. */
function checkCounterUsing(table: TableMetadata, using: UsingClause): void {
  if (!isCounterTable(table)) return;
  if (using.timestamp !== null) throw invalidRequest('Cannot provide custom timestamp for counter updates');
  if (using.ttl !== null) throw invalidRequest('Cannot provide custom TTL for counter updates');
}

export function analyzeInsert(statement: InsertStatement, table: TableMetadata, { variables }: { variables: BindVariables }): ModificationPlan {
  if (isCounterTable(table)) throw invalidRequest('INSERT statements are not allowed on counter tables, use UPDATE instead');
  const { columns, values } = statement.values.kind === 'json' ? jsonInsertValues(statement.values, table) : statement.values;
  if (columns.length !== values.length) throw invalidRequest('Unmatched column names/values');
  const keyTerms = new Map<string, PreparedTerm>();
  const writes: CellWrite[] = [];
  const seen = new Set<string>();
  columns.forEach((ref, i) => {
    const column = columnOf(table, ref.name);
    if (seen.has(column.name)) throw invalidRequest(`Multiple definitions found for column ${column.name}`);
    seen.add(column.name);
    checkWritable(column);
    const term = prepareTerm(values[i] as Term, { keyspace: table.keyspace, table: table.name, name: column.name, type: column.type }, { variables });
    if (column.kind === 'partition_key' || column.kind === 'clustering') keyTerms.set(column.name, term);
    else writes.push(overwriteWrite(column, term));
  });
  const missing = (list: ColumnMetadata[], what: string) => {
    const absent = list.filter((c) => !keyTerms.has(c.name));
    if (absent.length > 0) throw invalidRequest(`Some ${what} are missing: ${absent.map((c) => c.name).join(', ')}`);
  };
  missing(table.partitionKey, 'partition key parts');
  missing(table.clustering, 'clustering keys');
  const single = (column: ColumnMetadata): ValuesOf => (context) => {
    const value = keyTerms.get(column.name)!(context);
    if (value === null || value === UNSET) throw invalidRequest(`Invalid null value in condition for column ${column.name}`);
    return [value];
  };
  const using = usingTerms(statement.using, table, { variables });
  const condition = conditionPlan(statement.ifNotExists ? { kind: 'notExists' } : { kind: 'none' }, table, {
    variables, using: statement.using, keys: { partitionKeys: table.partitionKey.map(single), clusteringPrefix: table.clustering.map(single) }, verb: 'updates',
  });
  return {
    kind: 'modification', table, timestamp: using.timestamp, ...condition,
    mutations: (context, time) => {
      const ttl = ttlOf(using.ttl, table, context);
      const clustering = encodeClustering(table, table.clustering.map((c) => single(c)(context)[0]!));
      const row: Row = {
        clustering,
        liveness: { timestampMicros: time.timestampMicros, ttlSeconds: ttl, localExpirationTime: ttl > 0 ? time.nowSeconds + ttl : NO_DELETION_TIME },
        deletion: null,
        cells: cellsOf(writes, context, { time, ttl, existing: [] }),
      };
      return partitionKeysOf(table, table.partitionKey.map(single), context).map(({ key, token }) => mutationOf(table, key, { token, parts: { rows: [row] } }));
    },
  };
}

function mutationOf(table: TableMetadata, key: Buffer, { token, parts }: { token: bigint; parts: Partial<Pick<Mutation, 'rows' | 'rangeTombstones' | 'partitionDeletion'>> }): Mutation {
  return {
    keyspace: table.keyspace, tableId: table.id, key, token,
    partitionDeletion: parts.partitionDeletion ?? null,
    rangeTombstones: parts.rangeTombstones ?? [],
    rows: parts.rows ?? [],
  };
}

function keyRestrictions(table: TableMetadata, where: Relation[], { variables }: { variables: BindVariables }) {
  const restrictions = analyzeWhere(table, where, { variables, allowFiltering: false, forModification: true });
  if (restrictions.partitionKeys === null) {
    const missing = table.partitionKey.map((c) => c.name);
    throw invalidRequest(`Some partition key parts are missing: ${missing.join(', ')}`);
  }
  if (restrictions.filters.length > 0) throw invalidRequest('Non PRIMARY KEY columns found in where clause');
  return { ...restrictions, partitionKeys: restrictions.partitionKeys };
}

function assignmentWrite(assignment: Assignment, table: TableMetadata, { variables }: { variables: BindVariables }): CellWrite {
  const column = columnOf(table, assignment.column.name);
  if (column.kind === 'partition_key' || column.kind === 'clustering') throw invalidRequest(`PRIMARY KEY part ${column.name} found in SET part`);
  if (assignment.kind === 'set') checkWritable(column);
  return elementWrite(assignment, column, { table, variables });
}

function clusteringsOf(table: TableMetadata, restrictions: ReturnType<typeof keyRestrictions>, context: EvaluationContext): Buffer[] {
  return cartesian(restrictions.clusteringPrefix.map((v) => v(context))).map((values) => (values.length === 0 ? EMPTY_CLUSTERING : encodeClustering(table, values))).sort(Buffer.compare);
}

function rowsToRead(table: TableMetadata, restrictions: ReturnType<typeof keyRestrictions>) {
  return (context: EvaluationContext): RowToRead[] => {
    const clusterings = clusteringsOf(table, restrictions, context);
    return partitionKeysOf(table, restrictions.partitionKeys, context).flatMap(({ key, token }) => clusterings.map((clustering) => ({ key, token, clustering })));
  };
}

export function analyzeUpdate(statement: UpdateStatement, table: TableMetadata, { variables }: { variables: BindVariables }): ModificationPlan {
  checkCounterUsing(table, statement.using);
  if (isCounterTable(table) && statement.condition.kind !== 'none') throw invalidRequest('Conditional updates are not supported on counter tables');
  if (isCounterTable(table)) return analyzeCounterUpdate(statement, table, { variables });
  const using = usingTerms(statement.using, table, { variables });
  const writes = statement.assignments.map((a) => assignmentWrite(a, table, { variables }));
  const restrictions = keyRestrictions(table, statement.where, { variables });
  if (!restrictions.fullClustering) {
    const missing = table.clustering.slice(restrictions.clusteringPrefix.length).map((c) => c.name);
    throw invalidRequest(`Some clustering keys are missing: ${missing.join(', ')}`);
  }
  const condition = conditionPlan(statement.condition, table, { variables, using: statement.using, keys: restrictions, verb: 'updates' });
  const readBeforeWrite = readBeforeWriteOf(writes, rowsToRead(table, restrictions));
  if (readBeforeWrite !== undefined && condition.condition !== undefined) throw invalidRequest('List operations by index or by value are not supported in conditional updates');
  return {
    kind: 'modification', table, timestamp: using.timestamp, ...condition, ...(readBeforeWrite === undefined ? {} : { readBeforeWrite }),
    mutations: (context, time) => {
      const existing = time.existing;
      const ttl = ttlOf(using.ttl, table, context);
      const clusterings = clusteringsOf(table, restrictions, context);
      return partitionKeysOf(table, restrictions.partitionKeys, context).map(({ key, token }) =>
        mutationOf(table, key, { token, parts: { rows: rowsOf(writes, context, { time, ttl, key, clusterings, existing }) } }));
    },
  };
}

export function analyzeDelete(statement: DeleteStatement, table: TableMetadata, { variables }: { variables: BindVariables }): ModificationPlan {
  checkCounterUsing(table, statement.using);
  const using = usingTerms(statement.using, table, { variables });
  const columns = statement.selections.map((target) => {
    const column = columnOf(table, target.column.name);
    if (column.kind === 'partition_key' || column.kind === 'clustering') throw invalidRequest(`Invalid identifier ${column.name} for deletion (should not be a PRIMARY KEY part)`);
    return deletionWrite(target, column, { table, variables });
  });
  const restrictions = keyRestrictions(table, statement.where, { variables });
  if (columns.length > 0 && !restrictions.fullClustering) {
    throw invalidRequest(`Some clustering keys are missing: ${table.clustering.slice(restrictions.clusteringPrefix.length).map((c) => c.name).join(', ')}`);
  }
  if (statement.condition.kind !== 'none' && !restrictions.fullClustering) {
    throw invalidRequest('DELETE statements must restrict all PRIMARY KEY columns with equality relations in order to use IF conditions');
  }
  const condition = conditionPlan(statement.condition, table, { variables, using: statement.using, keys: restrictions, verb: 'deletions' });
  const readBeforeWrite = readBeforeWriteOf(columns, rowsToRead(table, restrictions));
  if (readBeforeWrite !== undefined && condition.condition !== undefined) throw invalidRequest('List operations by index or by value are not supported in conditional updates');
  return {
    kind: 'modification', table, timestamp: using.timestamp, ...condition, ...(readBeforeWrite === undefined ? {} : { readBeforeWrite }),
    mutations: (context, time) => {
      const existing = time.existing;
      const deletion = { markedForDeleteAtMicros: time.timestampMicros, localDeletionTime: time.nowSeconds };
      const keys = partitionKeysOf(table, restrictions.partitionKeys, context);
      return keys.map(({ key, token }) => mutationOf(table, key, { token, parts: deletionParts(table, restrictions, { columns, context, time, deletion, key, existing }) }));
    },
  };
}

function deletionParts(
  table: TableMetadata,
  restrictions: ReturnType<typeof keyRestrictions>,
  options: { columns: CellWrite[]; context: EvaluationContext; time: Time; deletion: { markedForDeleteAtMicros: number; localDeletionTime: number }; key: Buffer; existing: ExistingRows | undefined },
): Partial<Pick<Mutation, 'rows' | 'rangeTombstones' | 'partitionDeletion'>> {
  const { columns, context, time, deletion, key, existing } = options;
  if (columns.length > 0) {
    return { rows: rowsOf(columns, context, { time, ttl: 0, key, clusterings: clusteringsOf(table, restrictions, context), existing }) };
  }
  if (restrictions.fullClustering && table.clustering.length > 0) {
    const clusterings = cartesian(restrictions.clusteringPrefix.map((v) => v(context))).map((values) => encodeClustering(table, values));
    return { rows: clusterings.sort(Buffer.compare).map((clustering) => ({ clustering, liveness: null, deletion, cells: [] })) };
  }
  const slices = restrictions.slices(context);
  const wholePartition = slices.length === 1 && slices[0]!.start.equals(clusteringPrefixBound(table, [], { bound: 'before' })) && slices[0]!.end.equals(clusteringPrefixBound(table, [], { bound: 'after' }));
  if (wholePartition) return { partitionDeletion: deletion };
  return { rangeTombstones: slices.map((slice) => ({ start: slice.start, end: slice.end, deletion })) };
}

/**
 * The IF clause's plan, with Cassandra's rules for it: no USING TIMESTAMP (the Paxos ballot
 * is the timestamp), one partition and one row (no IN on the keys).
 */
function conditionPlan(
  clause: ConditionClause,
  table: TableMetadata,
  { variables, using, keys, verb }: { variables: BindVariables; using: UsingClause; keys: { partitionKeys: ValuesOf[]; clusteringPrefix: ValuesOf[] }; verb: 'updates' | 'deletions' },
): { condition?: ConditionPlan } {
  const analyzed = analyzeConditionClause(clause, table, { variables });
  if (analyzed === null) return {};
  if (table.columns.size > 0 && [...table.columns.values()].some((c) => c.type.kind === 'native' && c.type.name === 'counter')) {
    throw invalidRequest('Conditional updates are not supported on counter tables');
  }
  if (using.timestamp !== null) throw invalidRequest('Cannot provide custom timestamp for conditional updates');
  const row = (context: EvaluationContext): CasRow => {
    const partitions = cartesian(keys.partitionKeys.map((v) => v(context)));
    if (partitions.length !== 1) throw invalidRequest(`IN on the partition key is not supported with conditional ${verb}`);
    const clusterings = cartesian(keys.clusteringPrefix.map((v) => v(context)));
    if (clusterings.length !== 1) throw invalidRequest(`IN on the clustering key columns is not supported with conditional ${verb}`);
    const partitionKeyValues = partitions[0]!;
    const clusteringValues = clusterings[0]!;
    const [{ key, token }] = partitionKeysOf(table, keys.partitionKeys.map((_, i) => () => [partitionKeyValues[i]!]), context) as [{ key: Buffer; token: bigint }];
    const clustering = clusteringValues.length === 0 ? EMPTY_CLUSTERING : encodeClustering(table, clusteringValues);
    return { key, token, clustering, partitionKeyValues, clusteringValues };
  };
  return { condition: { ...analyzed, row } };
}

/**
 * UPDATE of a counter table: every assignment is `c = c + v` or `c = c - v` on a counter. The
 * mutations carry the deltas (8-byte cells); the coordinator sends them to a leader replica,
 * which turns them into its counter shards (coordinator/counters.ts).
 */
function analyzeCounterUpdate(statement: UpdateStatement, table: TableMetadata, { variables }: { variables: BindVariables }): ModificationPlan {
  const deltas = statement.assignments.map((assignment) => {
    const column = columnOf(table, assignment.column.name);
    if (column.kind === 'partition_key' || column.kind === 'clustering') throw invalidRequest(`PRIMARY KEY part ${column.name} found in SET part`);
    if (assignment.kind === 'set') checkWritable(column);
    if (assignment.kind !== 'add' && assignment.kind !== 'subtract') throw invalidRequest(`Invalid operation (${column.name}) for counter column ${column.name}`);
    const value = prepareTerm(assignment.value, { keyspace: table.keyspace, table: table.name, name: column.name, type: column.type }, { variables });
    return { column, value, negate: assignment.kind === 'subtract' };
  });
  const restrictions = keyRestrictions(table, statement.where, { variables });
  if (!restrictions.fullClustering) {
    throw invalidRequest(`Some clustering keys are missing: ${table.clustering.slice(restrictions.clusteringPrefix.length).map((c) => c.name).join(', ')}`);
  }
  return {
    kind: 'modification', table, timestamp: null, counter: true,
    mutations: (context, time) => {
      const cells: Cell[] = [];
      for (const delta of deltas) {
        const bytes = delta.value(context);
        if (bytes === UNSET) continue;
        if (bytes === null) throw invalidRequest(`Invalid null value for counter increment`);
        const amount = decodeValue(bigint, bytes) as bigint;
        const out = Buffer.alloc(8);
        out.writeBigInt64BE(BigInt.asIntN(64, delta.negate ? -amount : amount), 0);
        cells.push({ column: delta.column.name, timestampMicros: time.timestampMicros, ttlSeconds: 0, localDeletionTime: NO_DELETION_TIME, value: out });
      }
      cells.sort((a, b) => (a.column < b.column ? -1 : a.column > b.column ? 1 : 0));
      const clusterings = cartesian(restrictions.clusteringPrefix.map((v) => v(context))).map((values) => (values.length === 0 ? EMPTY_CLUSTERING : encodeClustering(table, values)));
      const rows: Row[] = clusterings.sort(Buffer.compare).map((clustering) => ({ clustering, liveness: null, deletion: null, cells }));
      return partitionKeysOf(table, restrictions.partitionKeys, context).map(({ key, token }) => mutationOf(table, key, { token, parts: { rows } }));
    },
  };
}
