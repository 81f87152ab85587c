// The selectors of a SELECT clause (Cassandra's cql3.selection): columns, writetime/ttl,
// token, scalar functions, aggregates and terms, each prepared once into a factory. A factory
// evaluates one row directly, or makes an instance that accumulates the rows of a group (an
// aggregate over them, or for a plain selector the value of the group's first row, as
// Cassandra's SimpleSelector does).

import { isMultiCell } from './collection-cells.js';
import { invalidRequest } from '../common/errors.js';
import { dataTypeToCql, type DataType } from '../protocol/data-type.js';
import { encodeValue } from '../protocol/type-codecs.js';
import type { ColumnMetadata, TableMetadata } from '../schema/metadata.js';
import type { Selectable, Term, TypeNode } from './ast.js';
import { aggregateNames, countRows, resolveAggregate, type AggregateFunction } from './aggregates.js';
import { findFunction, isNativeFunction, type NativeFunction } from './functions.js';
import type { DecodedRow } from './plan.js';
import { valueReader } from './restrictions.js';
import { BindVariables, prepareTerm, termText, type EvaluationContext } from './terms.js';
import { applyOperation, isTemporal, negate, numericKind, operationType } from './arithmetic.js';
import { castFunction } from './casts.js';
import {
  acceptsType, compileUserFunction, functionFailure, isAggregate, noteUsed, userAggregation, userOverloads, type UserFunctionScope,
} from './user-functions.js';
import { aggregateFunctions, functionSignature } from '../schema/schema-functions.js';
import { valueJson } from './value-text.js';

/** Accumulates the rows of one group and gives the selector's value for it. */
export interface SelectorInstance {
  add(row: DecodedRow, context: EvaluationContext): void;
  output(context: EvaluationContext): Buffer | null;
}

export interface SelectorFactory {
  /** The result column's name, as Cassandra names it (before any alias). */
  name: string;
  type: DataType;
  isAggregate: boolean;
  /** Regular and static columns whose cells the selector reads; 'all' when it needs every row as stored. */
  fetched: string[] | 'all';
  /** The value for one row; only for selectors that do not aggregate. */
  evaluate(row: DecodedRow, context: EvaluationContext): Buffer | null;
  newInstance(): SelectorInstance;
}

export interface SelectorScope {
  table: TableMetadata;
  variables: BindVariables;
  /** Where user-defined functions and aggregates are found; without it only native ones are. */
  functions?: UserFunctionScope;
}

const bigint: DataType = { kind: 'native', name: 'bigint' };
const int: DataType = { kind: 'native', name: 'int' };
const text: DataType = { kind: 'native', name: 'text' };

/** A selector of one row's values: in a group it keeps the first row's value. */
export function rowSelector(name: string, type: DataType, options: { fetched: string[] | 'all'; evaluate: SelectorFactory['evaluate'] }): SelectorFactory {
  const { evaluate, fetched } = options;
  return {
    name, type, isAggregate: false, fetched, evaluate,
    newInstance() {
      let seen = false;
      let value: Buffer | null = null;
      return {
        add(row, context) {
          if (seen) return;
          seen = true;
          value = evaluate(row, context);
        },
        output: () => value,
      };
    },
  };
}

export function mergeFetched(factories: readonly SelectorFactory[]): string[] | 'all' {
  const names = new Set<string>();
  for (const factory of factories) {
    if (factory.fetched === 'all') return 'all';
    for (const name of factory.fetched) names.add(name);
  }
  return [...names];
}

function columnOf(table: TableMetadata, name: string): ColumnMetadata {
  const column = table.columns.get(name);
  if (column === undefined) throw invalidRequest(`Undefined column name ${name} in selection clause`);
  return column;
}

export function columnSelector(column: ColumnMetadata): SelectorFactory {
  const fetched = column.kind === 'regular' || column.kind === 'static' ? [column.name] : [];
  return rowSelector(column.name, column.type, { fetched, evaluate: valueReader(column) });
}

