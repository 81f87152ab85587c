// Native secondary indexes (issue 13), through the DataStax Node.js driver on one real node:
// CREATE/DROP INDEX with Cassandra's names and messages, system_schema.indexes and the
// driver's metadata, DESCRIBE, queries by regular, clustering, collection (values, keys,
// entries) and frozen (full) indexes, paging over many matches, updates and deletes leaving
// no stale answers, an index built for existing data, and the index surviving a restart.
// run-tests: two at a time

import test, { after, before } from 'node:test';
import assert from 'node:assert/strict';
import cassandra from 'cassandra-driver';
import { startDriverNode, type DriverNode } from './harness/driver-node.js';
import { waitFor } from './harness/local-cluster.js';

let fixture: DriverNode | undefined;
let client: cassandra.Client;

before(async () => {
  fixture = await startDriverNode('idx');
  client = fixture.client;
  await client.execute(`CREATE TABLE idx.t (k int, c int, v text, n int, tags set<text>, m map<text, int>, l list<int>,
    fl frozen<list<int>>, PRIMARY KEY (k, c))`);
});

after(async () => {
  await fixture?.stop();
});

async function refused(query: string, message: string): Promise<void> {
  await assert.rejects(client.execute(query), (error: { code?: number; message?: string }) => {
    assert.equal(error.code, 0x2200, `code of ${query}`);
    assert.equal(error.message, message);
    return true;
  });
}

async function keys(query: string, params: unknown[] = []): Promise<string[]> {
  const result = await client.execute(query, params, { prepare: true, fetchSize: 1000 });
  return result.rows.map((r) => `${String(r['k'])}/${String(r['c'])}`).sort();
}

test('an index built for existing data answers queries on its column', async () => {
  for (let k = 0; k < 5; k++) {
    for (let c = 0; c < 3; c++) {
      await client.execute('INSERT INTO idx.t (k, c, v, n) VALUES (?, ?, ?, ?)', [k, c, `v${(k + c) % 3}`, k * 10 + c], { prepare: true });
    }
  }
  await refused("SELECT * FROM idx.t WHERE v = 'v0'",
    'Cannot execute this query as it might involve data filtering and thus may have unpredictable performance. If you want to execute this query despite the performance unpredictability, use ALLOW FILTERING');
  await client.execute('CREATE INDEX ON idx.t (v)');
  // Built in the background; until then the node scans, with the same answers.
  assert.deepEqual(await keys("SELECT * FROM idx.t WHERE v = 'v0'"), ['0/0', '1/2', '2/1', '3/0', '4/2']);
  assert.deepEqual(await keys('SELECT * FROM idx.t WHERE v = ?', ['v1']), ['0/1', '1/0', '2/2', '3/1', '4/0']);
  // With the partition key, and with a clustering slice.
  assert.deepEqual(await keys("SELECT * FROM idx.t WHERE k = 1 AND v = 'v0'"), ['1/2']);
  assert.deepEqual(await keys("SELECT * FROM idx.t WHERE v = 'v0' AND c >= 1"), ['1/2', '2/1', '4/2']);
  // A further restriction on another column needs ALLOW FILTERING, as in Cassandra.
  await refused("SELECT * FROM idx.t WHERE v = 'v0' AND n > 20",
    'Cannot execute this query as it might involve data filtering and thus may have unpredictable performance. If you want to execute this query despite the performance unpredictability, use ALLOW FILTERING');
  assert.deepEqual(await keys("SELECT * FROM idx.t WHERE v = 'v0' AND n > 20 ALLOW FILTERING"), ['2/1', '3/0', '4/2']);
});

