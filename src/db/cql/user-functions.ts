// User-defined functions and aggregates at query time (Cassandra's UDFunction and UDAggregate):
// finding the overload a call names, converting CQL values to and from the JSON the
// JavaScript body sees (each value as toJson() writes it and fromJson() reads it), and the
// null-input rules. The code runs in the injected ScriptRuntime (isolated, time-limited).

import { CqlError, ErrorCode, invalidRequest } from '../common/errors.js';
import type { ScriptFunction, ScriptRuntime } from '../common/script-runtime.js';
import { dataTypeToCql, type DataType } from '../protocol/data-type.js';
import type { Schema } from '../schema/schema.js';
import type { KeyspaceMetadata, UserAggregateMetadata, UserFunctionMetadata } from '../schema/metadata.js';
import { argumentTypeText } from '../schema/schema-functions.js';
import { JsonValueError, valueFromJson } from './json.js';
import { JsonSyntaxError, parseJson } from './json-parse.js';
import { valueJson } from './value-text.js';

/** What analysis needs to use user-defined functions: whether they are enabled, and where they run. */
export interface UserFunctionSettings {
  enabled: boolean;
  /** enable_scripted_user_defined_functions: JavaScript ones (on unless set false). */
  scriptedEnabled: boolean;
  runtime: ScriptRuntime | null;
}

/** Where selectors find user functions: the schema, and the settings they run under. */
export interface UserFunctionScope {
  schema: Pick<Schema, 'findKeyspace'>;
  settings: UserFunctionSettings;
  /** Told of every user function and aggregate a statement calls (an aggregate, then its state and final functions): the EXECUTE checks. */
  used?: Map<string, { keyspace: string; name: string; argumentTypes: DataType[] }>;
}

/** Records a call of a user function or aggregate in the scope (see UserFunctionScope.used). */
export function noteUsed(scope: UserFunctionScope, fn: { keyspace: string; name: string; argumentTypes: DataType[] }): void {
  scope.used?.set(functionLabel(fn), { keyspace: fn.keyspace, name: fn.name, argumentTypes: fn.argumentTypes });
}

export const disabledUserFunctions: UserFunctionSettings = { enabled: false, scriptedEnabled: true, runtime: null };

export const UDFS_DISABLED = 'User-defined functions are disabled in cassandra.yaml - set enable_user_defined_functions=true to enable';
export const SCRIPTED_UDFS_DISABLED = 'Scripted user-defined functions are disabled in cassandra.yaml - set enable_scripted_user_defined_functions=true to enable if you are aware of the security risks';

/** `ks.f[int, text]`, as Cassandra names a function in execution errors. */
export function functionLabel(fn: { keyspace: string; name: string; argumentTypes: readonly DataType[] }): string {
  return `${fn.keyspace}.${fn.name}[${fn.argumentTypes.map(argumentTypeText).join(', ')}]`;
}

/** The overloads of a user function or aggregate by name and arity in one keyspace. */
export function userOverloads(keyspace: KeyspaceMetadata | undefined, name: string, { arity }: { arity: number }): Array<UserFunctionMetadata | UserAggregateMetadata> {
  if (keyspace === undefined) return [];
  const all = [...(keyspace.functions?.values() ?? []), ...(keyspace.aggregates?.values() ?? [])];
  return all.filter((fn) => fn.name === name && fn.argumentTypes.length === arity);
}

export const isAggregate = (fn: UserFunctionMetadata | UserAggregateMetadata): fn is UserAggregateMetadata => 'stateFunction' in fn;

/** Whether a value of `actual` may be passed where `declared` is expected (frozen or not alike). */
export function acceptsType(declared: DataType, actual: DataType): boolean {
  return argumentTypeText(declared) === argumentTypeText(actual);
}

/** A callable user function: bytes in, bytes out, with Cassandra's null-input rule and errors. */
export interface CompiledUserFunction {
  metadata: UserFunctionMetadata;
  /** Null when the function RETURNS NULL ON NULL INPUT and an argument is null. */
  execute(args: ReadonlyArray<Buffer | null>): Buffer | null;
}

