// Scenarios over whole nodes (node-cluster.ts), each a function of a seed that asserts as it
// goes and returns its cluster's trace digest (same seed, same digest). They took over from
// process tests that needed only logical time (test/cluster-hints, test/auth-cluster and
// test/cluster-repair, which took 36 s, 12 s and 29 s of wall clock for one run each): hints
// delivered after a restart, read repair of a stale replica, batchlog replay, schema
// agreement after DDL on one node, role changes seen on every node, a flight status
// written at QUORUM during a partition, racing CAS increments across a partition, counter
// increments across a replica crash, and schema changes made at once through two nodes.
// node-scenarios.test.ts runs them over seeds.

import assert from 'node:assert/strict';
import { ConsistencyLevel } from '../../src/db/common/consistency.js';
import { murmur3Token } from '../../src/db/dht/murmur3.js';
import { CqlError, type CqlClient } from './cql-client.js';
import { NodeCluster } from './node-cluster.js';

const { ONE, QUORUM, ALL } = ConsistencyLevel;
const rf = (n: number) => `{'class': 'SimpleStrategy', 'replication_factor': ${n}}`;
/** Cassandra's error codes, as drivers see them. */
const errors = { unavailable: 0x1000, writeTimeout: 0x1100, unauthorized: 0x2100 };

/** Waits until every node reports one schema version (its admin status and system.local agree). */
async function schemaAgreement(cluster: NodeCluster, nodes: number[]): Promise<void> {
  await cluster.until('schema agreement', async () => {
    const versions = await Promise.all(nodes.map(async (index) => (await cluster.adminStatus(index))?.schemaVersion));
    return versions[0] !== undefined && versions.every((version) => version === versions[0]);
  }, 30_000);
}

const isCode = (code: number) => (error: unknown) => error instanceof CqlError && error.code === code;

/** 3 nodes, RF 3: writes at ONE while node 3 is down leave hints; after its restart they reach it. */
export async function hintsAfterRestart(seed: number): Promise<string> {
  const rows = 40;
  const cluster = new NodeCluster({ nodes: 3, seed });
  await cluster.startAll();
  await cluster.query(0, `CREATE KEYSPACE hints_test WITH replication = ${rf(3)}`, ONE);
  await cluster.query(0, 'CREATE TABLE hints_test.kv (k int PRIMARY KEY, v text)', ONE);
  await schemaAgreement(cluster, [0, 1, 2]);

  cluster.crash(2);
  await cluster.until('node 3 down', async () => (await cluster.seesAll(0, 'DOWN', [2])) && (await cluster.seesAll(1, 'DOWN', [2])), 30_000);
  const fronts = [await cluster.client(0), await cluster.client(1)];
  const inserts = await Promise.all(fronts.map((front) => cluster.run(front.prepare('INSERT INTO hints_test.kv (k, v) VALUES (?, ?)'))));
  for (let k = 0; k < rows; k++) await cluster.run((fronts[k % 2])!.execute(inserts[k % 2]!, [k, `hinted-${k}`], ONE));
  for (const front of fronts) front.close();
  const written = await Promise.all([0, 1].map(async (index) => (await cluster.adminStatus(index))?.coordinator?.hints.written ?? 0));
  assert.equal(written[0]! + written[1]!, rows, `one hint per write for the down replica (seed ${seed})`);

  await cluster.start(2);
  await cluster.until('hints delivered', async () => {
    const pending = await Promise.all([0, 1].map(async (index) => (await cluster.adminStatus(index))?.coordinator?.hints.pending));
    return pending.every((count) => count === 0);
  }, 60_000);
  cluster.crash(0);
  cluster.crash(1);
  await cluster.until('nodes 1 and 2 down', () => cluster.seesAll(2, 'DOWN'), 60_000);
  const alone = await cluster.client(2);
  for (let k = 0; k < rows; k++) {
    const found = await cluster.run(alone.query(`SELECT v FROM hints_test.kv WHERE k = ${k}`, ONE));
    assert.equal(found[0]?.['v'], `hinted-${k}`, `row ${k} on node 3 (seed ${seed})`);
  }
  return cluster.network.traceDigest();
}