test('the schema shows the index: system_schema.indexes, driver metadata, DESCRIBE', async () => {
  const rows = (await client.execute("SELECT * FROM system_schema.indexes WHERE keyspace_name = 'idx'")).rows;
  assert.equal(rows.length, 1);
  assert.equal(rows[0]!['index_name'], 't_v_idx');
  assert.equal(rows[0]!['kind'], 'COMPOSITES');
  assert.deepEqual(rows[0]!['options'], { target: 'v' });
  const table = await client.metadata.getTable('idx', 't');
  assert.deepEqual(table.indexes.map((index) => [index.name, index.target, index.isCompositesKind()]), [['t_v_idx', 'v', true]]);
  const described = (await client.execute('DESCRIBE INDEX idx.t_v_idx')).rows.map((r) => r['create_statement']).join('');
  assert.equal(described, 'CREATE INDEX t_v_idx ON idx.t (v);');
  // system."IndexInfo" lists the index once its build is done, under the keyspace's name, as Cassandra 4.0.
  await waitFor('t_v_idx in system."IndexInfo"', async () =>
    (await client.execute('SELECT table_name, index_name, value FROM system."IndexInfo" WHERE table_name = ?', ['idx'], { prepare: true })).rowLength === 1, 10_000);
  const info = (await client.execute('SELECT * FROM system."IndexInfo"')).rows.filter((r) => r['table_name'] === 'idx');
  assert.deepEqual(info.map((r) => [r['table_name'], r['index_name'], r['value']]), [['idx', 't_v_idx', null]]);
});

test('updates and deletes leave no stale answers; TTL expires entries', async () => {
  await client.execute("UPDATE idx.t SET v = 'moved' WHERE k = 0 AND c = 0");
  await client.execute('DELETE FROM idx.t WHERE k = 3 AND c = 0');
  await client.execute('DELETE v FROM idx.t WHERE k = 1 AND c = 2');
  await client.execute('DELETE FROM idx.t WHERE k = 4');
  assert.deepEqual(await keys("SELECT * FROM idx.t WHERE v = 'v0'"), ['2/1']);
  assert.deepEqual(await keys("SELECT * FROM idx.t WHERE v = 'moved'"), ['0/0']);
  await client.execute("INSERT INTO idx.t (k, c, v) VALUES (9, 9, 'brief') USING TTL 1");
  assert.deepEqual(await keys("SELECT * FROM idx.t WHERE v = 'brief'"), ['9/9']);
  await waitFor('TTL expiry', async () => (await keys("SELECT * FROM idx.t WHERE v = 'brief'")).length === 0, 5_000);
});

test('paging over many matches with the driver fetchSize', async () => {
  await client.execute('CREATE TABLE idx.many (k int, c int, g int, PRIMARY KEY (k, c))');
  await client.execute('CREATE INDEX many_g ON idx.many (g)');
  const inserts = [];
  for (let k = 0; k < 60; k++) for (let c = 0; c < 5; c++) inserts.push(client.execute('INSERT INTO idx.many (k, c, g) VALUES (?, ?, ?)', [k, c, (k + c) % 2], { prepare: true }));
  await Promise.all(inserts);
  const seen: string[] = [];
  let pages = 0;
  let pageState: string | undefined;
  do {
    const result = await client.execute('SELECT k, c FROM idx.many WHERE g = ?', [1], { prepare: true, fetchSize: 17, ...(pageState === undefined ? {} : { pageState }) });
    pages++;
    seen.push(...result.rows.map((r) => `${String(r['k'])}/${String(r['c'])}`));
    pageState = result.pageState ?? undefined;
  } while (pageState !== undefined);
  assert.equal(seen.length, 150);
  assert.equal(new Set(seen).size, 150);
  assert.ok(pages >= 9, `pages: ${pages}`);
  const streamed: string[] = [];
  await new Promise<void>((resolve, reject) => {
    client.eachRow('SELECT k, c FROM idx.many WHERE g = ?', [0], { prepare: true, fetchSize: 40, autoPage: true },
      (_n, row) => { streamed.push(String(row['k'])); }, (error) => (error ? reject(error) : resolve()));
  });
  assert.equal(streamed.length, 150);
});

