// A materialized view's WHERE clause beyond IS NOT NULL (Cassandra's View.matchesViewFilter):
// the relations of the stored where_clause, analysed as a SELECT with ALLOW FILTERING on the
// base table, decide whether a base row has a view entry. Restrictions on base primary key
// columns select a row for good (it enters the view when written, leaves when deleted).
// Restrictions on regular columns are refused at CREATE, as Cassandra 4.0 refuses them without
// its -Dcassandra.mv.allow_filtering_nonkey_columns_unsafe (CASSANDRA-13798); the filter would
// evaluate them on live simple cells.

import { randomBytes } from 'node:crypto';
import { invalidRequest } from '../common/errors.js';
import { compareValues } from '../schema/clustering-key.js';
import type { TableMetadata } from '../schema/metadata.js';
import type { Cell } from '../storage/types.js';
import type { Relation } from './ast.js';
import { maybeQuote } from './describe-render.js';
import { parseStatement } from './parser.js';
import { analyzeWhere, type Restrictions } from './restrictions.js';
import { BindVariables, termText, type EvaluationContext } from './terms.js';

/** A base row as the filter sees it: its key values, encoded clustering and live simple cells by column. */
export interface FilteredBaseRow {
  partitionKey: Buffer;
  token: bigint;
  partitionKeyValues: Buffer[];
  clustering: Buffer;
  clusteringValues: Buffer[];
  cells: Map<string, Cell>;
}

/** Whether a base row matches; nowMs for the terms (such as now()) the restrictions evaluate. */
export type ViewRowFilter = (row: FilteredBaseRow, time: { nowMs: number }) => boolean;

/** The relations of a view's WHERE clause that filter rows (all but IS NOT NULL). */
export function filteringRelations(relations: readonly Relation[]): Relation[] {
  return relations.filter((relation) => relation.kind !== 'isNotNull');
}

/** A relation as Cassandra's Relation.toCQLString writes it into system_schema.views.where_clause. */
export function relationText(relation: Relation): string {
  const names = (columns: ReadonlyArray<{ name: string }>) => `(${columns.map((c) => maybeQuote(c.name)).join(', ')})`;
  const inValues = (values: Extract<Relation, { kind: 'singleColumnIn' }>['values']) =>
    values.kind === 'marker' ? termText(values.marker) : `(${values.terms.map(termText).join(', ')})`;
  switch (relation.kind) {
    case 'isNotNull': return `${maybeQuote(relation.column.name)} IS NOT NULL`;
    case 'singleColumn': return `${maybeQuote(relation.column.name)} ${relation.operator} ${termText(relation.value)}`;
    case 'singleColumnIn': return `${maybeQuote(relation.column.name)} IN ${inValues(relation.values)}`;
    case 'mapEntry': return `${maybeQuote(relation.column.name)}[${termText(relation.key)}] ${relation.operator} ${termText(relation.value)}`;
    case 'multiColumn': return `${names(relation.columns)} ${relation.operator} ${termText(relation.value)}`;
    case 'multiColumnIn': return `${names(relation.columns)} IN ${inValues(relation.values)}`;
    case 'token': return `token${names(relation.columns)} ${relation.operator} ${termText(relation.value)}`;
  }
}

/** Analyses a view's filtering relations on its base table; throws Cassandra's InvalidRequest for what a view cannot use. */
export function analyzeViewRestrictions(base: TableMetadata, relations: readonly Relation[]): Restrictions | null {
  const filtering = filteringRelations(relations);
  if (filtering.length === 0) return null;
  const variables = new BindVariables();
  const restrictions = analyzeWhere(base, filtering, { variables, allowFiltering: true, forModification: false });
  if (variables.specs.length > 0) throw invalidRequest('Bind variables are not allowed in CREATE MATERIALIZED VIEW statements');
  return restrictions;
}

/** The filter of a stored where_clause (null: every row with its view key columns set has an entry). */
export function viewFilter(base: TableMetadata, whereClause: string): ViewRowFilter | null {
  if (whereClause.trim() === '') return null;
  const statement = parseStatement(`SELECT * FROM ${maybeQuote(base.keyspace)}.${maybeQuote(base.name)} WHERE ${whereClause}`);
  if (statement.kind !== 'select') return null;
  const restrictions = analyzeViewRestrictions(base, statement.where);
  if (restrictions === null) return null;
  return (row, { nowMs }) => {
    const context: EvaluationContext = { values: [], nowMs, randomBytes: (n) => randomBytes(n) };
    if (restrictions.partitionKeys !== null) {
      for (let i = 0; i < base.partitionKey.length; i++) {
        const column = base.partitionKey[i]!;
        const value = row.partitionKeyValues[i]!;
        if (!restrictions.partitionKeys[i]!(context).some((v) => compareValues(column.type, value, { b: v }) === 0)) return false;
      }
    }
    if (base.clustering.length > 0 && !restrictions.slices(context).some((s) => Buffer.compare(s.start, row.clustering) < 0 && Buffer.compare(row.clustering, s.end) < 0)) return false;
    return restrictions.filters.every((filter) => filter(row, context));
  };
}
