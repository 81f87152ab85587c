// Roles and permissions statements into AuthPlans (executed by the auth layer), and the data
// permissions every other statement needs before it runs. USER statements become ROLE
// statements as Cassandra treats them (a user is a role that can log in); resources are
// resolved against the session keyspace and must exist, as Cassandra checks at validation.

import { invalidRequest } from '../common/errors.js';
import type { Schema } from '../schema/schema.js';
import type { PermissionName, Permissions, Resource, RoleOptions, Statement } from './ast.js';
import { keyspaceOf, resolveType } from './analyze-ddl.js';
import { argumentTypeText, functionSignature } from '../schema/schema-functions.js';
import type { AuthPlan, AuthResource, AuthStatement, DataAccess, PreparedStatement } from './plan.js';

export type AuthStatementNode = Extract<Statement, {
  kind: 'createRole' | 'alterRole' | 'dropRole' | 'createUser' | 'alterUser' | 'dropUser' | 'grantRole' | 'revokeRole'
    | 'grantPermissions' | 'revokePermissions' | 'listPermissions' | 'listRoles' | 'listUsers';
}>;

const authKinds: ReadonlySet<string> = new Set([
  'createRole', 'alterRole', 'dropRole', 'createUser', 'alterUser', 'dropUser', 'grantRole', 'revokeRole',
  'grantPermissions', 'revokePermissions', 'listPermissions', 'listRoles', 'listUsers',
]);

export function isAuthStatement(statement: Statement): statement is AuthStatementNode {
  return authKinds.has(statement.kind);
}

interface AuthAnalysisContext {
  schema: Schema;
  keyspace: string | null;
}

function userOptions(password: string | null, superuser: boolean | null, { login }: { login: boolean | null }): RoleOptions {
  return { password, hashedPassword: null, login, superuser, options: null };
}

function permissionsOf(permissions: Permissions): PermissionName[] | 'all' {
  return permissions.kind === 'all' ? 'all' : [permissions.permission];
}

export function analyzeAuth(statement: AuthStatementNode, context: AuthAnalysisContext): AuthPlan {
  return { kind: 'auth', statement: authStatement(statement, context) };
}

function authStatement(statement: AuthStatementNode, context: AuthAnalysisContext): AuthStatement {
  switch (statement.kind) {
    case 'createRole':
      return { kind: 'createRole', role: statement.role, ifNotExists: statement.ifNotExists, options: statement.options };
    case 'alterRole':
      return { kind: 'alterRole', role: statement.role, ifExists: statement.ifExists, options: statement.options };
    case 'dropRole':
      return { kind: 'dropRole', role: statement.role, ifExists: statement.ifExists };
    case 'createUser':
      // CREATE USER always makes a login role, and NOSUPERUSER is the default.
      return { kind: 'createRole', role: statement.user, ifNotExists: statement.ifNotExists, options: userOptions(statement.password, statement.superuser ?? false, { login: true }) };
    case 'alterUser':
      return { kind: 'alterRole', role: statement.user, ifExists: statement.ifExists, options: userOptions(statement.password, statement.superuser, { login: null }) };
    case 'dropUser':
      return { kind: 'dropRole', role: statement.user, ifExists: statement.ifExists };
    case 'grantRole':
      return { kind: 'grantRole', role: statement.role, grantee: statement.grantee };
    case 'revokeRole':
      return { kind: 'revokeRole', role: statement.role, revokee: statement.revokee };
    case 'grantPermissions':
      return { kind: 'grantPermissions', permissions: permissionsOf(statement.permissions), resource: resolveResource(statement.resource, context), role: statement.grantee };
    case 'revokePermissions':
      return { kind: 'revokePermissions', permissions: permissionsOf(statement.permissions), resource: resolveResource(statement.resource, context), role: statement.revokee };
    case 'listPermissions':
      return {
        kind: 'listPermissions', permissions: permissionsOf(statement.permissions), of: statement.of, recursive: statement.recursive,
        resource: statement.resource === null ? null : resolveResource(statement.resource, context),
      };
    case 'listRoles':
      return { kind: 'listRoles', of: statement.of, recursive: statement.recursive, users: false };
    case 'listUsers':
      return { kind: 'listRoles', of: null, recursive: true, users: true };
  }
}

/** Resolves a resource as written; data resources must exist ("Resource <table ks.t> doesn't exist"). */
function resolveResource(resource: Resource, context: AuthAnalysisContext): AuthResource {
  switch (resource.kind) {
    case 'allKeyspaces': return { kind: 'allKeyspaces' };
    case 'allRoles': return { kind: 'allRoles' };
    case 'role': return { kind: 'role', role: resource.role };
    case 'keyspace':
      if (context.schema.findKeyspace(resource.keyspace) === undefined) throw invalidRequest(`Resource <keyspace ${resource.keyspace}> doesn't exist`);
      return { kind: 'keyspace', keyspace: resource.keyspace };
    case 'table': {
      const keyspace = keyspaceOf(resource.table, context.keyspace);
      if (context.schema.findTable(keyspace, resource.table.name) === undefined) {
        throw invalidRequest(`Resource <table ${keyspace}.${resource.table.name}> doesn't exist`);
      }
      return { kind: 'table', keyspace, table: resource.table.name };
    }
    case 'allFunctions': {
      if (resource.keyspace === null) return { kind: 'allFunctions' };
      if (context.schema.findKeyspace(resource.keyspace) === undefined) throw invalidRequest(`Resource <all functions in ${resource.keyspace}> doesn't exist`);
      return { kind: 'keyspaceFunctions', keyspace: resource.keyspace };
    }
    case 'function': {
      // Cassandra's FunctionResource.functionFromCql: the keyspace is never taken from USE.
      const keyspace = resource.function.keyspace;
      if (keyspace === null) throw invalidRequest('In this context function name must be explictly qualified by a keyspace');
      const argumentTypes = resource.argTypes.map((node) => resolveType(context.schema, keyspace, { node }));
      const metadata = context.schema.findKeyspace(keyspace);
      const signature = functionSignature(resource.function.name, argumentTypes);
      const fn = metadata?.functions?.get(signature) ?? metadata?.aggregates?.get(signature);
      if (fn === undefined) throw invalidRequest(`Resource <function ${keyspace}.${resource.function.name}(${argumentTypes.map(argumentTypeText).join(', ')})> doesn't exist`);
      // The stored types, so that the resource's name is the one a use of the function checks.
      return { kind: 'function', keyspace, name: resource.function.name, argumentTypes: fn.argumentTypes };
    }
    case 'allMbeans': case 'mbean':
      throw invalidRequest('Permissions on MBeans are not supported');
  }
}

