// Non-frozen collections and UDTs stored by cell (issue 13), through the DataStax Node.js
// driver on one real node: element operations on sets, maps and lists (append, prepend,
// removal, by index and by key), UDT fields, TTL on elements, nulls and empty collections,
// element deletes surviving a flush (the sstable layout), and Cassandra's error messages for
// what it refuses.
// run-tests: two at a time

import test, { after, before } from 'node:test';
import assert from 'node:assert/strict';
import cassandra from 'cassandra-driver';
import { startDriverNode, type DriverNode } from './harness/driver-node.js';
import { aero, waitFor } from './harness/local-cluster.js';

let fixture: DriverNode | undefined;
let client: cassandra.Client;

before(async () => {
  fixture = await startDriverNode('coll');
  client = fixture.client;
  await client.execute('CREATE TYPE coll.address (street text, city text, zip int)');
  await client.execute(`CREATE TABLE coll.t (k int PRIMARY KEY, s set<text>, m map<text, int>, l list<int>, a address,
    fs frozen<set<text>>, fl frozen<list<int>>, fa frozen<address>, n int)`);
});

after(async () => {
  await fixture?.stop();
});

async function flush(): Promise<void> {
  const node = fixture!.node;
  const result = await aero(['nodetool', '--host', node.host, '--port', String(node.adminPort), 'flush', 'coll']);
  assert.equal(result.code, 0, result.stderr + result.stdout);
}

async function row(k: number): Promise<cassandra.types.Row | null> {
  return (await client.execute('SELECT * FROM coll.t WHERE k = ?', [k], { prepare: true })).first();
}

async function refused(query: string, message: string): Promise<void> {
  await assert.rejects(client.execute(query), (error: { code?: number; message?: string }) => {
    assert.equal(error.code, 0x2200, `code of ${query}`);
    assert.equal(error.message, message, `message of ${query}`);
    return true;
  });
}

test('set and map element operations merge with what is there and read back in comparator order', async () => {
  await client.execute("INSERT INTO coll.t (k, s, m) VALUES (1, {'m'}, {'b': 2})");
  await client.execute("UPDATE coll.t SET s = s + {'z', 'a'}, m = m + {'a': 1} WHERE k = 1");
  await client.execute("UPDATE coll.t SET s = s + ? WHERE k = 1", [['c']], { prepare: true });
  await client.execute("UPDATE coll.t SET m['c'] = 3 WHERE k = 1");
  await client.execute("UPDATE coll.t SET m[?] = ? WHERE k = 1", ['d', 4], { prepare: true });
  let current = await row(1);
  assert.deepEqual(current?.['s'], ['a', 'c', 'm', 'z']);
  assert.deepEqual(current?.['m'], { a: 1, b: 2, c: 3, d: 4 });
  await client.execute("UPDATE coll.t SET s = s - {'m', 'absent'}, m = m - {'b'} WHERE k = 1");
  await client.execute("DELETE s['z'], m['c'] FROM coll.t WHERE k = 1");
  await client.execute("UPDATE coll.t SET m['d'] = null WHERE k = 1");
  current = await row(1);
  assert.deepEqual(current?.['s'], ['a', 'c']);
  assert.deepEqual(current?.['m'], { a: 1 });
  // Overwriting replaces: older elements are shadowed by the collection deletion.
  await client.execute("UPDATE coll.t SET s = {'only'} WHERE k = 1");
  assert.deepEqual((await row(1))?.['s'], ['only']);
  // Removing the last element leaves no value: an empty collection reads as null.
  await client.execute("UPDATE coll.t SET s = s - {'only'}, m = m - {'a'} WHERE k = 1");
  current = await row(1);
  assert.equal(current?.['s'], null);
  assert.equal(current?.['m'], null);
});

test('lists: append, prepend, set and delete by index, removal by value', async () => {
  await client.execute('INSERT INTO coll.t (k, l) VALUES (2, [1, 2])');
  await client.execute('UPDATE coll.t SET l = l + [3, 4] WHERE k = 2');
  await client.execute('UPDATE coll.t SET l = [0] + l WHERE k = 2');
  await client.execute('UPDATE coll.t SET l = [-2, -1] + l WHERE k = 2');
  assert.deepEqual((await row(2))?.['l'], [-2, -1, 0, 1, 2, 3, 4]);
  await client.execute('UPDATE coll.t SET l[1] = 10 WHERE k = 2');
  await client.execute('DELETE l[0] FROM coll.t WHERE k = 2');
  assert.deepEqual((await row(2))?.['l'], [10, 0, 1, 2, 3, 4]);
  await client.execute('UPDATE coll.t SET l = l - [1, 3, 99] WHERE k = 2');
  assert.deepEqual((await row(2))?.['l'], [10, 0, 2, 4]);
  await refused('UPDATE coll.t SET l[4] = 1 WHERE k = 2', 'List index 4 out of bound, list has size 4');
  await refused('DELETE l[0] FROM coll.t WHERE k = 99', 'Attempted to delete an element from a list which is null');
  await refused('UPDATE coll.t SET l[0] = 1 WHERE k = 99', 'Attempted to set an element on a list which is null');
  await client.execute('UPDATE coll.t SET l = [] WHERE k = 2');
  assert.equal((await row(2))?.['l'], null);
});

