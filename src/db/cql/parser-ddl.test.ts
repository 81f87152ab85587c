import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { Statement } from './ast.js';
import { parseStatement } from './parser.js';
import { ErrorCode } from '../common/errors.js';

/** Like assert.partialDeepStrictEqual: keys absent from `expected` are not compared. */
function assertShape(actual: unknown, expected: unknown, path = '$'): void {
  if (Array.isArray(expected)) {
    assert.ok(Array.isArray(actual), `${path}: expected an array, got ${JSON.stringify(actual)}`);
    assert.equal(actual.length, expected.length, `${path}: length of ${JSON.stringify(actual)}`);
    expected.forEach((item, index) => assertShape(actual[index], item, `${path}[${index}]`));
  } else if (expected !== null && typeof expected === 'object') {
    assert.ok(actual !== null && typeof actual === 'object', `${path}: expected an object, got ${JSON.stringify(actual)}`);
    for (const [key, value] of Object.entries(expected)) {
      assertShape((actual as Record<string, unknown>)[key], value, `${path}.${key}`);
    }
  } else {
    assert.equal(actual, expected, `${path}`);
  }
}

function check(text: string, expected: { kind: Statement['kind'] } & Record<string, unknown>): void {
  assertShape(parseStatement(text), expected);
}

const col = (name: string) => ({ name });
const native = (name: string) => ({ kind: 'native', name });

test('keyspaces', () => {
  check("CREATE KEYSPACE IF NOT EXISTS ks WITH replication = {'class': 'SimpleStrategy', 'replication_factor': 3} AND durable_writes = false", {
    kind: 'createKeyspace', keyspace: 'ks', ifNotExists: true,
    properties: [
      { name: 'replication', value: { kind: 'map', entries: [{ key: 'class', value: 'SimpleStrategy' }, { key: 'replication_factor', value: '3' }] } },
      { name: 'durable_writes', value: { kind: 'constant', type: 'boolean', text: 'false' } },
    ],
  });
  check("CREATE SCHEMA \"Ks\" WITH replication = {'class': 'NetworkTopologyStrategy', 'dc1': '2'}", {
    kind: 'createKeyspace', keyspace: 'Ks', ifNotExists: false,
  });
  check("ALTER KEYSPACE ks WITH replication = {'class': 'SimpleStrategy', 'replication_factor': 1}", { kind: 'alterKeyspace', keyspace: 'ks' });
  check('DROP KEYSPACE IF EXISTS ks', { kind: 'dropKeyspace', keyspace: 'ks', ifExists: true });
  check('DROP KEYSPACE ks', { kind: 'dropKeyspace', ifExists: false });
});

test('CREATE TABLE with a compound primary key and options', () => {
  check(
    `CREATE TABLE IF NOT EXISTS ks.t (
       a int, b text, c timeuuid, d double static, e frozen<map<text, list<int>>>, "Mixed" set<uuid>,
       f tuple<int, text>, g frozen<address>, h ks.address, i 'org.apache.cassandra.db.marshal.BytesType',
       PRIMARY KEY ((a, b), c, "Mixed"),
     ) WITH CLUSTERING ORDER BY (c DESC, "Mixed" ASC) AND COMPACT STORAGE AND comment = 'flights'
       AND gc_grace_seconds = 864000 AND caching = {'keys': 'ALL'} AND bloom_filter_fp_chance = 0.01 AND speculative_retry = ALWAYS`,
    {
      kind: 'createTable', table: { keyspace: 'ks', name: 't' }, ifNotExists: true,
      columns: [
        { name: 'a', type: native('int'), isStatic: false },
        { name: 'b', type: native('text') },
        { name: 'c', type: native('timeuuid') },
        { name: 'd', type: native('double'), isStatic: true },
        { name: 'e', type: { kind: 'map', frozen: true, key: native('text'), value: { kind: 'list', frozen: false, element: native('int') } } },
        { name: 'Mixed', type: { kind: 'set', frozen: false, element: native('uuid') } },
        { name: 'f', type: { kind: 'tuple', elements: [native('int'), native('text')] } },
        { name: 'g', type: { kind: 'userType', keyspace: null, name: 'address', frozen: true } },
        { name: 'h', type: { kind: 'userType', keyspace: 'ks', name: 'address', frozen: false } },
        { name: 'i', type: { kind: 'custom', className: 'org.apache.cassandra.db.marshal.BytesType' } },
      ],
      partitionKey: [col('a'), col('b')],
      clustering: [col('c'), col('Mixed')],
      clusteringOrder: [{ column: col('c'), order: 'desc' }, { column: col('Mixed'), order: 'asc' }],
      compactStorage: true,
      properties: [
        { name: 'comment', value: { kind: 'constant', type: 'string', text: 'flights' } },
        { name: 'gc_grace_seconds', value: { kind: 'constant', type: 'integer', text: '864000' } },
        { name: 'caching', value: { kind: 'map', entries: [{ key: 'keys', value: 'ALL' }] } },
        { name: 'bloom_filter_fp_chance', value: { kind: 'constant', type: 'float', text: '0.01' } },
        { name: 'speculative_retry', value: { kind: 'constant', type: 'identifier', text: 'ALWAYS' } },
      ],
    },
  );
});

