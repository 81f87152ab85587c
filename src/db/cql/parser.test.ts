import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { Statement } from './ast.js';
import { parseStatement } from './parser.js';

/**
 * Checks that `actual` has the shape of `expected`: every key of an expected object must match
 * (other keys are ignored, so positions need not be spelled out); arrays must match in length.
 */
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

const col = (name: string) => ({ name });
const int = (text: string) => ({ kind: 'literal', type: 'integer', text });
const str = (text: string) => ({ kind: 'literal', type: 'string', text });
const marker = (index: number, name: string | null = null) => ({ kind: 'bindMarker', index, name });
const native = (name: string) => ({ kind: 'native', name });
const eq = (column: string, value: unknown) => ({ kind: 'singleColumn', column: col(column), operator: '=', value });

function check(text: string, expected: { kind: Statement['kind'] } & Record<string, unknown>): Statement {
  const statement = parseStatement(text);
  assertShape(statement, expected);
  return statement;
}

test('the statements DataStax drivers send on connect', () => {
  check("SELECT * FROM system.local WHERE key='local'", {
    kind: 'select', selectors: null, table: { keyspace: 'system', name: 'local' }, where: [eq('key', str('local'))],
  });
  check('SELECT peer, data_center, rack, tokens, rpc_address, schema_version FROM system.peers', {
    kind: 'select',
    selectors: ['peer', 'data_center', 'rack', 'tokens', 'rpc_address', 'schema_version']
      .map((name) => ({ selectable: { kind: 'column', column: col(name) }, alias: null })),
    table: { keyspace: 'system', name: 'peers' },
  });
  check("SELECT * FROM system_schema.tables WHERE keyspace_name = 'ks' AND table_name = 't'", {
    kind: 'select', where: [eq('keyspace_name', str('ks')), eq('table_name', str('t'))],
  });
  check('SELECT * FROM system_schema.columns WHERE keyspace_name = ?', {
    kind: 'select', where: [eq('keyspace_name', marker(0))], bindMarkers: [marker(0)],
  });
  check('SELECT * FROM system.peers_v2', { kind: 'select', table: { keyspace: 'system', name: 'peers_v2' } });
  check('SELECT * FROM system_virtual_schema.keyspaces;', { kind: 'select' });
  check('select cluster_name, release_version from system.local where key = \'local\'', { kind: 'select' });
});

test('SELECT clauses', () => {
  check('SELECT JSON DISTINCT a, b AS "Bee" FROM ks.t WHERE a = 1 GROUP BY a, b ORDER BY b DESC, c PER PARTITION LIMIT 2 LIMIT ? ALLOW FILTERING', {
    kind: 'select', json: true, distinct: true,
    selectors: [{ selectable: { kind: 'column', column: col('a') }, alias: null }, { alias: 'Bee' }],
    groupBy: [col('a'), col('b')],
    orderBy: [{ column: col('b'), order: 'desc' }, { column: col('c'), order: 'asc' }],
    perPartitionLimit: int('2'), limit: marker(0), allowFiltering: true,
  });
  check('SELECT json, distinct FROM t', {
    kind: 'select', json: false, distinct: false,
    selectors: [{ selectable: { kind: 'column', column: col('json') } }, { selectable: { kind: 'column', column: col('distinct') } }],
  });
  check('SELECT JSON * FROM t', { kind: 'select', json: true, selectors: null });
  check('SELECT key, type, user, ttl, count, value, "Select" FROM t', {
    kind: 'select',
    selectors: ['key', 'type', 'user', 'ttl', 'count', 'value', 'Select'].map((name) => ({ selectable: { column: col(name) } })),
  });
});

