// Terms (values in statements) prepared against the type that receives them. A prepared term
// is a closure over the bound values: constants are encoded once, at prepare time; bind
// markers read and validate their value; functions such as now() run at each execution.

import { unreachable } from '../common/assert.js';
import { invalidRequest } from '../common/errors.js';
import { dataTypeToCql, type DataType } from '../protocol/data-type.js';
import { UNSET, type BoundValue, type ColumnSpec } from '../protocol/messages.js';
import { encodeValue, validateValue } from '../protocol/type-codecs.js';
import { readCollectionCount, readElement, writeElement } from '../protocol/value-bytes.js';
import type { BindMarker, InValues, Term } from './ast.js';
import { canonicalValue, encodeCollection, encodeMapValue, sortedUnique } from './collection-order.js';
import { findFunction, isNativeFunction, type FunctionContext } from './functions.js';
import { acceptsType, compileUserFunction, isAggregate, noteUsed, userOverloads, type UserFunctionScope } from './user-functions.js';
import { literalToNative } from './literals.js';
import { applyOperation, isTemporal, negate, numericKind, operationType } from './arithmetic.js';
import { columnFromJson, fromJsonFunction, parseJsonDocument } from './json.js';

export interface EvaluationContext extends FunctionContext {
  values: readonly BoundValue[];
}

export type PreparedTerm = (context: EvaluationContext) => BoundValue;

/** What receives a value: a column (or a pseudo-column such as "[ttl]"), with its type. */
export type Receiver = ColumnSpec;

/** Collects the type each bind marker receives, for prepared-statement metadata. */
export class BindVariables {
  readonly specs: Array<ColumnSpec | undefined> = [];
  /** Where the statement's terms find user-defined functions (the analysis sets it); none without. */
  functions: UserFunctionScope | undefined;

  bind(marker: BindMarker, receiver: Receiver): void {
    const name = marker.name ?? receiver.name;
    this.specs[marker.index] = { ...receiver, name };
  }

  /** Every marker's spec; a marker the analysis never typed is a bug. */
  complete(count: number): ColumnSpec[] {
    const out: ColumnSpec[] = [];
    for (let i = 0; i < count; i++) {
      const spec = this.specs[i];
      if (spec === undefined) throw invalidRequest(`Bind marker ${i} is used where no value is expected`);
      out.push(spec);
    }
    return out;
  }
}

function boundValue(marker: BindMarker, type: DataType, context: EvaluationContext): BoundValue {
  const value = context.values[marker.index];
  if (value === undefined) {
    throw invalidRequest(`There were fewer values bound (${context.values.length}) than bind markers in the statement`);
  }
  if (value === null || value === UNSET) return value;
  validateValue(type, value);
  return canonicalValue(type, value);
}

export function prepareTerm(term: Term, receiver: Receiver, { variables }: { variables: BindVariables }): PreparedTerm {
  const type = receiver.type;
  switch (term.kind) {
    case 'bindMarker':
      variables.bind(term, receiver);
      return (context) => boundValue(term, type, context);
    case 'null':
      return () => null;
    case 'literal': {
      if (type.kind !== 'native') throw invalidRequest(`Invalid ${term.type.toUpperCase()} constant (${term.text}) for "${receiver.name}" of type ${dataTypeToCql(type)}`);
      const bytes = encodeValue(type, literalToNative(term, type.name, { receiver: receiver.name }));
      return () => bytes;
    }
    case 'typeHint':
      return prepareTerm(term.term, receiver, { variables });
    case 'functionCall':
      return prepareFunction(term, receiver, { variables });
    case 'list': case 'set': case 'map': case 'tuple': case 'userTypeLiteral':
      return constantIfPossible(prepareComposite(term, receiver, { variables }), term);
    case 'operation': case 'negation':
      return prepareArithmetic(term, receiver, { variables });
    case 'jsonColumn':
      return prepareJsonColumn(term, receiver, { variables });
    default:
      return unreachable(term, 'term');
  }
}

