// LIST ROLES, LIST USERS and LIST PERMISSIONS: result sets with Cassandra 4.0's columns
// (system_auth.roles: role, super, login, options, datacenters; system_auth.users: name,
// super, datacenters; system_auth.permissions: role, username, resource, permission), sorted
// as Cassandra sorts them. An empty listing is a Void result, as in Cassandra.

import { invalidRequest, unauthorized } from '../common/errors.js';
import type { AuthResource, AuthStatement } from '../cql/plan.js';
import type { DataType } from '../protocol/data-type.js';
import type { ColumnSpec, ResultMessage } from '../protocol/messages.js';
import { encodeValue } from '../protocol/type-codecs.js';
import type { AuthService, RoleSnapshot } from './auth-service.js';
import { PERMISSIONS, displayResourceName, permissionOrder, resourceChain, resourceName } from './resources.js';
import type { RoleRecord } from './role-store.js';

const text: DataType = { kind: 'native', name: 'text' };
const boolean: DataType = { kind: 'native', name: 'boolean' };
const options: DataType = { kind: 'map', key: text, value: text, frozen: false };

const column = (table: string, name: string, { type }: { type: DataType }): ColumnSpec => ({ keyspace: 'system_auth', table, name, type });

const ROLE_COLUMNS = [column('roles', 'role', { type: text }), column('roles', 'super', { type: boolean }), column('roles', 'login', { type: boolean }),
  column('roles', 'options', { type: options }), column('roles', 'datacenters', { type: text })];
const USER_COLUMNS = [column('users', 'name', { type: text }), column('users', 'super', { type: boolean }), column('users', 'datacenters', { type: text })];
const PERMISSION_COLUMNS = [column('permissions', 'role', { type: text }), column('permissions', 'username', { type: text }),
  column('permissions', 'resource', { type: text }), column('permissions', 'permission', { type: text })];

function rows(columns: ColumnSpec[], values: Array<Array<Buffer | null>>): ResultMessage {
  if (values.length === 0) return { kind: 'void' };
  return { kind: 'rows', metadata: { columns, columnCount: columns.length, pagingState: null }, rows: values };
}

/** The role and those granted to it: all of them transitively, or only the direct ones. */
async function rolesOf(auth: AuthService, name: string, { recursive }: { recursive: boolean }): Promise<Set<string>> {
  const snapshot = await auth.snapshot(name);
  if (recursive) return snapshot.roles;
  return new Set(snapshot.role === null ? [] : [name, ...snapshot.role.memberOf]);
}

export async function listRoles(auth: AuthService, user: RoleSnapshot, { statement }: { statement: Extract<AuthStatement, { kind: 'listRoles' }> }): Promise<ResultMessage> {
  const { of, recursive } = statement;
  if (of !== null && (await auth.store.getRole(of)) === null) throw invalidRequest(`<role ${of}> doesn't exist`);
  let names: Set<string> | null;
  if (auth.hasPermission(user, 'DESCRIBE', { resource: { kind: 'allRoles' } })) {
    names = of === null ? null : await rolesOf(auth, of, { recursive });
  } else if (of === null) {
    names = await rolesOf(auth, user.name, { recursive });
  } else if (user.roles.has(of)) {
    names = await rolesOf(auth, of, { recursive });
  } else {
    throw unauthorized(`You are not authorized to view roles granted to ${of} `);
  }
  const all = await auth.store.allRoles();
  const listed = all.filter((role) => names === null || names.has(role.name)).sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
  if (statement.users) return listUsers(auth, listed);
  return rows(ROLE_COLUMNS, listed.map((role) => [
    encodeValue(text, role.name), encodeValue(boolean, role.superuser), encodeValue(boolean, role.login),
    encodeValue(options, new Map()), encodeValue(text, 'ALL'),
  ]));
}

/** LIST USERS: the roles that can log in, with superuser status counting inherited roles. */
async function listUsers(auth: AuthService, roles: RoleRecord[]): Promise<ResultMessage> {
  const values: Array<Array<Buffer | null>> = [];
  for (const role of roles.filter((each) => each.login)) {
    const { superuser } = await auth.snapshot(role.name);
    values.push([encodeValue(text, role.name), encodeValue(boolean, superuser), encodeValue(text, 'ALL')]);
  }
  return rows(USER_COLUMNS, values);
}

interface PermissionDetail {
  role: string;
  resource: string;
  permission: string;
}

export async function listPermissions(auth: AuthService, user: RoleSnapshot, { statement }: { statement: Extract<AuthStatement, { kind: 'listPermissions' }> }): Promise<ResultMessage> {
  if (!auth.authorization) throw invalidRequest('LIST PERMISSIONS operation is not supported by AllowAllAuthorizer');
  const { of } = statement;
  if (of !== null && (await auth.store.getRole(of)) === null) throw invalidRequest(`<role ${of}> doesn't exist`);
  if (!user.superuser && (of === null || !user.roles.has(of))) {
    throw unauthorized(`You are not authorized to view ${of ?? 'everyone'}'s permissions`);
  }
  const wanted = new Set<string>(statement.permissions === 'all' ? PERMISSIONS : statement.permissions);
  const resources = resourcesOf(statement.resource, statement.recursive);
  // Role inheritance always counts, NORECURSIVE only stops the walk up the resource's parents.
  const roles = of === null ? null : (await auth.snapshot(of)).roles;
  const grants = await auth.store.allPermissions();
  const details: PermissionDetail[] = [];
  for (const grant of grants) {
    if (roles !== null && !roles.has(grant.role)) continue;
    if (resources !== null && !resources.has(grant.resource)) continue;
    for (const permission of grant.permissions) {
      if (wanted.has(permission)) details.push({ role: grant.role, resource: grant.resource, permission });
    }
  }
  details.sort(compareDetails);
  return rows(PERMISSION_COLUMNS, details.map((detail) => [
    encodeValue(text, detail.role), encodeValue(text, detail.role), encodeValue(text, displayResourceName(detail.resource)), encodeValue(text, detail.permission),
  ]));
}

function resourcesOf(resource: AuthResource | null, recursive: boolean): Set<string> | null {
  if (resource === null) return null;
  return new Set((recursive ? resourceChain(resource) : [resource]).map(resourceName));
}

function compareDetails(a: PermissionDetail, b: PermissionDetail): number {
  if (a.role !== b.role) return a.role < b.role ? -1 : 1;
  if (a.resource !== b.resource) return a.resource < b.resource ? -1 : 1;
  return permissionOrder(a.permission) - permissionOrder(b.permission);
}