test('selectors: aggregates, writetime, ttl, functions, casts, terms', () => {
  const statement = check(
    'SELECT COUNT(*), count(1), count(a), WRITETIME(b), ttl(b), token(k1, k2), toTimestamp(now()), CAST(c AS text), ks.f(1, \'x\'), u.f, m[\'k\'], (int) ?, 5 FROM t',
    { kind: 'select' },
  );
  assert.equal(statement.kind, 'select');
  assertShape(statement.selectors?.map((selector) => selector.selectable), [
    { kind: 'countRows' },
    { kind: 'countRows' },
    { kind: 'functionCall', function: { keyspace: null, name: 'count' }, args: [{ kind: 'column', column: col('a') }] },
    { kind: 'writetime', column: col('b') },
    { kind: 'ttl', column: col('b') },
    { kind: 'functionCall', function: { name: 'token' }, args: [{ column: col('k1') }, { column: col('k2') }] },
    { kind: 'functionCall', function: { name: 'totimestamp' }, args: [{ kind: 'functionCall', function: { name: 'now' }, args: [] }] },
    { kind: 'cast', selectable: { column: col('c') }, type: native('text') },
    { kind: 'functionCall', function: { keyspace: 'ks', name: 'f' }, args: [{ kind: 'term', term: int('1') }, { kind: 'term', term: str('x') }] },
    { kind: 'fieldAccess', selectable: { column: col('u') }, field: 'f' },
    { kind: 'elementAccess', selectable: { column: col('m') }, key: str('k') },
    { kind: 'typeHint', type: native('int'), selectable: { kind: 'term', term: marker(0) } },
    { kind: 'term', term: int('5') },
  ]);
});

test('selectors: parentheses group, type hints need a selector after them', () => {
  check('SELECT (a), (int) b, (text) \'x\' FROM t', {
    kind: 'select',
    selectors: [
      { selectable: { kind: 'column', column: col('a') } },
      { selectable: { kind: 'typeHint', type: native('int'), selectable: { kind: 'column', column: col('b') } } },
      { selectable: { kind: 'typeHint', type: native('text'), selectable: { kind: 'term', term: str('x') } } },
    ],
  });
});

test('WHERE relations', () => {
  check(
    'SELECT * FROM t WHERE a = 1 AND b < 2 AND c <= 3 AND d > 4 AND e >= 5 AND f != 6 AND g IN (1, 2) AND h IN ? ' +
    "AND i CONTAINS 'x' AND j CONTAINS KEY 'y' AND k LIKE 'z%' AND l IS NOT NULL AND m['k'] = 1 AND (n) = (1)",
    {
      kind: 'select',
      where: [
        eq('a', int('1')),
        { kind: 'singleColumn', column: col('b'), operator: '<' },
        { kind: 'singleColumn', column: col('c'), operator: '<=' },
        { kind: 'singleColumn', column: col('d'), operator: '>' },
        { kind: 'singleColumn', column: col('e'), operator: '>=' },
        { kind: 'singleColumn', column: col('f'), operator: '!=' },
        { kind: 'singleColumnIn', column: col('g'), values: { kind: 'terms', terms: [int('1'), int('2')] } },
        { kind: 'singleColumnIn', column: col('h'), values: { kind: 'marker', marker: marker(0) } },
        { kind: 'singleColumn', column: col('i'), operator: 'CONTAINS', value: str('x') },
        { kind: 'singleColumn', column: col('j'), operator: 'CONTAINS KEY', value: str('y') },
        { kind: 'singleColumn', column: col('k'), operator: 'LIKE', value: str('z%') },
        { kind: 'isNotNull', column: col('l') },
        { kind: 'mapEntry', column: col('m'), key: str('k'), operator: '=', value: int('1') },
        { kind: 'multiColumn', columns: [col('n')], operator: '=', value: { kind: 'tuple', elements: [int('1')] } },
      ],
    },
  );
});

