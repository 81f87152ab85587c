// Authentication and authorization against a real node (PasswordAuthenticator +
// CassandraAuthorizer) with the DataStax drivers' PlainTextAuthProvider: the default
// superuser, BadCredentials, Unauthorized until GRANT, REVOKE, a dropped role's open
// connection, LIST ROLES / LIST PERMISSIONS, EXECUTE on user functions and aggregates (function
// resources named as Cassandra's FunctionResource), and no password in logs, tables or errors.
// run-tests: two at a time

import test from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import cassandra from 'cassandra-driver';
import { startNodeProcess, type NodeProcess } from './harness/node-process.js';

const python = existsSync('/usr/bin/python3') ? '/usr/bin/python3' : 'python3';
const authConfig = 'authenticator: PasswordAuthenticator\nauthorizer: CassandraAuthorizer\nenable_user_defined_functions: true';
const secret = 'Zq9-very-secret-pw';

function client(node: NodeProcess, credentials: { user: string; password: string } | null): cassandra.Client {
  return new cassandra.Client({
    contactPoints: [`${node.host}:${node.nativePort}`], localDataCenter: 'datacenter1',
    ...(credentials === null ? {} : { authProvider: new cassandra.auth.PlainTextAuthProvider(credentials.user, credentials.password) }),
    pooling: { coreConnectionsPerHost: { [cassandra.types.distance.local]: 1 } },
  });
}

/** The driver wraps a failed connect in NoHostAvailableError; the node's answer is inside. */
function innerErrors(error: unknown): unknown[] {
  const inner = (error as { innerErrors?: Record<string, unknown> }).innerErrors;
  return inner === undefined ? [error] : Object.values(inner);
}

async function expectUnauthorized(promise: Promise<unknown>, message: RegExp): Promise<void> {
  await assert.rejects(promise, (error: unknown) => {
    const { code } = error as { code?: number };
    assert.equal(code, 0x2100, String(error));
    assert.match(String((error as Error).message), message);
    return true;
  });
}

async function eventually(check: () => Promise<void>, timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    try {
      await check();
      return;
    } catch (error) {
      if (Date.now() > deadline) throw error;
      await new Promise((resolve) => setTimeout(resolve, 250));
    }
  }
}

