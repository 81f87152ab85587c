// Secondary indexes and the rows that arrive outside the write path (issue 13), over whole
// simulated nodes (node-cluster.ts), on virtual time:
// - rows a replica receives by nodetool repair, or by streaming when it joins, are indexed on
//   it: with the replica cut off from the others, an index query at ONE through it finds them;
// - nodetool cleanup after the replica stops owning ranges drops the index entries of the
//   partitions it drops, one per dropped single-row partition;
// - replica filtering protection with a replica down: at QUORUM the two live replicas differ
//   (one missed updates, deletes and inserts), and an index query through the stale one
//   returns exactly the current matches, no stale row and no missed one.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { ConsistencyLevel } from '../../src/db/common/consistency.js';
import { NodeCluster } from './node-cluster.js';

const { ONE, QUORUM, ALL } = ConsistencyLevel;
const rows = 40;

test('rows pulled by repair are indexed on the receiver, and cleanup drops the index entries of dropped ranges', { timeout: 300_000 }, async () => {
  const cluster = new NodeCluster({ nodes: 2, seed: 13, maxHintWindowMs: 5_000 });
  await cluster.startAll();
  await cluster.query(0, "CREATE KEYSPACE ixr WITH replication = {'class': 'SimpleStrategy', 'replication_factor': 2}", ONE);
  await cluster.query(0, 'CREATE TABLE ixr.t (k int PRIMARY KEY, g int)', ONE);
  await cluster.query(0, 'CREATE INDEX t_g ON ixr.t (g)', ONE);
  await cluster.until('schema agreement', async () => {
    const versions = await Promise.all([0, 1].map(async (index) => (await cluster.adminStatus(index))?.schemaVersion));
    return versions[0] !== undefined && versions[0] === versions[1];
  }, 30_000);

  // Node 2 is down past the hint window (from the first hint), so it misses the rows entirely.
  cluster.crash(1);
  await cluster.until('node 2 down', () => cluster.seesAll(0, 'DOWN', [1]), 30_000);
  await cluster.query(0, 'INSERT INTO ixr.t (k, g) VALUES (1000, 9)', ONE);
  await cluster.sleep(6_000);
  for (let k = 0; k < rows; k++) await cluster.query(0, `INSERT INTO ixr.t (k, g) VALUES (${k}, ${k % 2})`, ONE);
  await cluster.start(1);
  await cluster.until('node 2 back', async () => (await cluster.seesAll(0, 'UP', [1])) && (await cluster.seesAll(1, 'UP', [0])), 60_000);

  const summary = await cluster.run(cluster.admin(0, 'POST /repair?keyspace=ixr')) as { ok: boolean; partitionsPushed: number };
  if (!(summary.ok && summary.partitionsPushed >= rows)) assert.fail(`the repair pushed the missed rows: ${JSON.stringify(summary)}`);

  // Node 2 alone: an index query at ONE reads only its own index and base table.
  cluster.network.partition([cluster.hosts[1] as string], [cluster.hosts[0] as string]);
  await cluster.until('node 2 sees itself alone', () => cluster.seesAll(1, 'DOWN'), 60_000);
  const even = await cluster.query(1, 'SELECT k FROM ixr.t WHERE g = 0', ONE);
  assert.deepEqual(even.map((row) => Number(row['k'])).sort((a, b) => a - b), Array.from({ length: rows / 2 }, (_, i) => i * 2));
  cluster.network.heal();
  await cluster.until('both up again', async () => (await cluster.seesAll(0, 'UP')) && (await cluster.seesAll(1, 'UP')), 60_000);

  // RF 1: each node keeps only its primary ranges; cleanup drops the rest with their index entries.
  await cluster.query(0, "ALTER KEYSPACE ixr WITH replication = {'class': 'SimpleStrategy', 'replication_factor': 1}", ALL);
  await cluster.until('schema agreement after ALTER', async () => {
    const versions = await Promise.all([0, 1].map(async (index) => (await cluster.adminStatus(index))?.schemaVersion));
    return versions[0] !== undefined && versions[0] === versions[1];
  }, 30_000);
  const cleaned = await cluster.run(cluster.admin(1, 'POST /cleanup?keyspace=ixr')) as { partitionsDropped: number; indexEntriesDropped: number };
  if (!(cleaned.partitionsDropped > 0 && cleaned.indexEntriesDropped === cleaned.partitionsDropped)) {
    assert.fail(`one index entry dropped per dropped partition: ${JSON.stringify(cleaned)}`);
  }
  const odd = await cluster.query(0, 'SELECT k FROM ixr.t WHERE g = 1', ALL);
  assert.deepEqual(odd.map((row) => Number(row['k'])).sort((a, b) => a - b), Array.from({ length: rows / 2 }, (_, i) => i * 2 + 1));
});

