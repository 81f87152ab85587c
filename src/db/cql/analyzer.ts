// Semantic analysis: a parsed Statement plus the schema and the session's keyspace become a
// PreparedStatement (plan, bind variable types, result columns).

import { createViewPlan } from './analyze-view.js';
import { enforcesStrictLiveness } from '../schema/views.js';
import { invalidRequest } from '../common/errors.js';
import type { ColumnSpec } from '../protocol/messages.js';
import type { TableMetadata } from '../schema/metadata.js';
import type { Schema } from '../schema/schema.js';
import { VIEWS_KEYSPACE } from '../schema/system-views-tables.js';
import type { ModificationStatement, QualifiedName, Statement } from './ast.js';
import { analyzeDdl, keyspaceOf, plan as schemaPlan, propertiesToOptions } from './analyze-ddl.js';
import type { OptionInput } from '../schema/table-options.js';
import { analyzeDelete, analyzeInsert, analyzeUpdate } from './analyze-modification.js';
import { analyzeSelect } from './analyze-select.js';
import { analyzeFunctionDdl } from './analyze-functions.js';
import { disabledUserFunctions, type UserFunctionScope, type UserFunctionSettings } from './user-functions.js';
import { elementColumns } from './describe.js';
import { analyzeAuth, isAuthStatement, schemaAccessOf } from './analyze-auth.js';
import type { DataAccess, ModificationPlan, Plan, PreparedStatement } from './plan.js';
import { BindVariables, prepareTerm } from './terms.js';
import { isCounterTable } from '../schema/table-builder.js';

export interface AnalysisContext {
  schema: Schema;
  keyspace: string | null;
  nowMicros: () => number;
  /** enable_user_defined_functions and where UDFs run; disabled without. */
  userFunctions?: UserFunctionSettings;
  /** enable_materialized_views (off without). */
  materializedViews?: boolean;
}

export { MATERIALIZED_VIEWS_DISABLED } from './analyze-view.js';

function tableOf(schema: Schema, name: QualifiedName, { sessionKeyspace }: { sessionKeyspace: string | null }): TableMetadata {
  const keyspace = keyspaceOf(name, sessionKeyspace);
  if (schema.findKeyspace(keyspace) === undefined) throw invalidRequest(`Keyspace ${keyspace} does not exist`);
  const table = schema.findTable(keyspace, name.name);
  if (table === undefined) throw invalidRequest(`unconfigured table ${name.name}`);
  return table;
}

function analyzeModification(statement: ModificationStatement, context: AnalysisContext, { variables }: { variables: BindVariables }): ModificationPlan {
  const table = tableOf(context.schema, statement.table, { sessionKeyspace: context.keyspace });
  // Cassandra's answers: its read-only virtual tables (system_views) and its local system tables.
  if (table.virtual && table.keyspace === VIEWS_KEYSPACE) throw invalidRequest(`Modification is not supported by table ${table.keyspace}.${table.name}`);
  if (table.virtual) throw invalidRequest(`Modification of system table ${table.keyspace}.${table.name} is not supported`);
  if (table.view !== undefined) throw invalidRequest('Cannot directly modify a materialized view');
  switch (statement.kind) {
    case 'insert': return analyzeInsert(statement, table, { variables });
    case 'update': return analyzeUpdate(statement, table, { variables });
    case 'delete': return analyzeDelete(statement, table, { variables });
  }
}

function partitionKeyIndices(table: TableMetadata | null, variables: ColumnSpec[]): number[] {
  if (table === null) return [];
  const indices = table.partitionKey.map((column) =>
    variables.findIndex((v) => v.table === table.name && v.keyspace === table.keyspace && v.name === column.name));
  return indices.every((i) => i >= 0) ? indices : [];
}

function qualified(statement: Statement): boolean {
  if (statement.kind === 'batch') return statement.statements.every((s) => s.table.keyspace !== null);
  if ('table' in statement && statement.table !== undefined && 'keyspace' in statement.table) return statement.table.keyspace !== null;
  return true;
}

