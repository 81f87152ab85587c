// CQL behaviours Cassandra has and the node got wrong (issue 13): collections in comparator
// order, ALLOW FILTERING refusals, and prepared statements dropped when their table changes.

import test, { after, before } from 'node:test';
import assert from 'node:assert/strict';
import cassandra from 'cassandra-driver';
import { startDriverNode, type DriverNode } from './harness/driver-node.js';

const { types } = cassandra;
let fixture: DriverNode | undefined;
let client: cassandra.Client;

before(async () => {
  fixture = await startDriverNode('sem');
  client = fixture.client;
});

after(async () => {
  await fixture?.stop();
});

async function refused(query: string, params: unknown[], expected: { code: number; message: string }): Promise<void> {
  await assert.rejects(client.execute(query, params, { prepare: false }), (error: { code?: number; message?: string }) => {
    assert.equal(error.code, expected.code, `code of ${query}`);
    assert.equal(error.message, expected.message, `message of ${query}`);
    return true;
  });
}

test('sets and maps come back in comparator order, without duplicates, however they were written', async () => {
  await client.execute('CREATE TABLE sem.coll (k int PRIMARY KEY, s set<text>, n set<int>, m map<text, int>, l list<frozen<set<int>>>, e set<text>)');
  await client.execute("INSERT INTO sem.coll (k, s, n, m, e) VALUES (1, {'b', 'a', 'c', 'a'}, {10, -2, 3}, {'c': 3, 'a': -1, 'b': 2, 'a': 1}, {})");
  // Bound values: the driver encodes a JavaScript array in its own order (and keeps duplicates).
  await client.execute('INSERT INTO sem.coll (k, s, n, m, l) VALUES (?, ?, ?, ?, ?)',
    [2, ['z', 'y', 'y', 'x'], [300, -5, 7, 7], { zz: 9, aa: 1, mm: -4 }, [[3, 1, 2], [2, 2]]], { prepare: true });
  const one = (await client.execute('SELECT s, n, m, e FROM sem.coll WHERE k = 1')).first();
  assert.deepEqual(one.s, ['a', 'b', 'c']);
  assert.deepEqual(one.n, [-2, 3, 10]);
  assert.deepEqual(Object.entries(one.m), [['a', 1], ['b', 2], ['c', 3]], 'sorted by key, the last of equal keys kept');
  assert.equal(one.e, null, 'an empty collection is no value');
  const two = (await client.execute('SELECT s, n, m, l FROM sem.coll WHERE k = 2')).first();
  assert.deepEqual(two.s, ['x', 'y', 'z']);
  assert.deepEqual(two.n, [-5, 7, 300]);
  assert.deepEqual(Object.entries(two.m), [['aa', 1], ['mm', -4], ['zz', 9]]);
  assert.deepEqual(two.l, [[1, 2, 3], [2]]);
  // Unprepared with a set bound by the driver's own encoding too.
  await client.execute('UPDATE sem.coll SET s = ? WHERE k = 3', [['q', 'p']], { prepare: true, hints: ['set<text>'] });
  assert.deepEqual((await client.execute('SELECT s FROM sem.coll WHERE k = 3')).first().s, ['p', 'q']);
});

const filtering = 'Cannot execute this query as it might involve data filtering and thus may have unpredictable performance. If you want to execute this query despite the performance unpredictability, use ALLOW FILTERING';

test('restrictions that need filtering are refused without ALLOW FILTERING, answered with it', async () => {
  await client.execute('CREATE TABLE sem.f (p int, c int, v int, PRIMARY KEY (p, c))');
  for (let p = 0; p < 3; p++) for (let c = 0; c < 3; c++) await client.execute('INSERT INTO sem.f (p, c, v) VALUES (?, ?, ?)', [p, c, p * 10 + c], { prepare: true });
  const invalid = { code: types.responseErrorCodes.invalid, message: filtering };
  await refused('SELECT * FROM sem.f WHERE c = 1', [], invalid);
  await refused('SELECT * FROM sem.f WHERE c > 1', [], invalid);
  await refused('SELECT * FROM sem.f WHERE v = 11', [], invalid);
  await refused('SELECT * FROM sem.f WHERE p = 1 AND v = 11', [], invalid);
  await refused('SELECT * FROM sem.f WHERE token(p) > 0 AND c = 1', [], invalid);
  const rows = (await client.execute('SELECT p, v FROM sem.f WHERE c = 1 ALLOW FILTERING')).rows;
  assert.deepEqual(rows.map((r) => r.v).sort((a, b) => a - b), [1, 11, 21]);
  assert.equal((await client.execute('SELECT v FROM sem.f WHERE p = 1 AND v = 11 ALLOW FILTERING')).rows.length, 1);
  // What needs no filtering still works: the partition key with clustering restrictions, a token range.
  assert.deepEqual((await client.execute('SELECT v FROM sem.f WHERE p = 2 AND c >= 1')).rows.map((r) => r.v), [21, 22]);
  assert.equal((await client.execute('SELECT v FROM sem.f WHERE token(p) >= -9223372036854775808')).rows.length, 9);
  await refused('DELETE FROM sem.f WHERE c = 1', [], { code: types.responseErrorCodes.invalid, message: 'Some partition key parts are missing: p' });
});

test('a prepared SELECT * returns the new column after ALTER TABLE ADD', async () => {
  await client.execute('CREATE TABLE sem.alt (k int PRIMARY KEY, a text)');
  await client.execute("INSERT INTO sem.alt (k, a) VALUES (1, 'one')");
  const before = await client.execute('SELECT * FROM sem.alt WHERE k = ?', [1], { prepare: true });
  assert.deepEqual(before.columns.map((c) => c.name), ['k', 'a']);
  await client.execute('ALTER TABLE sem.alt ADD b int');
  await client.execute('UPDATE sem.alt SET b = 2 WHERE k = 1');
  const afterAlter = await client.execute('SELECT * FROM sem.alt WHERE k = ?', [1], { prepare: true });
  assert.deepEqual(afterAlter.columns.map((c) => c.name), ['k', 'a', 'b']);
  assert.equal(afterAlter.first().b, 2);
  assert.equal(afterAlter.first().a, 'one');
});
