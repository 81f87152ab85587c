// Roles and permissions end to end in one process: the query processor through the coordinator
// (a StorageProxy at replication factor 1) over the real storage engine on a simulated disk,
// with the AuthService reading and writing system_auth through it.

import test from 'node:test';
import assert from 'node:assert/strict';
import { ConsistencyLevel } from '../common/consistency.js';
import { CqlError, ErrorCode } from '../common/errors.js';
import { silentLogger } from '../common/world.js';
import { defaultQueryParameters } from '../protocol/query-parameters.js';
import type { ResultMessage } from '../protocol/messages.js';
import { decodeValue } from '../protocol/type-codecs.js';
import { builtInKeyspaces } from '../schema/system-keyspaces.js';
import { openProcessorFixture } from '../../../test/harness/processor-fixture.js';
import { QueryProcessor, type QuerySession } from './query-processor.js';
import { AuthService } from '../auth/auth-service.js';
import { createDefaultSuperuserIfNoRoles, defaultPasswordInUse } from '../auth/default-superuser.js';

async function setup(options: { authorization?: boolean } = {}) {
  const { clock, random, storage, schema, coordinator } = await openProcessorFixture();
  const world = { clock, random, logger: silentLogger };
  const auth: AuthService = new AuthService({
    executor: { execute: (query, values, consistency) => processor.internalQuery(query, values, consistency) },
    world, authentication: true, authorization: options.authorization ?? true, bcryptWorkFactor: 4,
  });
  const processor = new QueryProcessor({ world, schema, storage, coordinator, virtualRows: () => [], auth });
  await processor.start();
  const session = (user: string | null): QuerySession => ({ keyspace: null, user });
  const run = (state: QuerySession, query: string) => processor.query(query, defaultQueryParameters(ConsistencyLevel.ONE), state);
  /** Lets the role caches expire (the validity window passes). */
  const later = () => clock.advance(10_000);
  return { auth, processor, run, session, later, schema };
}

const text = { kind: 'native', name: 'text' } as const;

function column(result: ResultMessage, name: string): unknown[] {
  if (result.kind === 'void') return [];
  assert.equal(result.kind, 'rows');
  if (result.kind !== 'rows') return [];
  const index = result.metadata.columns?.findIndex((c) => c.name === name) ?? -1;
  assert.ok(index >= 0, `no column ${name}`);
  return result.rows.map((row) => { const bytes = row[index]; return bytes === null || bytes === undefined ? null : decodeValue(result.metadata.columns?.[index]?.type ?? text, bytes); });
}

async function rejects(promise: Promise<unknown>, code: number, message?: RegExp): Promise<void> {
  await assert.rejects(promise, (error: unknown) => {
    assert.ok(error instanceof CqlError, String(error));
    assert.equal(error.code, code, error.message);
    if (message !== undefined) assert.match(error.message, message);
    return true;
  });
}

test('the default superuser is created once, logs in, and is reported while its password is the default', async () => {
  const { auth, run, session } = await setup();
  assert.equal(await createDefaultSuperuserIfNoRoles(auth), true);
  assert.equal(await createDefaultSuperuserIfNoRoles(auth), false);
  assert.equal(await auth.login('cassandra', 'cassandra'), true);
  assert.equal(await auth.login('cassandra', 'wrong'), false);
  assert.equal(await auth.login('nobody', 'cassandra'), false);
  assert.equal(await defaultPasswordInUse(auth), true);
  const admin = session('cassandra');
  await run(admin, "ALTER ROLE cassandra WITH PASSWORD = 'n3w'");
  assert.equal(await defaultPasswordInUse(auth), false);
  assert.equal(await auth.login('cassandra', 'cassandra'), false);
  assert.equal(await auth.login('cassandra', 'n3w'), true);
  const hashes = column(await run(admin, 'SELECT salted_hash FROM system_auth.roles'), 'salted_hash');
  assert.match(String(hashes[0]), /^\$2a\$04\$/);
});

