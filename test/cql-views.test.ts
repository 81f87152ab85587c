// Materialized views (issue 13) through the DataStax Node.js driver on one real node with
// enable_materialized_views: a view built for existing data, kept in step with inserts,
// updates that move a row to another view key, deletes of rows, ranges and partitions, TTLs
// and batches; system_schema.views and the driver's metadata; Cassandra's refusals; ALTER and
// DROP MATERIALIZED VIEW; and the view surviving a restart.
// run-tests: two at a time

import test, { after, before } from 'node:test';
import assert from 'node:assert/strict';
import cassandra from 'cassandra-driver';
import { startDriverNode, type DriverNode } from './harness/driver-node.js';
import { waitFor } from './harness/local-cluster.js';

let fixture: DriverNode | undefined;
let client: cassandra.Client;

before(async () => {
  fixture = await startDriverNode('mv', { extraConfig: 'enable_materialized_views: true' });
  client = fixture.client;
  await client.execute('CREATE TABLE mv.users (id int, day int, country text, name text, age int, PRIMARY KEY (id, day))');
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

async function rows(query: string, params: unknown[] = []): Promise<string[]> {
  const result = await client.execute(query, params, { prepare: true, fetchSize: 3 });
  const out: string[] = [];
  for await (const row of result) out.push(result.columns.map((c) => String(row[c.name])).join('/'));
  return out;
}

const byCountry = (country: string) => rows('SELECT country, id, day, name, age FROM mv.by_country WHERE country = ?', [country]);

test('a view is built from existing data and listed in system_schema.views and the driver metadata', async () => {
  for (let id = 0; id < 4; id++) {
    await client.execute('INSERT INTO mv.users (id, day, country, name, age) VALUES (?, ?, ?, ?, ?)', [id, 1, id % 2 === 0 ? 'ES' : 'AR', `n${id}`, 20 + id], { prepare: true });
  }
  const created = await client.execute(`CREATE MATERIALIZED VIEW mv.by_country AS SELECT country, id, day, name, age FROM mv.users
    WHERE country IS NOT NULL AND id IS NOT NULL AND day IS NOT NULL PRIMARY KEY (country, id, day) WITH CLUSTERING ORDER BY (id DESC, day ASC) AND comment = 'users by country'`);
  assert.equal(created.info.queriedHost !== undefined, true);
  await waitFor('by_country built', async () => (await client.execute("SELECT * FROM system.built_views WHERE keyspace_name = 'mv'")).rowLength === 1, 10_000);
  assert.deepEqual(await byCountry('ES'), ['ES/2/1/n2/22', 'ES/0/1/n0/20']);
  assert.deepEqual(await byCountry('AR'), ['AR/3/1/n3/23', 'AR/1/1/n1/21']);
  const view = (await client.execute("SELECT * FROM system_schema.views WHERE keyspace_name = 'mv' AND view_name = 'by_country'")).rows[0]!;
  assert.equal(view['base_table_name'], 'users');
  assert.equal(view['include_all_columns'], false);
  assert.equal(view['where_clause'], 'country IS NOT NULL AND id IS NOT NULL AND day IS NOT NULL');
  assert.equal(view['comment'], 'users by country');
  const base = (await client.execute("SELECT id FROM system_schema.tables WHERE keyspace_name = 'mv' AND table_name = 'users'")).rows[0]!;
  assert.equal(String(view['base_table_id']), String(base['id']));
  assert.equal((await client.execute("SELECT * FROM system_schema.tables WHERE keyspace_name = 'mv' AND table_name = 'by_country'")).rowLength, 0);
  const metadata = await (client.metadata.getMaterializedView as unknown as (ks: string, name: string) => Promise<cassandra.metadata.MaterializedView | null>)('mv', 'by_country');
  assert.ok(metadata !== null);
  assert.equal(metadata.tableName, 'users');
  assert.equal(metadata.includeAllColumns, false);
  assert.deepEqual(metadata.partitionKeys.map((c) => c.name), ['country']);
  assert.deepEqual(metadata.clusteringKeys.map((c) => c.name), ['id', 'day']);
  assert.deepEqual(metadata.clusteringOrder, ['DESC', 'ASC']);
  assert.deepEqual(metadata.columns.map((c) => c.name).sort(), ['age', 'country', 'day', 'id', 'name']);
  const described = (await client.execute('DESCRIBE MATERIALIZED VIEW mv.by_country')).rows.map((r) => r['create_statement']).join('');
  assert.match(described, /^CREATE MATERIALIZED VIEW mv\.by_country AS\n {4}SELECT country, id, day, age, name\n {4}FROM mv\.users\n {4}WHERE country IS NOT NULL AND id IS NOT NULL AND day IS NOT NULL\n {4}PRIMARY KEY \(country, id, day\)\n WITH CLUSTERING ORDER BY \(id DESC, day ASC\)/);
});

test('writes keep the view in step: moves between view keys, deletes of rows, ranges and partitions', async () => {
  // Moving a row to another view key deletes the old entry.
  await client.execute("UPDATE mv.users SET country = 'AR', age = 40 WHERE id = 0 AND day = 1");
  assert.deepEqual(await byCountry('ES'), ['ES/2/1/n2/22']);
  assert.deepEqual(await byCountry('AR'), ['AR/3/1/n3/23', 'AR/1/1/n1/21', 'AR/0/1/n0/40']);
  // An update of a regular column reaches the entry; a null view key column removes it.
  await client.execute("UPDATE mv.users SET name = 'renamed' WHERE id = 3 AND day = 1");
  await client.execute('UPDATE mv.users SET country = null WHERE id = 1 AND day = 1');
  assert.deepEqual(await byCountry('AR'), ['AR/3/1/renamed/23', 'AR/0/1/n0/40']);
  // Back again: the entry returns without the old values of columns set null meanwhile.
  await client.execute("UPDATE mv.users SET country = 'AR', age = null WHERE id = 1 AND day = 1");
  assert.deepEqual(await byCountry('AR'), ['AR/3/1/renamed/23', 'AR/1/1/n1/null', 'AR/0/1/n0/40']);
  // Row, range and partition deletes.
  for (let day = 2; day <= 4; day++) await client.execute("INSERT INTO mv.users (id, day, country, name) VALUES (9, ?, 'UY', 'x')", [day], { prepare: true });
  await client.execute('DELETE FROM mv.users WHERE id = 9 AND day = 2');
  assert.deepEqual(await byCountry('UY'), ['UY/9/3/x/null', 'UY/9/4/x/null']);
  await client.execute('DELETE FROM mv.users WHERE id = 9 AND day >= 4');
  assert.deepEqual(await byCountry('UY'), ['UY/9/3/x/null']);
  await client.execute('DELETE FROM mv.users WHERE id = 9');
  assert.deepEqual(await byCountry('UY'), []);
  // Restrictions on the view's clustering columns, and on its partition key with IN.
  assert.deepEqual(await rows("SELECT id FROM mv.by_country WHERE country = 'AR' AND id < 3"), ['1', '0']);
  assert.deepEqual(await rows("SELECT country, id FROM mv.by_country WHERE country IN ('ES', 'AR') AND id = 2"), ['ES/2']);
});

test('TTLs, batches and USING TIMESTAMP reach the view', async () => {
  await client.execute("INSERT INTO mv.users (id, day, country, name) VALUES (20, 1, 'CL', 'short') USING TTL 2");
  assert.deepEqual(await byCountry('CL'), ['CL/20/1/short/null']);
  await client.execute(`BEGIN BATCH
    INSERT INTO mv.users (id, day, country, name) VALUES (21, 1, 'PE', 'a');
    INSERT INTO mv.users (id, day, country, name) VALUES (22, 1, 'PE', 'b');
    UPDATE mv.users SET country = 'PE' WHERE id = 2 AND day = 1;
  APPLY BATCH`);
  assert.deepEqual(await byCountry('PE'), ['PE/22/1/b/null', 'PE/21/1/a/null', 'PE/2/1/n2/22']);
  assert.deepEqual(await byCountry('ES'), []);
  // An older write does not bring back a newer state: the view converges on timestamps.
  await client.execute("UPDATE mv.users USING TIMESTAMP 1000 SET country = 'ES' WHERE id = 21 AND day = 1");
  assert.deepEqual(await byCountry('ES'), []);
  await waitFor('the TTL entry expires', async () => (await byCountry('CL')).length === 0, 6_000);
});

test('WHERE restrictions on base primary key columns select the rows a view holds, when built and as written', async () => {
  await client.execute('CREATE TABLE mv.events (k int, c int, v text, w int, PRIMARY KEY (k, c))');
  const insert = (k: number, c: number, v: string) => client.execute('INSERT INTO mv.events (k, c, v) VALUES (?, ?, ?)', [k, c, v], { prepare: true });
  for (const [k, c] of [[1, 5], [1, 10], [2, 12], [3, 20]] as const) await insert(k, c, `before-${k}-${c}`);
  await client.execute(`CREATE MATERIALIZED VIEW mv.late AS SELECT * FROM mv.events
    WHERE k IN (1, 2) AND c >= 10 AND c IS NOT NULL PRIMARY KEY (c, k)`);
  await waitFor('late built', async () => (await client.execute("SELECT * FROM system.built_views WHERE keyspace_name = 'mv' AND view_name = 'late'")).rowLength === 1, 10_000);
  const late = async () => (await rows('SELECT c, k, v FROM mv.late')).sort();
  assert.deepEqual(await late(), ['10/1/before-1-10', '12/2/before-2-12']);
  for (const [k, c] of [[2, 9], [2, 30], [4, 40], [1, 11]] as const) await insert(k, c, `after-${k}-${c}`);
  await client.execute("UPDATE mv.events SET v = 'updated' WHERE k = 3 AND c = 20");
  await client.execute("UPDATE mv.events SET v = 'updated' WHERE k = 1 AND c = 10");
  assert.deepEqual(await late(), ['10/1/updated', '11/1/after-1-11', '12/2/before-2-12', '30/2/after-2-30']);
  await client.execute('DELETE FROM mv.events WHERE k = 2');
  assert.deepEqual(await late(), ['10/1/updated', '11/1/after-1-11']);
  const stored = (await client.execute("SELECT where_clause FROM system_schema.views WHERE keyspace_name = 'mv' AND view_name = 'late'")).rows[0]!;
  assert.equal(stored['where_clause'], 'k IN (1, 2) AND c >= 10 AND c IS NOT NULL');
  // A view with the base's primary key shows rows made by UPDATE alone (no row marker): strict liveness is for views keyed by a regular column.
  await client.execute(`CREATE MATERIALIZED VIEW mv.same AS SELECT k, c, v FROM mv.events WHERE k IS NOT NULL AND c IS NOT NULL PRIMARY KEY (k, c)`);
  await client.execute("UPDATE mv.events SET v = 'u' WHERE k = 7 AND c = 1");
  await client.execute("UPDATE mv.events SET w = 3 WHERE k = 8 AND c = 1");
  assert.deepEqual(await rows('SELECT k, c, v FROM mv.same WHERE k IN (7, 8)'), ['7/1/u', '8/1/null']);
  // Restricting a regular column is refused, as Cassandra 4.0 refuses it.
  await refused(`CREATE MATERIALIZED VIEW mv.xs AS SELECT k, c, v FROM mv.events WHERE k IS NOT NULL AND c IS NOT NULL AND v = 'x' PRIMARY KEY (k, c)`,
    "Non-primary key columns can only be restricted with 'IS NOT NULL' (got: v restricted illegally)");
  await client.execute('DROP MATERIALIZED VIEW mv.same');
  await client.execute('DROP MATERIALIZED VIEW mv.late');
  await client.execute('DROP TABLE mv.events');
});

test('pages of a view keyed by a regular column count only live entries (strict liveness in the read, not after it)', async () => {
  for (let id = 100; id < 110; id++) await client.execute("INSERT INTO mv.users (id, day, country, name) VALUES (?, 1, 'BO', 'p')", [id], { prepare: true });
  // Every other entry moves away: what stays of the old entries (their newer cells under an expired liveness) must not end a page early.
  for (let id = 100; id < 110; id += 2) await client.execute("UPDATE mv.users SET country = 'PY', name = 'moved' WHERE id = ? AND day = 1", [id], { prepare: true });
  for (const fetchSize of [1, 2, 3]) {
    const result = await client.execute("SELECT id FROM mv.by_country WHERE country = 'BO'", [], { fetchSize });
    const ids: number[] = [];
    for await (const row of result) ids.push(Number(row['id']));
    assert.deepEqual(ids, [109, 107, 105, 103, 101], `fetchSize ${fetchSize}`);
  }
});

test('Cassandra\'s refusals: writes to a view, DROP TABLE of a base, ALTER TABLE DROP of a column, TRUNCATE', async () => {
  await refused("INSERT INTO mv.by_country (country, id, day) VALUES ('ES', 1, 1)", 'Cannot directly modify a materialized view');
  await refused("DELETE FROM mv.by_country WHERE country = 'ES'", 'Cannot directly modify a materialized view');
  await refused('DROP TABLE mv.users', 'Cannot drop table when materialized views still depend on it (mv.{by_country})');
  await refused('ALTER TABLE mv.users DROP age', 'Cannot drop column age on base table users with materialized views');
  await refused('ALTER TABLE mv.by_country ADD x int', 'Cannot use ALTER TABLE on a materialized view; use ALTER MATERIALIZED VIEW instead');
  await refused('TRUNCATE mv.by_country', 'Cannot TRUNCATE materialized view directly; must truncate base table instead');
  await assert.rejects(client.execute(`CREATE MATERIALIZED VIEW mv.by_country AS SELECT * FROM mv.users
    WHERE country IS NOT NULL AND id IS NOT NULL AND day IS NOT NULL PRIMARY KEY (country, id, day)`), (error: { code?: number }) => error.code === 0x2400);
  await client.execute(`CREATE MATERIALIZED VIEW IF NOT EXISTS mv.by_country AS SELECT * FROM mv.users
    WHERE country IS NOT NULL AND id IS NOT NULL AND day IS NOT NULL PRIMARY KEY (country, id, day)`);
});

test('ALTER and DROP MATERIALIZED VIEW; the view survives a restart', async () => {
  await client.execute(`CREATE MATERIALIZED VIEW mv.all_by_name AS SELECT * FROM mv.users
    WHERE name IS NOT NULL AND id IS NOT NULL AND day IS NOT NULL PRIMARY KEY (name, id, day)`);
  await waitFor('all_by_name built', async () => (await client.execute("SELECT * FROM system.built_views WHERE keyspace_name = 'mv'")).rowLength === 2, 10_000);
  assert.deepEqual(await rows("SELECT name, id, country FROM mv.all_by_name WHERE name = 'renamed'"), ['renamed/3/AR']);
  // A column added to the base table is added to a SELECT * view.
  await client.execute('ALTER TABLE mv.users ADD email text');
  await client.execute("UPDATE mv.users SET email = 'r@x' WHERE id = 3 AND day = 1");
  assert.deepEqual(await rows("SELECT email FROM mv.all_by_name WHERE name = 'renamed'"), ['r@x']);
  await client.execute("ALTER MATERIALIZED VIEW mv.all_by_name WITH comment = 'everything'");
  const view = (await client.execute("SELECT comment, include_all_columns FROM system_schema.views WHERE keyspace_name = 'mv' AND view_name = 'all_by_name'")).rows[0]!;
  assert.deepEqual([view['comment'], view['include_all_columns']], ['everything', true]);

  assert.equal(await fixture!.node.stop(), 0);
  await fixture!.node.restart();
  await waitFor('driver reconnected', async () => (await client.execute("SELECT country FROM mv.by_country WHERE country = 'PE'").then(() => true, () => false)), 20_000);
  assert.deepEqual(await byCountry('PE'), ['PE/22/1/b/null', 'PE/21/1/a/null', 'PE/2/1/n2/22']);
  await client.execute("UPDATE mv.users SET country = 'ES' WHERE id = 22 AND day = 1");
  assert.deepEqual(await byCountry('PE'), ['PE/21/1/a/null', 'PE/2/1/n2/22']);
  assert.equal((await client.execute("SELECT * FROM system.built_views WHERE keyspace_name = 'mv'")).rowLength, 2);

  await client.execute('DROP MATERIALIZED VIEW mv.all_by_name');
  await client.execute('DROP MATERIALIZED VIEW IF EXISTS mv.all_by_name');
  await refused('DROP MATERIALIZED VIEW mv.all_by_name', "Materialized view 'mv.all_by_name' doesn't exist");
  await client.execute('DROP MATERIALIZED VIEW mv.by_country');
  await client.execute('DROP TABLE mv.users');
});