/**
 * Prepares one selectable. `expected` types a term that has no type of its own (a marker or
 * a literal passed to a function); without it a literal takes its natural type.
 */
export function prepareSelectable(s: Selectable, scope: SelectorScope, { expected }: { expected?: DataType } = {}): SelectorFactory {
  switch (s.kind) {
    case 'column': return columnSelector(columnOf(scope.table, s.column.name));
    case 'countRows': return aggregateSelector(countRows, null);
    case 'writetime': case 'maxwritetime': case 'ttl': return cellMetadataSelector(s.kind, columnOf(scope.table, s.column.name));
    case 'functionCall': return functionSelector(s, scope);
    case 'term': return termSelector(s.term, scope, { expected: expected ?? null });
    case 'typeHint': {
      const type = hintedType(s.type);
      if (s.selectable.kind === 'term') return termSelector(s.selectable.term, scope, { expected: type });
      return prepareSelectable(s.selectable, scope, { expected: type });
    }
    case 'cast': return castSelector(s, scope);
    case 'operation': return operationSelector(s, scope);
    case 'negation': {
      const operand = prepareSelectable(s.selectable, scope, expected === undefined ? {} : { expected });
      if (numericKind(operand.type) === undefined) throw invalidRequest(`Unsupported negation of ${operand.name} of type ${dataTypeToCql(operand.type)}`);
      return functionOver(`-${operand.name}`, operand.type, { args: [operand], apply: ([value]) => negate(operand.type, value ?? null) });
    }
    default:
      throw invalidRequest(`Selector ${s.kind} is not supported`);
  }
}

export function hintedType(type: TypeNode): DataType {
  if (type.kind !== 'native') throw invalidRequest('Type hints in selections are only supported for native types');
  return { kind: 'native', name: type.name };
}

function cellMetadataSelector(kind: 'writetime' | 'maxwritetime' | 'ttl', column: ColumnMetadata): SelectorFactory {
  if (column.kind !== 'regular' && column.kind !== 'static') {
    throw invalidRequest(`Cannot use selection function ${kind === 'ttl' ? 'ttl' : 'writeTime'} on PRIMARY KEY part ${column.name}`);
  }
  const isTtl = kind === 'ttl';
  if (isMultiCell(column.type)) {
    const what = column.type.kind === 'udt' ? 'non-frozen UDT' : 'non-frozen collection';
    throw invalidRequest(`Cannot use selection function ${isTtl ? 'ttl' : 'writeTime'} on ${what} ${column.name}`);
  }
  return rowSelector(`${isTtl ? 'ttl' : 'writetime'}(${column.name})`, isTtl ? int : bigint, {
    fetched: [column.name],
    evaluate: (row, context) => {
      const cell = row.cells.get(column.name);
      if (cell === undefined || cell.value === null) return null;
      if (!isTtl) return encodeValue(bigint, BigInt(cell.timestampMicros));
      if (cell.ttlSeconds === 0) return null;
      return encodeValue(int, Math.max(0, cell.localDeletionTime - Math.floor(context.nowMs / 1000)));
    },
  });
}

/** The natural type of a literal in a selection (Cassandra infers int, double, text...). */
function literalType(term: Term): DataType | null {
  if (term.kind !== 'literal') return null;
  switch (term.type) {
    case 'string': return { kind: 'native', name: 'text' };
    case 'integer': {
      // Cassandra's preferred type of an integer literal: int, else bigint, else varint.
      const value = BigInt(term.text);
      return { kind: 'native', name: value >= -(2n ** 31n) && value < 2n ** 31n ? 'int' : value >= -(2n ** 63n) && value < 2n ** 63n ? 'bigint' : 'varint' };
    }
    case 'float': return { kind: 'native', name: 'double' };
    case 'boolean': return { kind: 'native', name: 'boolean' };
    case 'uuid': return { kind: 'native', name: 'uuid' };
    case 'hex': return { kind: 'native', name: 'blob' };
    case 'duration': return { kind: 'native', name: 'duration' };
  }
}

