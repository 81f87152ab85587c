// GROUP BY (Cassandra's SelectStatement.getAggregationSpecFactory): groups are primary-key
// prefixes, the whole partition key first, then clustering columns in their declared order;
// a column restricted by `=` may be skipped. Gives the number of clustering columns in a group key.

import { invalidRequest } from '../common/errors.js';
import type { TableMetadata } from '../schema/metadata.js';
import type { SelectStatement } from './ast.js';

const outOfOrder = 'Group by currently only support groups of columns following their declared order in the PRIMARY KEY';

/** Columns restricted by a single-column `=` (or a multi-column `=`), which a GROUP BY may skip. */
function equalityRestricted(statement: SelectStatement): Set<string> {
  const names = new Set<string>();
  for (const relation of statement.where) {
    if (relation.kind === 'singleColumn' && relation.operator === '=') names.add(relation.column.name);
    if (relation.kind === 'multiColumn' && relation.operator === '=') for (const column of relation.columns) names.add(column.name);
  }
  return names;
}

export function analyzeGroupBy(statement: SelectStatement, table: TableMetadata): { clusteringPrefix: number } | null {
  if (statement.groupBy.length === 0) return null;
  const restricted = equalityRestricted(statement);
  const primaryKey = [...table.partitionKey, ...table.clustering];
  let next = 0;
  let clusteringPrefix = 0;
  for (const ref of statement.groupBy) {
    const column = table.columns.get(ref.name);
    if (column === undefined) throw invalidRequest(`Undefined column name ${ref.name}`);
    if (column.kind !== 'partition_key' && column.kind !== 'clustering') {
      throw invalidRequest(`Group by is currently only supported on the columns of the PRIMARY KEY, got ${column.name}`);
    }
    for (;;) {
      const keyColumn = primaryKey[next++];
      if (keyColumn === undefined) throw invalidRequest(outOfOrder);
      if (keyColumn.kind === 'clustering') clusteringPrefix++;
      if (keyColumn.name === column.name) break;
      if (!restricted.has(keyColumn.name)) throw invalidRequest(outOfOrder);
    }
  }
  if (primaryKey[next]?.kind === 'partition_key') throw invalidRequest('Group by is not supported on only a part of the partition key');
  if (clusteringPrefix > 0 && statement.distinct) throw invalidRequest('Grouping on clustering columns is not allowed for SELECT DISTINCT queries');
  return { clusteringPrefix };
}
