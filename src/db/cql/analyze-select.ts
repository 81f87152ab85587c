// SELECT: restrictions, selection, ordering and limits into a SelectPlan.

import { invalidRequest } from '../common/errors.js';
import { dataTypeToCql, type DataType } from '../protocol/data-type.js';
import type { ColumnSpec } from '../protocol/messages.js';
import { encodeValue } from '../protocol/type-codecs.js';
import type { ColumnMetadata, TableMetadata } from '../schema/metadata.js';
import type { Selectable, SelectStatement } from './ast.js';
import type { DecodedRow, SelectPlan, Selection } from './plan.js';
import { findFunction } from './functions.js';
import { analyzeWhere, valueReader } from './restrictions.js';
import { BindVariables, prepareTerm, type EvaluationContext, type PreparedTerm } from './terms.js';

const bigint: DataType = { kind: 'native', name: 'bigint' };
const int: DataType = { kind: 'native', name: 'int' };

export function analyzeSelect(statement: SelectStatement, table: TableMetadata, { variables }: { variables: BindVariables }): SelectPlan {
  if (statement.json) throw invalidRequest('SELECT JSON is not supported');
  if (statement.groupBy.length > 0) throw invalidRequest('GROUP BY is not supported');
  const restrictions = analyzeWhere(table, statement.where, { variables, allowFiltering: statement.allowFiltering, forModification: false });
  const selection = analyzeSelection(statement, table, { variables });
  const reversed = analyzeOrdering(statement, table, { singlePartitions: restrictions.singlePartitions });
  if (statement.distinct) checkDistinct(statement, table);
  const limit = statement.limit === null ? null : limitTerm(statement.limit, '[limit]', { table, variables });
  const perPartitionLimit = statement.perPartitionLimit === null ? null
    : limitTerm(statement.perPartitionLimit, '[per_partition_limit]', { table, variables });
  return {
    kind: 'select', table,
    partitionKeys: restrictions.partitionKeys,
    tokenStart: restrictions.tokenStart, tokenEnd: restrictions.tokenEnd,
    slices: restrictions.slices, filters: restrictions.filters,
    selection, reversed, distinct: statement.distinct, limit, perPartitionLimit,
  };
}

function limitTerm(term: SelectStatement['limit'] & object, name: string, { table, variables }: { table: TableMetadata; variables: BindVariables }): PreparedTerm {
  return prepareTerm(term, { keyspace: table.keyspace, table: table.name, name, type: int }, { variables });
}

function checkDistinct(statement: SelectStatement, table: TableMetadata): void {
  for (const selector of statement.selectors ?? []) {
    const s = selector.selectable;
    if (s.kind !== 'column' || table.columns.get(s.column.name)?.kind !== 'partition_key') {
      if (s.kind !== 'column' || table.columns.get(s.column.name)?.kind !== 'static') {
        throw invalidRequest('SELECT DISTINCT queries must only request partition key columns and/or static columns (not ' + describe(s) + ')');
      }
    }
  }
}

function describe(s: Selectable): string {
  return s.kind === 'column' ? s.column.name : s.kind;
}

function analyzeOrdering(statement: SelectStatement, table: TableMetadata, { singlePartitions }: { singlePartitions: boolean }): boolean {
  if (statement.orderBy.length === 0) return false;
  if (!singlePartitions) throw invalidRequest('ORDER BY is only supported when the partition key is restricted by an EQ or an IN.');
  let reversed: boolean | null = null;
  statement.orderBy.forEach((ordering, i) => {
    const column = table.columns.get(ordering.column.name);
    if (column === undefined) throw invalidRequest(`Undefined column name ${ordering.column.name}`);
    if (column.kind !== 'clustering') throw invalidRequest(`Order by is currently only supported on the clustered columns of the PRIMARY KEY, got ${column.name}`);
    if (column.position !== i) throw invalidRequest('Order by currently only supports the ordering of columns following their declared order in the PRIMARY KEY');
    const natural = column.order === 'desc' ? 'desc' : 'asc';
    const thisReversed = ordering.order !== natural;
    if (reversed !== null && reversed !== thisReversed) throw invalidRequest('Unsupported order by relation');
    reversed = thisReversed;
  });
  return reversed ?? false;
}

interface PreparedSelector {
  spec: ColumnSpec;
  evaluate: (row: DecodedRow, context: EvaluationContext) => Buffer | null;
  fetched: string[];
}

function analyzeSelection(statement: SelectStatement, table: TableMetadata, { variables }: { variables: BindVariables }): Selection {
  const spec = (name: string, type: DataType): ColumnSpec => ({ keyspace: table.keyspace, table: table.name, name, type });
  if (statement.selectors === null) {
    const columns = [...table.partitionKey, ...table.clustering, ...table.regular];
    const readers = columns.map((c) => valueReader(c));
    return {
      columns: columns.map((c) => spec(c.name, c.type)),
      project: (row) => readers.map((read) => read(row)),
      aggregate: null,
      fetched: 'all',
    };
  }
  const counts = statement.selectors.filter((s) => s.selectable.kind === 'countRows' || isCountCall(s.selectable));
  if (counts.length > 0) {
    if (counts.length !== statement.selectors.length) throw invalidRequest('Only COUNT selectors are supported together in one aggregate query');
    const columns = statement.selectors.map((s) => spec(s.alias ?? 'count', bigint));
    return { columns, project: null, aggregate: (rows) => columns.map(() => encodeValue(bigint, BigInt(rows))), fetched: 'all' };
  }
  const selectors = statement.selectors.map((s) => prepareSelector(s.selectable, table, { variables, alias: s.alias }));
  const fetched = [...new Set(selectors.flatMap((s) => s.fetched))];
  return {
    columns: selectors.map((s) => s.spec),
    project: (row, context) => selectors.map((s) => s.evaluate(row, context)),
    aggregate: null,
    fetched,
  };
}