export function termSelector(term: Term, scope: SelectorScope, { expected }: { expected: DataType | null }): SelectorFactory {
  let type = expected ?? literalType(term);
  if (type === null && term.kind === 'typeHint') type = hintedType(term.type);
  if (type === null) throw invalidRequest(`Cannot infer type for term ${termText(term)} in selection clause (try using a cast to force a type)`);
  const name = termText(term);
  const prepared = prepareTerm(term, { keyspace: scope.table.keyspace, table: scope.table.name, name, type }, { variables: scope.variables });
  return rowSelector(name, type, {
    fetched: [],
    evaluate: (_row, context) => {
      const value = prepared(context);
      return value instanceof Buffer ? value : null;
    },
  });
}

function functionSelector(s: Extract<Selectable, { kind: 'functionCall' }>, scope: SelectorScope): SelectorFactory {
  const name = s.function.name.toLowerCase();
  const user = userFunctionSelector(s, scope);
  if (user !== null) return user;
  if (s.function.keyspace !== null && s.function.keyspace !== 'system') throw invalidRequest(`Unknown function ${s.function.keyspace}.${s.function.name}`);
  if (name === 'token') return tokenSelector(s, scope);
  if (aggregateNames.has(name)) {
    if (s.args.length !== 1) throw invalidRequest(`Invalid number of arguments in call to function system.${name}: 1 required but ${s.args.length} provided`);
    const arg = prepareSelectable(s.args[0]!, scope);
    if (arg.isAggregate) throw invalidRequest('aggregate functions cannot be used as arguments of aggregate functions');
    return aggregateSelector(resolveAggregate(name, arg.type), arg);
  }
  if (name === 'tojson') {
    if (s.args.length !== 1) throw invalidRequest(`toJson() takes exactly 1 argument, ${s.args.length} given`);
    const arg = prepareSelectable(s.args[0]!, scope);
    return functionOver(`system.tojson(${arg.name})`, text, { args: [arg], apply: ([value]) => Buffer.from(value === null || value === undefined ? 'null' : valueJson(arg.type, value), 'utf8') });
  }
  if (name === 'fromjson') throw invalidRequest('fromJson() cannot be used in the selection clause of a SELECT statement');
  return scalarSelector(name, { args: s.args, scope });
}

function tokenSelector(s: Extract<Selectable, { kind: 'functionCall' }>, scope: SelectorScope): SelectorFactory {
  const columns = s.args.map((arg) => (arg.kind === 'column' ? arg.column.name : ''));
  const expected = scope.table.partitionKey.map((c) => c.name);
  if (columns.join(',') !== expected.join(',')) throw invalidRequest(`token() must be called on the partition key columns: ${expected.join(', ')}`);
  return rowSelector(`system.token(${columns.join(', ')})`, bigint, { fetched: [], evaluate: (row) => encodeValue(bigint, row.token) });
}

export function aggregateSelector(fn: AggregateFunction, arg: SelectorFactory | null): SelectorFactory {
  const name = arg === null ? 'count' : `system.${fn.name}(${arg.name})`;
  return {
    name, type: fn.returnType, isAggregate: true,
    fetched: arg === null ? 'all' : arg.fetched,
    evaluate: () => { throw invalidRequest('an aggregate has no value for a single row'); },
    newInstance() {
      const aggregate = fn.newAggregate();
      return {
        add: (row, context) => aggregate.add(arg === null ? null : arg.evaluate(row, context)),
        output: () => aggregate.compute(),
      };
    },
  };
}

const sameType = (a: DataType, b: DataType): boolean => dataTypeToCql(a) === dataTypeToCql(b);

function signature(name: string, fn: NativeFunction): string {
  return `system.${name} : (${fn.argumentTypes.map(dataTypeToCql).join(', ')}) -> ${dataTypeToCql(fn.returnType)}`;
}

