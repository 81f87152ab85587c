// Roles, memberships and permissions in the system_auth tables, read and written with CQL
// through the query processor's internal path, so they go through the coordinator and are
// replicated like any keyspace (system_auth's replication can be altered). As Cassandra does,
// roles are read and written at LOCAL_ONE, and the default superuser 'cassandra' at QUORUM.
// Memberships (roles.member_of) and grants (role_permissions.permissions) change by set element
// (`s = s + {x}`, `s = s - {x}`), as Cassandra's, so concurrent GRANTs of one role through
// different coordinators merge instead of one overwriting the other.

import { ConsistencyLevel } from '../common/consistency.js';
import { invalidRequest } from '../common/errors.js';
import { authRowsMax } from '../common/limits.js';
import type { DataType } from '../protocol/data-type.js';
import { decodeValue, encodeValue } from '../protocol/type-codecs.js';

/** Runs CQL as the system (no permission checks) and returns every row, each by column name. */
export interface AuthQueryExecutor {
  execute(query: string, values: Array<Buffer | null>, consistency: ConsistencyLevel): Promise<Array<Map<string, Buffer | null>>>;
}

export interface RoleRecord {
  name: string;
  superuser: boolean;
  login: boolean;
  memberOf: string[];
  saltedHash: string | null;
}

export const DEFAULT_SUPERUSER = 'cassandra';

const text: DataType = { kind: 'native', name: 'text' };
const boolean: DataType = { kind: 'native', name: 'boolean' };
const textSet: DataType = { kind: 'set', element: text, frozen: false };

const ROLES = 'system_auth.roles';
const MEMBERS = 'system_auth.role_members';
const PERMISSIONS = 'system_auth.role_permissions';
const PERMISSIONS_INDEX = 'system_auth.resource_role_permissons_index';

export function consistencyForRole(role: string): ConsistencyLevel {
  return role === DEFAULT_SUPERUSER ? ConsistencyLevel.QUORUM : ConsistencyLevel.LOCAL_ONE;
}

const t = (value: string): Buffer => encodeValue(text, value);
const b = (value: boolean): Buffer => encodeValue(boolean, value);
const s = (values: string[]): Buffer => encodeValue(textSet, values);

function textOf(row: Map<string, Buffer | null>, column: string): string | null {
  const bytes = row.get(column);
  return bytes === undefined || bytes === null ? null : (decodeValue(text, bytes) as string);
}

function booleanOf(row: Map<string, Buffer | null>, column: string): boolean {
  const bytes = row.get(column);
  return bytes !== undefined && bytes !== null && bytes.length > 0 && decodeValue(boolean, bytes) === true;
}

function setOf(row: Map<string, Buffer | null>, column: string): string[] {
  const bytes = row.get(column);
  if (bytes === undefined || bytes === null) return [];
  return (decodeValue(textSet, bytes) as string[] | null) ?? [];
}

function roleOf(row: Map<string, Buffer | null>): RoleRecord | null {
  const name = textOf(row, 'role');
  if (name === null) return null;
  return { name, superuser: booleanOf(row, 'is_superuser'), login: booleanOf(row, 'can_login'), memberOf: setOf(row, 'member_of'), saltedHash: textOf(row, 'salted_hash') };
}

export interface RoleChanges {
  superuser?: boolean;
  login?: boolean;
  saltedHash?: string;
}

export class RoleStore {
  constructor(private readonly executor: AuthQueryExecutor) {}

  private run(query: string, values: Array<Buffer | null>, { consistency }: { consistency: ConsistencyLevel }): Promise<Array<Map<string, Buffer | null>>> {
    return this.executor.execute(query, values, consistency);
  }

  async getRole(name: string): Promise<RoleRecord | null> {
    const rows = await this.run(`SELECT role, can_login, is_superuser, member_of, salted_hash FROM ${ROLES} WHERE role = ?`, [t(name)], { consistency: consistencyForRole(name) });
    const first = rows[0];
    return first === undefined ? null : roleOf(first);
  }