test('tuple and token relations', () => {
  check('SELECT * FROM t WHERE (a, b) = (1, 2) AND (a, b) > (1, 2) AND (a, b) IN ((1, 2), (3, 4)) AND (a, b) IN ? AND (a, b) < ? AND (a, b) IN (?, ?) AND (a, b) IN ()', {
    kind: 'select',
    where: [
      { kind: 'multiColumn', columns: [col('a'), col('b')], operator: '=', value: { kind: 'tuple', elements: [int('1'), int('2')] } },
      { kind: 'multiColumn', operator: '>' },
      { kind: 'multiColumnIn', values: { kind: 'terms', terms: [{ kind: 'tuple' }, { kind: 'tuple' }] } },
      { kind: 'multiColumnIn', values: { kind: 'marker', marker: marker(0) } },
      { kind: 'multiColumn', operator: '<', value: marker(1) },
      { kind: 'multiColumnIn', values: { kind: 'terms', terms: [marker(2), marker(3)] } },
      { kind: 'multiColumnIn', values: { kind: 'terms', terms: [] } },
    ],
  });
  check('SELECT * FROM t WHERE token(a, b) > token(1, 2) AND token(a) <= ? AND (c = 1)', {
    kind: 'select',
    where: [
      { kind: 'token', columns: [col('a'), col('b')], operator: '>', value: { kind: 'functionCall', function: { name: 'token' }, args: [int('1'), int('2')] } },
      { kind: 'token', columns: [col('a')], operator: '<=', value: marker(0) },
      eq('c', int('1')),
    ],
  });
});

test('terms: literals of every kind', () => {
  const values = [
    ["'s'", str('s')], ['$$d$$', str('d')], ['42', int('42')], ['-42', int('-42')],
    ['1.5', { type: 'float', text: '1.5' }], ['-1.5e3', { type: 'float', text: '-1.5e3' }],
    ['NaN', { type: 'float', text: 'NaN' }], ['-NaN', { type: 'float', text: '-NaN' }],
    ['Infinity', { type: 'float', text: 'Infinity' }], ['-infinity', { type: 'float', text: '-Infinity' }],
    ['true', { type: 'boolean', text: 'true' }], ['FALSE', { type: 'boolean', text: 'false' }],
    ['0xcafe', { type: 'hex', text: '0xcafe' }],
    ['a0eebc99-9c0b-4ef8-bb6d-6bb9bd380a11', { type: 'uuid', text: 'a0eebc99-9c0b-4ef8-bb6d-6bb9bd380a11' }],
    ['1h30m', { type: 'duration', text: '1h30m' }], ['-P1DT2H', { type: 'duration', text: '-P1DT2H' }],
    ['null', { kind: 'null' }], ['?', marker(0)], [':Name', marker(0, 'name')], [':"Name"', marker(0, 'Name')],
  ] as const;
  for (const [text, expected] of values) {
    check(`INSERT INTO t (a) VALUES (${text})`, { kind: 'insert', values: { kind: 'columns', values: [expected] } });
  }
});

test('terms: collections, tuples, user types, functions and type hints', () => {
  const values = [
    ['[1, 2]', { kind: 'list', elements: [int('1'), int('2')] }],
    ['[]', { kind: 'list', elements: [] }],
    ['{1, 2}', { kind: 'set', elements: [int('1'), int('2')] }],
    ["{'a': 1, 'b': ?}", { kind: 'map', entries: [{ key: str('a'), value: int('1') }, { key: str('b'), value: marker(0) }] }],
    ['{}', { kind: 'map', entries: [] }],
    ['{street: \'x\', "Zip": 1}', { kind: 'userTypeLiteral', fields: [{ name: 'street', value: str('x') }, { name: 'Zip', value: int('1') }] }],
    ['(1, \'a\')', { kind: 'tuple', elements: [int('1'), str('a')] }],
    ['[{1: [2]}]', { kind: 'list', elements: [{ kind: 'map', entries: [{ key: int('1'), value: { kind: 'list' } }] }] }],
    ['now()', { kind: 'functionCall', function: { keyspace: null, name: 'now' }, args: [] }],
    ['toTimestamp(now())', { kind: 'functionCall', function: { name: 'totimestamp' }, args: [{ kind: 'functionCall' }] }],
    ['system.uuid()', { kind: 'functionCall', function: { keyspace: 'system', name: 'uuid' } }],
    ['currentTimestamp()', { kind: 'functionCall', function: { name: 'currenttimestamp' } }],
    ['(bigint) 5', { kind: 'typeHint', type: native('bigint'), term: int('5') }],
    ['(frozen<list<int>>) ?', { kind: 'typeHint', type: { kind: 'list', frozen: true }, term: marker(0) }],
    ['(address) {street: \'x\'}', { kind: 'typeHint', type: { kind: 'userType', name: 'address' }, term: { kind: 'userTypeLiteral' } }],
  ] as const;
  for (const [text, expected] of values) {
    check(`INSERT INTO t (a) VALUES (${text})`, { kind: 'insert', values: { kind: 'columns', values: [expected] } });
  }
});