/** A native scalar function over selectors: overloads resolved on the types of the arguments that have one. */
function scalarSelector(name: string, { args, scope }: { args: Selectable[]; scope: SelectorScope }): SelectorFactory {
  const overloads = findFunction(null, name, { arity: args.length });
  const typed = args.map((arg) => (arg.kind === 'term' ? null : prepareSelectable(arg, scope)));
  const matching = overloads.filter((fn) => typed.every((arg, i) => arg === null || sameType(arg.type, fn.argumentTypes[i]!)));
  const fn = matching[0];
  if (fn === undefined) {
    if (overloads.length === 1) {
      const only = overloads[0]!;
      const bad = typed.findIndex((arg, i) => arg !== null && !sameType(arg.type, only.argumentTypes[i]!));
      throw invalidRequest(`Type error: ${typed[bad]!.name} cannot be passed as argument ${bad} of function system.${name} of type ${dataTypeToCql(only.argumentTypes[bad]!)}`);
    }
    throw invalidRequest(`Invalid call to function ${name}, none of its type signatures match (known type signatures: ${overloads.map((o) => signature(name, o)).join(', ')})`);
  }
  const factories = args.map((arg, i) => typed[i] ?? prepareSelectable(arg, scope, { expected: fn.argumentTypes[i]! }));
  return functionOver(`system.${name}(${factories.map((f) => f.name).join(', ')})`, fn.returnType, {
    args: factories, apply: (values, context) => fn.evaluate(values, context),
  });
}

/** A function of other selectors' values; it aggregates when one of its arguments does. */
export function functionOver(name: string, type: DataType, options: { args: SelectorFactory[]; apply: (values: Array<Buffer | null>, context: EvaluationContext) => Buffer | null }): SelectorFactory {
  const { args, apply } = options;
  const evaluate = (row: DecodedRow, context: EvaluationContext) => apply(args.map((a) => a.evaluate(row, context)), context);
  if (!args.some((a) => a.isAggregate)) return rowSelector(name, type, { fetched: mergeFetched(args), evaluate });
  return {
    name, type, isAggregate: true, fetched: mergeFetched(args), evaluate,
    newInstance() {
      const instances = args.map((a) => a.newInstance());
      return {
        add: (row, context) => { for (const instance of instances) instance.add(row, context); },
        output: (context) => apply(instances.map((i) => i.output(context)), context),
      };
    },
  };
}

function castSelector(s: Extract<Selectable, { kind: 'cast' }>, scope: SelectorScope): SelectorFactory {
  if (s.type.kind !== 'native') throw invalidRequest(`Cannot cast to ${s.type.kind}: only native types are supported`);
  const arg = prepareSelectable(s.selectable, scope);
  const convert = castFunction(arg.type, s.type.name);
  const target = s.type.name === 'varchar' ? 'text' : s.type.name;
  return functionOver(`cast(${arg.name} as ${target})`, { kind: 'native', name: target }, { args: [arg], apply: ([value]) => convert(value ?? null) });
}

const isMarker = (s: Selectable): boolean => s.kind === 'term' && (s.term.kind === 'bindMarker' || s.term.kind === 'null');

/**
 * Operands as Cassandra types them in a selection: a literal by its own preferred type (1 is an
 * int, 1.5 a double), a column or function by its type; a marker only beside a date or
 * timestamp (it is then a duration), elsewhere it is ambiguous and needs a type hint.
 */