test('CREATE TABLE: inline primary key, every native type, keyword column names', () => {
  const types = ['ascii', 'bigint', 'blob', 'boolean', 'counter', 'date', 'decimal', 'double', 'duration', 'float', 'inet',
    'int', 'smallint', 'text', 'time', 'timestamp', 'timeuuid', 'tinyint', 'uuid', 'varchar', 'varint'];
  const columns = types.map((type) => `c_${type} ${type}`).join(', ');
  check(`CREATE TABLE t (key text PRIMARY KEY, ${columns})`, {
    kind: 'createTable', partitionKey: [col('key')], clustering: [],
    columns: [{ name: 'key', type: native('text') }, ...types.map((type) => ({ name: `c_${type}`, type: native(type) }))],
  });
  check('CREATE COLUMNFAMILY t (type int, user text, status text, role int, login int, password text, options int, values int, ttl int, writetime int, count int, filtering int, keys int, custom int, ascii int, PRIMARY KEY (type))', {
    kind: 'createTable', partitionKey: [col('type')],
  });
  check('CREATE TABLE t (a int, b int, PRIMARY KEY (a, b)) WITH CLUSTERING ORDER BY (b DESC)', {
    kind: 'createTable', partitionKey: [col('a')], clustering: [col('b')], compactStorage: false, properties: [],
  });
});

test('ALTER TABLE and DROP TABLE', () => {
  check('ALTER TABLE ks.t ADD c int', {
    kind: 'alterTable', table: { keyspace: 'ks', name: 't' }, action: { kind: 'addColumns', columns: [{ name: 'c', type: native('int'), isStatic: false }] },
  });
  check('ALTER TABLE t ADD (c int, d list<text> static)', {
    kind: 'alterTable', action: { kind: 'addColumns', columns: [{ name: 'c' }, { name: 'd', isStatic: true }] },
  });
  check('ALTER TABLE t DROP c', { kind: 'alterTable', action: { kind: 'dropColumns', columns: [col('c')], timestamp: null } });
  check('ALTER TABLE t DROP (c, d) USING TIMESTAMP 5', {
    kind: 'alterTable', action: { kind: 'dropColumns', columns: [col('c'), col('d')], timestamp: { kind: 'literal', text: '5' } },
  });
  check('ALTER TABLE t RENAME a TO b AND c TO "D"', {
    kind: 'alterTable', action: { kind: 'renameColumns', renames: [{ from: col('a'), to: col('b') }, { from: col('c'), to: col('D') }] },
  });
  check("ALTER TABLE t WITH comment = 'x' AND default_time_to_live = 10", {
    kind: 'alterTable', action: { kind: 'withProperties', properties: [{ name: 'comment' }, { name: 'default_time_to_live' }] },
  });
  check('ALTER TABLE t ALTER c TYPE blob', { kind: 'alterTable', action: { kind: 'alterColumnType', column: col('c'), type: native('blob') } });
  check('DROP TABLE IF EXISTS ks.t', { kind: 'dropTable', table: { keyspace: 'ks', name: 't' }, ifExists: true });
  check('DROP COLUMNFAMILY t', { kind: 'dropTable', ifExists: false });
});

