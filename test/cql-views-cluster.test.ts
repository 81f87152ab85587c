// Materialized views across a real 3-node cluster (issue 13), with the DataStax Node.js
// driver: each base replica computes the view updates of a write and sends them to its paired
// view replica (the i-th base replica in ring order to the i-th view replica). At replication
// factor 3: writes through different coordinators, a view built from existing data on every
// node, view rows read at ONE through each node (its own replica first), and after a node
// restart. At replication factor 1, hinted handoff off: view updates for a view replica that is
// down wait in the base replica's local batchlog and reach it once it is back (Cassandra's
// StorageProxy.mutateMV). Logged and unlogged batches mixing a base table with views and other
// tables, as Cassandra 4.0 takes them. One cluster for the file; the nodes it started are
// stopped whatever happens.
// run-tests: two at a time

import test, { after, before } from 'node:test';
import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import cassandra from 'cassandra-driver';
import { adminStatus, aero, freePort, seenBy, waitFor } from './harness/local-cluster.js';

const { consistencies } = cassandra.types;

function clientOf(node: number, nativePort: number): cassandra.Client {
  const host = `127.0.0.${node}:${nativePort}`;
  const { loadBalancing } = cassandra.policies;
  return new cassandra.Client({
    contactPoints: [host], localDataCenter: 'datacenter1', protocolOptions: { port: nativePort },
    policies: { loadBalancing: new loadBalancing.AllowListPolicy(new loadBalancing.DCAwareRoundRobinPolicy('datacenter1'), [host]) },
    socketOptions: { readTimeout: 20_000 },
  });
}

async function byGroup(client: cassandra.Client, group: number): Promise<string[]> {
  const result = await client.execute('SELECT g, k, v FROM mvc.by_g WHERE g = ?', [group], { prepare: true, consistency: consistencies.one });
  return result.rows.map((r) => `${String(r['g'])}/${String(r['k'])}/${String(r['v'])}`);
}

const all = [1, 2, 3];
const clients = new Map<number, cassandra.Client>();
let directory = '';
let nativePort = 0;
let adminPort = 0;

const connectAll = () => waitFor('a client of every node', async () => {
  for (const node of all) {
    if (clients.has(node)) continue;
    const client = clientOf(node, nativePort);
    if (await client.connect().then(() => true, async () => { await client.shutdown().catch(() => undefined); return false; })) clients.set(node, client);
  }
  return clients.size === all.length;
}, 60_000);
const upEverywhere = () => waitFor('every node up', async () => (await Promise.all(all.map((node) => seenBy(all.filter((o) => o !== node), node, 'UP', adminPort)))).every(Boolean), 30_000);

before(async () => {
  directory = mkdtempSync(join(tmpdir(), 'aero-views-'));
  const storagePort = await freePort();
  [nativePort, adminPort] = [await freePort(), await freePort()];
  const startArgs = ['cluster', 'start', '--nodes', '3', '--dir', directory, '--base-port', String(nativePort),
    '--storage-port', String(storagePort), '--admin-port', String(adminPort), '--num-tokens', '8'];
  // Views enabled through conf/extra.yaml, written before the first start (which reads it); it
  // is kept across starts, so a restarted node has views again.
  for (const node of all) {
    mkdirSync(join(directory, `node${node}`, 'conf'), { recursive: true });
    writeFileSync(join(directory, `node${node}`, 'conf', 'extra.yaml'), 'enable_materialized_views: true\n');
  }
  const start = await aero(startArgs);
  assert.equal(start.code, 0, start.stderr + start.stdout);
  await upEverywhere();
  await connectAll();
});

after(async () => {
  await Promise.all([...clients.values()].map((c) => c.shutdown().catch(() => undefined)));
  if (directory === '') return;
  await aero(['cluster', 'stop', '--dir', directory, '--timeout', '20']);
  rmSync(directory, { recursive: true, force: true });
});