/** A term as CQL text, for column names and messages. */
export function termText(term: Term): string {
  switch (term.kind) {
    case 'literal': return term.type === 'string' ? `'${term.text.replace(/'/g, "''")}'` : term.text;
    case 'bindMarker': return term.name === null ? '?' : `:${term.name}`;
    case 'null': return 'null';
    case 'typeHint': return `(${term.type.kind === 'native' ? term.type.name : 'type'})${termText(term.term)}`;
    case 'operation': return `${termText(term.left)} ${term.operator} ${termText(term.right)}`;
    case 'negation': return `-${termText(term.term)}`;
    case 'functionCall': return `${term.function.name}(${term.args.map(termText).join(', ')})`;
    case 'list': return `[${term.elements.map(termText).join(', ')}]`;
    case 'set': return `{${term.elements.map(termText).join(', ')}}`;
    case 'tuple': return `(${term.elements.map(termText).join(', ')})`;
    case 'map': return `{${term.entries.map((e) => `${termText(e.key)}: ${termText(e.value)}`).join(', ')}}`;
    case 'userTypeLiteral': return `{${term.fields.map((f) => `${f.name}: ${termText(f.value)}`).join(', ')}}`;
    default: return term.kind;
  }
}

const isBareMarker = (term: Term): boolean => term.kind === 'bindMarker';

/** The type an operand of an operation assigned to `receiver` takes: its type hint, else the receiver's. */
function operandType(term: Term, receiver: DataType): DataType {
  return term.kind === 'typeHint' && term.type.kind === 'native' ? { kind: 'native', name: term.type.name } : receiver;
}

function prepareArithmetic(term: Extract<Term, { kind: 'operation' | 'negation' }>, receiver: Receiver, { variables }: { variables: BindVariables }): PreparedTerm {
  const type = receiver.type;
  const orNullValue = (value: BoundValue) => (value === UNSET ? null : value);
  if (term.kind === 'negation') {
    if (numericKind(type) === undefined) throw invalidRequest(`Unsupported negation for "${receiver.name}" of type ${dataTypeToCql(type)}`);
    const operand = prepareTerm(term.term, receiver, { variables });
    return (context) => negate(type, orNullValue(operand(context)));
  }
  // As Cassandra: with a marker among the operands, only a tinyint receiver leaves one possible signature.
  if (numericKind(type) !== undefined && !(type.kind === 'native' && type.name === 'tinyint') && (isBareMarker(term.left) || isBareMarker(term.right))) {
    throw invalidRequest(`Ambiguous '${term.operator}' operation with args ${termText(term.left)} and ${termText(term.right)}: use type hint to disambiguate, example '(int) ?'`);
  }
  const leftType = operandType(term.left, type);
  const rightType = isTemporal(type) ? { kind: 'native', name: 'duration' } as const : operandType(term.right, type);
  const result = operationType(term.operator, { left: leftType, right: rightType });
  if (result === null) throw invalidRequest(`the '${term.operator}' operation is not supported between ${dataTypeToCql(leftType)} and ${dataTypeToCql(rightType)}`);
  if (dataTypeToCql(result) !== dataTypeToCql(type)) {
    throw invalidRequest(`Type error: the result of '${dataTypeToCql(leftType)} ${term.operator} ${dataTypeToCql(rightType)}' is a ${dataTypeToCql(result)} and cannot be assigned to "${receiver.name}" of type ${dataTypeToCql(type)}`);
  }
  const left = prepareTerm(term.left, { ...receiver, type: leftType }, { variables });
  const right = prepareTerm(term.right, { ...receiver, type: rightType }, { variables });
  return (context) => applyOperation(term.operator, { types: [leftType, rightType], values: [orNullValue(left(context)), orNullValue(right(context))] });
}

/** One column of INSERT JSON: the document is parsed once per execution and shared by the statement's columns. */
function prepareJsonColumn(term: Extract<Term, { kind: 'jsonColumn' }>, receiver: Receiver, { variables }: { variables: BindVariables }): PreparedTerm {
  const json = prepareTerm(term.json, { ...receiver, name: '[json]', type: { kind: 'native', name: 'text' } }, { variables });
  const { shared } = term;
  return (context) => {
    const bytes = json(context);
    if (bytes === null || bytes === UNSET) throw invalidRequest('Got null for INSERT JSON values');
    let document = shared.documents.get(context);
    if (document === undefined) {
      document = parseJsonDocument(bytes.toString('utf8'), { columns: shared.columns });
      shared.documents.set(context, document);
    }
    const value = columnFromJson(document, receiver);
    if (value !== undefined) return value;
    return term.defaultUnset ? UNSET : null;
  };
}

