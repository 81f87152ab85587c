// Executes roles and permissions statements with Cassandra's checks and messages:
// CREATE/ALTER/DROP ROLE (and USER), GRANT/REVOKE role, GRANT/REVOKE permissions,
// LIST ROLES/USERS and LIST PERMISSIONS. Anonymous sessions (AllowAllAuthenticator) may run
// none of them; permission statements need the CassandraAuthorizer.

import { invalidRequest, unauthorized } from '../common/errors.js';
import type { RoleOptions } from '../cql/ast.js';
import type { AuthResource, AuthStatement } from '../cql/plan.js';
import type { ResultMessage } from '../protocol/messages.js';
import type { AuthService, RoleSnapshot } from './auth-service.js';
import { listPermissions, listRoles } from './auth-listing.js';
import { applicablePermissions, requestedPermissions, resourceName, type Permission } from './resources.js';
import { checkRoleName, type RoleChanges } from './role-store.js';

const VOID: ResultMessage = { kind: 'void' };

/** The logged-in role's snapshot; anonymous sessions are refused as Cassandra refuses them. */
export async function requireLogin(auth: AuthService, user: string | null): Promise<RoleSnapshot> {
  if (user === null) throw unauthorized('You have to be logged in and not anonymous to perform this request');
  return auth.snapshot(user);
}

/** Role statements check with a friendlier message than data permissions (Cassandra's AuthenticationStatement). */
function checkRolePermission(auth: AuthService, user: RoleSnapshot, { permission, resource }: { permission: Permission; resource: AuthResource }): void {
  if (auth.hasPermission(user, permission, { resource })) return;
  throw unauthorized(`User ${user.name} does not have sufficient privileges to perform the requested operation`);
}

// eslint-disable-next-line no-restricted-syntax -- called by transport/query-processor.ts, which another change is moving; convert it there
export async function executeAuthStatement(auth: AuthService, statement: AuthStatement, userName: string | null): Promise<ResultMessage> {
  const user = await requireLogin(auth, userName);
  try {
    return await dispatch(auth, user, { statement });
  } finally {
    // This node sees its own changes at once; others within the validity window.
    if (statement.kind !== 'listPermissions' && statement.kind !== 'listRoles') auth.invalidate();
  }
}

function dispatch(auth: AuthService, user: RoleSnapshot, { statement }: { statement: AuthStatement }): Promise<ResultMessage> {
  switch (statement.kind) {
    case 'createRole': return createRole(auth, user, { statement });
    case 'alterRole': return alterRole(auth, user, { statement });
    case 'dropRole': return dropRole(auth, user, { statement });
    case 'grantRole': case 'revokeRole': return manageMembership(auth, user, { statement });
    case 'grantPermissions': case 'revokePermissions': return managePermissions(auth, user, { statement });
    case 'listPermissions': return listPermissions(auth, user, { statement });
    case 'listRoles': return listRoles(auth, user, { statement });
  }
}

async function roleExists(auth: AuthService, name: string): Promise<boolean> {
  return (await auth.store.getRole(name)) !== null;
}

async function roleChanges(auth: AuthService, options: RoleOptions): Promise<RoleChanges> {
  if (options.hashedPassword !== null) throw invalidRequest('HASHED PASSWORD is not supported');
  if (options.options !== null && options.options.length > 0) throw invalidRequest('Custom options are not supported by CassandraRoleManager');
  const changes: RoleChanges = {};
  if (options.superuser !== null) changes.superuser = options.superuser;
  if (options.login !== null) changes.login = options.login;
  if (options.password !== null) {
    if (!auth.authentication) throw invalidRequest('PASSWORD is not supported by the AllowAllAuthenticator');
    changes.saltedHash = await auth.passwords.hash(options.password, { random: auth.random, workFactor: auth.bcryptWorkFactor });
  }
  return changes;
}

async function createRole(auth: AuthService, user: RoleSnapshot, { statement }: { statement: Extract<AuthStatement, { kind: 'createRole' }> }): Promise<ResultMessage> {
  checkRoleName(statement.role);
  checkRolePermission(auth, user, { permission: 'CREATE', resource: { kind: 'allRoles' } });
  if (statement.options.superuser === true && !user.superuser) throw unauthorized('Only superusers can create a role with superuser status');
  if (await roleExists(auth, statement.role)) {
    if (statement.ifNotExists) return VOID;
    throw invalidRequest(`${statement.role} already exists`);
  }
  const changes = await roleChanges(auth, statement.options);
  await auth.store.createRole(statement.role, { superuser: changes.superuser ?? false, login: changes.login ?? false, saltedHash: changes.saltedHash ?? null });
  const resource: AuthResource = { kind: 'role', role: statement.role };
  await auth.grantToCreator(user.name, resource, applicablePermissions(resource));
  return VOID;
}