test('three nodes, RF 3: view rows on every node after writes through different coordinators and a restart', { timeout: 120_000 }, async () => {
  const one = clients.get(1)!;
  await one.execute("CREATE KEYSPACE mvc WITH replication = {'class': 'SimpleStrategy', 'replication_factor': 3}");
  await one.execute('CREATE TABLE mvc.t (k int PRIMARY KEY, g int, v text)');
  for (let k = 0; k < 12; k++) await one.execute('INSERT INTO mvc.t (k, g, v) VALUES (?, ?, ?)', [k, k % 3, `v${k}`], { prepare: true, consistency: consistencies.all });
  // Built from existing data on every node.
  await one.execute('CREATE MATERIALIZED VIEW mvc.by_g AS SELECT * FROM mvc.t WHERE g IS NOT NULL AND k IS NOT NULL PRIMARY KEY (g, k)');
  for (const node of all) {
    await waitFor(`by_g built on node ${node}`, async () => (await clients.get(node)!.execute("SELECT * FROM system.built_views WHERE keyspace_name = 'mvc'")).rowLength === 1, 30_000);
  }
  const expected = (group: number, rows: Map<number, [number, string]>) =>
    [...rows].filter(([, [g]]) => g === group).sort(([a], [b]) => a - b).map(([k, [g, v]]) => `${g}/${k}/${v}`);
  const rows = new Map<number, [number, string]>(Array.from({ length: 12 }, (_, k) => [k, [k % 3, `v${k}`]]));
  // A node may build before a peer has the view's table: what it sends there then is hinted
  // and replayed, so the build's rows reach every view replica eventually, as in Cassandra.
  for (const node of all) {
    for (const group of [0, 1, 2]) {
      await waitFor(`node ${node} group ${group}`, async () => JSON.stringify(await byGroup(clients.get(node)!, group)) === JSON.stringify(expected(group, rows)), 30_000);
    }
  }
  // Writes at ALL through each coordinator in turn: moves between groups, updates and deletes.
  for (const [index, k] of [[1, 0], [2, 1], [3, 2], [1, 3], [2, 4]] as const) {
    await clients.get(index)!.execute('UPDATE mvc.t SET g = 7, v = ? WHERE k = ?', [`moved${index}`, k], { prepare: true, consistency: consistencies.all });
    rows.set(k, [7, `moved${index}`]);
  }
  await clients.get(3)!.execute('DELETE FROM mvc.t WHERE k = 5', [], { consistency: consistencies.all });
  rows.delete(5);
  for (const node of all) for (const group of [0, 1, 2, 7]) assert.deepEqual(await byGroup(clients.get(node)!, group), expected(group, rows), `node ${node} group ${group}`);

  // Node 3 restarts; a write made while it is up again reaches its view replica too.
  assert.equal((await aero(['cluster', 'restart', '--node', '3', '--dir', directory])).code, 0);
  await upEverywhere();
  await waitFor('node 3 answers', async () => (await byGroup(clients.get(3)!, 7).then(() => true, () => false)), 30_000);
  await clients.get(2)!.execute("UPDATE mvc.t SET g = 8 WHERE k = 6", [], { consistency: consistencies.all });
  rows.set(6, [8, 'v6']);
  for (const node of all) for (const group of [0, 7, 8]) assert.deepEqual(await byGroup(clients.get(node)!, group), expected(group, rows), `after restart: node ${node} group ${group}`);
});

/** The node (1 to 3) that holds a key at replication factor 1, as the driver computes it. */
function ownerOf(client: cassandra.Client, keyspace: string, key: number): number {
  const routingKey = Buffer.alloc(4);
  routingKey.writeInt32BE(key);
  const replicas = client.getReplicas(keyspace, routingKey);
  assert.equal(replicas.length, 1, `one replica of ${key}`);
  return Number(replicas[0]!.address.split(':')[0]!.split('.')[3]);
}

const handoff = (node: number, on: boolean) => fetch(`http://127.0.0.${node}:${adminPort}/${on ? 'enable' : 'disable'}handoff`, { method: 'POST' });

test('RF 1, hinted handoff off: view updates for a view replica that is down wait in the base replica\'s batchlog and reach it when it is back', { timeout: 150_000 }, async () => {
  const one = clients.get(1)!;
  await one.execute("CREATE KEYSPACE mvb WITH replication = {'class': 'SimpleStrategy', 'replication_factor': 1}");
  await one.execute('CREATE TABLE mvb.t (k int PRIMARY KEY, g int, v text)');
  await one.execute('CREATE MATERIALIZED VIEW mvb.by_g AS SELECT * FROM mvb.t WHERE g IS NOT NULL AND k IS NOT NULL PRIMARY KEY (g, k)');
  await waitFor('the view on every node', async () => {
    for (const node of all) if ((await clients.get(node)!.execute("SELECT * FROM system_schema.views WHERE keyspace_name = 'mvb'")).rowLength !== 1) return false;
    return true;
  }, 20_000);
  await one.metadata.refreshKeyspace('mvb');
  // A view partition on node 3, and base rows on nodes 1 and 2: their view updates all go to node 3.
  const group = Array.from({ length: 500 }, (_, g) => g).find((g) => ownerOf(one, 'mvb', g) === 3);
  assert.ok(group !== undefined, 'a view key on node 3');
  // Three base rows on each of nodes 1 and 2 (the first keys not on node 3 can all sit on one of them, as tokens are random).
  const keysOn = (node: number) => Array.from({ length: 500 }, (_, k) => k).filter((k) => ownerOf(one, 'mvb', k) === node).slice(0, 3);
  const keys = [...keysOn(1), ...keysOn(2)];
  assert.equal(keys.length, 6, `base rows on nodes 1 and 2 (${keys})`);
  try {
    for (const node of [1, 2]) assert.equal((await handoff(node, false)).status, 200);
    assert.equal((await aero(['cluster', 'kill', '--node', '3', '--dir', directory])).code, 0);
    await waitFor('node 3 down', () => seenBy([1, 2], 3, 'DOWN', adminPort), 30_000);
    for (const k of keys) await one.execute('INSERT INTO mvb.t (k, g, v) VALUES (?, ?, ?)', [k, group, `v${k}`], { prepare: true, consistency: consistencies.one });
    type Status = { coordinator?: { batchlogEntries: number } };
    const held = await Promise.all([1, 2].map(async (node) => (await adminStatus<Status>(node, adminPort))?.coordinator?.batchlogEntries ?? 0));

    assert.equal((await aero(['cluster', 'restart', '--node', '3', '--dir', directory])).code, 0);
    await upEverywhere();
    await waitFor('node 3 answers its client again', async () => clients.get(3)!.execute('SELECT key FROM system.local').then(() => true, () => false), 30_000);
    const view = async () => (await one.execute('SELECT k FROM mvb.by_g WHERE g = ?', [group], { prepare: true, consistency: consistencies.one })).rows.map((r) => Number(r['k']));
    await waitFor('every view row on node 3', async () => JSON.stringify(await view().catch(() => [])) === JSON.stringify([...keys].sort((a, b) => a - b)), 30_000);
    assert.ok(held.every((entries) => entries > 0), `each base replica held its view updates in its batchlog (${held})`);
    await waitFor('the batchlogs emptied', async () => (await Promise.all([1, 2].map(async (node) => (await adminStatus<Status>(node, adminPort))?.coordinator?.batchlogEntries))).every((n) => n === 0), 15_000);
  } finally {
    for (const node of [1, 2]) await handoff(node, true).catch(() => undefined);
  }
});