test('index queries at QUORUM with one replica down and the two others disagreeing return the current matches', { timeout: 300_000 }, async () => {
  const cluster = new NodeCluster({ nodes: 3, seed: 31, maxHintWindowMs: 5_000 });
  await cluster.startAll();
  await cluster.query(0, "CREATE KEYSPACE rfp WITH replication = {'class': 'SimpleStrategy', 'replication_factor': 3}", ONE);
  await cluster.query(0, 'CREATE TABLE rfp.t (k int PRIMARY KEY, g int, v text)', ONE);
  await cluster.query(0, 'CREATE INDEX t_g ON rfp.t (g)', ONE);
  await cluster.until('schema agreement', async () => {
    const versions = await Promise.all([0, 1, 2].map(async (index) => (await cluster.adminStatus(index))?.schemaVersion));
    return versions[0] !== undefined && versions.every((version) => version === versions[0]);
  }, 30_000);
  for (let k = 0; k < 12; k++) await cluster.query(0, `INSERT INTO rfp.t (k, g, v) VALUES (${k}, 1, 'old')`, ALL);

  // Node 3 down, node 2 cut off from node 1 past the hint window: only node 1 takes what follows.
  cluster.crash(2);
  cluster.network.partition([cluster.hosts[1] as string], [cluster.hosts[0] as string]);
  await cluster.until('node 1 sees nodes 2 and 3 down', () => cluster.seesAll(0, 'DOWN', [1, 2]), 60_000);
  await cluster.query(0, "INSERT INTO rfp.t (k, g, v) VALUES (1000, 9, 'hinted')", ONE);
  await cluster.sleep(6_000);
  await cluster.query(0, 'UPDATE rfp.t SET g = 2 WHERE k = 1', ONE);
  await cluster.query(0, 'DELETE FROM rfp.t WHERE k = 2', ONE);
  await cluster.query(0, 'DELETE g FROM rfp.t WHERE k = 3', ONE);
  await cluster.query(0, "UPDATE rfp.t SET v = 'new' WHERE k = 4", ONE);
  await cluster.query(0, "INSERT INTO rfp.t (k, g, v) VALUES (20, 1, 'added')", ONE);
  // Node 2 alone, at ONE: its index still lists the stale matches and misses the new one.
  await cluster.until('node 2 sees itself alone', () => cluster.seesAll(1, 'DOWN'), 60_000);
  const stale = (await cluster.query(1, 'SELECT k FROM rfp.t WHERE g = 1', ONE)).map((row) => Number(row['k'])).sort((a, b) => a - b);
  assert.deepEqual(stale, Array.from({ length: 12 }, (_, k) => k));
  cluster.network.heal();
  await cluster.until('nodes 1 and 2 see each other', async () => (await cluster.seesAll(0, 'UP', [1])) && (await cluster.seesAll(1, 'UP', [0])), 60_000);

  const rowsOf = async (value: number) => (await cluster.query(1, `SELECT k, v FROM rfp.t WHERE g = ${value}`, QUORUM))
    .map((row) => `${String(row['k'])}=${String(row['v'])}`).sort();
  const expected = ['0=old', '4=new', '5=old', '6=old', '7=old', '8=old', '9=old', '10=old', '11=old', '20=added'].sort();
  assert.deepEqual(await rowsOf(1), expected);
  assert.deepEqual(await rowsOf(2), ['1=old']);
});

test('rows a joining node receives by bootstrap streaming are indexed on it', { timeout: 300_000 }, async () => {
  const cluster = new NodeCluster({ nodes: 2, seed: 7, joining: [1], ringDelayMs: 2_000 });
  await cluster.start(0);
  await cluster.query(0, "CREATE KEYSPACE ixj WITH replication = {'class': 'SimpleStrategy', 'replication_factor': 2}", ONE);
  await cluster.query(0, 'CREATE TABLE ixj.t (k int PRIMARY KEY, g int)', ONE);
  await cluster.query(0, 'CREATE INDEX t_g ON ixj.t (g)', ONE);
  for (let k = 0; k < rows; k++) await cluster.query(0, `INSERT INTO ixj.t (k, g) VALUES (${k}, ${k % 4})`, ONE);
  // RF 2 on two nodes: the joining node replicates every range, all of it streamed from node 1.
  await cluster.start(1, 300_000);
  const netstats = await cluster.admin(1, 'GET /netstats') as { mode: string; totals: { partitionsReceived?: number } };
  assert.equal(netstats.mode, 'NORMAL');
  cluster.network.partition([cluster.hosts[1] as string], [cluster.hosts[0] as string]);
  await cluster.until('node 2 sees itself alone', () => cluster.seesAll(1, 'DOWN'), 60_000);
  const found = await cluster.query(1, 'SELECT k FROM ixj.t WHERE g = 3', ONE);
  assert.deepEqual(found.map((row) => Number(row['k'])).sort((a, b) => a - b), Array.from({ length: rows / 4 }, (_, i) => i * 4 + 3));
  cluster.network.heal();
});
