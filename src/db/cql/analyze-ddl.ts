// DDL statements into SchemaPlans: the checks Cassandra makes at prepare time, then a closure
// that applies the change to the Schema (which validates the rest and reports the change).

import { invalidRequest } from '../common/errors.js';
import type { DataType } from '../protocol/data-type.js';
import type { SchemaChange } from '../protocol/messages.js';
import type { Schema } from '../schema/schema.js';
import type { OptionInput } from '../schema/table-options.js';
import {
  typeNodeToDataType, type AlterKeyspaceStatement, type AlterTableStatement, type AlterTypeStatement, type CreateKeyspaceStatement,
  type CreateIndexStatement, type CreateTableStatement, type CreateTypeStatement, type DropIndexStatement, type Property, type QualifiedName, type Term, type TypeNode,
} from './ast.js';
import { maybeQuote } from './describe-render.js';
import type { SchemaPlan } from './plan.js';

export type DdlStatement =
  | CreateKeyspaceStatement | AlterKeyspaceStatement | { kind: 'dropKeyspace'; keyspace: string; ifExists: boolean }
  | CreateTableStatement | AlterTableStatement | { kind: 'dropTable'; table: QualifiedName; ifExists: boolean }
  | CreateTypeStatement | AlterTypeStatement | { kind: 'dropType'; type: QualifiedName; ifExists: boolean }
  | CreateIndexStatement | DropIndexStatement;

export interface DdlContext {
  schema: Schema;
  /** The session's keyspace, for unqualified names. */
  keyspace: string | null;
  /** Timestamp (microseconds) for ALTER TABLE DROP. */
  nowMicros: () => number;
}

export function keyspaceOf(name: QualifiedName, sessionKeyspace: string | null): string {
  const keyspace = name.keyspace ?? sessionKeyspace;
  if (keyspace === null) throw invalidRequest('No keyspace has been specified. USE a keyspace, or explicitly specify keyspace.tablename');
  return keyspace;
}

export function propertiesToOptions(properties: Property[]): Record<string, string | Record<string, string>> {
  const out: Record<string, string | Record<string, string>> = {};
  for (const property of properties) {
    if (property.name in out) throw invalidRequest(`Multiple definitions for property ${property.name}`);
    out[property.name] = property.value.kind === 'map'
      ? Object.fromEntries(property.value.entries.map((e) => [e.key, e.value]))
      : property.value.text;
  }
  return out;
}

function keyspaceProperties(properties: Property[]): { replication?: Record<string, string>; durableWrites?: boolean } {
  const options = propertiesToOptions(properties);
  const out: { replication?: Record<string, string>; durableWrites?: boolean } = {};
  for (const [name, value] of Object.entries(options)) {
    if (name === 'replication') {
      if (typeof value === 'string') throw invalidRequest('replication must be a map');
      out.replication = value;
    } else if (name === 'durable_writes') {
      if (typeof value !== 'string' || !/^(true|false)$/i.test(value)) throw invalidRequest('durable_writes must be true or false');
      out.durableWrites = value.toLowerCase() === 'true';
    } else {
      throw invalidRequest(`Unknown property '${name}'`);
    }
  }
  return out;
}

export function resolveType(schema: Schema, keyspace: string, { node }: { node: TypeNode }): DataType {
  return typeNodeToDataType(node, ({ keyspace: ks, name, frozen }) => {
    const type = schema.findType(ks ?? keyspace, name);
    if (type === undefined) throw invalidRequest(`Unknown type ${ks ?? keyspace}.${name}`);
    return { kind: 'udt', keyspace: type.keyspace, name: type.name, fields: type.fields, frozen };
  });
}

export function plan(apply: () => SchemaChange | null, schema: Schema): SchemaPlan {
  return {
    kind: 'schema',
    apply: async () => {
      const change = apply();
      if (change !== null) await schema.save();
      return change;
    },
  };
}

export function analyzeDdl(statement: DdlStatement, context: DdlContext): SchemaPlan {
  const { schema } = context;
  switch (statement.kind) {
    case 'createKeyspace': {
      const props = keyspaceProperties(statement.properties);
      if (props.replication === undefined) throw invalidRequest('Missing mandatory option \'replication\'');
      return plan(() => schema.createKeyspace(statement.keyspace, props.replication!, { durableWrites: props.durableWrites ?? true, ifNotExists: statement.ifNotExists }), schema);
    }
    case 'alterKeyspace': {
      const props = keyspaceProperties(statement.properties);
      return plan(() => schema.alterKeyspace(statement.keyspace, props, { ifExists: statement.ifExists }), schema);
    }
    case 'dropKeyspace':
      return plan(() => schema.dropKeyspace(statement.keyspace, { ifExists: statement.ifExists }), schema);
    case 'createTable':
      return createTable(statement, context);
    case 'alterTable':
      return alterTable(statement, context);
    case 'dropTable': {
      const keyspace = keyspaceOf(statement.table, context.keyspace);
      return plan(() => schema.dropTable(keyspace, statement.table.name, { ifExists: statement.ifExists }), schema);
    }
    case 'createIndex':
      return createIndex(statement, context);
    case 'dropIndex': {
      const keyspace = keyspaceOf(statement.index, context.keyspace);
      return plan(() => schema.dropIndex(keyspace, statement.index.name, { ifExists: statement.ifExists }), schema);
    }
    case 'createType': {
      const keyspace = keyspaceOf(statement.type, context.keyspace);
      return plan(() => schema.createType(keyspace, statement.type.name,
        { fields: statement.fields.map((f) => ({ name: f.name, type: resolveType(schema, keyspace, { node: f.type }) })), ifNotExists: statement.ifNotExists }), schema);
    }
    case 'alterType': {
      const keyspace = keyspaceOf(statement.type, context.keyspace);
      const action = statement.action;
      if (action.kind === 'alterFieldType') throw invalidRequest('Altering the type of a field of a user type is not allowed');
      return plan(() => schema.alterType(keyspace, statement.type.name, { change: action.kind === 'addField'
        ? { kind: 'addField', field: action.field, type: resolveType(schema, keyspace, { node: action.type }) }
        : { kind: 'renameFields', renames: action.renames } }), schema);
    }
    case 'dropType': {
      const keyspace = keyspaceOf(statement.type, context.keyspace);
      return plan(() => schema.dropType(keyspace, statement.type.name, { ifExists: statement.ifExists }), schema);
    }
  }
}

