// Grammar rules of roles, users and permissions: CREATE/ALTER/DROP ROLE and USER, GRANT,
// REVOKE, LIST ROLES, LIST USERS, LIST permissions.

import type {
  AlterRoleStatement, AlterUserStatement, CreateRoleStatement, CreateUserStatement, DropRoleStatement,
  DropUserStatement, GrantPermissionsStatement, GrantRoleStatement, ListPermissionsStatement,
  ListRolesStatement, ListUsersStatement, PermissionName, Permissions, Position, Resource,
  RevokePermissionsStatement, RevokeRoleStatement, RoleOptions, TypeNode,
} from './ast.js';
import type { Parsed, Parser } from './parser-base.js';
import { parseKeyspaceName } from './parser-ddl.js';
import { parseFunctionName, parseType } from './parser-terms.js';
import { functionArgumentsMax } from '../common/limits.js';

const permissionNames: ReadonlyMap<string, PermissionName> = new Map<string, PermissionName>([
  ['create', 'CREATE'], ['alter', 'ALTER'], ['drop', 'DROP'], ['select', 'SELECT'], ['modify', 'MODIFY'],
  ['authorize', 'AUTHORIZE'], ['describe', 'DESCRIBE'], ['execute', 'EXECUTE'], ['unmask', 'UNMASK'],
  ['select_masked', 'SELECT_MASKED'],
]);

/** A role name: an identifier (lowercased), a "quoted name" or a 'string' (both as written). */
export function parseRoleName(p: Parser): string {
  p.rejectMarker('role names');
  const token = p.peek();
  if (token.kind === 'string') return p.next().text;
  return p.name().name;
}

/** A legacy user name: an identifier or a 'string'; quoted names are refused, as in Cassandra. */
function parseUserName(p: Parser): string {
  const token = p.peek();
  if (token.kind === 'quotedName') {
    throw p.failure('Quoted strings are are not supported for user names and USER is deprecated, please use ROLE');
  }
  return parseRoleName(p);
}

// --- roles (the caller has consumed CREATE/ALTER/DROP ROLE)

export function parseCreateRole(p: Parser, position: Position): Parsed<CreateRoleStatement> {
  const ifNotExists = p.acceptKeywords('if', 'not', 'exists');
  const role = parseRoleName(p);
  return { kind: 'createRole', position, role, ifNotExists, options: parseRoleOptions(p) };
}

export function parseAlterRole(p: Parser, position: Position): Parsed<AlterRoleStatement> {
  const ifExists = p.acceptKeywords('if', 'exists');
  const role = parseRoleName(p);
  return { kind: 'alterRole', position, role, ifExists, options: parseRoleOptions(p) };
}

export function parseDropRole(p: Parser, position: Position): Parsed<DropRoleStatement> {
  const ifExists = p.acceptKeywords('if', 'exists');
  return { kind: 'dropRole', position, role: parseRoleName(p), ifExists };
}

/** `[WITH option = value (AND option = value)*]`; each option at most once. */
function parseRoleOptions(p: Parser): RoleOptions {
  const options: RoleOptions = { password: null, hashedPassword: null, login: null, superuser: null, options: null };
  if (!p.acceptKeyword('with')) return options;
  do {
    const token = p.peek();
    const name = p.acceptKeyword('hashed') ? 'hashed password' : p.name().name;
    if (name === 'hashed password') p.expectKeyword('password');
    p.expectPunctuation('=');
    const duplicate = (): never => {
      throw p.failure(`Multiple definition for property ${name.toUpperCase()}`, token);
    };
    if (name === 'password') options.password = options.password === null ? expectString(p) : duplicate();
    else if (name === 'hashed password') options.hashedPassword = options.hashedPassword === null ? expectString(p) : duplicate();
    else if (name === 'login') options.login = options.login === null ? expectBoolean(p) : duplicate();
    else if (name === 'superuser') options.superuser = options.superuser === null ? expectBoolean(p) : duplicate();
    else if (name === 'options') options.options = options.options === null ? parseOptionsMap(p) : duplicate();
    else throw p.failure(`Unknown role option ${name}`, token);
  } while (p.acceptKeyword('and'));
  return options;
}