function constantIfPossible(prepared: PreparedTerm, term: Term): PreparedTerm {
  // A composite literal with no markers and no functions is evaluated once.
  const text = JSON.stringify(term);
  if (text.includes('"bindMarker"') || text.includes('"functionCall"')) return prepared;
  const value = prepared({ values: [], nowMs: 0, randomBytes: (n) => Buffer.alloc(n) });
  return () => value;
}

function prepareFunction(term: Extract<Term, { kind: 'functionCall' }>, receiver: Receiver, { variables }: { variables: BindVariables }): PreparedTerm {
  const name = term.function.name.toLowerCase();
  if (name === 'tojson') throw invalidRequest('toJson() may only be used within the selection clause of SELECT statements');
  if (name === 'fromjson') {
    if (term.args.length !== 1) throw invalidRequest(`fromJson() takes exactly 1 argument, ${term.args.length} given`);
    const json = prepareTerm(term.args[0]!, { ...receiver, name: 'arg0(fromjson)', type: { kind: 'native', name: 'text' } }, { variables });
    return (context) => {
      const value = json(context);
      return value === null || value === UNSET ? null : fromJsonFunction(receiver.type, value.toString('utf8'));
    };
  }
  const user = userFunctionTerm(term, receiver, { variables });
  if (user !== null) return user;
  const overloads = findFunction(term.function.keyspace, term.function.name, { arity: term.args.length });
  const matching = overloads.filter((fn) => dataTypeToCql(fn.returnType) === dataTypeToCql(receiver.type));
  const fn = matching[0] ?? overloads[0]!;
  if (matching.length === 0 && !(receiver.type.kind === 'native' && receiver.type.name === 'blob')) {
    throw invalidRequest(`Type error: ${term.function.name}(...) returns ${dataTypeToCql(fn.returnType)} and cannot be assigned to "${receiver.name}" of type ${dataTypeToCql(receiver.type)}`);
  }
  const args = term.args.map((arg, i) =>
    prepareTerm(arg, { ...receiver, name: `arg${i}(${term.function.name})`, type: fn.argumentTypes[i]! }, { variables }));
  return (context) => {
    const values = args.map((arg) => {
      const value = arg(context);
      return value === UNSET ? null : value;
    });
    return fn.evaluate(values, context);
  };
}

/** A call of a user-defined function in a term (a value to write, a WHERE value), or null when the name is native or unknown. */
function userFunctionTerm(term: Extract<Term, { kind: 'functionCall' }>, receiver: Receiver, { variables }: { variables: BindVariables }): PreparedTerm | null {
  const scope = variables.functions;
  const name = term.function.name;
  if (scope === undefined || term.function.keyspace === 'system' || (term.function.keyspace === null && isNativeFunction(name))) return null;
  const keyspace = term.function.keyspace ?? receiver.keyspace;
  const overloads = userOverloads(scope.schema.findKeyspace(keyspace), name, { arity: term.args.length });
  if (overloads.length === 0) return null;
  const fn = overloads.find((o) => acceptsType(o.returnType, receiver.type)) ?? overloads[0]!;
  if (isAggregate(fn)) throw invalidRequest(`Aggregate function ${keyspace}.${name} cannot be used as a term`);
  if (!acceptsType(fn.returnType, receiver.type)) {
    throw invalidRequest(`Type error: ${keyspace}.${name}(...) returns ${dataTypeToCql(fn.returnType)} and cannot be assigned to "${receiver.name}" of type ${dataTypeToCql(receiver.type)}`);
  }
  noteUsed(scope, fn);
  const compiled = compileUserFunction(fn, scope.settings);
  const args = term.args.map((arg, i) => prepareTerm(arg, { ...receiver, name: `arg${i}(${keyspace}.${name})`, type: fn.argumentTypes[i]! }, { variables }));
  return (context) => compiled.execute(args.map((arg) => {
    const value = arg(context);
    return value === UNSET ? null : value;
  }));
}