function operationSelector(s: Extract<Selectable, { kind: 'operation' }>, scope: SelectorScope): SelectorFactory {
  const typed = (side: Selectable) => (isMarker(side) ? null : prepareSelectable(side, scope));
  const leftTyped = typed(s.left);
  const rightTyped = typed(s.right);
  const name = (side: Selectable, factory: SelectorFactory | null) => factory?.name ?? (side.kind === 'term' ? termText(side.term) : side.kind);
  const resolve = (side: Selectable, other: SelectorFactory | null): SelectorFactory => {
    if (other !== null && isTemporal(other.type)) return prepareSelectable(side, scope, { expected: { kind: 'native', name: 'duration' } });
    throw invalidRequest(`Ambiguous '${s.operator}' operation with args ${name(s.left, leftTyped)} and ${name(s.right, rightTyped)}: use type hint to disambiguate, example '(int) ?'`);
  };
  const left = leftTyped ?? resolve(s.left, rightTyped);
  const right = rightTyped ?? resolve(s.right, left);
  const result = operationType(s.operator, { left: left.type, right: right.type });
  if (result === null) throw invalidRequest(`the '${s.operator}' operation is not supported between ${left.name} and ${right.name}`);
  const types: [DataType, DataType] = [left.type, right.type];
  return functionOver(`${left.name} ${s.operator} ${right.name}`, result, {
    args: [left, right], apply: ([a, b]) => applyOperation(s.operator, { types, values: [a ?? null, b ?? null] }),
  });
}

/**
 * A call of a user-defined function or aggregate, or null when the name is a native function
 * (they come first, as in Cassandra) or no user one of that name and arity exists.
 */
function userFunctionSelector(s: Extract<Selectable, { kind: 'functionCall' }>, scope: SelectorScope): SelectorFactory | null {
  const { functions } = scope;
  const name = s.function.name;
  if (functions === undefined || s.function.keyspace === 'system') return null;
  if (s.function.keyspace === null && (isNativeFunction(name) || aggregateNames.has(name.toLowerCase()) || ['token', 'tojson', 'fromjson'].includes(name.toLowerCase()))) return null;
  const keyspace = functions.schema.findKeyspace(s.function.keyspace ?? scope.table.keyspace);
  const overloads = userOverloads(keyspace, name, { arity: s.args.length });
  if (keyspace === undefined || overloads.length === 0) return null;
  const typed = s.args.map((arg) => (arg.kind === 'term' ? null : prepareSelectable(arg, scope)));
  const fn = overloads.find((candidate) => typed.every((arg, i) => arg === null || acceptsType(candidate.argumentTypes[i]!, arg.type)));
  const label = `${keyspace.name}.${name}`;
  if (fn === undefined) {
    const known = overloads.map((o) => `${label} : (${o.argumentTypes.map(dataTypeToCql).join(', ')}) -> ${dataTypeToCql(o.returnType)}`);
    throw invalidRequest(`Invalid call to function ${label}, none of its type signatures match (known type signatures: ${known.join(', ')})`);
  }
  const args = s.args.map((arg, i) => typed[i] ?? prepareSelectable(arg, scope, { expected: fn.argumentTypes[i]! }));
  if (args.some((arg) => arg.isAggregate) && isAggregate(fn)) throw invalidRequest('aggregate functions cannot be used as arguments of aggregate functions');
  const columnName = `${label}(${args.map((a) => a.name).join(', ')})`;
  noteUsed(functions, fn);
  if (!isAggregate(fn)) {
    const compiled = compileUserFunction(fn, functions.settings);
    return functionOver(columnName, fn.returnType, { args, apply: (values) => compiled.execute(values) });
  }
  const { state, final } = aggregateFunctions(keyspace, fn);
  if (state === undefined || (fn.finalFunction !== null && final === undefined)) {
    throw functionFailure(fn, `aggregate ${label} refers to ${functionSignature(fn.stateFunction, [fn.stateType, ...fn.argumentTypes])} or its final function, which no longer exists`);
  }
  noteUsed(functions, state);
  if (final !== undefined) noteUsed(functions, final);
  const newAggregation = userAggregation(fn, {
    stateFunction: compileUserFunction(state, functions.settings),
    finalFunction: final === undefined ? null : compileUserFunction(final, functions.settings),
  });
  return {
    name: columnName, type: fn.returnType, isAggregate: true, fetched: mergeFetched(args),
    evaluate: () => { throw invalidRequest('an aggregate has no value for a single row'); },
    newInstance() {
      const aggregation = newAggregation();
      return {
        add: (row, context) => aggregation.add(args.map((arg) => arg.evaluate(row, context))),
        output: () => aggregation.compute(),
      };
    },
  };
}
