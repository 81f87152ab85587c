// SELECT: restrictions, selection, ordering and limits into a SelectPlan.

import { invalidRequest } from '../common/errors.js';
import type { DataType } from '../protocol/data-type.js';
import type { TableMetadata } from '../schema/metadata.js';
import type { Selectable, SelectStatement } from './ast.js';
import { analyzeGroupBy } from './group-by.js';
import type { SelectPlan } from './plan.js';
import { analyzeWhere } from './restrictions.js';
import { analyzeSelection } from './selection.js';
import type { UserFunctionScope } from './user-functions.js';
import { BindVariables, prepareTerm, type PreparedTerm } from './terms.js';

const int: DataType = { kind: 'native', name: 'int' };

export function analyzeSelect(statement: SelectStatement, table: TableMetadata, { variables, functions }: { variables: BindVariables; functions?: UserFunctionScope }): SelectPlan {
  const restrictions = analyzeWhere(table, statement.where, { variables, allowFiltering: statement.allowFiltering, forModification: false });
  const selection = analyzeSelection(statement, table, functions === undefined ? { variables } : { variables, functions });
  const groupBy = analyzeGroupBy(statement, table);
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
    ...(restrictions.index === null || restrictions.partitionKeys !== null ? {} : { index: restrictions.index }),
    selection, groupBy, reversed, distinct: statement.distinct, limit, perPartitionLimit,
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