/**
 * 3 nodes, RF 3, hinted handoff off (nodetool disablehandoff): node 3 is down while rows get
 * new values at ONE, so it comes back stale; a QUORUM read per key coordinated by node 3
 * (its own copy and one other) repairs it before answering, and node 3 alone then has them.
 */
export async function readRepairOfAStaleReplica(seed: number): Promise<string> {
  const rows = 30;
  const cluster = new NodeCluster({ nodes: 3, seed });
  await cluster.startAll();
  for (const index of [0, 1, 2]) assert.deepEqual(await cluster.admin(index, 'POST /disablehandoff'), { ok: true, hintedHandoffEnabled: false });
  await cluster.query(0, `CREATE KEYSPACE repair_test WITH replication = ${rf(3)}`, ONE);
  await cluster.query(0, 'CREATE TABLE repair_test.kv (k int PRIMARY KEY, v text)', ONE);
  await schemaAgreement(cluster, [0, 1, 2]);
  const write = async (value: string, level: ConsistencyLevel) => {
    const front = await cluster.client(0);
    const insert = await cluster.run(front.prepare('INSERT INTO repair_test.kv (k, v) VALUES (?, ?)'));
    for (let k = 0; k < rows; k++) await cluster.run(front.execute(insert, [k, `${value}-${k}`], level));
    front.close();
  };
  await write('old', ALL);

  cluster.crash(2);
  await cluster.until('node 3 down', async () => (await cluster.seesAll(0, 'DOWN', [2])) && (await cluster.seesAll(1, 'DOWN', [2])), 30_000);
  await write('new', ONE);
  await cluster.start(2);
  await cluster.until('node 3 up everywhere', async () => (await cluster.seesAll(2, 'UP')) && (await cluster.seesAll(0, 'UP', [2])) && (await cluster.seesAll(1, 'UP', [2])), 30_000);
  const third = await cluster.client(2);
  for (let k = 0; k < rows; k++) {
    const found = await cluster.run(third.query(`SELECT v FROM repair_test.kv WHERE k = ${k}`, QUORUM));
    assert.equal(found[0]?.['v'], `new-${k}`, `QUORUM read of row ${k} (seed ${seed})`);
  }
  const repairs = (await cluster.adminStatus(2))?.coordinator?.readRepairs ?? 0;
  assert.ok(repairs >= rows, `node 3 repaired ${repairs} partitions (seed ${seed})`);
  cluster.crash(0);
  cluster.crash(1);
  await cluster.until('nodes 1 and 2 down', () => cluster.seesAll(2, 'DOWN'), 60_000);
  for (let k = 0; k < rows; k++) {
    const found = await cluster.run(third.query(`SELECT v FROM repair_test.kv WHERE k = ${k}`, ONE));
    assert.equal(found[0]?.['v'], `new-${k}`, `row ${k} on node 3 alone (seed ${seed})`);
  }
  return cluster.network.traceDigest();
}

/** The node owning key under RF 1: the first token at or after the key's, wrapping. */
function ownerOf(key: number, tokensByNode: bigint[][]): number {
  const bytes = Buffer.alloc(4);
  bytes.writeInt32BE(key);
  const token = murmur3Token(bytes);
  const all = tokensByNode.flatMap((tokens, index) => tokens.map((t) => ({ t, index }))).sort((a, b) => (a.t < b.t ? -1 : a.t > b.t ? 1 : 0));
  return (all.find((entry) => entry.t >= token) ?? all[0])!.index;
}

/**
 * 4 nodes, RF 1: node 1 coordinates a logged batch of a key node 2 owns and a key node 4
 * owns, while its link to node 4 is cut (one way, so gossip still shows node 4 up). The batch
 * lands in the batchlogs of nodes 2 and 3 and half applies; the client gets a WriteTimeout;
 * node 1 dies. Nodes 2 and 3 find the orphaned entry and replay it: both keys are written.
 */
