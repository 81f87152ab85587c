// Audit logging (audit_logging_options, FileAuditLogger) on a real node process with the
// DataStax driver: logins good and bad, DDL, DML, SELECT, PREPARE/EXECUTE, a role with a
// password, an error, the user filter, rotation by size. A real process because what is
// checked is the file the node writes through its configuration and flushes at shutdown.
// run-tests: two at a time

import test from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import cassandra from 'cassandra-driver';
import { startNodeProcess } from './harness/node-process.js';

const secret = 'Zq9-audit-secret-pw';

test('the audit log holds every request with user, source and statement, and never a password; nodetool disable/enableauditlog', { timeout: 60_000 }, async () => {
  const dataDir = mkdtempSync(join(tmpdir(), 'aero-audit-'));
  const auditDir = join(dataDir, 'audit');
  const node = await startNodeProcess({
    dataDir,
    extraConfig: [
      'authenticator: PasswordAuthenticator',
      'authorizer: CassandraAuthorizer',
      'audit_logging_options:',
      '  enabled: true',
      '  logger:',
      '    class_name: FileAuditLogger',
      `  audit_logs_dir: ${auditDir}`,
      '  excluded_users: quiet',
      '  max_log_size: 4096',
      '  max_archived_files: 50',
      '  flush_interval_ms: 100',
    ].join('\n'),
  });
  const clients: cassandra.Client[] = [];
  const open = async (user: string, password: string) => {
    const c = new cassandra.Client({
      contactPoints: [`${node.host}:${node.nativePort}`], localDataCenter: 'datacenter1',
      authProvider: new cassandra.auth.PlainTextAuthProvider(user, password),
      pooling: { coreConnectionsPerHost: { [cassandra.types.distance.local]: 1 } },
    });
    clients.push(c);
    await c.connect();
    return c;
  };
  let stopped = false;
  try {
    const admin = await open('cassandra', 'cassandra');
    await assert.rejects(open('cassandra', 'not-the-password'));
    await admin.execute("CREATE KEYSPACE app WITH replication = {'class': 'SimpleStrategy', 'replication_factor': 1}");
    await admin.execute('CREATE TABLE app.flights (id int PRIMARY KEY, name text)');
    await admin.execute("INSERT INTO app.flights (id, name) VALUES (1, 'AR1')");
    await admin.execute('SELECT name FROM app.flights WHERE id = ?', [1], { prepare: true });
    await admin.execute('UPDATE app.flights SET name = ? WHERE id = ?', ['AR2', 1], { prepare: true });
    await admin.batch([
      { query: 'INSERT INTO app.flights (id, name) VALUES (?, ?)', params: [2, 'AR3'] },
      { query: 'DELETE FROM app.flights WHERE id = ?', params: [3] },
    ], { prepare: true });
    await admin.execute(`CREATE ROLE pilot WITH PASSWORD = '${secret}' AND LOGIN = true`);
    await admin.execute(`ALTER ROLE pilot WITH PASSWORD = '${secret}2'`);
    await admin.execute(`CREATE ROLE quiet WITH PASSWORD = '${secret}' AND LOGIN = true AND SUPERUSER = true`);
    await assert.rejects(admin.execute('SELECT * FROM app.no_such_table'));
    const quiet = await open('quiet', secret);
    await quiet.execute('SELECT * FROM app.flights WHERE id = 2');
    // nodetool disableauditlog stops the log, enableauditlog starts it again.
    const nodetool = (command: string) => spawnSync(process.execPath, ['bin/aero.js', 'nodetool', '--host', node.host, '--port', String(node.adminPort), command], { encoding: 'utf8' });
    const disabled = nodetool('disableauditlog');
    assert.equal(disabled.status, 0, disabled.stderr);
    await admin.execute('SELECT name FROM app.flights WHERE id = 999');
    assert.equal((await fetch(`http://${node.host}:${node.adminPort}/enableauditlog`, { method: 'POST' })).status, 200);
    // Enough traffic to roll audit.log (max_log_size 4096) more than once.
    for (let i = 0; i < 30; i++) await admin.execute(`SELECT name FROM app.flights WHERE id = ${100 + i}`);
    for (const c of clients) await c.shutdown();
    clients.length = 0;
    const code = await node.stop();
    stopped = true;
    assert.equal(code, 0, node.output().slice(-3000));

    const files = readdirSync(auditDir);
    const archived = files.filter((f) => /^audit-.*\.log$/.test(f));
    if (!(archived.length >= 1 && files.includes('audit.log'))) assert.fail(`expected audit.log and rotated files, found ${files.join(', ')}`);
    // Rotated files first (their names sort by time), then the current file.
    const text = [...archived.sort((a, b) => a.localeCompare(b, undefined, { numeric: true })), 'audit.log'].map((f) => readFileSync(join(auditDir, f), 'utf8')).join('');
    for (const f of files) {
      if (readFileSync(join(auditDir, f)).length > 4096 + 2048) assert.fail(`${f} grew past max_log_size`);
    }
    const lines = text.trim().split('\n');
    const find = (pattern: RegExp) => lines.find((line) => pattern.test(line));
    const expectLine = (pattern: RegExp) => { if (find(pattern) === undefined) assert.fail(`no audit line matches ${pattern}:\n${lines.slice(0, 60).join('\n')}`); };

    if (text.includes(secret) || text.includes('not-the-password')) assert.fail('a password reached the audit log');
    for (const line of lines) assert.match(line, /^user:[^|]+\|host:127\.0\.0\.1\|source:127\.0\.0\.1\|port:\d+\|timestamp:\d{13}\|type:[A-Z_]+\|category:[A-Z]+/);
    expectLine(/^user:cassandra\|.*\|type:LOGIN_SUCCESS\|category:AUTH\|operation:LOGIN SUCCESSFUL$/);
    expectLine(/^user:cassandra\|.*\|type:LOGIN_ERROR\|category:AUTH\|operation:LOGIN FAILURE; Provided username cassandra and\/or password are incorrect/);
    expectLine(/^user:cassandra\|.*\|type:CREATE_KEYSPACE\|category:DDL\|ks:app\|operation:CREATE KEYSPACE app WITH/);
    expectLine(/\|type:CREATE_TABLE\|category:DDL\|ks:app\|scope:flights\|operation:CREATE TABLE app\.flights/);
    expectLine(/\|type:UPDATE\|category:DML\|ks:app\|scope:flights\|operation:INSERT INTO app\.flights \(id, name\) VALUES \(1, 'AR1'\)$/);
    expectLine(/\|type:PREPARE_STATEMENT\|category:PREPARE\|ks:app\|scope:flights\|operation:SELECT name FROM app\.flights WHERE id = \?$/);
    expectLine(/\|type:SELECT\|category:QUERY\|ks:app\|scope:flights\|operation:SELECT name FROM app\.flights WHERE id = \?$/);
    expectLine(/\|type:UPDATE\|category:DML\|ks:app\|scope:flights\|operation:UPDATE app\.flights SET name = \? WHERE id = \?$/);
    expectLine(/\|type:UPDATE\|category:DML\|batch:[0-9a-f-]{36}\|ks:app\|scope:flights\|operation:INSERT INTO app\.flights \(id, name\) VALUES \(\?, \?\)$/);
    expectLine(/\|type:DELETE\|category:DML\|batch:[0-9a-f-]{36}\|ks:app\|scope:flights\|operation:DELETE FROM app\.flights WHERE id = \?$/);
    expectLine(/\|type:CREATE_ROLE\|category:DCL\|operation:CREATE ROLE pilot WITH PASSWORD = '\*{7}' AND LOGIN = true$/);
    expectLine(/\|type:ALTER_ROLE\|category:DCL\|operation:ALTER ROLE pilot WITH PASSWORD = '\*{7}'$/);
    expectLine(/\|type:REQUEST_FAILURE\|category:ERROR\|ks:app\|scope:no_such_table\|operation:SELECT \* FROM app\.no_such_table; .*no_such_table/);
    expectLine(/\|operation:SELECT name FROM app\.flights WHERE id = 129$/);
    if (find(/id = 999/) !== undefined) assert.fail('a request was audited while the audit log was disabled');
    // Filters: the excluded user's requests and login, and the default-excluded system keyspaces (the driver's own queries).
    if (find(/^user:quiet\|/) !== undefined) assert.fail('an excluded user was audited');
    if (find(/\|ks:(system|system_schema)\|/) !== undefined) assert.fail('system keyspaces are excluded by default');
  } finally {
    for (const c of clients) await c.shutdown().catch(() => undefined);
    if (!stopped) await node.kill();
    node.cleanup();
  }
});
