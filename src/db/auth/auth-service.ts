// The auth layer's face to the query processor and the authenticator: who a connection's role
// is (its inherited roles, superuser status, permissions), cached as Cassandra caches them:
// roles for roles_validity_in_ms, permissions for permissions_validity_in_ms, good passwords for
// credentials_validity_in_ms (2 s each by default; 0 turns a cache off). A change made on another
// node takes effect here once the entry expires, never before (this node's own changes clear
// the caches at once). An entry older than its *_update_interval_in_ms (default: the validity)
// is still served while a reload runs in the background, so a busy role never waits on it;
// password checks (with a short credentials cache, keyed by role and
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

/** How long one cache trusts its entries: Cassandra's *_validity_in_ms and *_update_interval_in_ms. */
export interface CacheValidity {
  /** An entry older than this is reloaded before use; 0 disables the cache. */
  validityMs: number;
  /** An entry older than this (and younger than validityMs) is served while it reloads; default validityMs. */
  updateIntervalMs?: number;
}

export interface AuthCacheSettings {
  roles: CacheValidity;
  permissions: CacheValidity;
  credentials: CacheValidity;
}

export interface AuthServiceOptions {
  executor: AuthQueryExecutor;
  world: { clock: Clock; random: Random; logger: Logger };
  /** PasswordAuthenticator: clients log in with a role. */
  authentication: boolean;
  /** CassandraAuthorizer: statements need permissions. */
  authorization: boolean;
  /** How long role, permission and credential lookups are trusted; every cache 2 s by default. */
  caches?: Partial<AuthCacheSettings>;
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
  private readonly entries = new Map<string, { value: V; refreshMs: number; expiresMs: number }>();
  private readonly capacity = authCacheEntriesMax;
  constructor(private readonly validity: CacheValidity) {}
  get enabled(): boolean {
    return this.validity.validityMs > 0;
  }
  /** The value when fresh, with stale set when it is past its update interval (reload it). */
  get(key: string, nowMs: number): { value: V; stale: boolean } | undefined {
    const entry = this.entries.get(key);
    if (entry === undefined) return undefined;
    if (entry.expiresMs <= nowMs) { this.entries.delete(key); return undefined; }
    return { value: entry.value, stale: entry.refreshMs <= nowMs };
  }
  set(key: string, value: V, { nowMs }: { nowMs: number }): void {
    if (!this.enabled) return;
    const updateMs = Math.min(this.validity.updateIntervalMs ?? this.validity.validityMs, this.validity.validityMs);
    this.entries.delete(key);
    this.entries.set(key, { value, refreshMs: nowMs + updateMs, expiresMs: nowMs + this.validity.validityMs });
    if (this.entries.size > this.capacity) this.entries.delete(this.entries.keys().next().value as string);
  }
  /** Keeps the entry only while it holds this value (a failed load must not stay cached). */
  forget(key: string, value: V): void {
    if (this.entries.get(key)?.value === value) this.entries.delete(key);
  }
  clear(): void {
    this.entries.clear();
  }
}

/** A cache of loads: a fresh entry is served, a stale one served while it reloads, a missing one loaded. */
class LoadingCache<V> {
  private readonly cache: ExpiringCache<Promise<V>>;
  private readonly reloading = new Set<string>();
  private readonly clock: Clock;
  private readonly load: (key: string) => Promise<V>;
  constructor(validity: CacheValidity, options: { clock: Clock; load: (key: string) => Promise<V> }) {
    this.cache = new ExpiringCache(validity);
    this.clock = options.clock;
    this.load = options.load;
  }
  get(key: string): Promise<V> {
    const nowMs = this.clock.monotonicMs();
    const cached = this.cache.get(key, nowMs);
    if (cached === undefined) return this.start(key, nowMs);
    if (cached.stale && !this.reloading.has(key)) {
      this.reloading.add(key);
      // The old value serves until the new one is in; a failed reload leaves the old one to expire.
      const next = this.load(key);
      next.then((value) => this.cache.set(key, Promise.resolve(value), { nowMs: this.clock.monotonicMs() }), () => undefined)
        .finally(() => this.reloading.delete(key));
    }
    return cached.value;
  }
  clear(): void {
    this.cache.clear();
  }
  private start(key: string, nowMs: number): Promise<V> {
    const loading = this.load(key);
    this.cache.set(key, loading, { nowMs });
    // A failed read (replicas unavailable) must not stay cached for the validity window.
    loading.catch(() => this.cache.forget(key, loading));
    return loading;
  }
}