export async function batchlogReplay(seed: number): Promise<string> {
  const cluster = new NodeCluster({ nodes: 4, seed });
  await cluster.startAll();
  await cluster.query(0, `CREATE KEYSPACE batch_test WITH replication = ${rf(1)}`, ONE);
  await cluster.query(0, 'CREATE TABLE batch_test.kv (k int PRIMARY KEY, v text)', ONE);
  await schemaAgreement(cluster, [0, 1, 2, 3]);
  const tokens = await Promise.all([0, 1, 2, 3].map(async (index) => ((await cluster.adminStatus(index))?.tokens ?? []).map(BigInt)));
  const keyOn = (node: number) => Array.from({ length: 1000 }, (_, k) => k).find((k) => ownerOf(k, tokens) === node);
  const [near, far] = [keyOn(1), keyOn(3)];
  assert.ok(near !== undefined && far !== undefined, 'keys owned by nodes 2 and 4');

  cluster.network.cut(cluster.hosts[0]!, cluster.hosts[3]!, { oneWay: true });
  const front = await cluster.client(0);
  const batch = [`INSERT INTO batch_test.kv (k, v) VALUES (${near}, 'both')`, `INSERT INTO batch_test.kv (k, v) VALUES (${far}, 'both')`];
  await assert.rejects(cluster.run(front.batch(batch, ONE)), isCode(errors.writeTimeout), `the write to node 4 times out (seed ${seed})`);
  const logged = await Promise.all([1, 2].map(async (index) => (await cluster.adminStatus(index))?.coordinator?.batchlogEntries));
  assert.deepEqual(logged, [1, 1], `the batch waits in the batchlogs of nodes 2 and 3 (seed ${seed})`);
  // What node 1 still held for node 4 dies with it: only a replay can bring the write there.
  cluster.crash(0);
  cluster.network.heal();
  await cluster.until('batch replayed', async () => {
    const statuses = await Promise.all([1, 2].map((index) => cluster.adminStatus(index)));
    return statuses.some((status) => (status?.coordinator?.batchesReplayed ?? 0) > 0) && statuses.every((status) => status?.coordinator?.batchlogEntries === 0);
  }, 60_000);
  for (const key of [near, far]) {
    const found = await cluster.query(1, `SELECT v FROM batch_test.kv WHERE k = ${key}`, ONE);
    assert.equal(found[0]?.['v'], 'both', `key ${key} after the replay (seed ${seed})`);
  }
  return cluster.network.traceDigest();
}

/** 3 nodes: DDL through node 2 reaches every node; drivers' agreement check holds on each. */
export async function schemaAgreementAfterDdl(seed: number): Promise<string> {
  const cluster = new NodeCluster({ nodes: 3, seed });
  await cluster.startAll();
  await cluster.query(1, `CREATE KEYSPACE agree WITH replication = ${rf(3)}`, ONE);
  await cluster.query(1, 'CREATE TABLE agree.t (k int PRIMARY KEY, a text)', ONE);
  await cluster.query(1, 'ALTER TABLE agree.t ADD b int', ONE);
  const started = cluster.clock.monotonicMs();
  // As drivers check it: system.local's and every system.peers row's schema_version agree.
  await cluster.until('every node agrees on one schema version', async () => {
    const versions = new Set<string>();
    for (const index of [0, 1, 2]) {
      const local = await cluster.query(index, "SELECT schema_version FROM system.local WHERE key = 'local'", ONE);
      const peers = await cluster.query(index, 'SELECT schema_version FROM system.peers', ONE);
      if (peers.length !== 2) return false;
      for (const row of [...local, ...peers]) versions.add(String(row['schema_version']));
    }
    return versions.size === 1;
  }, 30_000);
  assert.ok(cluster.clock.monotonicMs() - started < 10_000, `agreement within 10 s of virtual time (seed ${seed})`);
  await cluster.query(2, "INSERT INTO agree.t (k, a, b) VALUES (1, 'x', 2)", ALL);
  assert.deepEqual(await cluster.query(0, 'SELECT a, b FROM agree.t WHERE k = 1', ALL), [{ a: 'x', b: 2 }]);
  return cluster.network.traceDigest();
}

