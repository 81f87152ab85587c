// CQL behaviours Cassandra has and the node got wrong (issue 13): collections in comparator
// order, ALLOW FILTERING refusals, and prepared statements dropped when their table changes.
// run-tests: two at a time

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

test('UPDATE literals, nested literals, timeuuid sets and SELECT JSON are in comparator order too', async () => {
  await client.execute('CREATE TABLE sem.coll2 (k int PRIMARY KEY, s set<text>, m map<int, text>, l list<frozen<set<text>>>, t set<timeuuid>, b set<boolean>, d set<double>)');
  const earlier = '5a2b1000-0000-1000-8000-000000000000'; // time_low 5a2b1000, time_mid 0000
  const later = '00000000-0001-1000-8000-000000000000'; // time_mid 0001: later although its bytes are smaller
  await client.execute(`UPDATE sem.coll2 SET s = {'zeta', 'Alpha', 'alpha', 'zeta'}, m = {30: 'c', -4: 'a', 7: 'b'}, l = [{'y', 'x'}, {'b', 'a', 'b'}], t = {${later}, ${earlier}}, b = {true, false, true}, d = {2.5, -1.0, 0.0} WHERE k = 1`);
  const row = (await client.execute('SELECT s, m, l, t, b, d FROM sem.coll2 WHERE k = 1')).first();
  assert.deepEqual(row.s, ['Alpha', 'alpha', 'zeta']);
  assert.deepEqual(row.m, { '-4': 'a', 7: 'b', 30: 'c' }); // a JavaScript object reorders integer keys: SELECT JSON below checks the order
  assert.deepEqual(row.l, [['x', 'y'], ['a', 'b']]);
  assert.deepEqual(row.t.map(String), [earlier, later]);
  assert.deepEqual(row.b, [false, true]);
  assert.deepEqual(row.d, [-1, 0, 2.5]);
  const json = (await client.execute('SELECT JSON s, m, l, t FROM sem.coll2 WHERE k = 1')).first()['[json]'];
  assert.equal(json, `{"s": ["Alpha", "alpha", "zeta"], "m": {"-4": "a", "7": "b", "30": "c"}, "l": [["x", "y"], ["a", "b"]], "t": ["${earlier}", "${later}"]}`);
  // A map bound by the driver is sorted by key as the server reads it (int keys numerically).
  await client.execute('UPDATE sem.coll2 SET m = ? WHERE k = 2', [{ 30: 'c', '-4': 'a', 7: 'b' }], { prepare: true });
  const bound = (await client.execute('SELECT JSON m FROM sem.coll2 WHERE k = 2')).first()['[json]'];
  assert.equal(bound, '{"m": {"-4": "a", "7": "b", "30": "c"}}');
});

test('prepared statements of a dropped and re-created table, or after DROP column, are re-prepared', async () => {
  await client.execute('CREATE TABLE sem.re (k int PRIMARY KEY, a text, b int)');
  await client.execute("INSERT INTO sem.re (k, a, b) VALUES (1, 'one', 1)");
  const query = 'SELECT * FROM sem.re WHERE k = ?';
  assert.deepEqual((await client.execute(query, [1], { prepare: true })).columns.map((c) => c.name), ['k', 'a', 'b']);
  await client.execute('ALTER TABLE sem.re DROP b');
  const dropped = await client.execute(query, [1], { prepare: true });
  assert.deepEqual(dropped.columns.map((c) => c.name), ['k', 'a']);
  assert.deepEqual(Object.keys(dropped.first()), ['k', 'a']);
  await client.execute('DROP TABLE sem.re');
  await client.execute('CREATE TABLE sem.re (k int PRIMARY KEY, z double)');
  await client.execute('INSERT INTO sem.re (k, z) VALUES (1, 1.5)');
  const recreated = await client.execute(query, [1], { prepare: true });
  assert.deepEqual(recreated.columns.map((c) => c.name), ['k', 'z']);
  assert.equal(recreated.first().z, 1.5);
});
