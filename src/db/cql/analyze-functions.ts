// CREATE/DROP FUNCTION and CREATE/DROP AGGREGATE into SchemaPlans, with the checks Cassandra
// 4.0 makes: the feature flags, the language (only JavaScript runs here: Java UDFs need a
// JVM), frozen argument and return types, duplicate argument names, the state and final
// functions an aggregate names, and its INITCOND. The body is compiled before the schema
// changes, so a function that does not compile is never stored.

import { invalidRequest } from '../common/errors.js';
import { ScriptCompileError } from '../common/script-runtime.js';
import type { DataType } from '../protocol/data-type.js';
import { UNSET } from '../protocol/messages.js';
import type { Schema } from '../schema/schema.js';
import type { UserAggregateMetadata, UserFunctionMetadata } from '../schema/metadata.js';
import {
  aggregateFunctions, argumentTypeText, functionSignature, withAggregate, withFunction, withoutAggregate, withoutFunction,
} from '../schema/schema-functions.js';
import type { CreateAggregateStatement, CreateFunctionStatement, DropFunctionStatement, TypeNode } from './ast.js';
import { keyspaceOf, plan, resolveType } from './analyze-ddl.js';
import type { SchemaPlan } from './plan.js';
import { BindVariables, prepareTerm, termText } from './terms.js';
import { SCRIPTED_UDFS_DISABLED, UDFS_DISABLED, type UserFunctionSettings } from './user-functions.js';

export interface FunctionDdlContext {
  schema: Schema;
  keyspace: string | null;
  userFunctions: UserFunctionSettings;
}

export type FunctionDdlStatement = CreateFunctionStatement | DropFunctionStatement | CreateAggregateStatement;

export function analyzeFunctionDdl(statement: FunctionDdlStatement, context: FunctionDdlContext): SchemaPlan {
  switch (statement.kind) {
    case 'createFunction': return createFunction(statement, context);
    case 'createAggregate': return createAggregate(statement, context);
    case 'dropFunction': case 'dropAggregate': {
      const { schema } = context;
      const keyspace = keyspaceOf(statement.function, context.keyspace);
      if (schema.findKeyspace(keyspace) === undefined) {
        if (statement.ifExists) return plan(() => null, schema);
        throw invalidRequest(`Keyspace '${keyspace}' doesn't exist`);
      }
      const argumentTypes = statement.argumentTypes === null ? null : statement.argumentTypes.map((node) => resolveType(schema, keyspace, { node }));
      const target = { name: statement.function.name, argumentTypes, ifExists: statement.ifExists };
      return plan(() => schema.changeFunctions(keyspace, (ks) => (statement.kind === 'dropFunction' ? withoutFunction(ks, target) : withoutAggregate(ks, target))), schema);
    }
  }
}

/** Non-tuple types may not be written frozen<> in a signature (Cassandra: they are frozen implicitly). */
function unfrozen(node: TypeNode, what: (text: string) => string): void {
  if ('frozen' in node && node.frozen) throw invalidRequest(what(`frozen<${node.kind === 'userType' ? node.name : node.kind}>`));
}

/** Function argument and return types as values: frozen, as Cassandra stores them. */
function valueType(type: DataType): DataType {
  switch (type.kind) {
    case 'list': case 'set': case 'map': case 'udt': return { ...type, frozen: true };
    default: return type;
  }
}

function checkEnabled(settings: UserFunctionSettings, language: string): void {
  if (!settings.enabled) throw invalidRequest(UDFS_DISABLED);
  if (language !== 'java' && !settings.scriptedEnabled) throw invalidRequest(SCRIPTED_UDFS_DISABLED);
}