interface RoleTree {
  role: RoleRecord | null;
  roles: Set<string>;
  superuser: boolean;
}

function validity(settings: CacheValidity | undefined): CacheValidity {
  return settings ?? { validityMs: rolesValidityMsDefault };
}

export class AuthService {
  readonly store: RoleStore;
  readonly authentication: boolean;
  readonly authorization: boolean;
  readonly bcryptWorkFactor: number;
  readonly passwords: PasswordHasher;
  private readonly roleTrees: LoadingCache<RoleTree>;
  private readonly permissionSets: LoadingCache<Map<string, Set<string>>>;
  private readonly credentials: ExpiringCache<true>;
  private readonly credentialRoles: LoadingCache<RoleRecord | null>;
  /** Keys the credentials cache's password hashes, so they are useless outside this process. */
  private readonly credentialsKey: Buffer;

  constructor(readonly options: AuthServiceOptions) {
    this.store = new RoleStore(options.executor);
    this.authentication = options.authentication;
    this.authorization = options.authorization;
    const clock = options.world.clock;
    this.roleTrees = new LoadingCache(validity(options.caches?.roles), { clock, load: (name) => this.loadRoles(name) });
    this.permissionSets = new LoadingCache(validity(options.caches?.permissions), { clock, load: (name) => this.loadPermissions(name) });
    this.credentials = new ExpiringCache(validity(options.caches?.credentials));
    this.credentialRoles = new LoadingCache(validity(options.caches?.credentials), { clock, load: (name) => this.store.getRole(name) });
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
    this.roleTrees.clear();
    this.permissionSets.clear();
    this.credentials.clear();
    this.credentialRoles.clear();
  }

  /** The role's snapshot: its roles from the roles cache, its permissions from the permissions cache. */
  async snapshot(name: string): Promise<RoleSnapshot> {
    const tree = await this.roleTrees.get(name);
    const permissions = this.authorization && tree.role !== null ? await this.permissionSets.get(name) : new Map<string, Set<string>>();
    return { name, ...tree, permissions };
  }

  private async loadRoles(name: string): Promise<RoleTree> {
    const role = await this.store.getRole(name);
    if (role === null) return { role, roles: new Set(), superuser: false };
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
    return { role, roles, superuser };
  }

  /** The permissions of a role and every role it holds (the role tree from the roles cache, as Cassandra's authorizer). */
  private async loadPermissions(name: string): Promise<Map<string, Set<string>>> {
    const { roles } = await this.roleTrees.get(name);
    const permissions = new Map<string, Set<string>>();
    for (const each of roles) {
      for (const [resource, granted] of await this.store.permissionsOf(each)) {
        const set = permissions.get(resource) ?? new Set<string>();
        for (const permission of granted) set.add(permission);
        permissions.set(resource, set);
      }
    }
    return permissions;
  }

  /** Whether the role exists, may log in and has this password (cached briefly after success). */
  async login(name: string, password: string): Promise<boolean> {
    // The role as the credentials cache last read it (Cassandra's credentials cache: a password
    // changed on another node counts here once credentials_validity_in_ms has passed).
    const role = await this.credentialRoles.get(name);
    if (role === null || !role.login || role.saltedHash === null) return false;
    const nowMs = this.options.world.clock.monotonicMs();
    // The stored hash is part of the key, so a changed password stops matching at once.
    const key = `${name}\u0000${role.saltedHash}\u0000${createHmac('sha256', this.credentialsKey).update(password).digest('hex')}`;
    if (this.credentials.get(key, nowMs) !== undefined) return true;
    if (!(await this.passwords.check(password, role.saltedHash))) return false;
    this.credentials.set(key, true, { nowMs: this.options.world.clock.monotonicMs() });
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
      if (access.resource !== undefined) {
        this.ensurePermission(snapshot, access.permission, { resource: access.resource });
        continue;
      }
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