test('UDT fields set and deleted one by one', async () => {
  await client.execute("INSERT INTO coll.t (k, a) VALUES (3, {street: 'Main', city: 'Lima'})");
  await client.execute('UPDATE coll.t SET a.zip = 15001 WHERE k = 3');
  await client.execute("UPDATE coll.t SET a.city = 'Cusco' WHERE k = 3");
  let address = (await row(3))?.['a'];
  assert.deepEqual({ ...address }, { street: 'Main', city: 'Cusco', zip: 15001 });
  await client.execute('DELETE a.street FROM coll.t WHERE k = 3');
  address = (await row(3))?.['a'];
  assert.deepEqual({ ...address }, { street: null, city: 'Cusco', zip: 15001 });
  await client.execute('DELETE a.city, a.zip FROM coll.t WHERE k = 3');
  assert.equal((await row(3))?.['a'], null);
});

test('nulls, empty collections and whole-column deletes', async () => {
  await client.execute("INSERT INTO coll.t (k, s, m, l, n) VALUES (4, {}, {}, [], 1)");
  let current = await row(4);
  assert.equal(current?.['s'], null);
  assert.equal(current?.['m'], null);
  assert.equal(current?.['l'], null);
  await client.execute("UPDATE coll.t SET s = s + {'x'}, l = l + [5] WHERE k = 4");
  await client.execute('UPDATE coll.t SET s = null WHERE k = 4');
  await client.execute('DELETE l FROM coll.t WHERE k = 4');
  current = await row(4);
  assert.equal(current?.['s'], null);
  assert.equal(current?.['l'], null);
  assert.equal(current?.['n'], 1);
  // Adding nothing, or null, changes nothing.
  await client.execute('UPDATE coll.t SET s = s + ? WHERE k = 4', [null], { prepare: true });
  assert.equal((await row(4))?.['s'], null);
});

test('each element carries its own TTL', async () => {
  await client.execute("UPDATE coll.t USING TTL 4 SET s = s + {'brief'} WHERE k = 5");
  await client.execute("UPDATE coll.t SET s = s + {'kept'}, m['kept'] = 1 WHERE k = 5");
  await client.execute("UPDATE coll.t USING TTL 4 SET m['brief'] = 2 WHERE k = 5");
  assert.deepEqual((await row(5))?.['s'], ['brief', 'kept']);
  await waitFor('the brief elements to expire', async () => {
    const current = await row(5);
    return current?.['s']?.length === 1 && Object.keys(current?.['m'] ?? {}).length === 1;
  }, 30_000);
  const current = await row(5);
  assert.deepEqual(current?.['s'], ['kept']);
  assert.deepEqual(current?.['m'], { kept: 1 });
});

test('element cells and collection deletions survive a flush to sstables', async () => {
  await client.execute("INSERT INTO coll.t (k, s, l, m) VALUES (6, {'a', 'b'}, [1], {'x': 1})");
  await client.execute("UPDATE coll.t SET s = s + {'c'}, l = l + [2] WHERE k = 6");
  await flush();
  await client.execute("UPDATE coll.t SET s = s - {'a'}, m = {'y': 2} WHERE k = 6");
  await flush();
  const current = await row(6);
  assert.deepEqual(current?.['s'], ['b', 'c']);
  assert.deepEqual(current?.['l'], [1, 2]);
  assert.deepEqual(current?.['m'], { y: 2 });
});

test("Cassandra's errors for element operations it refuses", async () => {
  await refused("UPDATE coll.t SET fs = fs + {'x'} WHERE k = 1", "Invalid operation (fs = fs + {'x'}) for frozen collection column fs");
  await refused("UPDATE coll.t SET fs = fs - {'x'} WHERE k = 1", "Invalid operation (fs = fs - {'x'}) for frozen collection column fs");
  await refused('UPDATE coll.t SET fl = [1] + fl WHERE k = 1', 'Invalid operation (fl = [1] - fl) for frozen list column fl');
  await refused('UPDATE coll.t SET fl[0] = 1 WHERE k = 1', 'Invalid operation (fl[0] = 1) for frozen collection column fl');
  await refused("UPDATE coll.t SET s['x'] = 'y' WHERE k = 1", "Invalid operation (s['x'] = 'y') for set column s");
  await refused('UPDATE coll.t SET n = n + 1 WHERE k = 1', 'Invalid operation (n = n + 1) for non counter column n');
  await refused('UPDATE coll.t SET n[0] = 1 WHERE k = 1', 'Invalid operation (n[0] = 1) for non collection column n');
  await refused("UPDATE coll.t SET s = [1] + s WHERE k = 1", 'Invalid operation (s = [1] - s) for non list column s');
  await refused("UPDATE coll.t SET fa.city = 'x' WHERE k = 1", "Invalid operation (fa.city = 'x') for frozen UDT column fa");
  await refused("UPDATE coll.t SET a.country = 'x' WHERE k = 1", 'UDT column a does not have a field named country');
  await refused('DELETE fs[0] FROM coll.t WHERE k = 1', 'Invalid deletion operation for frozen collection column fs');
  await refused('DELETE n[0] FROM coll.t WHERE k = 1', 'Invalid deletion operation for non collection column n');
  await refused('DELETE fa.city FROM coll.t WHERE k = 1', 'Frozen UDT column fa does not support field deletions');
  await refused('DELETE n.city FROM coll.t WHERE k = 1', 'Invalid field deletion operation for non-UDT column n');
  await refused('SELECT writetime(s) FROM coll.t', 'Cannot use selection function writeTime on non-frozen collection s');
  await refused('SELECT ttl(a) FROM coll.t', 'Cannot use selection function ttl on non-frozen UDT a');
});
