// Securing the local database of `aero start` for the flight app (issue 6): on a database with
// PasswordAuthenticator and CassandraAuthorizer, as the default superuser `cassandra` the first
// time, it replicates system_auth, creates an administrator superuser, then as that one the
// flights schema and the role `flights_app` with SELECT and MODIFY on its keyspace only, and
// finally drops `cassandra`, so no default password remains. Passwords are random, kept in
// DIR/credentials/<role> (0600) and written before their role is created, so a start that
// crashed half-way resumes: every step is idempotent (IF [NOT] EXISTS, GRANT, ALTER ROLE). A
// later start logs in as the administrator and finds everything in place. Passwords are
// never printed or logged.

import cassandra from 'cassandra-driver';
import { randomBytes } from 'node:crypto';
import { chmodSync, existsSync, mkdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { setTimeout as sleep } from 'node:timers/promises';
import { join } from 'node:path';
import { createClient, ensureSchema, type DatabaseOptions } from '../../flights/model/database.js';
import type { CliConsole } from '../console.js';
import { loginAttemptsMax, setupAttemptsMax, unavailableAttemptsMax } from '../../db/common/limits.js';

export const adminRoleName = 'admin';
export const appRoleName = 'flights_app';
const defaultSuperuser = { role: 'cassandra', password: 'cassandra' } as const;
/** 24 random bytes: 32 characters of base64url, no quote to escape in CQL. */
const passwordBytes = 24;
const loginRetryMs = 1_000;

export interface RoleCredentials {
  role: string;
  password: string;
  /** DIR/credentials/<role>: the password alone, one line, mode 0600. */
  file: string;
  /** Whether this start wrote the file (the role may then not exist yet, or have another password). */
  created: boolean;
}

export interface AppSecurityOptions {
  /** The local database's directory (DIR/cluster, or DIR for one node): credentials go to DIR/credentials. */
  directory: string;
  /** system_auth's replication factor: 3 on a cluster of 3 or more nodes. */
  authReplicationFactor: number;
  io: CliConsole;
}

export function credentialsDirectory(directory: string): string {
  return join(directory, 'credentials');
}

/** The role's stored password, or a new random one written (0600, through a rename) before any use. */
export function ensureCredentials(directory: string, role: string): RoleCredentials {
  const folder = credentialsDirectory(directory);
  const file = join(folder, role);
  if (existsSync(file)) {
    const password = readFileSync(file, 'utf8').trim();
    if (!/^[A-Za-z0-9_-]{16,128}$/.test(password)) throw new Error(`${file} does not hold a password written by aero start; remove it to make a new one`);
    return { role, password, file, created: false };
  }
  mkdirSync(folder, { recursive: true, mode: 0o700 });
  const password = randomBytes(passwordBytes).toString('base64url');
  const temporary = `${file}.tmp`;
  writeFileSync(temporary, `${password}\n`, { mode: 0o600 });
  chmodSync(temporary, 0o600);
  renameSync(temporary, file);
  return { role, password, file, created: true };
}

/**
 * Makes the database ready for the app and returns the app's credentials. Every step is
 * idempotent, so a step that timed out on nodes busy starting is retried from the beginning.
 */
export async function secureAppDatabase(options: DatabaseOptions, setup: AppSecurityOptions): Promise<RoleCredentials> {
  const admin = ensureCredentials(setup.directory, adminRoleName);
  const app = ensureCredentials(setup.directory, appRoleName);
  for (let attempt = 1; ; attempt++) {
    try {
      // A new administrator file means its role was never made (or has another password).
      await secureOnce(options, setup, { admin, app, tryAdminFirst: !admin.created || attempt > 1 });
      return app;
    } catch (error) {
      if (attempt >= setupAttemptsMax || !isUnavailable(error)) throw error;
      setup.io.out(`retrying the role setup (${error instanceof Error ? error.message.slice(0, 200) : String(error)})\n`);
      await sleep(loginRetryMs);
    }
  }
}

async function secureOnce(options: DatabaseOptions, setup: AppSecurityOptions, roles: { admin: RoleCredentials; app: RoleCredentials; tryAdminFirst: boolean }): Promise<void> {
  const { admin, app } = roles;
  let client = roles.tryAdminFirst ? await login(options, admin, { refusedAttempts: 1 }) : null;
  if (client === null) {
    setup.io.out(`creating the administrator role '${admin.role}' (as the default superuser)\n`);
    await createAdministrator(options, admin, { authReplicationFactor: setup.authReplicationFactor });
    client = await login(options, admin, { refusedAttempts: loginAttemptsMax });
    if (client === null) throw new Error(`cannot log in as '${admin.role}' after creating it`);
  }
  try {
    await ensureSchema(client, options);
    await ensureAppRole(client, options.keyspace, { app });
    // Cassandra's advice once another superuser exists: no role keeps the default password.
    await client.execute(`DROP ROLE IF EXISTS ${defaultSuperuser.role}`);
  } finally {
    await client.shutdown();
  }
}

/** As `cassandra`: system_auth replicated first (so new roles reach every replica), then the administrator. */
async function createAdministrator(options: DatabaseOptions, admin: RoleCredentials, { authReplicationFactor }: { authReplicationFactor: number }): Promise<void> {
  const client = await login(options, { role: defaultSuperuser.role, password: defaultSuperuser.password }, { refusedAttempts: loginAttemptsMax });
  if (client === null) {
    throw new Error(`cannot log in as '${admin.role}' (password in ${admin.file}) nor as the default superuser '${defaultSuperuser.role}': `
      + 'the credentials no longer match this database; use another --data-dir, or restore the file');
  }
  try {
    await replicateSystemAuth(client, options, { factor: authReplicationFactor });
    await client.execute(`CREATE ROLE IF NOT EXISTS ${admin.role} WITH PASSWORD = '${admin.password}' AND SUPERUSER = true AND LOGIN = true`);
    await settleRole(client, admin.role);
    // It may exist from a start that crashed after creating it and lost the file.
    await client.execute(`ALTER ROLE ${admin.role} WITH PASSWORD = '${admin.password}' AND SUPERUSER = true AND LOGIN = true`);
  } finally {
    await client.shutdown();
  }
}

async function replicateSystemAuth(client: cassandra.Client, options: DatabaseOptions, { factor }: { factor: number }): Promise<void> {
  const row = (await client.execute("SELECT replication FROM system_schema.keyspaces WHERE keyspace_name = 'system_auth'")).first();
  const current = (row?.get('replication') ?? {}) as Record<string, string>;
  const nts = options.replication.strategy === 'NetworkTopologyStrategy';
  const dataCenter = options.replication.dataCenter ?? options.localDataCenter;
  const wanted = nts ? current[dataCenter] : current.replication_factor;
  if (wanted === String(factor) && current.class?.endsWith(options.replication.strategy) === true) return;
  const map = nts ? `{'class': 'NetworkTopologyStrategy', '${dataCenter}': ${factor}}` : `{'class': 'SimpleStrategy', 'replication_factor': ${factor}}`;
  await client.execute(`ALTER KEYSPACE system_auth WITH replication = ${map}`);
  // The roles written so far live on the old replicas only: a read at ALL repairs the new ones.
  await client.execute('SELECT role FROM system_auth.roles WHERE role = ?', [defaultSuperuser.role], {
    prepare: true, consistency: cassandra.types.consistencies.all,
  });
}

/** flights_app: login, SELECT and MODIFY on the app's keyspace, nothing else. */
async function ensureAppRole(client: cassandra.Client, keyspace: string, { app }: { app: RoleCredentials }): Promise<void> {
  await client.execute(`CREATE ROLE IF NOT EXISTS ${app.role} WITH PASSWORD = '${app.password}' AND LOGIN = true`);
  await settleRole(client, app.role);
  if (app.created) await client.execute(`ALTER ROLE ${app.role} WITH PASSWORD = '${app.password}'`);
  // A GRANT adds to the role's permission set by element (role-store.ts), so grants through
  // different coordinators merge; the grants, written at LOCAL_ONE, settle once on every replica
  // before the app's first request is checked against them.
  for (const permission of ['SELECT', 'MODIFY']) await client.execute(`GRANT ${permission} ON KEYSPACE ${keyspace} TO ${app.role}`);
  await settleRole(client, app.role);
}

/**
 * Roles and grants of a non-default role are written and read at LOCAL_ONE (as Cassandra does),
 * so the next statement (ALTER ROLE, or the app's first request checked against its grants) could
 * reach a replica the write has not reached yet: "flights_app doesn't exist", "no SELECT
 * permission". A read at ALL waits for every replica and repairs the stale ones before answering
 * (blocking read repair).
 */
async function settleRole(client: cassandra.Client, role: string): Promise<void> {
  for (const table of ['roles', 'role_permissions']) {
    const query = `SELECT role FROM system_auth.${table} WHERE role = ?`;
    try {
      await client.execute(query, [role], { prepare: true, consistency: cassandra.types.consistencies.all });
    } catch (error) {
      // A replica is down: a QUORUM read still repairs a majority, which is the best there is.
      if (!isUnavailable(error)) throw error;
      await client.execute(query, [role], { prepare: true, consistency: cassandra.types.consistencies.quorum });
    }
  }
}

/** A connected client as the role, or null when its login is still refused after refusedAttempts. */
async function login(options: DatabaseOptions, credentials: { role: string; password: string }, retry: { refusedAttempts: number }): Promise<cassandra.Client | null> {
  for (let attempt = 1; ; attempt++) {
    const client = createClient({ ...options, username: credentials.role, password: credentials.password });
    try {
      await client.connect();
      return client;
    } catch (error) {
      await client.shutdown();
      const refused = isLoginRefused(error);
      if (attempt >= (refused ? retry.refusedAttempts : unavailableAttemptsMax)) {
        if (refused) return null;
        throw error;
      }
      await sleep(loginRetryMs);
    }
  }
}

/** No node answered in time, or too few replicas did: worth another try. */
export function isUnavailable(error: unknown): boolean {
  const codes = cassandra.types.responseErrorCodes;
  return error instanceof cassandra.errors.NoHostAvailableError || error instanceof cassandra.errors.OperationTimedOutError
    || (error instanceof cassandra.errors.ResponseError && [codes.unavailableException, codes.writeTimeout, codes.readTimeout].includes(error.code));
}

/** BadCredentials (0x0100) from the nodes, as the driver reports it. */
export function isLoginRefused(error: unknown): boolean {
  const refused = (inner: unknown) => inner instanceof cassandra.errors.AuthenticationError
    || (inner instanceof cassandra.errors.ResponseError && inner.code === cassandra.types.responseErrorCodes.badCredentials);
  if (refused(error)) return true;
  if (!(error instanceof cassandra.errors.NoHostAvailableError)) return false;
  const inner = Object.values(error.innerErrors as Record<string, unknown>);
  return inner.length > 0 && inner.some(refused);
}