export function analyzeStatement(statement: Statement, context: AnalysisContext): PreparedStatement {
  const variables = new BindVariables();
  // Every user function the statement calls, for the EXECUTE checks (accessOf).
  const used: NonNullable<UserFunctionScope['used']> = new Map();
  variables.functions = { schema: context.schema, settings: context.userFunctions ?? disabledUserFunctions, used };
  let plan: Plan;
  let table: TableMetadata | null = null;
  let resultColumns: ColumnSpec[] = [];
  switch (statement.kind) {
    case 'select': {
      table = tableOf(context.schema, statement.table, { sessionKeyspace: context.keyspace });
      const select = analyzeSelect(statement, table, { variables, functions: variables.functions });
      resultColumns = select.selection.columns;
      plan = enforcesStrictLiveness(context.schema, table) ? { ...select, strictLiveness: true } : select;
      break;
    }
    case 'insert': case 'update': case 'delete': {
      const modification = analyzeModification(statement, context, { variables });
      table = modification.table;
      plan = modification;
      break;
    }
    case 'batch': {
      const statements = statement.statements.map((s) => {
        if (s.using.timestamp !== null && statement.using.timestamp !== null) throw invalidRequest('Timestamp must be set either on BATCH or individual statements');
        const analyzed = analyzeModification(s, context, { variables });
        const counter = isCounterTable(analyzed.table);
        if (statement.batchType === 'logged' && counter) throw invalidRequest('Cannot include a counter statement in a logged batch');
        if (statement.batchType === 'counter' && !counter) throw invalidRequest('Cannot include non-counter statement in a counter batch');
        return analyzed;
      });
      const counters = statements.filter((s) => isCounterTable(s.table)).length;
      if (counters > 0 && counters < statements.length) throw invalidRequest('Counter and non-counter mutations cannot exist in the same batch');
      if (counters > 0 && statement.using.timestamp !== null) throw invalidRequest('Cannot provide custom timestamp for counter BATCH');
      if (statement.using.ttl !== null) throw invalidRequest('Global TTL on the BATCH statement is not supported.');
      if (statements.some((s) => s.condition !== undefined)) {
        if (statement.using.timestamp !== null) throw invalidRequest('Cannot provide custom timestamp for conditional BATCH');
        if (statements.some((s) => s.table.id !== statements[0]!.table.id)) throw invalidRequest('Batch with conditions cannot span multiple tables');
      }
      // BATCH USING TIMESTAMP applies to every statement (none may carry its own).
      const timestamp = statement.using.timestamp === null ? null
        : prepareTerm(statement.using.timestamp, { keyspace: '', table: '', name: '[timestamp]', type: { kind: 'native', name: 'bigint' } }, { variables });
      plan = { kind: 'batch', statements, logged: statement.batchType === 'logged', timestamp };
      break;
    }
    case 'use':
      if (context.schema.findKeyspace(statement.keyspace) === undefined) throw invalidRequest(`Keyspace '${statement.keyspace}' does not exist`);
      plan = { kind: 'use', keyspace: statement.keyspace };
      break;
    case 'truncate': {
      table = tableOf(context.schema, statement.table, { sessionKeyspace: context.keyspace });
      if (table.virtual) throw invalidRequest(`Cannot truncate system table ${table.keyspace}.${table.name}`);
      if (table.view !== undefined) throw invalidRequest('Cannot TRUNCATE materialized view directly; must truncate base table instead');
      plan = { kind: 'truncate', table };
      break;
    }
    case 'createKeyspace': case 'alterKeyspace': case 'dropKeyspace': case 'createTable': case 'alterTable':
    case 'dropTable': case 'createType': case 'alterType': case 'dropType': case 'createIndex': case 'dropIndex':
      plan = analyzeDdl(statement, { schema: context.schema, keyspace: context.keyspace, nowMicros: context.nowMicros });
      break;
    case 'createFunction': case 'dropFunction': case 'createAggregate': case 'dropAggregate':
      plan = analyzeFunctionDdl(statement, { schema: context.schema, keyspace: context.keyspace, userFunctions: context.userFunctions ?? disabledUserFunctions });
      break;
    case 'describe':
      plan = { kind: 'describe', target: statement.target, internals: statement.internals };
      if (statement.target.kind !== 'cluster') resultColumns = elementColumns(statement.target);
      break;
    case 'createView':
      plan = createViewPlan(statement, { schema: context.schema, keyspace: context.keyspace, enabled: context.materializedViews === true });
      break;
    case 'dropView': {
      const keyspace = keyspaceOf(statement.view, context.keyspace);
      plan = schemaPlan(() => context.schema.dropView(keyspace, statement.view.name, { ifExists: statement.ifExists }), context.schema);
      break;
    }
    case 'alterView': {
      const keyspace = keyspaceOf(statement.view, context.keyspace);
      const options = propertiesToOptions(statement.properties) as OptionInput;
      plan = schemaPlan(() => context.schema.alterView(keyspace, statement.view.name, { options }), context.schema);
      break;
    }
    case 'unsupported':
      throw invalidRequest(`${statement.feature} is not supported`);
    default:
      if (!isAuthStatement(statement)) throw invalidRequest('statement not supported');
      plan = analyzeAuth(statement, { schema: context.schema, keyspace: context.keyspace });
      break;
  }
  const bound = variables.complete(statement.bindMarkers.length);
  return {
    plan,
    variables: bound,
    partitionKeyIndices: partitionKeyIndices(table, bound),
    resultColumns,
    keyspace: table?.keyspace ?? null,
    fullyQualified: qualified(statement),
    ...withExecute(accessOf(plan, statement, { sessionKeyspace: context.keyspace, schema: context.schema }), used),
  };
}

/** EXECUTE on every user function and aggregate the statement calls, after its data permissions (Cassandra's authorize order). */
function withExecute(fields: Pick<PreparedStatement, 'access' | 'created' | 'dropped' | 'functionsOf'>, used: NonNullable<UserFunctionScope['used']>): Pick<PreparedStatement, 'access' | 'created' | 'dropped' | 'functionsOf'> {
  if (used.size === 0) return fields;
  const execute = [...used.values()].map((fn): DataAccess => ({ permission: 'EXECUTE', keyspace: fn.keyspace, table: null, resource: { kind: 'function', ...fn } }));
  return { ...fields, access: [...(fields.access ?? []), ...execute] };
}

/** What the authorizer checks before execution: SELECT to read, MODIFY to write, DDL per schemaAccessOf. */
function accessOf(plan: Plan, statement: Statement, { sessionKeyspace, schema }: { sessionKeyspace: string | null; schema: Schema }): Pick<PreparedStatement, 'access' | 'created' | 'dropped' | 'functionsOf'> {
  const on = (permission: DataAccess['permission'], table: TableMetadata): DataAccess => ({ permission, keyspace: table.keyspace, table: table.name });
  switch (plan.kind) {
    case 'select': return { access: [on('SELECT', plan.table)] };
    // A condition reads the table: Cassandra asks SELECT too.
    case 'modification': return { access: [on('MODIFY', plan.table), ...(plan.condition === undefined ? [] : [on('SELECT', plan.table)])] };
    case 'batch': return { access: plan.statements.flatMap((s) => [on('MODIFY', s.table), ...(s.condition === undefined ? [] : [on('SELECT', s.table)])]) };
    default: return schemaAccessOf(statement, { sessionKeyspace, schema });
  }
}