  async allRoles(): Promise<RoleRecord[]> {
    const rows = await this.run(`SELECT role, can_login, is_superuser, member_of FROM ${ROLES} LIMIT ${authRowsMax}`, [], { consistency: ConsistencyLevel.LOCAL_ONE });
    return rows.map(roleOf).filter((role): role is RoleRecord => role !== null);
  }

  /** Whether any role exists, read at QUORUM (the default superuser is created only when none does). */
  async hasRoles(): Promise<boolean> {
    const rows = await this.run(`SELECT role FROM ${ROLES} LIMIT 1`, [], { consistency: ConsistencyLevel.QUORUM });
    return rows.length > 0;
  }

  async createRole(name: string, role: { superuser: boolean; login: boolean; saltedHash: string | null }, options: { timestampMicros?: number } = {}): Promise<void> {
    const using = options.timestampMicros === undefined ? '' : ` USING TIMESTAMP ${options.timestampMicros}`;
    await this.run(`INSERT INTO ${ROLES} (role, is_superuser, can_login, salted_hash) VALUES (?, ?, ?, ?)${using}`,
      [t(name), b(role.superuser), b(role.login), role.saltedHash === null ? null : t(role.saltedHash)], { consistency: consistencyForRole(name) });
  }

  async alterRole(name: string, changes: RoleChanges): Promise<void> {
    const assignments: string[] = [];
    const values: Buffer[] = [];
    if (changes.superuser !== undefined) { assignments.push('is_superuser = ?'); values.push(b(changes.superuser)); }
    if (changes.login !== undefined) { assignments.push('can_login = ?'); values.push(b(changes.login)); }
    if (changes.saltedHash !== undefined) { assignments.push('salted_hash = ?'); values.push(t(changes.saltedHash)); }
    if (assignments.length === 0) return;
    await this.run(`UPDATE ${ROLES} SET ${assignments.join(', ')} WHERE role = ?`, [...values, t(name)], { consistency: consistencyForRole(name) });
  }

  /** Removes the role and every membership of and in it. */
  async dropRole(name: string): Promise<void> {
    const role = await this.getRole(name);
    const members = await this.run(`SELECT member FROM ${MEMBERS} WHERE role = ?`, [t(name)], { consistency: ConsistencyLevel.LOCAL_ONE });
    for (const row of members) {
      const member = textOf(row, 'member');
      if (member !== null) await this.updateMemberOf(member, { operator: '-', role: name });
    }
    await this.run(`DELETE FROM ${MEMBERS} WHERE role = ?`, [t(name)], { consistency: consistencyForRole(name) });
    for (const parent of role?.memberOf ?? []) {
      await this.run(`DELETE FROM ${MEMBERS} WHERE role = ? AND member = ?`, [t(parent), t(name)], { consistency: consistencyForRole(parent) });
    }
    await this.run(`DELETE FROM ${ROLES} WHERE role = ?`, [t(name)], { consistency: consistencyForRole(name) });
  }

  private async updateMemberOf(name: string, { operator, role }: { operator: '+' | '-'; role: string }): Promise<void> {
    await this.run(`UPDATE ${ROLES} SET member_of = member_of ${operator} ? WHERE role = ?`, [s([role]), t(name)], { consistency: consistencyForRole(name) });
  }

  async grantRole(role: string, grantee: string): Promise<void> {
    await this.updateMemberOf(grantee, { operator: '+', role });
    await this.run(`INSERT INTO ${MEMBERS} (role, member) VALUES (?, ?)`, [t(role), t(grantee)], { consistency: consistencyForRole(role) });
  }

  async revokeRole(role: string, revokee: string): Promise<void> {
    await this.updateMemberOf(revokee, { operator: '-', role });
    await this.run(`DELETE FROM ${MEMBERS} WHERE role = ? AND member = ?`, [t(role), t(revokee)], { consistency: consistencyForRole(role) });
  }

