// The auth layer's face to the query processor and the authenticator: who a connection's role
// is (its inherited roles, superuser status, permissions), cached for a short validity like
// Cassandra's roles_validity_in_ms, so that a changed or dropped role takes effect on every
// node within that window; password checks (with a short credentials cache, keyed by role and
// a keyed hash of the password, never the password itself); and the permission checks made
// before a statement runs.

import { createHmac } from 'node:crypto';
import { unauthorized } from '../common/errors.js';
import { authCacheEntriesMax, inheritedRolesMax } from '../common/limits.js';
import type { Clock, Logger, Random } from '../common/world.js';
import type { AuthResource, DataAccess } from '../cql/plan.js';
import { slicedBcrypt, type PasswordHasher } from './password.js';
import { displayResource, resourceChain, resourceName, type Permission } from './resources.js';
import { RoleStore, type AuthQueryExecutor, type RoleRecord } from './role-store.js';

/** Keyspaces every role may read: drivers need them to connect (Cassandra's readable system resources). */
const READABLE_KEYSPACES: ReadonlySet<string> = new Set(['system', 'system_schema', 'system_virtual_schema']);
const AUTH_KEYSPACE = 'system_auth';

export const rolesValidityMsDefault = 2000;

export interface AuthServiceOptions {
  executor: AuthQueryExecutor;
  world: { clock: Clock; random: Random; logger: Logger };
  /** PasswordAuthenticator: clients log in with a role. */
  authentication: boolean;
  /** CassandraAuthorizer: statements need permissions. */
  authorization: boolean;
  /** How long role, permission and credential lookups are trusted (roles_validity_in_ms). */
  validityMs?: number;
  /** bcrypt work factor for new passwords (10 as in Cassandra; tests may lower it). */
  bcryptWorkFactor?: number;
  /** How passwords are hashed and checked (default: bcrypt in slices; the simulation's inline). */
  passwords?: PasswordHasher;
}

/** What a role may do, as of the moment it was read. */
export interface RoleSnapshot {
  name: string;
  /** null: the role does not exist (any more). */
  role: RoleRecord | null;
  /** The role and every role granted to it, transitively. */
  roles: Set<string>;
  superuser: boolean;
  /** Permissions by resource name, over all its roles (empty unless authorization is on). */
  permissions: Map<string, Set<string>>;
}

/** A map whose entries expire, bounded in size (the oldest entry is evicted first). */
class ExpiringCache<V> {
  private readonly entries = new Map<string, { value: V; expiresMs: number }>();
  constructor(private readonly capacity: number) {}
  get(key: string, nowMs: number): V | undefined {
    const entry = this.entries.get(key);
    if (entry === undefined) return undefined;
    if (entry.expiresMs <= nowMs) { this.entries.delete(key); return undefined; }
    return entry.value;
  }
  set(key: string, value: V, { expiresMs }: { expiresMs: number }): void {
    this.entries.delete(key);
    this.entries.set(key, { value, expiresMs });
    if (this.entries.size > this.capacity) this.entries.delete(this.entries.keys().next().value as string);
  }
  clear(): void {
    this.entries.clear();
  }
}

export class AuthService {
  readonly store: RoleStore;
  readonly authentication: boolean;
  readonly authorization: boolean;
  readonly bcryptWorkFactor: number;
  readonly passwords: PasswordHasher;
  private readonly validityMs: number;
  private readonly snapshots = new ExpiringCache<Promise<RoleSnapshot>>(authCacheEntriesMax);
  private readonly credentials = new ExpiringCache<true>(authCacheEntriesMax);
  /** Keys the credentials cache's password hashes, so they are useless outside this process. */
  private readonly credentialsKey: Buffer;

  constructor(readonly options: AuthServiceOptions) {
    this.store = new RoleStore(options.executor);
    this.authentication = options.authentication;
    this.authorization = options.authorization;
    this.validityMs = options.validityMs ?? rolesValidityMsDefault;
    this.bcryptWorkFactor = options.bcryptWorkFactor ?? 10;
    this.passwords = options.passwords ?? slicedBcrypt;
    this.credentialsKey = options.world.random.bytes(32);
  }

  get logger(): Logger {
    return this.options.world.logger;
  }

  get random(): Random {
    return this.options.world.random;
  }

  /** Forgets every cached role and credential (after a role statement on this node). */
  invalidate(): void {
    this.snapshots.clear();
    this.credentials.clear();
  }

  /** The role's snapshot, from the cache when fresh. */
  snapshot(name: string): Promise<RoleSnapshot> {
    const nowMs = this.options.world.clock.monotonicMs();
    const cached = this.snapshots.get(name, nowMs);
    if (cached !== undefined) return cached;
    const loading = this.load(name);
    this.snapshots.set(name, loading, { expiresMs: nowMs + this.validityMs });
    // A failed read (replicas unavailable) must not stay cached for the validity window.
    loading.catch(() => this.snapshots.set(name, loading, { expiresMs: nowMs }));
    return loading;
  }