type AccessFields = Pick<PreparedStatement, 'access' | 'created' | 'dropped' | 'functionsOf'>;

function functionAccess(permission: 'CREATE' | 'DROP', keyspace: string): AccessFields {
  return { access: [{ permission, keyspace, table: null, resource: { kind: 'keyspaceFunctions', keyspace } }], functionsOf: keyspace };
}

/**
 * The data permissions a DDL or TRUNCATE statement needs, as Cassandra's statements check them
 * (CREATE KEYSPACE: CREATE on ALL KEYSPACES; CREATE TABLE/TYPE: CREATE on the keyspace; ALTER
 * and DROP on what they change). SELECT and modifications are derived from their plans.
 */
export function schemaAccessOf(statement: Statement, { sessionKeyspace, schema }: { sessionKeyspace: string | null; schema?: Pick<Schema, 'findTable'> }): AccessFields {
  const on = (permission: DataAccess['permission'], keyspace: string | null, { table = null }: { table?: string | null } = {}): DataAccess[] => [{ permission, keyspace, table }];
  switch (statement.kind) {
    case 'createKeyspace':
      return { access: on('CREATE', null), created: { keyspace: statement.keyspace, table: null } };
    case 'alterKeyspace': return { access: on('ALTER', statement.keyspace) };
    case 'dropKeyspace': return { access: on('DROP', statement.keyspace), dropped: { keyspace: statement.keyspace, table: null } };
    case 'createTable': {
      const keyspace = keyspaceOf(statement.table, sessionKeyspace);
      return { access: on('CREATE', keyspace), created: { keyspace, table: statement.table.name } };
    }
    case 'alterTable': return { access: on('ALTER', keyspaceOf(statement.table, sessionKeyspace), { table: statement.table.name }) };
    case 'dropTable': {
      const keyspace = keyspaceOf(statement.table, sessionKeyspace);
      return { access: on('DROP', keyspace, { table: statement.table.name }), dropped: { keyspace, table: statement.table.name } };
    }
    case 'createView': {
      const keyspace = keyspaceOf({ ...statement.table, keyspace: statement.table.keyspace ?? statement.view.keyspace ?? null }, sessionKeyspace);
      return { access: on('ALTER', keyspace, { table: statement.table.name }) };
    }
    case 'createIndex': {
      const keyspace = keyspaceOf({ ...statement.table, keyspace: statement.table.keyspace ?? statement.index?.keyspace ?? null }, sessionKeyspace);
      return { access: on('ALTER', keyspace, { table: statement.table.name }) };
    }
    // Cassandra's DropViewStatement and AlterViewStatement ask ALTER on the view's base table, and
    // nothing when there is no such view (the statement then fails, or does nothing with IF EXISTS).
    case 'dropView': case 'alterView': {
      const keyspace = keyspaceOf(statement.view, sessionKeyspace);
      const view = schema === undefined ? undefined : schema.findTable(keyspace, statement.view.name)?.view;
      if (schema !== undefined && view === undefined) return { access: [] };
      return { access: on('ALTER', keyspace, { table: view?.baseTableName ?? null }) };
    }
    // The indexed table is found at execution; ALTER on its keyspace covers it.
    case 'dropIndex': return { access: on('ALTER', keyspaceOf(statement.index, sessionKeyspace)) };
    case 'createType': return { access: on('CREATE', keyspaceOf(statement.type, sessionKeyspace)) };
    case 'alterType': return { access: on('ALTER', keyspaceOf(statement.type, sessionKeyspace)) };
    case 'dropType': return { access: on('DROP', keyspaceOf(statement.type, sessionKeyspace)) };
    // Cassandra asks CREATE on ALL FUNCTIONS IN KEYSPACE ks; DROP is asked there too (Cassandra asks it on the function
    // when the name resolves to one, whose parents include this resource).
    case 'createFunction': return functionAccess('CREATE', keyspaceOf(statement.function, sessionKeyspace));
    case 'createAggregate': return functionAccess('CREATE', keyspaceOf(statement.aggregate, sessionKeyspace));
    case 'dropFunction': case 'dropAggregate': return functionAccess('DROP', keyspaceOf(statement.function, sessionKeyspace));
    case 'truncate': return { access: on('MODIFY', keyspaceOf(statement.table, sessionKeyspace), { table: statement.table.name }) };
    default: return {};
  }
}