function createFunction(statement: CreateFunctionStatement, context: FunctionDdlContext): SchemaPlan {
  const { schema, userFunctions } = context;
  const keyspace = keyspaceOf(statement.function, context.keyspace);
  const name = `${keyspace}.${statement.function.name}`;
  const language = statement.language.toLowerCase();
  checkEnabled(userFunctions, language);
  if (statement.orReplace && statement.ifNotExists) throw invalidRequest("Cannot use both 'OR REPLACE' and 'IF NOT EXISTS' directives");
  if (language === 'java') throw invalidRequest(`Java user-defined functions are not supported by this database (no JVM): write '${name}' with LANGUAGE javascript`);
  if (language !== 'javascript') throw invalidRequest(`Invalid language '${statement.language}' for function '${name}'`);
  if (schema.findKeyspace(keyspace) === undefined) throw invalidRequest(`Keyspace '${keyspace}' doesn't exist`);
  const names = statement.arguments.map((arg) => arg.name);
  if (new Set(names).size !== names.length) throw invalidRequest(`Duplicate argument names for given function ${name} with argument names ${names.join(', ')}`);
  for (const arg of statement.arguments) unfrozen(arg.type, (t) => `Argument '${t}' cannot be frozen; remove frozen<> modifier from '${t}'`);
  unfrozen(statement.returnType, (t) => `Return type '${t}' cannot be frozen; remove frozen<> modifier from '${t}'`);
  const metadata: UserFunctionMetadata = {
    keyspace, name: statement.function.name, argumentNames: names,
    argumentTypes: statement.arguments.map((arg) => valueType(resolveType(schema, keyspace, { node: arg.type }))),
    returnType: valueType(resolveType(schema, keyspace, { node: statement.returnType })),
    calledOnNullInput: statement.calledOnNullInput, language, body: statement.body,
  };
  if (userFunctions.runtime !== null) {
    try {
      userFunctions.runtime.compile({ argumentNames: names, body: statement.body, label: name });
    } catch (error) {
      if (error instanceof ScriptCompileError) throw invalidRequest(`Failed to compile function '${name}' for language javascript: ${error.message}`);
      throw error;
    }
  }
  const options = { orReplace: statement.orReplace, ifNotExists: statement.ifNotExists };
  return plan(() => schema.changeFunctions(keyspace, (ks) => withFunction(ks, metadata, options)), schema);
}

function createAggregate(statement: CreateAggregateStatement, context: FunctionDdlContext): SchemaPlan {
  const { schema } = context;
  const keyspace = keyspaceOf(statement.aggregate, context.keyspace);
  const name = `${keyspace}.${statement.aggregate.name}`;
  checkEnabled(context.userFunctions, 'javascript');
  if (statement.orReplace && statement.ifNotExists) throw invalidRequest("Cannot use both 'OR REPLACE' and 'IF NOT EXISTS' directives");
  const ks = schema.findKeyspace(keyspace);
  if (ks === undefined) throw invalidRequest(`Keyspace '${keyspace}' doesn't exist`);
  for (const node of statement.argumentTypes) unfrozen(node, (t) => `Argument '${t}' cannot be frozen; remove frozen<> modifier from '${t}'`);
  unfrozen(statement.stateType, (t) => `State type '${t}' cannot be frozen; remove frozen<> modifier from '${t}'`);
  const argumentTypes = statement.argumentTypes.map((node) => valueType(resolveType(schema, keyspace, { node })));
  const stateType = valueType(resolveType(schema, keyspace, { node: statement.stateType }));
  const draft: UserAggregateMetadata = {
    keyspace, name: statement.aggregate.name, argumentTypes, stateFunction: statement.stateFunction, stateType,
    finalFunction: statement.finalFunction, initialCondition: null, returnType: stateType,
  };
  const { state, final } = aggregateFunctions(ks, draft);
  if (state === undefined) throw invalidRequest(`State function ${functionSignature(`${keyspace}.${statement.stateFunction}`, [stateType, ...argumentTypes])} doesn't exist`);
  if (argumentTypeText(state.returnType) !== argumentTypeText(stateType)) {
    throw invalidRequest(`State function ${functionSignature(`${keyspace}.${state.name}`, state.argumentTypes)} return type must be the same as the first argument type - check STYPE, argument and return types`);
  }
  if (statement.finalFunction !== null && final === undefined) {
    throw invalidRequest(`Final function ${functionSignature(`${keyspace}.${statement.finalFunction}`, [stateType])} doesn't exist`);
  }
  const initialCondition = initialConditionOf(statement, { keyspace, stateType });
  if (initialCondition === null && !state.calledOnNullInput) {
    throw invalidRequest(`Cannot create aggregate '${name}' without INITCOND because state function ${state.name} does not accept 'null' arguments`);
  }
  const metadata: UserAggregateMetadata = { ...draft, initialCondition, returnType: final?.returnType ?? stateType };
  const options = { orReplace: statement.orReplace, ifNotExists: statement.ifNotExists };
  return plan(() => schema.changeFunctions(keyspace, (current) => withAggregate(current, metadata, options)), schema);
}

function initialConditionOf(statement: CreateAggregateStatement, { keyspace, stateType }: { keyspace: string; stateType: DataType }): UserAggregateMetadata['initialCondition'] {
  if (statement.initialCondition === null) return null;
  const variables = new BindVariables();
  const term = prepareTerm(statement.initialCondition, { keyspace, table: statement.aggregate.name, name: 'initcond', type: stateType }, { variables });
  if (variables.specs.length > 0) throw invalidRequest('Bind variables are not allowed in CREATE AGGREGATE statements');
  const value = term({ values: [], nowMs: 0, randomBytes: (n) => Buffer.alloc(n) });
  if (value === null || value === UNSET) return null;
  return { text: termText(statement.initialCondition), hex: value.toString('hex') };
}