/** system_schema as node index shows it: keyspaces, tables of keyspace, and columns of keyspace.table. */
async function schemaSeenBy(cluster: NodeCluster, index: number, keyspace: string, table: string): Promise<string> {
  const keyspaces = await cluster.query(index, 'SELECT keyspace_name FROM system_schema.keyspaces', ONE);
  const tables = await cluster.query(index, `SELECT table_name FROM system_schema.tables WHERE keyspace_name = '${keyspace}'`, ONE);
  const columns = await cluster.query(index, `SELECT column_name FROM system_schema.columns WHERE keyspace_name = '${keyspace}' AND table_name = '${table}'`, ONE);
  const names = (rows: Array<Record<string, unknown>>, column: string) => rows.map((row) => String(row[column])).sort().join(',');
  return `${names(keyspaces, 'keyspace_name')} | ${names(tables, 'table_name')} | ${names(columns, 'column_name')}`;
}

/**
 * 3 nodes: schema changes made at the same instant through nodes 1 and 2 (a table each, a
 * column each on one table, a keyspace each) all survive on every node, as system_schema
 * shows, and after a crash and restart of node 3; the table takes writes of both new columns.
 */
export async function concurrentSchemaChanges(seed: number): Promise<string> {
  const cluster = new NodeCluster({ nodes: 3, seed });
  await cluster.startAll();
  await cluster.query(0, `CREATE KEYSPACE conc WITH replication = ${rf(3)}`, ONE);
  await cluster.query(0, 'CREATE TABLE conc.base (k int PRIMARY KEY, a text)', ONE);
  await schemaAgreement(cluster, [0, 1, 2]);
  const first = await cluster.client(0);
  const second = await cluster.client(1);
  const both = (one: string, other: string) => cluster.run(Promise.all([first.query(one, ONE), second.query(other, ONE)]));
  await both('CREATE TABLE conc.one (k int PRIMARY KEY)', 'CREATE TABLE conc.two (k int PRIMARY KEY)');
  await both('ALTER TABLE conc.base ADD x int', 'ALTER TABLE conc.base ADD y text');
  await both(`CREATE KEYSPACE ks_one WITH replication = ${rf(3)}`, `CREATE KEYSPACE ks_two WITH replication = ${rf(3)}`);
  first.close();
  second.close();
  const expected = (keyspaces: string) => `${keyspaces} | base,one,two | a,k,x,y`;
  const all = async (index: number) => (await schemaSeenBy(cluster, index, 'conc', 'base')).replace(/(^|,)system[a-z_]*/g, '').replace(/^,+/, '');
  await cluster.until('every node shows every concurrent change', async () => {
    for (const index of [0, 1, 2]) if (await all(index) !== expected('conc,ks_one,ks_two')) return false;
    return true;
  }, 30_000);
  await schemaAgreement(cluster, [0, 1, 2]);
  cluster.crash(2);
  await cluster.start(2);
  assert.equal(await all(2), expected('conc,ks_one,ks_two'), `node 3 keeps every change across a restart (seed ${seed})`);
  await schemaAgreement(cluster, [0, 1, 2]);
  await cluster.query(2, "INSERT INTO conc.base (k, a, x, y) VALUES (1, 'a', 2, 'y')", ALL);
  assert.deepEqual(await cluster.query(0, 'SELECT x, y FROM conc.base WHERE k = 1', ALL), [{ x: 2, y: 'y' }]);
  return cluster.network.traceDigest();
}