test('SELECT needs a grant; GRANT and REVOKE take effect; inherited roles count; creators own what they create', async () => {
  const { auth, run, session } = await setup();
  await createDefaultSuperuserIfNoRoles(auth);
  const admin = session('cassandra');
  await run(admin, "CREATE KEYSPACE ks WITH replication = {'class': 'SimpleStrategy', 'replication_factor': 1}");
  await run(admin, 'CREATE TABLE ks.t (k int PRIMARY KEY, v text)');
  await run(admin, "INSERT INTO ks.t (k, v) VALUES (1, 'one')");
  await run(admin, "CREATE ROLE alice WITH PASSWORD = 'pw' AND LOGIN = true");
  assert.equal(await auth.login('alice', 'pw'), true);
  const alice = session('alice');
  await rejects(run(alice, 'SELECT * FROM ks.t'), ErrorCode.Unauthorized, /^User alice has no SELECT permission on <table ks\.t> or any of its parents$/);
  await run(alice, 'SELECT * FROM system.local');
  await run(alice, 'SELECT * FROM system_schema.tables');
  await rejects(run(alice, 'SELECT * FROM system_auth.roles'), ErrorCode.Unauthorized);
  await run(admin, 'GRANT SELECT ON TABLE ks.t TO alice');
  assert.deepEqual(column(await run(alice, 'SELECT v FROM ks.t'), 'v'), ['one']);
  await rejects(run(alice, "INSERT INTO ks.t (k, v) VALUES (2, 'two')"), ErrorCode.Unauthorized, /MODIFY permission on <table ks\.t>/);
  await run(admin, 'REVOKE SELECT ON ks.t FROM alice');
  await rejects(run(alice, 'SELECT * FROM ks.t'), ErrorCode.Unauthorized);
  // Through a role granted to alice: MODIFY on the keyspace covers its tables.
  await run(admin, 'CREATE ROLE writers');
  await run(admin, 'GRANT MODIFY ON KEYSPACE ks TO writers');
  await run(admin, 'GRANT writers TO alice');
  await run(alice, "INSERT INTO ks.t (k, v) VALUES (2, 'two')");
  await rejects(run(admin, 'GRANT alice TO writers'), ErrorCode.Invalid, /alice is a member of writers/);
  // A creator gets every permission on its keyspace.
  await run(admin, 'GRANT CREATE ON ALL KEYSPACES TO alice');
  await run(alice, "CREATE KEYSPACE mine WITH replication = {'class': 'SimpleStrategy', 'replication_factor': 1}");
  await run(alice, 'CREATE TABLE mine.t (k int PRIMARY KEY)');
  await run(alice, 'INSERT INTO mine.t (k) VALUES (1)');
  const listed = await run(admin, 'LIST ALL PERMISSIONS OF alice');
  assert.ok(column(listed, 'resource').includes('<keyspace mine>'));
  assert.ok(column(listed, 'resource').includes('<keyspace ks>'), 'inherited from writers');
  await run(admin, 'DROP KEYSPACE mine');
  assert.ok(!column(await run(admin, 'LIST ALL PERMISSIONS OF alice'), 'resource').includes('<keyspace mine>'));
});

