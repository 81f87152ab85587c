import { test } from 'node:test';
import assert from 'node:assert/strict';
import { classifyStatement, formatAuditEntry, isAudited, redactPasswords, type AuditFilter } from './audit-entry.js';

test('formats entries as AuditLogEntry.getLogString, optional fields only when present', () => {
  const line = formatAuditEntry({ user: 'alice', host: '10.0.0.1', source: '10.0.0.9', port: 5555, timestampMs: 1700000000000, type: 'SELECT', category: 'QUERY', keyspace: 'ks', scope: 't', operation: 'SELECT *\nFROM t' });
  assert.equal(line, 'user:alice|host:10.0.0.1|source:10.0.0.9|port:5555|timestamp:1700000000000|type:SELECT|category:QUERY|ks:ks|scope:t|operation:SELECT * FROM t');
  assert.equal(formatAuditEntry({ user: null, host: 'h', source: 's', port: 1, timestampMs: 2, type: 'LOGIN_ERROR', category: 'AUTH' }),
    'user:anonymous|host:h|source:s|port:1|timestamp:2|type:LOGIN_ERROR|category:AUTH');
});

test('classifies statements with their keyspace and table', () => {
  const cases: Array<[string, string | null, string, string, string | null, string | null]> = [
    ['SELECT * FROM ks.t WHERE k = 1', null, 'SELECT', 'QUERY', 'ks', 't'],
    ['select * from t', 'app', 'SELECT', 'QUERY', 'app', 't'],
    ['INSERT INTO "Ks"."T" (k) VALUES (1)', null, 'UPDATE', 'DML', 'Ks', 'T'],
    ['UPDATE t SET v = 1 WHERE k = 1', 'app', 'UPDATE', 'DML', 'app', 't'],
    ['DELETE v FROM ks.t WHERE k = 1', null, 'DELETE', 'DML', 'ks', 't'],
    ['BEGIN BATCH INSERT INTO t (k) VALUES (1); APPLY BATCH', 'app', 'BATCH', 'DML', 'app', null],
    ['TRUNCATE ks.t', null, 'TRUNCATE', 'DDL', 'ks', 't'],
    ['USE other', 'app', 'USE_KEYSPACE', 'OTHER', 'other', null],
    ["CREATE KEYSPACE IF NOT EXISTS k2 WITH replication = {'class': 'SimpleStrategy'}", null, 'CREATE_KEYSPACE', 'DDL', 'k2', null],
    ['CREATE TABLE IF NOT EXISTS ks.t (k int PRIMARY KEY)', null, 'CREATE_TABLE', 'DDL', 'ks', 't'],
    ['DROP TABLE t', 'app', 'DROP_TABLE', 'DDL', 'app', 't'],
    ['CREATE INDEX i ON ks.t (v)', null, 'CREATE_INDEX', 'DDL', 'ks', 't'],
    ['CREATE MATERIALIZED VIEW ks.v AS SELECT * FROM ks.t', null, 'CREATE_MATERIALIZED_VIEW', 'DDL', 'ks', 'v'],
    ["CREATE ROLE bob WITH PASSWORD = 'x' AND LOGIN = true", 'app', 'CREATE_ROLE', 'DCL', null, null],
    ['GRANT SELECT ON KEYSPACE ks TO bob', null, 'GRANT', 'DCL', null, null],
    ['LIST ROLES', null, 'LIST_ROLES', 'DCL', null, null],
    ['LIST ALL PERMISSIONS OF bob', null, 'LIST_PERMISSIONS', 'DCL', null, null],
  ];
  for (const [statement, session, type, category, keyspace, scope] of cases) {
    assert.deepEqual(classifyStatement(statement, session), { type, category, keyspace, scope }, statement);
  }
});

test('redacts passwords in CREATE/ALTER ROLE and USER, quoted and dollar-quoted', () => {
  const statements = [
    "CREATE ROLE bob WITH PASSWORD = 'Zq9-secret' AND LOGIN = true",
    "ALTER ROLE bob WITH password='Zq9-it''s-secret'",
    'CREATE USER carol WITH PASSWORD $$Zq9-secret$$ SUPERUSER',
    "ALTER ROLE bob WITH HASHED PASSWORD = 'Zq9-secret'",
    "CREATE ROLE dave WITH OPTIONS = {'password': 'Zq9-secret'}",
    "CREATE ROLE eve WITH PASSWORD = 'Zq9-unterminated",
  ];
  for (const statement of statements) {
    const redacted = redactPasswords(statement);
    if (redacted.includes('Zq9')) assert.fail(`password left in: ${redacted}`);
    assert.match(redacted, /'\*{7}'/);
  }
  assert.equal(redactPasswords('SELECT password FROM ks.t'), 'SELECT password FROM ks.t');
});

test('filters as AuditLogFilter: included lists empty mean all, excluded wins, null passes', () => {
  const filter: AuditFilter = { includedKeyspaces: [], excludedKeyspaces: ['system'], includedCategories: ['DDL', 'AUTH'], excludedCategories: [], includedUsers: [], excludedUsers: ['noisy'] };
  assert.equal(isAudited(filter, { keyspace: 'app', category: 'DDL', user: 'alice' }), true);
  assert.equal(isAudited(filter, { keyspace: 'system', category: 'DDL', user: 'alice' }), false);
  assert.equal(isAudited(filter, { keyspace: 'app', category: 'QUERY', user: 'alice' }), false);
  assert.equal(isAudited(filter, { keyspace: null, category: 'AUTH', user: null }), true);
  assert.equal(isAudited(filter, { keyspace: 'app', category: 'DDL', user: 'noisy' }), false);
});