/** 3 nodes with auth: a role created and granted through node 1 logs in through nodes 2 and 3. */
export async function rolesOnEveryNode(seed: number): Promise<string> {
  const cluster = new NodeCluster({ nodes: 3, seed, auth: true });
  await cluster.startAll();
  const superuser = { user: 'cassandra', password: 'cassandra' };
  const admin = await eventually(cluster, 'the default superuser logs in', () => cluster.client(0, superuser));
  const superusers = await cluster.run(admin.query("SELECT role FROM system_auth.roles WHERE role = 'cassandra'", QUORUM));
  assert.equal(superusers.length, 1);
  for (const statement of [
    `ALTER KEYSPACE system_auth WITH replication = ${rf(3)}`,
    `CREATE KEYSPACE trips WITH replication = ${rf(3)}`,
    'CREATE TABLE trips.legs (id int PRIMARY KEY, origin text)',
  ]) await cluster.run(admin.query(statement, ONE));
  await cluster.run(admin.query("INSERT INTO trips.legs (id, origin) VALUES (1, 'EZE')", ALL));
  await cluster.run(admin.query("CREATE ROLE traveler WITH PASSWORD = 'tr4vel' AND LOGIN = true", ONE));
  await cluster.run(admin.query('GRANT SELECT ON KEYSPACE trips TO traveler', ONE));
  admin.close();
  for (const index of [1, 2]) {
    const traveler = await eventually(cluster, `traveler reads through node ${index + 1}`, async () => {
      const client = await cluster.client(index, { user: 'traveler', password: 'tr4vel' });
      await cluster.run(client.query('SELECT origin FROM trips.legs WHERE id = 1', ONE)).catch((error: unknown) => { client.close(); throw error; });
      return client;
    });
    assert.deepEqual(await cluster.run(traveler.query('SELECT origin FROM trips.legs WHERE id = 1', ONE)), [{ origin: 'EZE' }]);
    await assert.rejects(cluster.run(traveler.query("INSERT INTO trips.legs (id, origin) VALUES (2, 'COR')", ONE)), isCode(errors.unauthorized));
    traveler.close();
  }
  return cluster.network.traceDigest();
}

/** Tries until it works (as a driver reconnects), for up to 30 s of virtual time. */
async function eventually<T>(cluster: NodeCluster, what: string, attempt: () => Promise<T>): Promise<T> {
  let last: unknown;
  for (let tries = 0; tries < 60; tries++) {
    try {
      return await attempt();
    } catch (error) {
      last = error;
      await cluster.sleep(500);
    }
  }
  throw new Error(`${what}: still failing after 30 s of virtual time: ${String(last)}\n${cluster.logTail()}`);
}

/** The flights schema's flight_status table, as src/flights/model/schema.ts creates it. */
const flightStatusTable = `CREATE TABLE IF NOT EXISTS flights.flight_status (flight_number text, date date, status text, gate text,
  origin text, destination text, departure_at timestamp, arrival_at timestamp, speed_kmh int,
  estimated_departure_at timestamp, actual_departure_at timestamp, actual_arrival_at timestamp,
  updated_at timestamp, PRIMARY KEY ((flight_number, date)))`;

/**
 * 3 nodes, RF 3: node 3 is cut off. A status change written at QUORUM through node 1 succeeds
 * and is read at QUORUM through node 2; through node 3, once it sees itself alone, the write
 * is Unavailable. After the heal node 3 answers the new status at QUORUM, and at ONE once hints and
 * read repair have reached it.
 */
export async function flightStatusDuringPartition(seed: number): Promise<string> {
  const cluster = new NodeCluster({ nodes: 3, seed });
  await cluster.startAll();
  await cluster.query(0, `CREATE KEYSPACE flights WITH replication = ${rf(3)}`, ONE);
  await cluster.query(0, flightStatusTable, ONE);
  await schemaAgreement(cluster, [0, 1, 2]);
  const where = "WHERE flight_number = 'AR1130' AND date = '2026-12-03'";
  await cluster.query(0, `INSERT INTO flights.flight_status (flight_number, date, status, gate, origin, destination) VALUES ('AR1130', '2026-12-03', 'SCHEDULED', 'A4', 'EZE', 'BRC')`, QUORUM);

  const [a, b, c] = cluster.hosts as [string, string, string];
  cluster.network.partition([a, b], [c]);
  // Sometimes the write goes before the failure detector convicts node 3, sometimes after.
  await cluster.sleep(cluster.random.nextInt(15_000));
  await cluster.query(0, `UPDATE flights.flight_status SET status = 'BOARDING', updated_at = '2026-12-03T10:00:00Z' ${where}`, QUORUM);
  assert.deepEqual(await cluster.query(1, `SELECT status, gate FROM flights.flight_status ${where}`, QUORUM), [{ status: 'BOARDING', gate: 'A4' }]);
  // Once node 3 sees that it is alone, a QUORUM write through it is refused before anything is written.
  await cluster.until('node 3 sees the others down', () => cluster.seesAll(2, 'DOWN'), 60_000);
  await assert.rejects(cluster.query(2, `UPDATE flights.flight_status SET status = 'CANCELLED' ${where}`, QUORUM),
    isCode(errors.unavailable), `the minority side cannot write at QUORUM (seed ${seed})`);

  cluster.network.heal();
  await cluster.until('node 3 back in every view', async () => (await cluster.seesAll(2, 'UP')) && (await cluster.seesAll(0, 'UP', [2])), 60_000);
  const status = async (index: number, level: ConsistencyLevel) => (await cluster.query(index, `SELECT status FROM flights.flight_status ${where}`, level))[0]?.['status'];
  assert.equal(await status(2, QUORUM), 'BOARDING', `node 3 reads the majority's status at QUORUM (seed ${seed})`);
  await cluster.until('node 3 holds the new status itself', async () => (await status(2, ONE)) === 'BOARDING', 60_000);
  return cluster.network.traceDigest();
}

