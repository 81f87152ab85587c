// IF conditions on collections, their elements and user type fields, through the DataStax
// Node.js driver (issue 13): what Cassandra 4.0's ColumnCondition accepts (IF l[i] op v,
// IF m[k] op v, IF c[e] IN (...) / IN ?, whole non-frozen collections compared, !=, IN with
// null, udt.field) and its messages for what it refuses. One real node: the conditions run in
// the Paxos round of a real server, on non-frozen collections stored as cells.
// run-tests: two at a time

import test, { after, before } from 'node:test';
import assert from 'node:assert/strict';
import cassandra from 'cassandra-driver';
import { startDriverNode, type DriverNode } from './harness/driver-node.js';

let fixture: DriverNode | undefined;
let client: cassandra.Client;

before(async () => {
  fixture = await startDriverNode('cond');
  client = fixture.client;
  await client.execute('CREATE TYPE cond.place (city text, zip int)');
  await client.execute(`CREATE TABLE cond.t (k int PRIMARY KEY, v int, l list<int>, m map<text, int>, s set<text>, fl frozen<list<int>>,
    u place, d duration)`);
});

after(async () => {
  await fixture?.stop();
});

async function reset(): Promise<void> {
  await client.execute(`INSERT INTO cond.t (k, v, l, m, s, fl, u, d) VALUES (1, 3, [10, 20], {'a': 1, 'b': 2}, {'x', 'y'}, [1, 2],
    {city: 'Lima', zip: 15}, 1h)`);
}

/** Whether the conditional update applied, and the values shown beside [applied] when not. */
async function applies(condition: string, params: unknown[] = []): Promise<boolean> {
  await reset();
  const result = await client.execute(`UPDATE cond.t SET v = 4 WHERE k = 1 IF ${condition}`, params, { prepare: params.length > 0 });
  const applied = result.wasApplied();
  const v = (await client.execute('SELECT v FROM cond.t WHERE k = 1')).first()['v'] as number;
  assert.equal(v, applied ? 4 : 3, `the write follows [applied] for IF ${condition}`);
  return applied;
}

test('element, whole-collection, IN and field conditions hold as in Cassandra', async () => {
  const cases: Array<[string, boolean, unknown[]?]> = [
    ['l[0] = 10', true], ['l[1] = 10', false], ['l[1] > 15', true], ['l[5] = null', true, []], ['l[5] = 1', false],
    ['l[?] = ?', true, [1, 20]], ['l[0] IN (1, 10)', true], ['l[0] IN ?', false, [[1, 2]]], ['l[1] != 20', false],
    ["m['a'] = 1", true], ["m['a'] = 2", false], ["m['zz'] = null", true], ["m['b'] IN (2, 3)", true], ['m[?] IN ?', true, ['b', [5, 2]]],
    ["m['a'] < 2", true], ['l = [10, 20]', true], ['l = [10]', false], ['l > [10, 19]', true], ['l < [10]', false],
    ["s = {'x', 'y'}", true], ["s = {'y'}", false], ["m = {'a': 1, 'b': 2}", true], ["m != {'a': 1}", true],
    ['fl IN ([1], [1, 2])', true], ['fl = [1, 2]', true], ['v != 3', false], ['v IN (1, null, 3)', true], ['v IN (1, null)', false],
    ["u.city = 'Lima'", true], ['u.zip > 20', false], ["u.city IN ('Quito', 'Lima') AND u.zip = 15", true], ["u = {city: 'Lima', zip: 15}", true],
    ['d = 1h', true], ['d != 2h', true], ['v = 3 AND l[0] = 10 AND m[\'a\'] = 1', true], ['v = 3 AND l[0] = 11', false],
  ];
  for (const [condition, expected, params] of cases) assert.equal(await applies(condition, params), expected, `IF ${condition}`);
  await reset();
  const failed = await client.execute("UPDATE cond.t SET v = 5 WHERE k = 1 IF l[0] = 11 AND m['a'] = 1");
  assert.deepEqual(failed.columns?.map((c) => c.name), ['[applied]', 'l', 'm'], 'the conditioned columns, in IF order');
  assert.deepEqual([failed.first()['l'], failed.first()['m']], [[10, 20], { a: 1, b: 2 }]);
  await client.execute('DELETE l FROM cond.t WHERE k = 1');
  assert.equal((await client.execute('UPDATE cond.t SET v = 6 WHERE k = 1 IF l[0] = null')).wasApplied(), true, 'a missing list has no elements');
  assert.equal((await client.execute('UPDATE cond.t SET v = 6 WHERE k = 1 IF l = null')).wasApplied(), true);
});

test("Cassandra's messages for the conditions it refuses", async () => {
  const refused = async (condition: string, message: string, params: unknown[] = []) => {
    await assert.rejects(client.execute(`UPDATE cond.t SET v = 4 WHERE k = 1 IF ${condition}`, params, { prepare: params.length > 0 }), (error: Error & { code?: number }) => {
      assert.equal(error.code, 0x2200, `${condition}: ${error.message}`);
      assert.equal(error.message, message, condition);
      return true;
    });
  };
  await reset();
  await refused('l[-1] = 1', 'Invalid negative list index -1');
  await refused('l[?] = 1', 'Invalid null value for list element access', [null]);
  await refused('m[?] = 1', 'Invalid null value for map element access', [null]);
  await refused("s['x'] = 1", 'Invalid element access syntax for set column s');
  await refused('v[0] = 1', 'Invalid element access syntax for non-collection column v');
  await refused('u.nope = 1', 'Unknown field nope for column u');
  await refused('d > 1h', 'Slice conditions ( > ) are not supported on durations');
  await refused('v > null', 'Invalid comparison with null for operator ">"');
  await refused('k = 1', "PRIMARY KEY column 'k' cannot have IF conditions");
  await client.execute('CREATE TABLE cond.counts (k int PRIMARY KEY, c counter)');
  await assert.rejects(client.execute('UPDATE cond.counts SET c = c + 1 WHERE k = 1 IF c = 1'), /Conditional updates are not supported on counter tables/);
});