test('INSERT forms', () => {
  check('INSERT INTO ks.t (a, "B") VALUES (1, ?) IF NOT EXISTS USING TTL 86400 AND TIMESTAMP ?;', {
    kind: 'insert', table: { keyspace: 'ks', name: 't' },
    values: { kind: 'columns', columns: [col('a'), col('B')], values: [int('1'), marker(0)] },
    ifNotExists: true, using: { ttl: int('86400'), timestamp: marker(1) }, bindMarkers: [marker(0), marker(1)],
  });
  check('INSERT INTO t (a) VALUES (1) USING TIMESTAMP 5 AND TTL :t', {
    kind: 'insert', ifNotExists: false, using: { ttl: marker(0, 't'), timestamp: int('5') },
  });
  check('INSERT INTO t JSON \'{"a": 1}\'', { kind: 'insert', values: { kind: 'json', json: str('{"a": 1}'), defaultUnset: false } });
  check('INSERT INTO t JSON ? DEFAULT UNSET IF NOT EXISTS', {
    kind: 'insert', values: { kind: 'json', json: marker(0), defaultUnset: true }, ifNotExists: true,
  });
  check('INSERT INTO t JSON ? DEFAULT NULL', { kind: 'insert', values: { kind: 'json', defaultUnset: false } });
});

test('UPDATE forms', () => {
  check(
    'UPDATE ks.t USING TTL 10 SET a = 1, b = b + [2], c = [3] + c, d = d - {4}, n = n + 1, m[\'k\'] = 5, l[0] = 6, u.street = \'x\', s += {7}, x -= {8} ' +
    'WHERE k = ? AND c1 IN (1, 2) IF EXISTS',
    {
      kind: 'update', table: { keyspace: 'ks', name: 't' }, using: { ttl: int('10'), timestamp: null },
      assignments: [
        { kind: 'set', column: col('a'), value: int('1') },
        { kind: 'add', column: col('b'), value: { kind: 'list' } },
        { kind: 'prepend', column: col('c'), value: { kind: 'list' } },
        { kind: 'subtract', column: col('d'), value: { kind: 'set' } },
        { kind: 'add', column: col('n'), value: int('1') },
        { kind: 'setElement', column: col('m'), key: str('k'), value: int('5') },
        { kind: 'setElement', column: col('l'), key: int('0'), value: int('6') },
        { kind: 'setField', column: col('u'), field: 'street', value: str('x') },
        { kind: 'add', column: col('s'), value: { kind: 'set' } },
        { kind: 'subtract', column: col('x'), value: { kind: 'set' } },
      ],
      where: [eq('k', marker(0)), { kind: 'singleColumnIn' }],
      condition: { kind: 'exists' },
    },
  );
  check("UPDATE t SET a = now(), b = b - 1 WHERE k = 1 IF a = 1 AND b > 2 AND m['x'] = 3 AND u.f != 4 AND c IN (1, 2) AND l CONTAINS 5", {
    kind: 'update',
    assignments: [{ kind: 'set', value: { kind: 'functionCall' } }, { kind: 'subtract', value: int('1') }],
    condition: {
      kind: 'conditions',
      conditions: [
        { kind: 'compare', target: { column: col('a'), element: null, field: null }, operator: '=', value: int('1') },
        { kind: 'compare', operator: '>' },
        { kind: 'compare', target: { column: col('m'), element: str('x'), field: null } },
        { kind: 'compare', target: { column: col('u'), element: null, field: 'f' }, operator: '!=' },
        { kind: 'in', target: { column: col('c') }, values: { kind: 'terms' } },
        { kind: 'contains', key: false, value: int('5') },
      ],
    },
  });
  check('UPDATE t SET exists = 1 WHERE k = 1 IF exists = 1', {
    kind: 'update', condition: { kind: 'conditions', conditions: [{ target: { column: col('exists') } }] },
  });
});