function expectString(p: Parser): string {
  if (p.peek().kind !== 'string') throw p.mismatch('STRING_LITERAL');
  return p.next().text;
}

function expectBoolean(p: Parser): boolean {
  if (p.peek().kind !== 'boolean') throw p.mismatch('BOOLEAN');
  return p.next().text === 'true';
}

/** `{'key': 'value', ...}` of string constants. */
function parseOptionsMap(p: Parser): Array<{ key: string; value: string }> {
  p.expectPunctuation('{');
  const entries: Array<{ key: string; value: string }> = [];
  if (p.acceptPunctuation('}')) return entries;
  do {
    if (entries.length >= functionArgumentsMax) throw p.failure(`more than ${functionArgumentsMax} options`);
    const key = expectString(p);
    p.expectPunctuation(':');
    entries.push({ key, value: expectString(p) });
  } while (p.acceptPunctuation(','));
  p.expectPunctuation('}');
  return entries;
}

// --- legacy users (the caller has consumed CREATE/ALTER/DROP USER)

export function parseCreateUser(p: Parser, position: Position): Parsed<CreateUserStatement> {
  const ifNotExists = p.acceptKeywords('if', 'not', 'exists');
  const user = parseUserName(p);
  const { password, superuser } = parseUserOptions(p);
  return { kind: 'createUser', position, user, ifNotExists, password, superuser };
}

export function parseAlterUser(p: Parser, position: Position): Parsed<AlterUserStatement> {
  const ifExists = p.acceptKeywords('if', 'exists');
  const user = parseUserName(p);
  const { password, superuser } = parseUserOptions(p);
  return { kind: 'alterUser', position, user, ifExists, password, superuser };
}

/** `[WITH PASSWORD 'secret'] [SUPERUSER | NOSUPERUSER]`. */
function parseUserOptions(p: Parser): { password: string | null; superuser: boolean | null } {
  let password: string | null = null;
  if (p.acceptKeyword('with')) {
    p.expectKeyword('password');
    password = expectString(p);
  }
  if (p.acceptKeyword('superuser')) return { password, superuser: true };
  if (p.acceptKeyword('nosuperuser')) return { password, superuser: false };
  return { password, superuser: null };
}

export function parseDropUser(p: Parser, position: Position): Parsed<DropUserStatement> {
  const ifExists = p.acceptKeywords('if', 'exists');
  return { kind: 'dropUser', position, user: parseUserName(p), ifExists };
}

// --- GRANT and REVOKE (the caller has consumed GRANT or REVOKE)

/** `GRANT role TO role` and `REVOKE role FROM role`, told apart from permissions by the word after the first. */
export function isRoleGrant(p: Parser, preposition: 'to' | 'from'): boolean {
  return p.isKeyword(preposition, 1);
}

export function parseGrantRole(p: Parser, position: Position): Parsed<GrantRoleStatement> {
  const role = parseRoleName(p);
  p.expectKeyword('to');
  return { kind: 'grantRole', position, role, grantee: parseRoleName(p) };
}

export function parseRevokeRole(p: Parser, position: Position): Parsed<RevokeRoleStatement> {
  const role = parseRoleName(p);
  p.expectKeyword('from');
  return { kind: 'revokeRole', position, role, revokee: parseRoleName(p) };
}

export function parseGrantPermissions(p: Parser, position: Position): Parsed<GrantPermissionsStatement> {
  const permissions = parsePermissions(p);
  p.expectKeyword('on');
  const resource = parseResource(p);
  p.expectKeyword('to');
  return { kind: 'grantPermissions', position, permissions, resource, grantee: parseRoleName(p) };
}

export function parseRevokePermissions(p: Parser, position: Position): Parsed<RevokePermissionsStatement> {
  const permissions = parsePermissions(p);
  p.expectKeyword('on');
  const resource = parseResource(p);
  p.expectKeyword('from');
  return { kind: 'revokePermissions', position, permissions, resource, revokee: parseRoleName(p) };
}