test('user types', () => {
  check('CREATE TYPE IF NOT EXISTS ks.address (street text, zip int, tags frozen<set<text>>)', {
    kind: 'createType', type: { keyspace: 'ks', name: 'address' }, ifNotExists: true,
    fields: [{ name: 'street', type: native('text') }, { name: 'zip', type: native('int') }, { name: 'tags', type: { kind: 'set', frozen: true } }],
  });
  check('ALTER TYPE address ADD country text', { kind: 'alterType', action: { kind: 'addField', field: 'country', type: native('text') } });
  check('ALTER TYPE ks.address RENAME zip TO postcode AND street TO road', {
    kind: 'alterType', type: { keyspace: 'ks' }, action: { kind: 'renameFields', renames: [{ from: 'zip', to: 'postcode' }, { from: 'street', to: 'road' }] },
  });
  check('ALTER TYPE address ALTER zip TYPE bigint', { kind: 'alterType', action: { kind: 'alterFieldType', field: 'zip' } });
  check('CREATE TYPE empty ()', { kind: 'createType', fields: [] });
  check('DROP TYPE IF EXISTS ks.address', { kind: 'dropType', type: { keyspace: 'ks', name: 'address' }, ifExists: true });
});

test('secondary indexes', () => {
  check('CREATE INDEX ON t (v)', { kind: 'createIndex', index: null, table: { keyspace: null, name: 't' }, ifNotExists: false, target: { column: { name: 'v' }, type: 'simple' } });
  check('CREATE INDEX IF NOT EXISTS i ON ks.t (keys(m))', {
    kind: 'createIndex', index: { keyspace: null, name: 'i' }, table: { keyspace: 'ks', name: 't' }, ifNotExists: true, target: { column: { name: 'm' }, type: 'keys' },
  });
  for (const type of ['values', 'entries', 'full'] as const) check(`CREATE INDEX ON t (${type.toUpperCase()}(c))`, { kind: 'createIndex', target: { column: { name: 'c' }, type } });
  check('CREATE INDEX ON t ("Keys")', { kind: 'createIndex', target: { column: { name: 'Keys' }, type: 'simple' } });
  check('DROP INDEX i', { kind: 'dropIndex', index: { keyspace: null, name: 'i' }, ifExists: false });
  check('DROP INDEX IF EXISTS ks.i', { kind: 'dropIndex', index: { keyspace: 'ks', name: 'i' }, ifExists: true });
});

test('CREATE MATERIALIZED VIEW is parsed into its parts', () => {
  check('CREATE MATERIALIZED VIEW v AS SELECT * FROM t WHERE a IS NOT NULL PRIMARY KEY (a)', {
    kind: 'createView', view: { keyspace: null, name: 'v' }, table: { keyspace: null, name: 't' }, selectors: null, ifNotExists: false,
    partitionKey: [{ name: 'a' }], clustering: [],
  });
  check('CREATE MATERIALIZED VIEW IF NOT EXISTS ks.v AS SELECT a, b FROM ks.t WHERE a IS NOT NULL AND b IS NOT NULL PRIMARY KEY ((b), a) WITH CLUSTERING ORDER BY (a DESC) AND comment = \'x\'', {
    kind: 'createView', view: { keyspace: 'ks', name: 'v' }, ifNotExists: true, partitionKey: [{ name: 'b' }], clustering: [{ name: 'a' }],
  });
});