test('collection indexes: values, keys, entries, full', async () => {
  await client.execute("UPDATE idx.t SET tags = {'red', 'blue'}, m = {'a': 1, 'b': 2}, l = [7, 8], fl = [1, 2] WHERE k = 20 AND c = 0");
  await client.execute("UPDATE idx.t SET tags = {'blue'}, m = {'a': 2}, l = [8], fl = [3] WHERE k = 21 AND c = 0");
  await client.execute('CREATE INDEX ON idx.t (tags)');
  await client.execute('CREATE INDEX mk ON idx.t (KEYS(m))');
  await client.execute('CREATE INDEX me ON idx.t (ENTRIES(m))');
  await client.execute('CREATE INDEX mv ON idx.t (VALUES(m))');
  await client.execute('CREATE INDEX ON idx.t (l)');
  await client.execute('CREATE INDEX ON idx.t (FULL(fl))');
  const targets = new Map((await client.execute("SELECT index_name, options FROM system_schema.indexes WHERE keyspace_name = 'idx' AND table_name = 't'")).rows
    .map((r) => [r['index_name'] as string, (r['options'] as Record<string, string>)['target']]));
  assert.deepEqual(Object.fromEntries(targets), {
    t_v_idx: 'v', t_tags_idx: 'values(tags)', mk: 'keys(m)', me: 'entries(m)', mv: 'values(m)', t_l_idx: 'values(l)', t_fl_idx: 'full(fl)',
  });
  assert.deepEqual(await keys("SELECT * FROM idx.t WHERE tags CONTAINS 'blue'"), ['20/0', '21/0']);
  assert.deepEqual(await keys("SELECT * FROM idx.t WHERE tags CONTAINS 'red'"), ['20/0']);
  assert.deepEqual(await keys("SELECT * FROM idx.t WHERE m CONTAINS KEY 'b'"), ['20/0']);
  assert.deepEqual(await keys("SELECT * FROM idx.t WHERE m['a'] = 2"), ['21/0']);
  assert.deepEqual(await keys('SELECT * FROM idx.t WHERE m CONTAINS 2'), ['20/0', '21/0']);
  assert.deepEqual(await keys('SELECT * FROM idx.t WHERE l CONTAINS 7'), ['20/0']);
  assert.deepEqual(await keys('SELECT * FROM idx.t WHERE fl = [3]'), ['21/0']);
  // Element removal leaves the old entry stale, filtered out.
  await client.execute("UPDATE idx.t SET tags = tags - {'blue'} WHERE k = 20 AND c = 0");
  assert.deepEqual(await keys("SELECT * FROM idx.t WHERE tags CONTAINS 'blue'"), ['21/0']);
});

test("Cassandra's errors for what it refuses", async () => {
  await client.execute('CREATE TABLE idx.single (k int PRIMARY KEY, v int, fs frozen<set<int>>, d duration, s set<int>)');
  await client.execute('CREATE TABLE idx.counts (k int PRIMARY KEY, n counter)');
  await refused('CREATE INDEX ON idx.single (k)', 'Cannot create secondary index on the only partition key column k');
  await refused('CREATE INDEX ON idx.counts (n)', "Secondary indexes on counter tables aren't supported");
  await refused('CREATE INDEX ON idx.single (nope)', "Column 'nope' doesn't exist");
  await refused('CREATE INDEX ON idx.nope (v)', "Table 'nope' doesn't exist");
  await refused('CREATE INDEX ON idx.single (fs)', "Cannot create values() index on frozen column fs. Frozen collections are immutable and must be fully indexed by using the 'full(fs)' modifier");
  await refused('CREATE INDEX ON idx.single (FULL(v))', 'full() indexes can only be created on frozen collections');
  await refused('CREATE INDEX ON idx.single (KEYS(v))', 'Cannot create keys() index on v. Non-collection columns only support simple indexes');
  await refused('CREATE INDEX ON idx.single (KEYS(s))', 'Cannot create index on keys of column s with non-map type');
  await refused('CREATE INDEX ON idx.single (d)', 'Secondary indexes are not supported on duration columns');
  await client.execute('CREATE INDEX vi ON idx.single (v)');
  await refused('CREATE INDEX vi ON idx.single (fs)', "Index 'vi' already exists");
  await refused('CREATE INDEX other ON idx.single (v)', 'Index other is a duplicate of existing index vi');
  await client.execute('CREATE INDEX IF NOT EXISTS vi ON idx.single (v)');
  await client.execute('CREATE INDEX IF NOT EXISTS other ON idx.single (v)');
  await refused('ALTER TABLE idx.single DROP v', 'Cannot drop column v because it has dependent secondary indexes (vi)');
  await refused('DROP INDEX idx.nope', "Index 'idx.nope' doesn't exist'");
  await client.execute('DROP INDEX IF EXISTS idx.nope');
  await client.execute('DROP INDEX idx.vi');
  await client.execute('ALTER TABLE idx.single DROP v');
  await refused('SELECT * FROM idx.t WHERE n = 3',
    'Cannot execute this query as it might involve data filtering and thus may have unpredictable performance. If you want to execute this query despite the performance unpredictability, use ALLOW FILTERING');
});