test('logged and unlogged batches mixing a base table with views, another table and another keyspace reach every view replica', { timeout: 60_000 }, async () => {
  const two = clients.get(2)!;
  await two.execute('CREATE TABLE IF NOT EXISTS mvc.other (k int PRIMARY KEY, v text)');
  await two.execute('CREATE TABLE IF NOT EXISTS mvb.plain (k int PRIMARY KEY, v text)');
  await waitFor('the tables on every node', async () => {
    for (const node of all) {
      const found = await clients.get(node)!.execute("SELECT table_name FROM system_schema.tables WHERE keyspace_name IN ('mvc', 'mvb')");
      if (!['other', 'plain'].every((name) => found.rows.some((r) => r['table_name'] === name))) return false;
    }
    return true;
  }, 20_000);
  await two.execute(`BEGIN BATCH
    INSERT INTO mvc.t (k, g, v) VALUES (20, 9, 'logged');
    UPDATE mvc.t SET g = 9 WHERE k = 7;
    INSERT INTO mvc.other (k, v) VALUES (20, 'logged');
    INSERT INTO mvb.plain (k, v) VALUES (20, 'logged');
  APPLY BATCH`, [], { consistency: consistencies.quorum });
  await two.execute(`BEGIN UNLOGGED BATCH
    INSERT INTO mvc.t (k, g, v) VALUES (21, 9, 'unlogged');
    INSERT INTO mvc.other (k, v) VALUES (21, 'unlogged');
    INSERT INTO mvb.plain (k, v) VALUES (21, 'unlogged');
  APPLY BATCH`, [], { consistency: consistencies.all });
  // Driver batches (BATCH messages), logged and not, prepared.
  for (const logged of [true, false]) {
    const k = logged ? 22 : 23;
    await two.batch([
      { query: 'INSERT INTO mvb.plain (k, v) VALUES (?, ?)', params: [k, 'driver'] },
      { query: 'INSERT INTO mvc.t (k, g, v) VALUES (?, ?, ?)', params: [k, 9, 'driver'] },
    ], { prepare: true, logged, consistency: consistencies.all });
  }
  const expected = ['9/7/v7', '9/20/logged', '9/21/unlogged', '9/22/driver', '9/23/driver'];
  for (const node of all) await waitFor(`group 9 on node ${node}`, async () => JSON.stringify(await byGroup(clients.get(node)!, 9)) === JSON.stringify(expected), 10_000);
  const plain = await two.execute('SELECT k, v FROM mvb.plain', [], { consistency: consistencies.one });
  assert.deepEqual(plain.rows.map((r) => `${String(r['k'])}/${String(r['v'])}`).sort(), ['20/logged', '21/unlogged', '22/driver', '23/driver']);
  const other = await two.execute('SELECT k, v FROM mvc.other', [], { consistency: consistencies.all });
  assert.deepEqual(other.rows.map((r) => `${String(r['k'])}/${String(r['v'])}`).sort(), ['20/logged', '21/unlogged']);
  // A view itself is never written, in a batch or not (Cassandra's message).
  await assert.rejects(two.execute(`BEGIN BATCH
    INSERT INTO mvc.t (k, g, v) VALUES (24, 9, 'no');
    INSERT INTO mvc.by_g (g, k, v) VALUES (9, 24, 'no');
  APPLY BATCH`), (error: { code?: number; message?: string }) => error.code === 0x2200 && error.message === 'Cannot directly modify a materialized view');
  assert.deepEqual(await byGroup(two, 9), expected, 'the refused batch wrote nothing');
});