const compiled = new WeakMap<UserFunctionMetadata, ScriptFunction>();

export function compileUserFunction(metadata: UserFunctionMetadata, settings: UserFunctionSettings): CompiledUserFunction {
  const label = functionLabel(metadata);
  return {
    metadata,
    execute(args) {
      if (!metadata.calledOnNullInput && args.some((arg) => arg === null || arg.length === 0)) return null;
      if (!settings.enabled) throw invalidRequest(UDFS_DISABLED);
      const script = scriptOf(metadata, settings);
      const input = `[${args.map((arg, i) => (arg === null ? 'null' : valueJson(metadata.argumentTypes[i]!, arg))).join(', ')}]`;
      const outcome = script.call(input);
      if (!outcome.ok) {
        const detail = outcome.timedOut
          ? `User defined function ${metadata.keyspace}.${metadata.name}(${metadata.argumentTypes.map(argumentTypeText).join(', ')}) ${outcome.message}`
          : outcome.message;
        throw functionFailure(metadata, `execution of '${label}' failed: ${detail}`);
      }
      if (outcome.json === null) return null;
      return resultValue(metadata, outcome.json);
    },
  };
}

/** Compiles (once per metadata object) or explains why the function cannot run here. */
export function scriptOf(metadata: UserFunctionMetadata, settings: UserFunctionSettings): ScriptFunction {
  const known = compiled.get(metadata);
  if (known !== undefined) return known;
  if (settings.runtime === null || metadata.language !== 'javascript') {
    throw functionFailure(metadata, `execution of '${functionLabel(metadata)}' failed: language ${metadata.language} is not available on this node`);
  }
  const script = settings.runtime.compile({ argumentNames: metadata.argumentNames, body: metadata.body, label: functionLabel(metadata) });
  compiled.set(metadata, script);
  return script;
}

function resultValue(metadata: UserFunctionMetadata, json: string): Buffer | null {
  const failed = (detail: string) => functionFailure(metadata, `execution of '${functionLabel(metadata)}' failed: the result ${json.slice(0, 200)} is not a value of type ${dataTypeToCql(metadata.returnType)}: ${detail}`);
  try {
    const parsed = parseJson(json);
    return parsed === null ? null : valueFromJson(metadata.returnType, parsed);
  } catch (error) {
    if (error instanceof JsonValueError || error instanceof JsonSyntaxError) throw failed(error.message);
    if (error instanceof CqlError) throw failed(error.message);
    throw error;
  }
}

export function functionFailure(fn: { keyspace: string; name: string; argumentTypes: readonly DataType[] }, message: string): CqlError {
  return new CqlError(ErrorCode.FunctionFailure, message, {
    kind: 'functionFailure', keyspace: fn.keyspace, functionName: fn.name, argTypes: fn.argumentTypes.map(argumentTypeText),
  });
}

/** One aggregation of a user aggregate: the state through the state function, then the final function. */
export interface UserAggregation {
  add(args: ReadonlyArray<Buffer | null>): void;
  compute(): Buffer | null;
}

export function userAggregation(
  aggregate: UserAggregateMetadata,
  { stateFunction, finalFunction }: { stateFunction: CompiledUserFunction; finalFunction: CompiledUserFunction | null },
): () => UserAggregation {
  const initial = aggregate.initialCondition === null ? null : Buffer.from(aggregate.initialCondition.hex, 'hex');
  return () => {
    let state: Buffer | null = initial;
    return {
      add(args) {
        // UDFunction.executeForAggregate: a state function that returns null on null input keeps the state.
        if (!stateFunction.metadata.calledOnNullInput && (state === null || args.some((arg) => arg === null || arg.length === 0))) return;
        state = stateFunction.execute([state, ...args]);
      },
      compute: () => (finalFunction === null ? state : finalFunction.execute([state])),
    };
  };
}