/**
 * 3 nodes, RF 3: a client per node races compare-and-set increments of one register
 * (`SET v = old + 1 IF v = old`) while node 3 is cut off for a while and healed. Every value
 * is written by at most one increment, so: no value is reported applied twice (no duplicated
 * or lost CAS), every applied value is part of the final history, and the final value counts
 * the applied increments plus at most those whose outcome a CAS WriteTimeout left unknown.
 * Unavailable and ReadTimeout come before anything is proposed: nothing was written. Cut off
 * again, node 3 refuses CAS and SERIAL reads as Unavailable.
 */
export async function casRaceDuringPartition(seed: number): Promise<string> {
  const cluster = new NodeCluster({ nodes: 3, seed });
  await cluster.startAll();
  await cluster.query(0, `CREATE KEYSPACE cas_test WITH replication = ${rf(3)}`, ONE);
  await cluster.query(0, 'CREATE TABLE cas_test.register (k int PRIMARY KEY, v int)', ONE);
  await schemaAgreement(cluster, [0, 1, 2]);
  assert.deepEqual(await cluster.query(1, 'INSERT INTO cas_test.register (k, v) VALUES (0, 0) IF NOT EXISTS', QUORUM), [{ '[applied]': true }]);

  const applied: number[] = [];
  let unknown = 0;
  const read = async (client: CqlClient): Promise<number | undefined> => {
    try {
      return (await client.query('SELECT v FROM cas_test.register WHERE k = 0', ConsistencyLevel.SERIAL))[0]?.['v'] as number;
    } catch (error) {
      if (error instanceof CqlError) return undefined;
      throw error;
    }
  };
  const incrementer = async (client: CqlClient, attempts: number) => {
    let current = await read(client);
    for (let attempt = 0; attempt < attempts; attempt++) {
      if (current === undefined) { current = await read(client); continue; }
      try {
        const [row] = await client.query(`UPDATE cas_test.register SET v = ${current + 1} WHERE k = 0 IF v = ${current}`, QUORUM);
        if (row?.['[applied]'] === true) { applied.push(current + 1); current += 1; } else current = row?.['v'] as number | undefined;
      } catch (error) {
        if (!(error instanceof CqlError)) throw error;
        if (error.code === errors.writeTimeout) unknown++;
        current = await read(client);
      }
    }
  };
  const [a, b, c] = cluster.hosts as [string, string, string];
  const clients = [await cluster.client(0), await cluster.client(1), await cluster.client(2)];
  const cut = cluster.clock.setTimer(cluster.random.nextInt(2_000), () => cluster.network.partition([a, b], [c]));
  const heal = cluster.clock.setTimer(4_000 + cluster.random.nextInt(8_000), () => cluster.network.heal());
  await cluster.run(Promise.all(clients.map((client) => incrementer(client, 15))), 120_000);
  for (const client of clients) client.close();
  cut.cancel();
  heal.cancel();
  cluster.network.heal();

  const final = await eventually(cluster, 'a SERIAL read of the register', async () => (await cluster.query(0, 'SELECT v FROM cas_test.register WHERE k = 0', ConsistencyLevel.SERIAL))[0]?.['v'] as number);
  const sorted = [...applied].sort((x, y) => x - y);
  assert.equal(new Set(sorted).size, sorted.length, `no value written by two increments (seed ${seed}): ${sorted.join(',')}`);
  assert.ok(sorted.every((value) => value >= 1 && value <= final), `applied values within the final history ${final} (seed ${seed})`);
  assert.ok(final >= sorted.length && final <= sorted.length + unknown, `final ${final}, applied ${sorted.length}, unknown ${unknown} (seed ${seed})`);
  assert.ok(sorted.length > 0, `some increment applied (seed ${seed})`);

  // Alone and knowing it, node 3 refuses CAS and SERIAL reads before sending anything.
  cluster.network.partition([a, b], [c]);
  await cluster.until('node 3 sees the others down', () => cluster.seesAll(2, 'DOWN'), 60_000);
  await assert.rejects(cluster.query(2, `UPDATE cas_test.register SET v = 0 WHERE k = 0 IF v = ${final}`, QUORUM), isCode(errors.unavailable), `CAS on the minority side (seed ${seed})`);
  await assert.rejects(cluster.query(2, 'SELECT v FROM cas_test.register WHERE k = 0', ConsistencyLevel.SERIAL), isCode(errors.unavailable), `SERIAL read on the minority side (seed ${seed})`);
  cluster.network.heal();
  return cluster.network.traceDigest();
}