function isCountCall(s: Selectable): boolean {
  return s.kind === 'functionCall' && s.function.name.toLowerCase() === 'count' && s.args.length === 1;
}

function columnOf(table: TableMetadata, name: string): ColumnMetadata {
  const column = table.columns.get(name);
  if (column === undefined) throw invalidRequest(`Undefined column name ${name} in selection clause`);
  return column;
}

function prepareSelector(s: Selectable, table: TableMetadata, { variables, alias }: { variables: BindVariables; alias: string | null }): PreparedSelector {
  const spec = (name: string, type: DataType): ColumnSpec => ({ keyspace: table.keyspace, table: table.name, name: alias ?? name, type });
  switch (s.kind) {
    case 'column': {
      const column = columnOf(table, s.column.name);
      const read = valueReader(column);
      return { spec: spec(column.name, column.type), evaluate: read, fetched: column.kind === 'regular' || column.kind === 'static' ? [column.name] : [] };
    }
    case 'writetime': case 'maxwritetime': case 'ttl': {
      const column = columnOf(table, s.column.name);
      if (column.kind !== 'regular' && column.kind !== 'static') {
        throw invalidRequest(`Cannot use selection function ${s.kind === 'ttl' ? 'ttl' : 'writeTime'} on PRIMARY KEY part ${column.name}`);
      }
      const isTtl = s.kind === 'ttl';
      return {
        spec: spec(`${isTtl ? 'ttl' : 'writetime'}(${column.name})`, isTtl ? int : bigint),
        fetched: [column.name],
        evaluate: (row, context) => {
          const cell = row.cells.get(column.name);
          if (cell === undefined || cell.value === null) return null;
          if (!isTtl) return encodeValue(bigint, BigInt(cell.timestampMicros));
          if (cell.ttlSeconds === 0) return null;
          return encodeValue(int, Math.max(0, cell.localDeletionTime - Math.floor(context.nowMs / 1000)));
        },
      };
    }
    case 'functionCall':
      return prepareFunctionSelector(s, table, { variables, alias });
    case 'term': {
      const term = prepareTerm(s.term, { keyspace: table.keyspace, table: table.name, name: alias ?? 'term', type: { kind: 'native', name: 'blob' } }, { variables });
      return { spec: spec('term', { kind: 'native', name: 'blob' }), fetched: [], evaluate: (_row, context) => { const v = term(context); return v instanceof Buffer ? v : null; } };
    }
    case 'typeHint': case 'cast':
      return prepareSelector(s.selectable, table, { variables, alias });
    default:
      throw invalidRequest(`Selector ${s.kind} is not supported`);
  }
}

function prepareFunctionSelector(s: Extract<Selectable, { kind: 'functionCall' }>, table: TableMetadata, { variables, alias }: { variables: BindVariables; alias: string | null }): PreparedSelector {
  const name = s.function.name.toLowerCase();
  if (name === 'token') {
    const columns = s.args.map((arg) => (arg.kind === 'column' ? arg.column.name : ''));
    const expected = table.partitionKey.map((c) => c.name);
    if (columns.join(',') !== expected.join(',')) throw invalidRequest(`token() must be called on the partition key columns: ${expected.join(', ')}`);
    return {
      spec: { keyspace: table.keyspace, table: table.name, name: alias ?? `system.token(${columns.join(', ')})`, type: bigint },
      fetched: [],
      evaluate: (row) => encodeValue(bigint, row.token),
    };
  }
  if (s.args.length === 1) {
    // Single-argument conversion functions over a column: toTimestamp(col), blobAsText(col)...
    const inner = prepareSelector(s.args[0]!, table, { variables, alias: null });
    return applyConversion(name, inner, { table, alias });
  }
  throw invalidRequest(`Function ${s.function.name} is not supported in selections`);
}

function applyConversion(name: string, inner: PreparedSelector, { table, alias }: { table: TableMetadata; alias: string | null }): PreparedSelector {
  const overloads = findFunction(null, name, { arity: 1 });
  const argType = dataTypeToCql(inner.spec.type);
  const fn = overloads.find((o) => dataTypeToCql(o.argumentTypes[0]!) === argType) ?? overloads[0]!;
  return {
    spec: { keyspace: table.keyspace, table: table.name, name: alias ?? `system.${name}(${inner.spec.name})`, type: fn.returnType },
    fetched: inner.fetched,
    evaluate: (row, context) => fn.evaluate([inner.evaluate(row, context)], context),
  };
}
