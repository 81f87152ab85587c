// A SELECT clause into a Selection: the result columns, the per-row projection, and the
// accumulators that aggregate a group's rows (or the whole result's) into one row.

import type { ColumnSpec } from '../protocol/messages.js';
import type { TableMetadata } from '../schema/metadata.js';
import type { SelectStatement } from './ast.js';
import type { Selection } from './plan.js';
import { columnSelector, mergeFetched, prepareSelectable, type SelectorFactory } from './selectors.js';
import type { BindVariables } from './terms.js';
import type { UserFunctionScope } from './user-functions.js';
import { fieldName, jsonString, valueJson } from './value-text.js';

export function analyzeSelection(statement: SelectStatement, table: TableMetadata, { variables, functions }: { variables: BindVariables; functions?: UserFunctionScope }): Selection {
  const wildcard = statement.selectors === null;
  const factories = wildcard
    ? [...table.partitionKey, ...table.clustering, ...table.regular].map((column) => columnSelector(column))
    : statement.selectors!.map((selector) => prepareSelectable(selector.selectable, functions === undefined ? { table, variables } : { table, variables, functions }));
  const aliases = wildcard ? factories.map(() => null) : statement.selectors!.map((selector) => selector.alias);
  const columns: ColumnSpec[] = factories.map((factory, i) => ({ keyspace: table.keyspace, table: table.name, name: aliases[i] ?? factory.name, type: factory.type }));
  const selection = selectionOf(columns, factories, { fetched: wildcard ? 'all' : mergeFetched(factories) });
  return statement.json ? jsonSelection(selection, table) : selection;
}

/** SELECT JSON: one text column "[json]" holding each row as a JSON object keyed by the column names. */
function jsonSelection(inner: Selection, table: TableMetadata): Selection {
  const keys = inner.columns.map((column) => jsonString(fieldName(column.name)));
  const toJson = (values: Array<Buffer | null>): Array<Buffer | null> => {
    const fields = values.map((value, i) => `${keys[i]}: ${value === null ? 'null' : valueJson(inner.columns[i]!.type, value)}`);
    return [Buffer.from(`{${fields.join(', ')}}`, 'utf8')];
  };
  return {
    columns: [{ keyspace: table.keyspace, table: table.name, name: '[json]', type: { kind: 'native', name: 'text' } }],
    project: (row, context) => toJson(inner.project(row, context)),
    aggregating: inner.aggregating,
    newGroup() {
      const group = inner.newGroup();
      return { add: (row, context) => group.add(row, context), output: (context) => toJson(group.output(context)) };
    },
    fetched: inner.fetched,
  };
}

export function selectionOf(columns: ColumnSpec[], factories: SelectorFactory[], { fetched }: { fetched: string[] | 'all' }): Selection {
  return {
    columns,
    project: (row, context) => factories.map((factory) => factory.evaluate(row, context)),
    aggregating: factories.some((factory) => factory.isAggregate),
    newGroup() {
      const instances = factories.map((factory) => factory.newInstance());
      return {
        add: (row, context) => { for (const instance of instances) instance.add(row, context); },
        output: (context) => instances.map((instance) => instance.output(context)),
      };
    },
    fetched,
  };
}