  private async load(name: string): Promise<RoleSnapshot> {
    const role = await this.store.getRole(name);
    if (role === null) return { name, role, roles: new Set(), superuser: false, permissions: new Map() };
    const roles = new Set([name]);
    let superuser = role.superuser;
    const pending = [...role.memberOf];
    while (pending.length > 0 && roles.size < inheritedRolesMax) {
      const next = pending.pop() as string;
      if (roles.has(next)) continue;
      const inherited = await this.store.getRole(next);
      if (inherited === null) continue;
      roles.add(next);
      superuser ||= inherited.superuser;
      pending.push(...inherited.memberOf);
    }
    const permissions = new Map<string, Set<string>>();
    if (this.authorization) {
      for (const each of roles) {
        for (const [resource, granted] of await this.store.permissionsOf(each)) {
          const set = permissions.get(resource) ?? new Set<string>();
          for (const permission of granted) set.add(permission);
          permissions.set(resource, set);
        }
      }
    }
    return { name, role, roles, superuser, permissions };
  }

  /** Whether the role exists, may log in and has this password (cached briefly after success). */
  async login(name: string, password: string): Promise<boolean> {
    const { role } = await this.snapshot(name);
    if (role === null || !role.login || role.saltedHash === null) return false;
    const nowMs = this.options.world.clock.monotonicMs();
    // The stored hash is part of the key, so a changed password stops matching at once.
    const key = `${name}\u0000${role.saltedHash}\u0000${createHmac('sha256', this.credentialsKey).update(password).digest('hex')}`;
    if (this.credentials.get(key, nowMs) !== undefined) return true;
    if (!(await this.passwords.check(password, role.saltedHash))) return false;
    this.credentials.set(key, true, { expiresMs: nowMs + this.validityMs });
    return true;
  }

  /** Every request re-checks that the connection's role still exists and may log in. */
  async checkSession(user: string | null): Promise<void> {
    if (!this.authentication || user === null) return;
    const { role } = await this.snapshot(user);
    if (role === null || !role.login) throw unauthorized(`Role ${user} does not exist or is not permitted to log in`);
  }

  /** Whether the role holds a permission on the resource or one of its parents (superusers hold all). */
  hasPermission(snapshot: RoleSnapshot, permission: Permission, { resource }: { resource: AuthResource }): boolean {
    if (!this.authorization || snapshot.superuser) return true;
    return resourceChain(resource).some((each) => snapshot.permissions.get(resourceName(each))?.has(permission) === true);
  }

  /** Throws Unauthorized unless the role holds the permission, with Cassandra's message. */
  ensurePermission(snapshot: RoleSnapshot, permission: Permission, { resource }: { resource: AuthResource }): void {
    if (this.hasPermission(snapshot, permission, { resource })) return;
    throw unauthorized(`User ${snapshot.name} has no ${permission} permission on ${displayResource(resource)} or any of its parents`);
  }

  /** The data permissions a statement needs (plan.ts DataAccess), checked before it runs. */
  async authorize(user: string | null, accesses: readonly DataAccess[] | undefined): Promise<void> {
    if (!this.authorization || user === null || accesses === undefined || accesses.length === 0) return;
    const snapshot = await this.snapshot(user);
    for (const access of accesses) {
      if (access.permission === 'SELECT' && access.keyspace !== null && READABLE_KEYSPACES.has(access.keyspace)) continue;
      const resource = dataResource(access.keyspace, access.table);
      // Role rows hold password hashes and superuser flags: only superusers read or write auth tables, whatever was granted.
      if (access.keyspace === AUTH_KEYSPACE && access.table !== null && !snapshot.superuser) {
        throw unauthorized(`User ${snapshot.name} has no ${access.permission} permission on ${displayResource(resource)} or any of its parents`);
      }
      this.ensurePermission(snapshot, access.permission, { resource });
    }
  }

  /** The creator of a keyspace, table or role gets every applicable permission on it, as in Cassandra. */
  // eslint-disable-next-line no-restricted-syntax -- called by transport/query-processor.ts, which another change is moving; convert it there
  async grantToCreator(user: string | null, resource: AuthResource, permissions: readonly Permission[]): Promise<void> {
    if (!this.authorization || user === null) return;
    await this.store.grant(user, resourceName(resource), { permissions });
    this.invalidate();
  }

  /** A dropped keyspace or table takes its grants with it. */
  async revokeAllOn(resource: AuthResource): Promise<void> {
    if (!this.authorization) return;
    await this.store.revokeAllOn(resourceName(resource));
    this.invalidate();
  }
}

export function dataResource(keyspace: string | null, table: string | null): AuthResource {
  if (keyspace === null) return { kind: 'allKeyspaces' };
  return table === null ? { kind: 'keyspace', keyspace } : { kind: 'table', keyspace, table };
}
