// Resources and permissions as Cassandra names them. A resource is stored by its name
// ("data", "data/ks", "data/ks/t", "roles", "roles/r") in system_auth.role_permissions, shown
// by its display form ("<all keyspaces>", "<table ks.t>", "<role r>"), and inherits what is
// granted on its parents (a table on its keyspace and on ALL KEYSPACES).

import { invalidRequest } from '../common/errors.js';
import type { AuthResource } from '../cql/plan.js';

export type Permission = 'CREATE' | 'ALTER' | 'DROP' | 'SELECT' | 'MODIFY' | 'AUTHORIZE' | 'DESCRIBE';

/** Cassandra's declaration order (LIST PERMISSIONS sorts by it). */
export const PERMISSIONS: readonly Permission[] = ['CREATE', 'ALTER', 'DROP', 'SELECT', 'MODIFY', 'AUTHORIZE', 'DESCRIBE'];

{
  if (new Set(PERMISSIONS).size !== PERMISSIONS.length) throw new Error('duplicate permission');
}

export function isPermission(name: string): name is Permission {
  return (PERMISSIONS as readonly string[]).includes(name);
}

export function permissionOrder(permission: string): number {
  const index = PERMISSIONS.indexOf(permission as Permission);
  return index < 0 ? PERMISSIONS.length : index;
}

const DATA_ROOT: readonly Permission[] = ['CREATE', 'ALTER', 'DROP', 'SELECT', 'MODIFY', 'AUTHORIZE'];
const DATA_TABLE: readonly Permission[] = ['ALTER', 'DROP', 'SELECT', 'MODIFY', 'AUTHORIZE'];
const ROLES_ROOT: readonly Permission[] = ['CREATE', 'ALTER', 'DROP', 'AUTHORIZE', 'DESCRIBE'];
const ROLE: readonly Permission[] = ['ALTER', 'DROP', 'AUTHORIZE'];

/** The stored name of a resource. */
export function resourceName(resource: AuthResource): string {
  switch (resource.kind) {
    case 'allKeyspaces': return 'data';
    case 'keyspace': return `data/${resource.keyspace}`;
    case 'table': return `data/${resource.keyspace}/${resource.table}`;
    case 'allRoles': return 'roles';
    case 'role': return `roles/${resource.role}`;
  }
}

/** The resource a stored name denotes, or null for names this database does not know (functions, MBeans). */
export function parseResourceName(name: string): AuthResource | null {
  const parts = name.split('/');
  const [root, first, second] = parts;
  if (root === 'data') {
    if (parts.length === 1) return { kind: 'allKeyspaces' };
    if (parts.length === 2 && first !== undefined) return { kind: 'keyspace', keyspace: first };
    if (parts.length === 3 && first !== undefined && second !== undefined) return { kind: 'table', keyspace: first, table: second };
  } else if (root === 'roles') {
    if (parts.length === 1) return { kind: 'allRoles' };
    // Role names may hold '/', so everything after the first separator is the name.
    return { kind: 'role', role: name.slice('roles/'.length) };
  }
  return null;
}

/** How Cassandra shows a resource in messages and LIST PERMISSIONS. */
export function displayResource(resource: AuthResource): string {
  switch (resource.kind) {
    case 'allKeyspaces': return '<all keyspaces>';
    case 'keyspace': return `<keyspace ${resource.keyspace}>`;
    case 'table': return `<table ${resource.keyspace}.${resource.table}>`;
    case 'allRoles': return '<all roles>';
    case 'role': return `<role ${resource.role}>`;
  }
}

export function displayResourceName(name: string): string {
  const resource = parseResourceName(name);
  return resource === null ? name : displayResource(resource);
}

/** The resource and its parents, nearest first. */
export function resourceChain(resource: AuthResource): AuthResource[] {
  switch (resource.kind) {
    case 'allKeyspaces': case 'allRoles': return [resource];
    case 'keyspace': return [resource, { kind: 'allKeyspaces' }];
    case 'table': return [resource, { kind: 'keyspace', keyspace: resource.keyspace }, { kind: 'allKeyspaces' }];
    case 'role': return [resource, { kind: 'allRoles' }];
  }
}

/** What ALL PERMISSIONS means on a resource, and what may be granted on it at all. */
export function applicablePermissions(resource: AuthResource): readonly Permission[] {
  switch (resource.kind) {
    case 'allKeyspaces': case 'keyspace': return DATA_ROOT;
    case 'table': return DATA_TABLE;
    case 'allRoles': return ROLES_ROOT;
    case 'role': return ROLE;
  }
}

/** The permissions of GRANT/REVOKE/LIST, checked against the resource ("... does not support the requested permissions"). */
export function requestedPermissions(requested: readonly string[] | 'all', resource: AuthResource | null): Permission[] {
  if (requested === 'all') return resource === null ? [...PERMISSIONS] : [...applicablePermissions(resource)];
  const applicable: readonly string[] = resource === null ? PERMISSIONS : applicablePermissions(resource);
  const unsupported = requested.filter((p) => !applicable.includes(p));
  if (unsupported.length > 0) {
    const type = resource === null || resource.kind === 'allKeyspaces' || resource.kind === 'keyspace' || resource.kind === 'table' ? 'DataResource' : 'RoleResource';
    throw invalidRequest(`Resource type ${type} does not support the requested permissions: ${unsupported.join(', ')}`);
  }
  return requested.filter(isPermission);
}
