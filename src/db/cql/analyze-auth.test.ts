import test from 'node:test';
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { CqlError } from '../common/errors.js';
import { Schema } from '../schema/schema.js';
import { analyzeStatement } from './analyzer.js';
import { parseStatement } from './parser.js';
import { SimulatedDisk } from '../../../test/harness/simulated-disk.js';

async function context() {
  const disk = new SimulatedDisk();
  await disk.makeDirectory('data');
  const schema = new Schema({ random: { nextFloat: () => 0.5, nextInt: () => 0, bytes: (n) => randomBytes(n) }, disk, path: 'data/schema.json' });
  const keyspace = analyzeStatement(parseStatement("CREATE KEYSPACE ks WITH replication = {'class': 'SimpleStrategy', 'replication_factor': 1}"), { schema, keyspace: null, nowMicros: () => 1 });
  if (keyspace.plan.kind === 'schema') await keyspace.plan.apply();
  const table = analyzeStatement(parseStatement('CREATE TABLE ks.t (k int PRIMARY KEY, v text)'), { schema, keyspace: null, nowMicros: () => 1 });
  if (table.plan.kind === 'schema') await table.plan.apply();
  return (query: string, keyspace: string | null = null) => analyzeStatement(parseStatement(query), { schema, keyspace, nowMicros: () => 1 });
}

test('USER statements become ROLE statements; resources resolve against the session keyspace', async () => {
  const analyze = await context();
  assert.deepEqual(analyze("CREATE USER bob WITH PASSWORD 'pw'").plan, {
    kind: 'auth', statement: { kind: 'createRole', role: 'bob', ifNotExists: false, options: { password: 'pw', hashedPassword: null, login: true, superuser: false, options: null } },
  });
  assert.deepEqual(analyze('LIST USERS').plan, { kind: 'auth', statement: { kind: 'listRoles', of: null, recursive: true, users: true } });
  assert.deepEqual(analyze('GRANT SELECT ON t TO bob', 'ks').plan, {
    kind: 'auth', statement: { kind: 'grantPermissions', permissions: ['SELECT'], resource: { kind: 'table', keyspace: 'ks', table: 't' }, role: 'bob' },
  });
  assert.throws(() => analyze('GRANT SELECT ON ks.nope TO bob'), (error: unknown) => error instanceof CqlError && error.message === "Resource <table ks.nope> doesn't exist");
  assert.throws(() => analyze('GRANT ALL ON KEYSPACE nope TO bob'), /Resource <keyspace nope> doesn't exist/);
  assert.deepEqual(analyze('GRANT EXECUTE ON ALL FUNCTIONS TO bob').plan, {
    kind: 'auth', statement: { kind: 'grantPermissions', permissions: ['EXECUTE'], resource: { kind: 'allFunctions' }, role: 'bob' },
  });
  assert.deepEqual(analyze('GRANT EXECUTE ON ALL FUNCTIONS IN KEYSPACE ks TO bob').plan, {
    kind: 'auth', statement: { kind: 'grantPermissions', permissions: ['EXECUTE'], resource: { kind: 'keyspaceFunctions', keyspace: 'ks' }, role: 'bob' },
  });
  assert.throws(() => analyze('GRANT EXECUTE ON ALL FUNCTIONS IN KEYSPACE nope TO bob'), /Resource <all functions in nope> doesn't exist/);
  assert.throws(() => analyze('GRANT EXECUTE ON FUNCTION ks.f(int) TO bob'), /Resource <function ks\.f\(int\)> doesn't exist/);
  assert.throws(() => analyze('GRANT EXECUTE ON ALL MBEANS TO bob'), /Permissions on MBeans are not supported/);
});

test('statements carry the data permissions they need', async () => {
  const analyze = await context();
  assert.deepEqual(analyze('SELECT * FROM ks.t').access, [{ permission: 'SELECT', keyspace: 'ks', table: 't' }]);
  assert.deepEqual(analyze("INSERT INTO t (k, v) VALUES (1, 'a')", 'ks').access, [{ permission: 'MODIFY', keyspace: 'ks', table: 't' }]);
  assert.deepEqual(analyze('TRUNCATE ks.t').access, [{ permission: 'MODIFY', keyspace: 'ks', table: 't' }]);
  const createKeyspace = analyze("CREATE KEYSPACE k2 WITH replication = {'class': 'SimpleStrategy', 'replication_factor': 1}");
  assert.deepEqual(createKeyspace.access, [{ permission: 'CREATE', keyspace: null, table: null }]);
  assert.deepEqual(createKeyspace.created, { keyspace: 'k2', table: null });
  const createTable = analyze('CREATE TABLE u (k int PRIMARY KEY)', 'ks');
  assert.deepEqual(createTable.access, [{ permission: 'CREATE', keyspace: 'ks', table: null }]);
  assert.deepEqual(createTable.created, { keyspace: 'ks', table: 'u' });
  const drop = analyze('DROP TABLE ks.t');
  assert.deepEqual(drop.access, [{ permission: 'DROP', keyspace: 'ks', table: 't' }]);
  assert.deepEqual(drop.dropped, { keyspace: 'ks', table: 't' });
  assert.deepEqual(analyze('ALTER KEYSPACE ks WITH durable_writes = true').access, [{ permission: 'ALTER', keyspace: 'ks', table: null }]);
  assert.equal(analyze('USE ks').access, undefined);
});