test('unsupported features are recognised and named', () => {
  const cases = [
    ["CREATE CUSTOM INDEX i ON t (v) USING 'org.apache.cassandra.index.sasi.SASIIndex'", 'CREATE INDEX'],
    ["CREATE TRIGGER tr ON t USING 'Cls'", 'CREATE TRIGGER'],
    ['DROP TRIGGER tr ON t', 'DROP TRIGGER'],
  ] as const;
  for (const [text, feature] of cases) check(text, { kind: 'unsupported', feature });
});

test('user-defined functions and aggregates', () => {
  check("CREATE FUNCTION ks.f (a int, \"B\" list<text>) RETURNS NULL ON NULL INPUT RETURNS int LANGUAGE javascript AS 'a + 1'", {
    kind: 'createFunction', function: { keyspace: 'ks', name: 'f' }, orReplace: false, ifNotExists: false,
    calledOnNullInput: false, language: 'javascript', body: 'a + 1',
  });
  check('CREATE OR REPLACE FUNCTION IF NOT EXISTS f () CALLED ON NULL INPUT RETURNS int LANGUAGE java AS $$ return 1; $$', {
    kind: 'createFunction', orReplace: true, ifNotExists: true, arguments: [], calledOnNullInput: true, language: 'java', body: ' return 1; ',
  });
  check('CREATE AGGREGATE ks.a (int) SFUNC acc STYPE tuple<int, bigint> FINALFUNC fin INITCOND (0, 0)', {
    kind: 'createAggregate', aggregate: { keyspace: 'ks', name: 'a' }, orReplace: false, stateFunction: 'acc', finalFunction: 'fin',
  });
  check('CREATE OR REPLACE AGGREGATE a (int) SFUNC f STYPE int', { kind: 'createAggregate', orReplace: true, finalFunction: null, initialCondition: null });
  check('DROP FUNCTION IF EXISTS ks.f (int, text)', { kind: 'dropFunction', ifExists: true, function: { keyspace: 'ks', name: 'f' } });
  check('DROP FUNCTION f', { kind: 'dropFunction', argumentTypes: null });
  check('DROP AGGREGATE a ()', { kind: 'dropAggregate', argumentTypes: [] });
  assert.throws(() => parseStatement("CREATE FUNCTION f (a int) RETURNS int LANGUAGE javascript AS 'a'"), { code: ErrorCode.SyntaxError });
  assert.throws(() => parseStatement('CREATE FUNCTION f (a int) CALLED ON NULL INPUT RETURNS int LANGUAGE javascript AS a'), { code: ErrorCode.SyntaxError });
});

test('roles', () => {
  check("CREATE ROLE IF NOT EXISTS alice WITH PASSWORD = 'pw' AND LOGIN = true AND SUPERUSER = false AND OPTIONS = {'a': 'b'}", {
    kind: 'createRole', role: 'alice', ifNotExists: true,
    options: { password: 'pw', hashedPassword: null, login: true, superuser: false, options: [{ key: 'a', value: 'b' }] },
  });
  check('CREATE ROLE "Bob"', { kind: 'createRole', role: 'Bob', options: { password: null, login: null, superuser: null, options: null } });
  check("CREATE ROLE 'Carol' WITH HASHED PASSWORD = '$2a$10$x'", { kind: 'createRole', role: 'Carol', options: { hashedPassword: '$2a$10$x' } });
  check('ALTER ROLE alice WITH LOGIN = false', { kind: 'alterRole', role: 'alice', options: { login: false } });
  check('DROP ROLE IF EXISTS alice', { kind: 'dropRole', role: 'alice', ifExists: true });
  check('GRANT admin TO alice', { kind: 'grantRole', role: 'admin', grantee: 'alice' });
  check('REVOKE admin FROM alice', { kind: 'revokeRole', role: 'admin', revokee: 'alice' });
  check('LIST ROLES', { kind: 'listRoles', of: null, recursive: true });
  check('LIST ROLES OF alice NORECURSIVE', { kind: 'listRoles', of: 'alice', recursive: false });
});