test('DROP TABLE drops its indexes; an index survives a restart', async () => {
  await client.execute('CREATE TABLE idx.gone (k int PRIMARY KEY, v int)');
  await client.execute('CREATE INDEX gone_v ON idx.gone (v)');
  await client.execute('DROP TABLE idx.gone');
  const left = (await client.execute("SELECT index_name FROM system_schema.indexes WHERE keyspace_name = 'idx'")).rows.map((r) => r['index_name']);
  assert.ok(!left.includes('gone_v'), String(left));
  await client.execute('CREATE TABLE idx.gone (k int PRIMARY KEY, v int)');
  await client.execute('CREATE INDEX gone_v ON idx.gone (v)');
  // Killed, not stopped: the index entries come back from the commit log with the data.
  await fixture!.node.kill();
  await fixture!.node.restart();
  await waitFor('driver reconnected', async () => (await client.execute('SELECT k FROM idx.t WHERE k = 0').then(() => true, () => false)), 20_000);
  assert.deepEqual(await keys("SELECT * FROM idx.t WHERE v = 'moved'"), ['0/0']);
  assert.deepEqual(await keys("SELECT * FROM idx.t WHERE tags CONTAINS 'blue'"), ['21/0']);
  const count = (await client.execute('SELECT count(*) FROM idx.many WHERE g = 1')).first()!['count'];
  assert.equal(Number(count), 150);
});

test('IN on an indexed column: one value is an equality served by the index, more are refused as Cassandra 4.0 does', async () => {
  await client.execute('CREATE TABLE idx.ins (k int, c int, g int, PRIMARY KEY (k, c))');
  await client.execute('CREATE INDEX ins_g ON idx.ins (g)');
  for (let k = 0; k < 6; k++) await client.execute('INSERT INTO idx.ins (k, c, g) VALUES (?, 0, ?)', [k, k % 3], { prepare: true });
  const ks = async (query: string, params: unknown[] = []) =>
    (await client.execute(query, params, { prepare: true })).rows.map((r) => Number(r['k'])).sort((a, b) => a - b);
  assert.deepEqual(await ks('SELECT k FROM idx.ins WHERE g IN (1)'), [1, 4]);
  assert.deepEqual(await ks('SELECT k FROM idx.ins WHERE g IN (?)', [2]), [2, 5]);
  assert.deepEqual(await ks('SELECT k FROM idx.ins WHERE g IN (1) AND c IN (0, 1) ALLOW FILTERING'), [1, 4]);
  const message = 'IN predicates on non-primary-key columns (g) is not yet supported';
  await refused('SELECT k FROM idx.ins WHERE g IN (1, 2)', message);
  await refused('SELECT k FROM idx.ins WHERE g IN (1, 2) ALLOW FILTERING', message);
  await refused('SELECT k FROM idx.ins WHERE k = 1 AND g IN (1, 2) ALLOW FILTERING', message);
  await assert.rejects(client.execute('SELECT k FROM idx.ins WHERE g IN ?', [[1, 2]], { prepare: true }), (error: Error) => error.message === message);
});
