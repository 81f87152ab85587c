// User-defined functions and aggregates in a keyspace's metadata (Cassandra 4.0's
// CreateFunctionStatement, DropFunctionStatement, CreateAggregateStatement and
// DropAggregateStatement apply steps): each change validated with Cassandra's messages and
// returned as a new keyspace (copy-on-write), with the SCHEMA_CHANGE to emit.

import { invalidRequest } from '../common/errors.js';
import { dataTypeToCql, type DataType } from '../protocol/data-type.js';
import type { SchemaChange } from '../protocol/messages.js';
import type { KeyspaceMetadata, UserAggregateMetadata, UserFunctionMetadata } from './metadata.js';

/** A type as function signatures and system_schema.functions write it: the outer frozen<> dropped. */
export function argumentTypeText(type: DataType): string {
  switch (type.kind) {
    case 'list': case 'set': case 'map': case 'udt': return dataTypeToCql({ ...type, frozen: false });
    case 'tuple': return `tuple<${type.elements.map(dataTypeToCql).join(', ')}>`;
    default: return dataTypeToCql(type);
  }
}

/** The key of a function or aggregate in its keyspace: `name(type, ...)`. */
export function functionSignature(name: string, argumentTypes: readonly DataType[]): string {
  return `${name}(${argumentTypes.map(argumentTypeText).join(', ')})`;
}

const qualified = (keyspace: string, name: string) => `${keyspace}.${name}`;

function change(kind: SchemaChange['change'], target: 'FUNCTION' | 'AGGREGATE', fn: { keyspace: string; name: string; argumentTypes: readonly DataType[] }): SchemaChange {
  return { change: kind, target, keyspace: fn.keyspace, name: fn.name, argumentTypes: fn.argumentTypes.map(argumentTypeText) };
}

export interface FunctionChange {
  keyspace: KeyspaceMetadata;
  change: SchemaChange | null;
}

export function withFunction(keyspace: KeyspaceMetadata, fn: UserFunctionMetadata, { orReplace, ifNotExists }: { orReplace: boolean; ifNotExists: boolean }): FunctionChange {
  const signature = functionSignature(fn.name, fn.argumentTypes);
  const name = qualified(keyspace.name, fn.name);
  if (keyspace.aggregates?.has(signature) === true) throw invalidRequest(`Function '${name}' cannot replace an aggregate`);
  const existing = keyspace.functions?.get(signature);
  if (existing !== undefined) {
    if (ifNotExists) return { keyspace, change: null };
    if (!orReplace) throw invalidRequest(`Function '${name}' already exists`);
    if (existing.calledOnNullInput !== fn.calledOnNullInput) {
      throw invalidRequest(`Function '${name}' must have ${existing.calledOnNullInput ? 'CALLED ON NULL INPUT' : 'RETURNS NULL ON NULL INPUT'} directive`);
    }
    if (dataTypeToCql(existing.returnType) !== dataTypeToCql(fn.returnType)) {
      throw invalidRequest(`Cannot replace function '${name}', the new return type ${argumentTypeText(fn.returnType)} is not compatible with the return type ${argumentTypeText(existing.returnType)} of existing function`);
    }
  }
  const functions = new Map(keyspace.functions ?? []);
  functions.set(signature, fn);
  return { keyspace: { ...keyspace, functions }, change: change(existing === undefined ? 'CREATED' : 'UPDATED', 'FUNCTION', fn) };
}

/** The overloads a DROP names: every one of the name, or the one with these argument types. */
function matching<T extends { name: string; argumentTypes: DataType[] }>(items: ReadonlyMap<string, T> | undefined, { name, argumentTypes }: { name: string; argumentTypes: readonly DataType[] | null }): T[] {
  const all = [...(items?.values() ?? [])].filter((item) => item.name === name);
  if (argumentTypes === null) return all;
  const wanted = functionSignature(name, argumentTypes);
  return all.filter((item) => functionSignature(item.name, item.argumentTypes) === wanted);
}