function prepareComposite(term: Term, receiver: Receiver, { variables }: { variables: BindVariables }): PreparedTerm {
  const type = receiver.type;
  const element = (t: DataType, what: string): Receiver => ({ ...receiver, name: `${what}(${receiver.name})`, type: t });
  const mismatch = () => invalidRequest(`Invalid ${term.kind} literal for "${receiver.name}" of type ${dataTypeToCql(type)}`);
  if (term.kind === 'list' && type.kind === 'list') {
    const items = term.elements.map((e) => prepareTerm(e, element(type.element, 'value'), { variables }));
    return (context) => encodeCollection(items.map((item) => notNullElement(item(context), receiver)));
  }
  if ((term.kind === 'set' || (term.kind === 'map' && term.entries.length === 0) || (term.kind === 'list' && term.elements.length === 0)) && type.kind === 'set') {
    const items = term.kind === 'set' ? term.elements.map((e) => prepareTerm(e, element(type.element, 'value'), { variables })) : [];
    return (context) => encodeCollection(sortedUnique(items.map((item) => notNullElement(item(context), receiver)), type.element));
  }
  if ((term.kind === 'map' || (term.kind === 'set' && term.elements.length === 0)) && type.kind === 'map') {
    const entries = term.kind === 'map'
      ? term.entries.map((e) => [prepareTerm(e.key, element(type.key, 'key'), { variables }), prepareTerm(e.value, element(type.value, 'value'), { variables })] as const)
      : [];
    return (context) => encodeMapValue(entries.map(([k, v]) => [notNullElement(k(context), receiver), notNullElement(v(context), receiver)]), type.key);
  }
  if (term.kind === 'tuple' && type.kind === 'tuple') {
    if (term.elements.length > type.elements.length) throw mismatch();
    const items = term.elements.map((e, i) => prepareTerm(e, element(type.elements[i]!, `component${i}`), { variables }));
    return (context) => Buffer.concat(items.map((item) => writeElement(orNull(item(context)))));
  }
  if ((term.kind === 'userTypeLiteral' || (term.kind === 'map' && term.entries.length === 0)) && type.kind === 'udt') {
    const given = term.kind === 'userTypeLiteral' ? term.fields : [];
    for (const field of given) {
      if (!type.fields.some((f) => f.name === field.name)) throw invalidRequest(`Unknown field '${field.name}' in value of user defined type ${type.name}`);
    }
    const items = type.fields.map((f) => {
      const value = given.find((g) => g.name === f.name);
      return value === undefined ? () => null : prepareTerm(value.value, element(f.type, f.name), { variables });
    });
    return (context) => Buffer.concat(items.map((item) => writeElement(orNull(item(context)))));
  }
  throw mismatch();
}

function orNull(value: BoundValue): Buffer | null {
  return value === UNSET ? null : value;
}

function notNullElement(value: BoundValue, receiver: Receiver): Buffer {
  if (value === null || value === UNSET) throw invalidRequest(`null is not supported inside collections (column "${receiver.name}")`);
  return value;
}


/** The values of an IN restriction (a parenthesised list, or one marker bound to a list). */
export function prepareInValues(values: InValues, receiver: Receiver, { variables }: { variables: BindVariables }): (context: EvaluationContext) => Buffer[] {
  if (values.kind === 'terms') {
    const terms = values.terms.map((term) => prepareTerm(term, receiver, { variables }));
    return (context) => terms.map((term) => {
      const value = term(context);
      if (value === null || value === UNSET) throw invalidRequest(`Invalid null value in condition for column ${receiver.name}`);
      return value;
    });
  }
  const listType: DataType = { kind: 'list', element: receiver.type, frozen: false };
  const marker = prepareTerm(values.marker, { ...receiver, name: `in(${receiver.name})`, type: listType }, { variables });
  return (context) => {
    const bytes = marker(context);
    if (bytes === null || bytes === UNSET) throw invalidRequest(`Invalid null value for IN restriction on ${receiver.name}`);
    return splitCollection(bytes);
  };
}

/** The elements of a serialized list or set. */
export function splitCollection(bytes: Buffer): Buffer[] {
  const { count, offset: start } = readCollectionCount(bytes, 4);
  const out: Buffer[] = [];
  let offset = start;
  for (let i = 0; i < count; i++) {
    const { value, offset: next } = readElement(bytes, offset);
    if (value === null) throw invalidRequest('null is not supported inside collections');
    out.push(value);
    offset = next;
  }
  return out;
}
