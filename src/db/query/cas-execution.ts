// Executing a conditional statement or batch (Cassandra's ModificationStatement.executeWithCondition,
// BatchStatement.executeWithConditions and CQL3CasRequest): the statements become one CasRequest
// on one partition (the read of the rows the conditions name, the test of every condition, the
// merged update), the coordinator runs it through Paxos, and the answer is Cassandra's result
// set: `[applied]` first and, when not applied, the current values of the conditioned columns
// (every column for IF [NOT] EXISTS; the primary key too in a batch), one row per row read.

import { ConsistencyLevel, consistencyName } from '../common/consistency.js';
import { invalidRequest } from '../common/errors.js';
import type { ColumnSpec, QueryParameters, ResultMessage } from '../protocol/messages.js';
import { clusteringPrefixBound, decodeClustering } from '../schema/clustering-key.js';
import type { ColumnMetadata, TableMetadata } from '../schema/metadata.js';
import type { ReadResult, Row } from '../storage/types.js';
import type { CasRow, ConditionPlan } from '../cql/conditions.js';
import type { ModificationPlan } from '../cql/plan.js';
import { normalizeSlices } from '../cql/restrictions.js';
import { foldMultiCellColumns } from '../cql/collection-cells.js';
import type { EvaluationContext } from '../cql/terms.js';
import type { CasRequest, CasResult } from '../coordinator/paxos-coordinator.js';

export interface CasStatement {
  plan: ModificationPlan;
  context: EvaluationContext & { nowSeconds: number };
}

interface ConditionedRow {
  row: CasRow;
  conditions: Array<{ condition: ConditionPlan; context: EvaluationContext }>;
}

const booleanType = { kind: 'native', name: 'boolean' } as const;
const TRUE = Buffer.from([1]);
const FALSE = Buffer.from([0]);

/** The serial and commit levels of a conditional write, checked as Cassandra checks them. */
export function casLevels(parameters: Pick<QueryParameters, 'consistency' | 'serialConsistency'>): { serial: ConsistencyLevel; commit: ConsistencyLevel } {
  const serial = parameters.serialConsistency ?? ConsistencyLevel.SERIAL;
  if (serial !== ConsistencyLevel.SERIAL && serial !== ConsistencyLevel.LOCAL_SERIAL) {
    throw invalidRequest('Invalid consistency for conditional update. Must be one of SERIAL or LOCAL_SERIAL');
  }
  const commit = parameters.consistency;
  if (commit === ConsistencyLevel.SERIAL || commit === ConsistencyLevel.LOCAL_SERIAL) {
    throw invalidRequest(`${consistencyName(commit)} is not supported as conditional update commit consistency. Use ANY if you mean "make sure it is accepted but I don't care how many replicas commit it for non-SERIAL reads"`);
  }
  return { serial, commit };
}

export function isConditional(statements: readonly ModificationPlan[]): boolean {
  return statements.some((plan) => plan.condition !== undefined);
}

/** The statements as one Paxos request on their one partition, and how to answer the client. */
export function casRequestOf(statements: readonly CasStatement[], { batch }: { batch: boolean }): { request: CasRequest; answer: (result: CasResult) => ResultMessage } {
  const first = statements[0];
  if (first === undefined) throw invalidRequest('Empty conditional batch');
  const table = first.plan.table;
  if (statements.some((s) => s.plan.table.id !== table.id)) throw invalidRequest('Batch with conditions cannot span multiple tables');
  if (statements.some((s) => s.plan.readBeforeWrite !== undefined)) throw invalidRequest('List operations by index or by value are not supported in conditional updates');
  const probe = statements.flatMap((s) => s.plan.mutations(s.context, { timestampMicros: 0, nowSeconds: s.context.nowSeconds }));
  const rows = conditionedRows(statements);
  const key = rows[0]?.row.key ?? probe[0]?.key;
  const token = rows[0]?.row.token ?? probe[0]?.token;
  if (key === undefined || token === undefined) throw invalidRequest('Empty conditional batch');
  if (rows.some((r) => !r.row.key.equals(key)) || probe.some((m) => !m.key.equals(key))) throw invalidRequest('Batch with conditions cannot span multiple partitions');
  const nowSeconds = first.context.nowSeconds;
  const slices = normalizeSlices(rows.map(({ row }) => ({
    start: clusteringPrefixBound(table, row.clusteringValues, { bound: 'before' }),
    end: clusteringPrefixBound(table, row.clusteringValues, { bound: 'after' }),
  })));
  const rowOf = (current: ReadResult, clustering: Buffer): Row | null => {
    const row = current.partitions[0]?.rows.find((r) => r.clustering.equals(clustering));
    return row === undefined ? null : { ...row, cells: foldMultiCellColumns(table, row.cells) };
  };
  const request: CasRequest = {
    keyspace: table.keyspace, tableId: table.id, key, token,
    read: { kind: 'single', tableId: table.id, key, token, slices, reversed: false, columns: 'all', rowLimit: rows.length, perPartitionRowLimit: rows.length, nowSeconds, includeTombstones: false },
    applies: (current) => rows.every(({ row, conditions }) => conditions.every(({ condition, context }) => condition.holds(rowOf(current, row.clustering), context))),
    update: (timestampMicros) => statements.flatMap((s) => s.plan.mutations(s.context, { timestampMicros, nowSeconds: s.context.nowSeconds })),
  };
  return { request, answer: (result) => casResult(result, { table, rows, batch }) };
}