export function withoutFunction(keyspace: KeyspaceMetadata, target: { name: string; argumentTypes: readonly DataType[] | null; ifExists: boolean }): FunctionChange {
  const name = qualified(keyspace.name, target.name);
  const found = matching(keyspace.functions, target);
  if (found.length === 0) {
    if (target.ifExists) return { keyspace, change: null };
    throw invalidRequest(`Function '${name}${target.argumentTypes === null ? '' : `(${target.argumentTypes.map(argumentTypeText).join(', ')})`}' doesn't exist`);
  }
  if (found.length > 1) {
    throw invalidRequest(`'DROP FUNCTION ${name}' matches multiple function definitions; specify the argument types by issuing a statement like 'DROP FUNCTION ${name} (type, type, ...)'. Hint: use cqlsh 'DESCRIBE FUNCTION ${name}' command to find all overloads`);
  }
  const fn = found[0]!;
  const users = [...(keyspace.aggregates?.values() ?? [])].filter((a) => usesFunction(a, fn));
  if (users.length > 0) throw invalidRequest(`Function '${name}' is still referenced by aggregates ${users.map((a) => qualified(a.keyspace, a.name)).join(', ')}`);
  const functions = new Map(keyspace.functions ?? []);
  functions.delete(functionSignature(fn.name, fn.argumentTypes));
  return { keyspace: { ...keyspace, functions }, change: change('DROPPED', 'FUNCTION', fn) };
}

/** The state and final functions an aggregate calls. */
export function aggregateFunctions(keyspace: KeyspaceMetadata, aggregate: UserAggregateMetadata): { state: UserFunctionMetadata | undefined; final: UserFunctionMetadata | undefined } {
  const state = keyspace.functions?.get(functionSignature(aggregate.stateFunction, [aggregate.stateType, ...aggregate.argumentTypes]));
  const final = aggregate.finalFunction === null ? undefined : keyspace.functions?.get(functionSignature(aggregate.finalFunction, [aggregate.stateType]));
  return { state, final };
}

function usesFunction(aggregate: UserAggregateMetadata, fn: UserFunctionMetadata): boolean {
  const signature = functionSignature(fn.name, fn.argumentTypes);
  return signature === functionSignature(aggregate.stateFunction, [aggregate.stateType, ...aggregate.argumentTypes])
    || (aggregate.finalFunction !== null && signature === functionSignature(aggregate.finalFunction, [aggregate.stateType]));
}

export function withAggregate(keyspace: KeyspaceMetadata, aggregate: UserAggregateMetadata, { orReplace, ifNotExists }: { orReplace: boolean; ifNotExists: boolean }): FunctionChange {
  const signature = functionSignature(aggregate.name, aggregate.argumentTypes);
  const name = qualified(keyspace.name, aggregate.name);
  if (keyspace.functions?.has(signature) === true) throw invalidRequest(`Aggregate '${name}' cannot replace a function`);
  const existing = keyspace.aggregates?.get(signature);
  if (existing !== undefined) {
    if (ifNotExists) return { keyspace, change: null };
    if (!orReplace) throw invalidRequest(`Aggregate '${name}' already exists`);
    if (dataTypeToCql(existing.returnType) !== dataTypeToCql(aggregate.returnType)) {
      throw invalidRequest(`Cannot replace aggregate '${name}', the new return type ${argumentTypeText(aggregate.returnType)} isn't compatible with the return type ${argumentTypeText(existing.returnType)} of existing function`);
    }
  }
  const aggregates = new Map(keyspace.aggregates ?? []);
  aggregates.set(signature, aggregate);
  return { keyspace: { ...keyspace, aggregates }, change: change(existing === undefined ? 'CREATED' : 'UPDATED', 'AGGREGATE', aggregate) };
}

export function withoutAggregate(keyspace: KeyspaceMetadata, target: { name: string; argumentTypes: readonly DataType[] | null; ifExists: boolean }): FunctionChange {
  const name = qualified(keyspace.name, target.name);
  const found = matching(keyspace.aggregates, target);
  if (found.length === 0) {
    if (target.ifExists) return { keyspace, change: null };
    throw invalidRequest(`Aggregate '${name}${target.argumentTypes === null ? '' : `(${target.argumentTypes.map(argumentTypeText).join(', ')})`}' doesn't exist`);
  }
  if (found.length > 1) {
    throw invalidRequest(`'DROP AGGREGATE ${name}' matches multiple function definitions; specify the argument types by issuing a statement like 'DROP AGGREGATE ${name} (type, type, ...)'. Hint: use cqlsh 'DESCRIBE AGGREGATE ${name}' command to find all overloads`);
  }
  const aggregate = found[0]!;
  const aggregates = new Map(keyspace.aggregates ?? []);
  aggregates.delete(functionSignature(aggregate.name, aggregate.argumentTypes));
  return { keyspace: { ...keyspace, aggregates }, change: change('DROPPED', 'AGGREGATE', aggregate) };
}