  /** Permissions granted directly to a role, by resource name. */
  async permissionsOf(role: string): Promise<Map<string, Set<string>>> {
    const rows = await this.run(`SELECT resource, permissions FROM ${PERMISSIONS} WHERE role = ?`, [t(role)], { consistency: ConsistencyLevel.LOCAL_ONE });
    const out = new Map<string, Set<string>>();
    for (const row of rows) {
      const resource = textOf(row, 'resource');
      const permissions = setOf(row, 'permissions');
      if (resource !== null && permissions.length > 0) out.set(resource, new Set(permissions));
    }
    return out;
  }

  /** Every grant of every role (LIST PERMISSIONS without OF). */
  async allPermissions(): Promise<Array<{ role: string; resource: string; permissions: string[] }>> {
    const rows = await this.run(`SELECT role, resource, permissions FROM ${PERMISSIONS} LIMIT ${authRowsMax}`, [], { consistency: ConsistencyLevel.LOCAL_ONE });
    return rows.flatMap((row) => {
      const role = textOf(row, 'role');
      const resource = textOf(row, 'resource');
      const permissions = setOf(row, 'permissions');
      return role === null || resource === null || permissions.length === 0 ? [] : [{ role, resource, permissions }];
    });
  }

  async grant(role: string, resource: string, { permissions }: { permissions: readonly string[] }): Promise<void> {
    if (permissions.length === 0) return;
    await this.run(`UPDATE ${PERMISSIONS} SET permissions = permissions + ? WHERE role = ? AND resource = ?`, [s([...permissions]), t(role), t(resource)], { consistency: ConsistencyLevel.LOCAL_ONE });
    await this.run(`INSERT INTO ${PERMISSIONS_INDEX} (resource, role) VALUES (?, ?)`, [t(resource), t(role)], { consistency: ConsistencyLevel.LOCAL_ONE });
  }

  async revoke(role: string, resource: string, { permissions }: { permissions: readonly string[] }): Promise<void> {
    if (permissions.length === 0) return;
    await this.run(`UPDATE ${PERMISSIONS} SET permissions = permissions - ? WHERE role = ? AND resource = ?`, [s([...permissions]), t(role), t(resource)], { consistency: ConsistencyLevel.LOCAL_ONE });
    const left = (await this.permissionsOf(role)).get(resource);
    if (left === undefined || left.size === 0) {
      await this.run(`DELETE FROM ${PERMISSIONS_INDEX} WHERE resource = ? AND role = ?`, [t(resource), t(role)], { consistency: ConsistencyLevel.LOCAL_ONE });
    }
  }

  private async removeGrant(role: string, resource: string): Promise<void> {
    await this.run(`DELETE FROM ${PERMISSIONS} WHERE role = ? AND resource = ?`, [t(role), t(resource)], { consistency: ConsistencyLevel.LOCAL_ONE });
    await this.run(`DELETE FROM ${PERMISSIONS_INDEX} WHERE resource = ? AND role = ?`, [t(resource), t(role)], { consistency: ConsistencyLevel.LOCAL_ONE });
  }

  /** Every permission granted to a role (it is being dropped). */
  async revokeAllFrom(role: string): Promise<void> {
    for (const resource of (await this.permissionsOf(role)).keys()) await this.removeGrant(role, resource);
    await this.run(`DELETE FROM ${PERMISSIONS} WHERE role = ?`, [t(role)], { consistency: ConsistencyLevel.LOCAL_ONE });
  }

  /** Every permission granted on a resource (it is being dropped). */
  async revokeAllOn(resource: string): Promise<void> {
    const rows = await this.run(`SELECT role FROM ${PERMISSIONS_INDEX} WHERE resource = ?`, [t(resource)], { consistency: ConsistencyLevel.LOCAL_ONE });
    for (const row of rows) {
      const role = textOf(row, 'role');
      if (role !== null) await this.removeGrant(role, resource);
    }
  }
}

/** A role name as CQL would need it inside a message: as given (Cassandra shows names unquoted). */
export function checkRoleName(name: string): void {
  if (name.length === 0) throw invalidRequest("Role name can't be an empty string");
}