test('PasswordAuthenticator and CassandraAuthorizer with the DataStax drivers', { timeout: 240_000 }, async () => {
  const node = await startNodeProcess({ extraConfig: authConfig, logLevel: 'debug' });
  const clients: cassandra.Client[] = [];
  const open = async (credentials: { user: string; password: string } | null) => {
    const c = client(node, credentials);
    clients.push(c);
    await c.connect();
    return c;
  };
  try {
    // The default superuser logs in.
    const admin = await open({ user: 'cassandra', password: 'cassandra' });
    assert.equal((await admin.execute("SELECT release_version FROM system.local WHERE key = 'local'")).rows.length, 1);

    // Wrong password: BadCredentials carrying the server's message; no credentials: refused too.
    await assert.rejects(open({ user: 'cassandra', password: 'wrong-one' }), (error: unknown) => {
      const inner = innerErrors(error);
      assert.ok(inner.some((e) => e instanceof cassandra.errors.AuthenticationError && /Provided username cassandra and\/or password are incorrect/.test(e.message)), String(error));
      return true;
    });
    await assert.rejects(open(null), (error: unknown) => {
      assert.ok(innerErrors(error).some((e) => /PasswordAuthenticator|requires authentication|auth/i.test(String((e as Error).message))), String(error));
      return true;
    });

    await admin.execute("CREATE KEYSPACE app WITH replication = {'class': 'SimpleStrategy', 'replication_factor': 1}");
    await admin.execute('CREATE TABLE app.flights (id int PRIMARY KEY, name text)');
    await admin.execute("INSERT INTO app.flights (id, name) VALUES (1, 'AR1')");
    await admin.execute(`CREATE ROLE pilot WITH PASSWORD = '${secret}' AND LOGIN = true`);

    // No SELECT: Unauthorized with Cassandra's message; after GRANT it reads; REVOKE takes it back.
    const pilot = await open({ user: 'pilot', password: secret });
    await expectUnauthorized(pilot.execute('SELECT * FROM app.flights'), /User pilot has no SELECT permission on <table app\.flights> or any of its parents/);
    await admin.execute('GRANT SELECT ON TABLE app.flights TO pilot');
    await eventually(async () => { assert.equal((await pilot.execute('SELECT name FROM app.flights WHERE id = 1')).first()?.['name'], 'AR1'); }, 10_000);
    await expectUnauthorized(pilot.execute("INSERT INTO app.flights (id, name) VALUES (2, 'x')"), /MODIFY/);
    await expectUnauthorized(pilot.execute('SELECT * FROM system_auth.roles'), /system_auth\.roles/);

    const permissions = await admin.execute('LIST ALL PERMISSIONS OF pilot');
    assert.deepEqual(permissions.columns.map((c) => c.name), ['role', 'username', 'resource', 'permission']);
    assert.deepEqual(permissions.rows.map((r) => [r['role'], r['resource'], r['permission']]), [['pilot', '<table app.flights>', 'SELECT']]);
    const roles = await admin.execute('LIST ROLES');
    assert.deepEqual(roles.columns.map((c) => c.name), ['role', 'super', 'login', 'options', 'datacenters']);
    assert.deepEqual(roles.rows.map((r) => [r['role'], r['super'], r['login']]), [['cassandra', true, true], ['pilot', false, true]]);

    await admin.execute('REVOKE SELECT ON TABLE app.flights FROM pilot');
    await eventually(() => expectUnauthorized(pilot.execute('SELECT * FROM app.flights'), /SELECT/), 10_000);

    // A dropped role's open connection loses access within the cache window.
    await admin.execute('GRANT SELECT ON KEYSPACE app TO pilot');
    await eventually(async () => { await pilot.execute('SELECT * FROM app.flights'); }, 10_000);
    await admin.execute('DROP ROLE pilot');
    await eventually(() => expectUnauthorized(pilot.execute('SELECT * FROM app.flights'), /pilot/), 10_000);
    await assert.rejects(open({ user: 'pilot', password: secret }));

    // Python driver's PlainTextAuthProvider.
    await admin.execute(`CREATE ROLE snake WITH PASSWORD = '${secret}' AND LOGIN = true`);
    await admin.execute('GRANT SELECT ON KEYSPACE app TO snake');
    const script = [
      'import sys',
      'from cassandra.cluster import Cluster',
      'from cassandra.auth import PlainTextAuthProvider',
      'from cassandra import Unauthorized',
      'cluster = Cluster([sys.argv[1]], port=int(sys.argv[2]), auth_provider=PlainTextAuthProvider(username="snake", password=sys.argv[3]), protocol_version=4)',
      'session = cluster.connect()',
      'print(session.execute("SELECT name FROM app.flights WHERE id = 1").one().name)',
      'try:',
      '    session.execute("INSERT INTO app.flights (id, name) VALUES (3, \'x\')")',
      '    print("no error")',
      'except Unauthorized:',
      '    print("unauthorized")',
      'cluster.shutdown()',
    ].join('\n');
    const result = spawnSync(python, ['-c', script, node.host, String(node.nativePort), secret], { encoding: 'utf8', timeout: 60_000 });
    assert.equal(result.status, 0, `${result.stdout}\n${result.stderr}`);
    assert.deepEqual(result.stdout.trim().split('\n'), ['AR1', 'unauthorized']);

    // EXECUTE on user functions and aggregates: checked after SELECT, on the aggregate then its state function.
    await admin.execute("CREATE FUNCTION app.plus (v int) RETURNS NULL ON NULL INPUT RETURNS int LANGUAGE javascript AS 'v + 1'");
    await admin.execute("CREATE FUNCTION app.acc (s int, v int) CALLED ON NULL INPUT RETURNS int LANGUAGE javascript AS 's + (v === null ? 0 : v)'");
    await admin.execute('CREATE AGGREGATE app.total (int) SFUNC acc STYPE int INITCOND 0');
    await admin.execute(`CREATE ROLE coder WITH PASSWORD = '${secret}' AND LOGIN = true`);
    await admin.execute('GRANT SELECT ON KEYSPACE app TO coder');
    const coder = await open({ user: 'coder', password: secret });
    await eventually(async () => { await coder.execute('SELECT id FROM app.flights'); }, 10_000);
    await expectUnauthorized(coder.execute('SELECT app.plus(id) FROM app.flights'), /^User coder has no EXECUTE permission on <function app\.plus\(int\)> or any of its parents$/);
    await admin.execute('GRANT EXECUTE ON FUNCTION app.plus(int) TO coder');
    await eventually(async () => { assert.equal((await coder.execute('SELECT app.plus(id) AS p FROM app.flights WHERE id = 1')).first()?.['p'], 2); }, 10_000);
    const granted = await admin.execute("SELECT resource, permissions FROM system_auth.role_permissions WHERE role = 'coder'");
    assert.deepEqual(granted.rows.map((r) => [r['resource'], r['permissions']]).sort(),
      [['data/app', ['SELECT']], ['functions/app/plus[org.apache.cassandra.db.marshal.Int32Type]', ['EXECUTE']]]);
    assert.deepEqual((await admin.execute('LIST ALL PERMISSIONS OF coder')).rows.map((r) => [r['resource'], r['permission']]),
      [['<keyspace app>', 'SELECT'], ['<function app.plus(int)>', 'EXECUTE']]);
    await admin.execute('GRANT EXECUTE ON FUNCTION app.total(int) TO coder');
    await eventually(() => expectUnauthorized(coder.execute('SELECT app.total(id) FROM app.flights'), /^User coder has no EXECUTE permission on <function app\.acc\(int, int\)> or any of its parents$/), 10_000);
    await admin.execute('GRANT EXECUTE ON ALL FUNCTIONS IN KEYSPACE app TO coder');
    await eventually(async () => { assert.equal((await coder.execute('SELECT app.total(id) AS t FROM app.flights')).first()?.['t'], 1); }, 10_000);
    await admin.execute('REVOKE EXECUTE ON ALL FUNCTIONS IN KEYSPACE app FROM coder');
    await admin.execute('REVOKE EXECUTE ON FUNCTION app.plus(int) FROM coder');
    await eventually(() => expectUnauthorized(coder.execute('SELECT app.plus(id) FROM app.flights'), /EXECUTE permission on <function app\.plus\(int\)>/), 10_000);
    await admin.execute('GRANT EXECUTE ON ALL FUNCTIONS TO coder');
    await eventually(async () => { await coder.execute('SELECT app.plus(id) FROM app.flights'); }, 10_000);
    await admin.execute('REVOKE EXECUTE ON ALL FUNCTIONS FROM coder');
    // CREATE FUNCTION needs CREATE on ALL FUNCTIONS IN KEYSPACE; the creator gets every permission on the function; DROP takes them away.
    const mine = "CREATE FUNCTION app.mine (v int) RETURNS NULL ON NULL INPUT RETURNS int LANGUAGE javascript AS 'v * 3'";
    await eventually(() => expectUnauthorized(coder.execute(mine), /^User coder has no CREATE permission on <all functions in app> or any of its parents$/), 10_000);
    await admin.execute('GRANT CREATE ON ALL FUNCTIONS IN KEYSPACE app TO coder');
    await eventually(async () => { await coder.execute(mine); }, 10_000);
    assert.equal((await coder.execute('SELECT app.mine(id) AS m FROM app.flights WHERE id = 1')).first()?.['m'], 3);
    const mineResource = 'functions/app/mine[org.apache.cassandra.db.marshal.Int32Type]';
    const onMine = async () => (await admin.execute('SELECT permissions FROM system_auth.role_permissions WHERE role = ? AND resource = ?', ['coder', mineResource], { prepare: true })).first()?.['permissions'] as string[] | undefined;
    assert.deepEqual(await onMine(), ['ALTER', 'AUTHORIZE', 'DROP', 'EXECUTE']);
    await admin.execute('DROP FUNCTION app.mine');
    assert.equal(await onMine(), undefined);
    await assert.rejects(admin.execute('GRANT EXECUTE ON FUNCTION app.nope(int) TO coder'), /Resource <function app\.nope\(int\)> doesn't exist/);
    await assert.rejects(admin.execute('GRANT SELECT ON FUNCTION app.plus(int) TO coder'), /Resource type FunctionResource does not support the requested permissions: SELECT/);
    await assert.rejects(admin.execute('GRANT EXECUTE ON FUNCTION plus(int) TO coder'), /In this context function name must be explictly qualified by a keyspace/);

    // A malformed statement's syntax error does not echo the password.
    await assert.rejects(admin.execute(`CREATE ROLE oops WITH PASSWORD '${secret}' AND LOGIN = true`), (error: unknown) => {
      assert.equal((error as { code?: number }).code, 0x2000, String(error));
      assert.doesNotMatch((error as Error).message, new RegExp(secret));
      return true;
    });

    // Only bcrypt hashes in system_auth; the password appears in no log line (the log is at debug level).
    const hashes = (await admin.execute('SELECT salted_hash FROM system_auth.roles')).rows.map((r) => String(r['salted_hash']));
    assert.ok(hashes.length >= 2 && hashes.every((hash) => /^\$2a\$10\$/.test(hash)), hashes.join(' '));
    const log = readFileSync(join(node.dataDir, 'logs', 'system.log'), 'utf8') + node.output();
    assert.match(log, /authentication failed/);
    assert.match(log, /Created default superuser role 'cassandra'/);
    assert.match(log, /default superuser 'cassandra' still has its default password/);
    assert.match(log, /CREATE ROLE pilot WITH PASSWORD = \*\*\*\*\*/);
    assert.doesNotMatch(log, new RegExp(secret));
    assert.doesNotMatch(log, /wrong-one/);
  } finally {
    for (const c of clients) await c.shutdown().catch(() => undefined);
    await node.stop();
    node.cleanup();
  }
});