/** `ALL [PERMISSIONS]` or `permission [PERMISSION]`. */
function parsePermissions(p: Parser): Permissions {
  if (p.acceptKeyword('all')) {
    p.acceptKeyword('permissions');
    return { kind: 'all' };
  }
  const token = p.peek();
  const permission = token.kind === 'identifier' ? permissionNames.get(token.text) : undefined;
  if (permission === undefined) throw p.noViableAlternative();
  p.next();
  p.acceptKeyword('permission');
  return { kind: 'one', permission };
}

function parseResource(p: Parser): Resource {
  if (p.isKeyword('all')) return parseAllResource(p);
  if (p.acceptKeyword('keyspace')) return { kind: 'keyspace', keyspace: parseKeyspaceName(p) };
  if (p.isKeyword('role') && startsRoleName(p, 1)) {
    p.next();
    return { kind: 'role', role: parseRoleName(p) };
  }
  if (p.isKeyword('function') && p.isName(1)) {
    p.next();
    return parseFunctionResource(p);
  }
  if ((p.isKeyword('mbean') || p.isKeyword('mbeans')) && p.peek(1).kind === 'string') {
    p.next();
    return { kind: 'mbean', name: p.next().text };
  }
  p.acceptKeyword('table');
  return { kind: 'table', table: p.qualifiedName() };
}

function startsRoleName(p: Parser, ahead: number): boolean {
  return p.isName(ahead) || p.peek(ahead).kind === 'string';
}

/** ALL KEYSPACES | ALL ROLES | ALL FUNCTIONS [IN KEYSPACE ks] | ALL MBEANS. */
function parseAllResource(p: Parser): Resource {
  p.expectKeyword('all');
  if (p.acceptKeyword('keyspaces')) return { kind: 'allKeyspaces' };
  if (p.acceptKeyword('roles')) return { kind: 'allRoles' };
  if (p.acceptKeyword('mbeans')) return { kind: 'allMbeans' };
  if (p.acceptKeyword('functions')) {
    if (!p.acceptKeyword('in')) return { kind: 'allFunctions', keyspace: null };
    p.expectKeyword('keyspace');
    return { kind: 'allFunctions', keyspace: parseKeyspaceName(p) };
  }
  throw p.mismatch('K_KEYSPACES, K_ROLES, K_FUNCTIONS or K_MBEANS');
}

function parseFunctionResource(p: Parser): Resource {
  const name = parseFunctionName(p);
  p.expectPunctuation('(');
  const argTypes: TypeNode[] = [];
  if (!p.acceptPunctuation(')')) {
    do {
      if (argTypes.length >= functionArgumentsMax) throw p.failure(`more than ${functionArgumentsMax} arguments`);
      argTypes.push(parseType(p));
    } while (p.acceptPunctuation(','));
    p.expectPunctuation(')');
  }
  return { kind: 'function', function: name, argTypes };
}

// --- LIST (the caller has consumed LIST)

export function parseListRoles(p: Parser, position: Position): Parsed<ListRolesStatement> {
  p.expectKeyword('roles');
  const of = p.acceptKeyword('of') ? parseRoleName(p) : null;
  const recursive = !p.acceptKeyword('norecursive');
  return { kind: 'listRoles', position, of, recursive };
}

export function parseListUsers(p: Parser, position: Position): Parsed<ListUsersStatement> {
  p.expectKeyword('users');
  return { kind: 'listUsers', position };
}

export function parseListPermissions(p: Parser, position: Position): Parsed<ListPermissionsStatement> {
  const permissions = parsePermissions(p);
  const resource = p.acceptKeyword('on') ? parseResource(p) : null;
  const of = p.acceptKeyword('of') ? parseRoleName(p) : null;
  const recursive = !p.acceptKeyword('norecursive');
  return { kind: 'listPermissions', position, permissions, resource, of, recursive };
}