test('role statements: checks and messages as in Cassandra', async () => {
  const { auth, run, session } = await setup();
  await createDefaultSuperuserIfNoRoles(auth);
  const admin = session('cassandra');
  await rejects(run(session(null), 'CREATE ROLE x'), ErrorCode.Unauthorized, /logged in and not anonymous/);
  await run(admin, "CREATE USER bob WITH PASSWORD 'pw'");
  await rejects(run(admin, 'CREATE ROLE bob'), ErrorCode.Invalid, /^bob already exists$/);
  await run(admin, 'CREATE ROLE IF NOT EXISTS bob');
  const bob = session('bob');
  await rejects(run(bob, 'CREATE ROLE carol'), ErrorCode.Unauthorized, /does not have sufficient privileges/);
  await rejects(run(bob, 'ALTER ROLE bob WITH SUPERUSER = true'), ErrorCode.Unauthorized);
  await run(bob, "ALTER ROLE bob WITH PASSWORD = 'pw2'");
  assert.equal(await auth.login('bob', 'pw2'), true);
  await rejects(run(admin, 'DROP ROLE cassandra'), ErrorCode.Invalid, /Cannot DROP primary role/);
  await rejects(run(admin, 'DROP ROLE nobody'), ErrorCode.Invalid, /^nobody doesn't exist$/);
  await rejects(run(admin, 'GRANT EXECUTE ON ALL KEYSPACES TO bob'), ErrorCode.Invalid, /does not support the requested permissions/);
  await rejects(run(admin, 'GRANT SELECT ON TABLE ks.nope TO bob'), ErrorCode.Invalid, /doesn't exist/);
  const roles = await run(admin, 'LIST ROLES');
  assert.deepEqual(column(roles, 'role'), ['bob', 'cassandra']);
  assert.deepEqual(column(roles, 'super'), [false, true]);
  assert.deepEqual(column(roles, 'login'), [true, true]);
  assert.deepEqual(column(await run(bob, 'LIST ROLES'), 'role'), ['bob']);
  assert.deepEqual(column(await run(admin, 'LIST USERS'), 'name'), ['bob', 'cassandra']);
  await rejects(run(bob, 'LIST ALL PERMISSIONS'), ErrorCode.Unauthorized, /view everyone's permissions/);
});

test('a dropped role loses access on its open sessions once the cache window passes', async () => {
  const { auth, run, session, later } = await setup();
  await createDefaultSuperuserIfNoRoles(auth);
  const admin = session('cassandra');
  await run(admin, "CREATE ROLE dave WITH PASSWORD = 'pw' AND LOGIN = true");
  const dave = session('dave');
  await run(dave, 'SELECT * FROM system.local');
  await run(admin, 'DROP ROLE dave');
  await later();
  await rejects(run(dave, 'SELECT * FROM system.local'), ErrorCode.Unauthorized, /dave/);
  assert.equal(await auth.login('dave', 'pw'), false);
});

test('with the AllowAllAuthorizer every logged-in role may do everything, and GRANT is refused', async () => {
  const { auth, run, session } = await setup({ authorization: false });
  await createDefaultSuperuserIfNoRoles(auth);
  await run(session('cassandra'), "CREATE ROLE erin WITH PASSWORD = 'pw' AND LOGIN = true");
  await run(session('erin'), "CREATE KEYSPACE ks WITH replication = {'class': 'SimpleStrategy', 'replication_factor': 1}");
  await rejects(run(session('cassandra'), 'GRANT SELECT ON ALL KEYSPACES TO erin'), ErrorCode.Invalid, /GRANT operation is not supported by AllowAllAuthorizer/);
});

test('system_auth replication can be altered like any keyspace; its tables cannot be dropped', async () => {
  const { auth, run, session, schema } = await setup();
  await createDefaultSuperuserIfNoRoles(auth);
  const admin = session('cassandra');
  await run(admin, "ALTER KEYSPACE system_auth WITH replication = {'class': 'SimpleStrategy', 'replication_factor': 3}");
  assert.equal(schema.findKeyspace('system_auth')?.replication['replication_factor'], '3');
  await assert.rejects(run(admin, 'DROP TABLE system_auth.roles'));
});

test('system_auth has Cassandra 4.0 tables', () => {
  const auth = builtInKeyspaces().find((k) => k.name === 'system_auth');
  assert.deepEqual([...(auth?.tables.keys() ?? [])].sort(), ['network_permissions', 'resource_role_permissons_index', 'role_members', 'role_permissions', 'roles']);
});