function createTable(statement: CreateTableStatement, context: DdlContext): SchemaPlan {
  const { schema } = context;
  const keyspace = keyspaceOf(statement.table, context.keyspace);
  if (statement.compactStorage) throw invalidRequest('COMPACT STORAGE tables are not supported');
  if (statement.partitionKey.length === 0) throw invalidRequest(`No PRIMARY KEY specifed for table '${statement.table.name}' (exactly one required)`);
  const order = new Map(statement.clusteringOrder.map((o) => [o.column.name, o.order]));
  statement.clusteringOrder.forEach((o, i) => {
    if (statement.clustering[i]?.name !== o.column.name) {
      throw invalidRequest(`Only clustering key columns can be defined in CLUSTERING ORDER directive, in the order of the PRIMARY KEY: ${o.column.name}`);
    }
  });
  return plan(() => {
    if (schema.findKeyspace(keyspace) === undefined) throw invalidRequest(`Keyspace ${keyspace} doesn't exist`);
    return schema.createTable({
      keyspace,
      name: statement.table.name,
      columns: statement.columns.map((c) => ({ name: c.name, type: resolveType(schema, keyspace, { node: c.type }), isStatic: c.isStatic })),
      partitionKey: statement.partitionKey.map((c) => c.name),
      clustering: statement.clustering.map((c) => ({ name: c.name, order: order.get(c.name) ?? 'asc' })),
      options: propertiesToOptions(statement.properties) as OptionInput,
    }, { ifNotExists: statement.ifNotExists });
  }, schema);
}

/** CREATE INDEX: the keyspace is the table's, else the index name's, else the session's (CreateIndexStatement.Raw). */
function createIndex(statement: CreateIndexStatement, context: DdlContext): SchemaPlan {
  const { schema } = context;
  const keyspace = statement.table.keyspace ?? statement.index?.keyspace ?? context.keyspace;
  if (keyspace === null) throw invalidRequest('No keyspace has been specified. USE a keyspace, or explicitly specify keyspace.tablename');
  if (statement.index?.keyspace != null && statement.index.keyspace !== keyspace) {
    throw invalidRequest(`Keyspace name '${keyspace}' doesn't match index name '${statement.table.name}'`);
  }
  const name = statement.index?.name ?? null;
  if (name !== null && !/^\w+$/.test(name)) throw invalidRequest('Index name must not be empty, or contain non-alphanumeric-underscore characters (got "' + name + '")');
  const { column, type } = statement.target;
  return plan(() => schema.createIndex(keyspace, statement.table.name, {
    input: { name, target: { column: column.name, type, quotedColumn: maybeQuote(column.name) } }, ifNotExists: statement.ifNotExists,
  }), schema);
}

/**
 * ALTER TABLE ... DROP ... USING TIMESTAMP t: the drop's timestamp as given (DESCRIBE WITH
 * INTERNALS prints it so that a replayed schema drops the same cells); Cassandra's grammar
 * takes an integer literal only. Without it, now.
 */
function dropTimestamp(timestamp: Term | null, context: DdlContext): number {
  if (timestamp === null) return context.nowMicros();
  if (timestamp.kind !== 'literal' || timestamp.type !== 'integer') throw invalidRequest('USING TIMESTAMP of ALTER TABLE DROP must be an integer literal');
  const micros = Number(timestamp.text);
  if (!Number.isSafeInteger(micros)) throw invalidRequest(`Invalid timestamp ${timestamp.text}`);
  return micros;
}

function alterTable(statement: AlterTableStatement, context: DdlContext): SchemaPlan {
  const { schema } = context;
  const keyspace = keyspaceOf(statement.table, context.keyspace);
  const name = statement.table.name;
  const action = statement.action;
  switch (action.kind) {
    case 'addColumns':
      return plan(() => schema.alterTable(keyspace, name, { change: {
        kind: 'addColumns',
        columns: action.columns.map((c) => ({ name: c.name, type: resolveType(schema, keyspace, { node: c.type }), isStatic: c.isStatic })),
      } }), schema);
    case 'dropColumns':
      return plan(() => schema.alterTable(keyspace, name, {
        change: { kind: 'dropColumns', columns: action.columns.map((c) => c.name), droppedAtMicros: dropTimestamp(action.timestamp, context) },
      }), schema);
    case 'renameColumns':
      return plan(() => schema.alterTable(keyspace, name, { change: { kind: 'renameColumns', renames: action.renames.map((r) => ({ from: r.from.name, to: r.to.name })) } }), schema);
    case 'alterColumnType':
      throw invalidRequest('Altering column types is no longer supported');
    case 'withProperties':
      return plan(() => schema.alterTable(keyspace, name, { change: { kind: 'withOptions', options: propertiesToOptions(action.properties) as OptionInput } }), schema);
  }
}