async function alterRole(auth: AuthService, user: RoleSnapshot, { statement }: { statement: Extract<AuthStatement, { kind: 'alterRole' }> }): Promise<ResultMessage> {
  const { options } = statement;
  if (options.password === null && options.hashedPassword === null && options.login === null && options.superuser === null && options.options === null) {
    throw invalidRequest("ALTER [ROLE|USER] can't be empty");
  }
  if (!(await roleExists(auth, statement.role))) {
    if (statement.ifExists) return VOID;
    throw invalidRequest(`${statement.role} doesn't exist`);
  }
  if (options.superuser !== null && user.roles.has(statement.role)) {
    throw unauthorized("You aren't allowed to alter your own superuser status or that of a role granted to you");
  }
  if (options.superuser !== null && !user.superuser) throw unauthorized('Only superusers are allowed to alter superuser status');
  if (!user.superuser) {
    if (user.name === statement.role) {
      // A role may change its own password, nothing else.
      if (options.login !== null) throw unauthorized("You aren't allowed to alter LOGIN");
      if (options.options !== null) throw unauthorized("You aren't allowed to alter OPTIONS");
    } else {
      checkRolePermission(auth, user, { permission: 'ALTER', resource: { kind: 'role', role: statement.role } });
    }
  }
  await auth.store.alterRole(statement.role, await roleChanges(auth, options));
  return VOID;
}

async function dropRole(auth: AuthService, user: RoleSnapshot, { statement }: { statement: Extract<AuthStatement, { kind: 'dropRole' }> }): Promise<ResultMessage> {
  const existing = await auth.store.getRole(statement.role);
  if (existing === null && !statement.ifExists) throw invalidRequest(`${statement.role} doesn't exist`);
  if (user.name === statement.role) throw invalidRequest('Cannot DROP primary role for current login');
  checkRolePermission(auth, user, { permission: 'DROP', resource: { kind: 'role', role: statement.role } });
  if (existing === null) return VOID;
  if ((await auth.snapshot(statement.role)).superuser && !user.superuser) throw unauthorized('Only superusers can drop a role with superuser status');
  await auth.store.dropRole(statement.role);
  await auth.store.revokeAllFrom(statement.role);
  await auth.store.revokeAllOn(resourceName({ kind: 'role', role: statement.role }));
  return VOID;
}

async function manageMembership(auth: AuthService, user: RoleSnapshot, { statement }: { statement: Extract<AuthStatement, { kind: 'grantRole' | 'revokeRole' }> }): Promise<ResultMessage> {
  const member = statement.kind === 'grantRole' ? statement.grantee : statement.revokee;
  if (!(await roleExists(auth, statement.role))) throw invalidRequest(`${statement.role} doesn't exist`);
  if (!(await roleExists(auth, member))) throw invalidRequest(`${member} doesn't exist`);
  checkRolePermission(auth, user, { permission: 'AUTHORIZE', resource: { kind: 'role', role: statement.role } });
  auth.invalidate();
  if (statement.kind === 'revokeRole') {
    const direct = (await auth.store.getRole(member))?.memberOf ?? [];
    if (!direct.includes(statement.role)) throw invalidRequest(`${member} is not a member of ${statement.role}`);
    await auth.store.revokeRole(statement.role, member);
    return VOID;
  }
  if ((await auth.snapshot(member)).roles.has(statement.role)) throw invalidRequest(`${member} is a member of ${statement.role}`);
  if ((await auth.snapshot(statement.role)).roles.has(member)) throw invalidRequest(`${statement.role} is a member of ${member}`);
  await auth.store.grantRole(statement.role, member);
  return VOID;
}

async function managePermissions(auth: AuthService, user: RoleSnapshot, { statement }: { statement: Extract<AuthStatement, { kind: 'grantPermissions' | 'revokePermissions' }> }): Promise<ResultMessage> {
  const operation = statement.kind === 'grantPermissions' ? 'GRANT' : 'REVOKE';
  if (!auth.authorization) throw invalidRequest(`${operation} operation is not supported by AllowAllAuthorizer`);
  if (!(await roleExists(auth, statement.role))) throw invalidRequest(`Role ${statement.role} doesn't exist`);
  if (statement.resource.kind === 'role' && !(await roleExists(auth, statement.resource.role))) {
    throw invalidRequest(`Resource <role ${statement.resource.role}> doesn't exist`);
  }
  const permissions = requestedPermissions(statement.permissions, statement.resource);
  // The grantor needs AUTHORIZE and every permission it hands out (Cassandra's PermissionsManagementStatement).
  auth.ensurePermission(user, 'AUTHORIZE', { resource: statement.resource });
  for (const permission of permissions) auth.ensurePermission(user, permission, { resource: statement.resource });
  const name = resourceName(statement.resource);
  if (statement.kind === 'grantPermissions') await auth.store.grant(statement.role, name, { permissions });
  else await auth.store.revoke(statement.role, name, { permissions });
  return VOID;
}