test('legacy users', () => {
  check("CREATE USER IF NOT EXISTS bob WITH PASSWORD 'pw' SUPERUSER", {
    kind: 'createUser', user: 'bob', ifNotExists: true, password: 'pw', superuser: true,
  });
  check("CREATE USER 'Bob' NOSUPERUSER", { kind: 'createUser', user: 'Bob', password: null, superuser: false });
  check("ALTER USER bob WITH PASSWORD 'new'", { kind: 'alterUser', user: 'bob', password: 'new', superuser: null });
  check('DROP USER IF EXISTS bob', { kind: 'dropUser', user: 'bob', ifExists: true });
  check('LIST USERS', { kind: 'listUsers' });
});

test('permissions', () => {
  check('GRANT SELECT ON ALL KEYSPACES TO alice', {
    kind: 'grantPermissions', permissions: { kind: 'one', permission: 'SELECT' }, resource: { kind: 'allKeyspaces' }, grantee: 'alice',
  });
  check('GRANT ALL PERMISSIONS ON KEYSPACE ks TO alice', {
    kind: 'grantPermissions', permissions: { kind: 'all' }, resource: { kind: 'keyspace', keyspace: 'ks' },
  });
  check('GRANT MODIFY PERMISSION ON TABLE ks.t TO alice', {
    kind: 'grantPermissions', permissions: { permission: 'MODIFY' }, resource: { kind: 'table', table: { keyspace: 'ks', name: 't' } },
  });
  check('GRANT ALTER ON ks.t TO alice', { kind: 'grantPermissions', resource: { kind: 'table', table: { keyspace: 'ks', name: 't' } } });
  check('GRANT AUTHORIZE ON ALL ROLES TO alice', { kind: 'grantPermissions', resource: { kind: 'allRoles' } });
  check('GRANT DROP ON ROLE bob TO alice', { kind: 'grantPermissions', resource: { kind: 'role', role: 'bob' } });
  check('GRANT EXECUTE ON ALL FUNCTIONS IN KEYSPACE ks TO alice', { kind: 'grantPermissions', resource: { kind: 'allFunctions', keyspace: 'ks' } });
  check('GRANT EXECUTE ON FUNCTION ks.f(int, text) TO alice', {
    kind: 'grantPermissions', resource: { kind: 'function', function: { keyspace: 'ks', name: 'f' }, argTypes: [native('int'), native('text')] },
  });
  check('GRANT DESCRIBE ON ALL MBEANS TO alice', { kind: 'grantPermissions', resource: { kind: 'allMbeans' } });
  check('REVOKE CREATE ON ALL KEYSPACES FROM alice', {
    kind: 'revokePermissions', permissions: { permission: 'CREATE' }, resource: { kind: 'allKeyspaces' }, revokee: 'alice',
  });
  check('LIST ALL', { kind: 'listPermissions', permissions: { kind: 'all' }, resource: null, of: null, recursive: true });
  check('LIST ALL PERMISSIONS ON KEYSPACE ks OF alice NORECURSIVE', {
    kind: 'listPermissions', resource: { kind: 'keyspace', keyspace: 'ks' }, of: 'alice', recursive: false,
  });
  check('LIST SELECT OF alice', { kind: 'listPermissions', permissions: { kind: 'one', permission: 'SELECT' }, resource: null, of: 'alice' });
});

test('errors inside multi-line DDL point at the line and column', () => {
  const text = 'CREATE TABLE t (\n  a int,\n  b lst<int>,\n  PRIMARY KEY (a)\n)';
  assert.throws(() => parseStatement(text), /: line 3:7 mismatched input '<' expecting/);
  assert.throws(() => parseStatement('CREATE TABLE t (a frozen<list<int>, PRIMARY KEY (a))'), /: line 1:34 mismatched input ',' expecting '>'/);
  assert.throws(() => parseStatement('CREATE KEYSPACE ks WITH replication = {class: 1}'), /: line 1:39 Invalid property name: class/);
});