test('DELETE forms', () => {
  check('DELETE FROM t WHERE k = 1', { kind: 'delete', selections: [], condition: { kind: 'none' } });
  check("DELETE a, m['k'], l[1], u.f FROM ks.t USING TIMESTAMP 123 WHERE k = ? AND c > 2 IF EXISTS", {
    kind: 'delete',
    selections: [
      { column: col('a'), element: null, field: null },
      { column: col('m'), element: str('k'), field: null },
      { column: col('l'), element: int('1'), field: null },
      { column: col('u'), element: null, field: 'f' },
    ],
    using: { ttl: null, timestamp: int('123') }, where: [eq('k', marker(0)), { operator: '>' }], condition: { kind: 'exists' },
  });
  check('DELETE FROM t WHERE k = 1 IF a = 2', { kind: 'delete', condition: { kind: 'conditions' } });
});

test('BATCH numbers markers across its statements', () => {
  const statement = check(
    'BEGIN UNLOGGED BATCH USING TIMESTAMP 1 INSERT INTO a (k, v) VALUES (?, ?); UPDATE b SET v = :x WHERE k = ? ' +
    'DELETE FROM c WHERE k = ?; APPLY BATCH;',
    {
      kind: 'batch', batchType: 'unlogged', using: { timestamp: int('1') },
      statements: [
        { kind: 'insert', bindMarkers: [marker(0), marker(1)] },
        { kind: 'update', bindMarkers: [marker(2, 'x'), marker(3)] },
        { kind: 'delete', bindMarkers: [marker(4)] },
      ],
      bindMarkers: [marker(0), marker(1), marker(2, 'x'), marker(3), marker(4)],
    },
  );
  assert.equal(statement.kind, 'batch');
  check('BEGIN BATCH APPLY BATCH', { kind: 'batch', batchType: 'logged', statements: [] });
  check('BEGIN COUNTER BATCH UPDATE c SET n = n + 1 WHERE k = 1; APPLY BATCH', { kind: 'batch', batchType: 'counter' });
});

test('unreserved keywords name tables, columns and markers', () => {
  check('INSERT INTO values (json, key, type) VALUES (:ttl, :count, :key)', {
    kind: 'insert', table: { name: 'values' }, values: { kind: 'columns', columns: [col('json'), col('key'), col('type')] },
    bindMarkers: [marker(0, 'ttl'), marker(1, 'count'), marker(2, 'key')],
  });
  check('SELECT * FROM key WHERE filtering = 1 AND role IN (1) ALLOW FILTERING', { kind: 'select', table: { name: 'key' }, allowFiltering: true });
  check('UPDATE user SET password = \'x\', login = true WHERE status = 1', { kind: 'update', table: { name: 'user' } });
});

test('USE and TRUNCATE', () => {
  check('USE ks', { kind: 'use', keyspace: 'ks' });
  check('use "MyKs";', { kind: 'use', keyspace: 'MyKs' });
  check('TRUNCATE t', { kind: 'truncate', table: { keyspace: null, name: 't' } });
  check('TRUNCATE TABLE ks.t', { kind: 'truncate', table: { keyspace: 'ks', name: 't' } });
});