/**
 * 3 nodes, RF 3: clients increment counters through every node at once; node 3 crashes and
 * increments go on through the others; it restarts and leads increments again from its own
 * shard, which the crash did not lose. The sums read at QUORUM through every node, and at ALL,
 * are exact.
 */
export async function countersAcrossARestart(seed: number): Promise<string> {
  const cluster = new NodeCluster({ nodes: 3, seed });
  await cluster.startAll();
  await cluster.query(0, `CREATE KEYSPACE counted WITH replication = ${rf(3)}`, ONE);
  await cluster.query(0, 'CREATE TABLE counted.hits (page int PRIMARY KEY, views counter)', ONE);
  await schemaAgreement(cluster, [0, 1, 2]);
  const keys = 4;
  const increment = async (node: number, { rounds, by }: { rounds: number; by: number }) => {
    const client = await cluster.client(node);
    const work = async () => {
      for (let round = 0; round < rounds; round++) {
        for (let page = 0; page < keys; page++) await client.query(`UPDATE counted.hits SET views = views + ${by} WHERE page = ${page}`, QUORUM);
      }
    };
    return { work: work().finally(() => client.close()), total: rounds * by };
  };
  const phase = async (plans: Array<[number, { rounds: number; by: number }]>) => {
    const started = await Promise.all(plans.map(([node, plan]) => increment(node, plan)));
    await cluster.run(Promise.all(started.map((s) => s.work)), 120_000);
    return started.reduce((sum, s) => sum + s.total, 0);
  };
  const sums = async (node: number, level: ConsistencyLevel) => {
    const out: number[] = [];
    for (let page = 0; page < keys; page++) out.push(Number((await cluster.query(node, `SELECT views FROM counted.hits WHERE page = ${page}`, level))[0]?.['views'] ?? 0));
    return out;
  };
  let expected = await phase([[0, { rounds: 8, by: 1 }], [1, { rounds: 8, by: 3 }], [2, { rounds: 8, by: -2 }], [0, { rounds: 8, by: 5 }]]);
  cluster.crash(2);
  await cluster.until('node 3 down', async () => (await cluster.seesAll(0, 'DOWN', [2])) && (await cluster.seesAll(1, 'DOWN', [2])), 30_000);
  expected += await phase([[0, { rounds: 5, by: 2 }], [1, { rounds: 5, by: 1 }]]);
  await cluster.start(2);
  await cluster.until('node 3 back', async () => (await cluster.seesAll(2, 'UP')) && (await cluster.seesAll(0, 'UP', [2])) && (await cluster.seesAll(1, 'UP', [2])), 60_000);
  expected += await phase([[2, { rounds: 5, by: 4 }], [1, { rounds: 5, by: 1 }]]);
  for (const node of [0, 1, 2]) assert.deepEqual(await sums(node, QUORUM), Array(keys).fill(expected), `QUORUM through node ${node + 1} (seed ${seed})`);
  assert.deepEqual(await sums(2, ALL), Array(keys).fill(expected), `ALL through node 3 (seed ${seed})`);
  return cluster.network.traceDigest();
}