/** The rows the conditions name, each with its conditions; IF NOT EXISTS and other conditions on one row are refused. */
function conditionedRows(statements: readonly CasStatement[]): ConditionedRow[] {
  const rows: ConditionedRow[] = [];
  for (const { plan, context } of statements) {
    const condition = plan.condition;
    if (condition === undefined) continue;
    const row = condition.row(context);
    const existing = rows.find((r) => r.row.key.equals(row.key) && r.row.clustering.equals(row.clustering));
    if (existing === undefined) {
      rows.push({ row, conditions: [{ condition, context }] });
      continue;
    }
    const previous = existing.conditions[0]!.condition;
    if (previous.kind !== condition.kind) {
      if (previous.kind !== 'columns' && condition.kind !== 'columns') throw invalidRequest('Cannot mix IF EXISTS and IF NOT EXISTS conditions for the same row');
      const existsKind = condition.kind === 'columns' ? previous.kind : condition.kind;
      throw invalidRequest(`Cannot mix IF conditions and IF ${existsKind === 'notExists' ? 'NOT ' : ''}EXISTS for the same row`);
    }
    existing.conditions.push({ condition, context });
  }
  return rows.sort((a, b) => Buffer.compare(a.row.clustering, b.row.clustering));
}

function casResult(result: CasResult, { table, rows, batch }: { table: TableMetadata; rows: ConditionedRow[]; batch: boolean }): ResultMessage {
  const applied: ColumnSpec = { keyspace: table.keyspace, table: table.name, name: '[applied]', type: booleanType };
  const rowsRead = result.applied ? [] : (result.current.partitions[0]?.rows ?? []);
  if (rowsRead.length === 0) return { kind: 'rows', metadata: { columns: [applied], columnCount: 1, pagingState: null }, rows: [[result.applied ? TRUE : FALSE]] };
  const shown = shownColumns(table, rows, { batch });
  const partitionKeyValues = rows[0]!.row.partitionKeyValues;
  const values = rowsRead.map((row) => {
    const clusteringValues = decodeClustering(table, row.clustering);
    return [FALSE, ...shown.map((column) => {
      if (column.kind === 'partition_key') return partitionKeyValues[column.position] ?? null;
      if (column.kind === 'clustering') return clusteringValues[column.position] ?? null;
      return foldMultiCellColumns(table, row.cells).find((cell) => cell.column === column.name)?.value ?? null;
    })];
  });
  const columns = [applied, ...shown.map((column) => ({ keyspace: table.keyspace, table: table.name, name: column.name, type: column.type }))];
  return { kind: 'rows', metadata: { columns, columnCount: columns.length, pagingState: null }, rows: values };
}

/** Every column for IF [NOT] EXISTS; else the conditioned ones in IF order, after the primary key in a batch. */
function shownColumns(table: TableMetadata, rows: ConditionedRow[], { batch }: { batch: boolean }): ColumnMetadata[] {
  const conditions = rows.flatMap((r) => r.conditions.map((c) => c.condition));
  if (conditions.some((c) => c.columns === 'all')) return [...table.partitionKey, ...table.clustering, ...table.regular];
  const shown: ColumnMetadata[] = batch ? [...table.partitionKey, ...table.clustering] : [];
  for (const condition of conditions) for (const column of condition.columns as ColumnMetadata[]) if (!shown.includes(column)) shown.push(column);
  return shown;
}
