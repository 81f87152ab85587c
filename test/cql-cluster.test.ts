// CQL across one real 3-node cluster at replication factor 3 (issue 13), with the DataStax
// Node.js driver, each client pinned to its own coordinator. The cluster is started once, with
// logins required, and every case works in a keyspace of its own:
//  - concurrent element updates: two clients add set elements, map entries and list elements to
//    the same rows at once, at ONE; every element is there when read at ALL. Then concurrent
//    GRANTs of permissions and roles to one role through the two coordinators: every grant
//    survives, because role_permissions.permissions and roles.member_of change by set element,
//    as in Cassandra;
//  - secondary-index queries: each node keeps its own local index, the coordinator asks the
//    replicas of each token range at the requested consistency and pages through the matches;
//    an update made at ONE through one coordinator is seen by an index query at ALL through
//    another (the replicas whose index misses the row are asked for it: replica filtering
//    protection), with no stale match. Real processes, because the index lives in each node's
//    storage and the query crosses the internode messaging;
//  - lightweight transactions: clients racing compare-and-set increments of one register
//    through different coordinators. Every increment writes a value only it can write
//    (old + 1 where v = old), so the history checks itself: no value is reported applied twice
//    (no duplicated or lost CAS), and the final value counts exactly the applied increments
//    (plus those whose outcome a CAS timeout left unknown, if any). (test/cql-lwt.test.ts has
//    the conditions and their refusals on one node.);
//  - query tracing: a QUORUM write's trace holds events from every replica, and a QUORUM
//    read's from the coordinator and the replicas it asked, through the Node.js driver's
//    getTrace and the Python driver's get_query_trace (what cqlsh's TRACING ON uses).
// Needs the build (bin/aero.js runs dist/). The nodes this file started are stopped whatever
// happens.
// run-tests: two at a time

import test, { after, before } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import cassandra from 'cassandra-driver';
import { adminStatus, aero, freePort, seenBy, waitFor, waitForTables } from './harness/local-cluster.js';

const { consistencies } = cassandra.types;

let directory: string | undefined;
let nativePort = 0;
let storagePort = 0;
let adminPort = 0;
const clients = new Map<number, cassandra.Client>();
/** The logged-in client whose requests all go to node `node`, which coordinates them. */
const client = (node: number) => clients.get(node) ?? assert.fail(`no client of node ${node}`);

function clientOf(node: number): cassandra.Client {
  const host = `127.0.0.${node}:${nativePort}`;
  const { loadBalancing } = cassandra.policies;
  return new cassandra.Client({
    contactPoints: [host], localDataCenter: 'datacenter1', protocolOptions: { port: nativePort },
    authProvider: new cassandra.auth.PlainTextAuthProvider('cassandra', 'cassandra'),
    policies: { loadBalancing: new loadBalancing.AllowListPolicy(new loadBalancing.DCAwareRoundRobinPolicy('datacenter1'), [host]) },
    socketOptions: { readTimeout: 20_000 },
  });
}

before(async () => {
  directory = mkdtempSync(join(tmpdir(), 'aero-cql-cluster-'));
  nativePort = await freePort();
  storagePort = await freePort();
  adminPort = await freePort();
  const start = await aero(['cluster', 'start', '--auth', '--nodes', '3', '--dir', directory, '--base-port', String(nativePort),
    '--storage-port', String(storagePort), '--admin-port', String(adminPort), '--num-tokens', '8']);
  assert.equal(start.code, 0, start.stderr + start.stdout);
  const all = [1, 2, 3];
  const upEverywhere = (node: number) => seenBy(all.filter((o) => o !== node), node, 'UP', adminPort);
  await waitFor('every node up', async () => (await Promise.all(all.map(upEverywhere))).every(Boolean), 30_000);
  await waitFor('logins on every node', async () => {
    for (const node of all) {
      if (clients.has(node)) continue;
      const candidate = clientOf(node);
      if (await candidate.connect().then(() => true, async () => { await candidate.shutdown().catch(() => undefined); return false; })) clients.set(node, candidate);
    }
    return clients.size === all.length;
  }, 60_000);
  await client(1).execute("ALTER KEYSPACE system_auth WITH replication = {'class': 'SimpleStrategy', 'replication_factor': 3}");
}, { timeout: 120_000 });

after(async () => {
  await Promise.all([...clients.values()].map((c) => c.shutdown().catch(() => undefined)));
  if (directory === undefined) return;
  await aero(['cluster', 'stop', '--dir', directory, '--timeout', '20']);
  rmSync(directory, { recursive: true, force: true });
});

const rows = 4;
const perClient = 15;
const grantedTables = 8;

/** One client's additions: `perClient` elements to every row, each statement at ONE. */
async function addElements(coordinator: cassandra.Client, name: string): Promise<void> {
  for (let index = 0; index < perClient; index++) {
    await Promise.all(Array.from({ length: rows }, (_, k) => coordinator.execute(
      'UPDATE cells.bag SET tags = tags + ?, scores[?] = ?, events = events + ? WHERE k = ?',
      [[`${name}-${index}`], `${name}-${index}`, index, [`${name}-${index}`], k],
      { prepare: true, consistency: consistencies.one },
    )));
  }
}

async function grantAll(coordinator: cassandra.Client, permission: string, role: string): Promise<void> {
  for (let table = 0; table < grantedTables; table++) await coordinator.execute(`GRANT ${permission} ON TABLE cells.g${table} TO app`);
  await coordinator.execute(`GRANT ${role} TO app`);
}

test('three nodes, RF 3: concurrent element updates and GRANTs through two coordinators all survive', { timeout: 240_000 }, async () => {
  await client(1).execute("CREATE KEYSPACE cells WITH replication = {'class': 'SimpleStrategy', 'replication_factor': 3}");
  await client(1).execute('CREATE TABLE cells.bag (k int PRIMARY KEY, tags set<text>, scores map<text, int>, events list<text>)');
  for (let table = 0; table < grantedTables; table++) await client(1).execute(`CREATE TABLE cells.g${table} (k int PRIMARY KEY)`);
  await client(1).execute("CREATE ROLE app WITH PASSWORD = 'app' AND LOGIN = true");
  await client(1).execute('CREATE ROLE readers');
  await client(1).execute('CREATE ROLE writers');
  await waitForTables([client(1), client(2)], 'cells', grantedTables + 1, 30_000);
  // The roles, written at LOCAL_ONE, on every replica before the grants.
  await client(1).execute('SELECT role FROM system_auth.roles', [], { consistency: consistencies.all });

  await Promise.all([addElements(client(1), 'one'), addElements(client(2), 'two')]);
  const expected = ['one', 'two'].flatMap((name) => Array.from({ length: perClient }, (_, index) => `${name}-${index}`)).sort();
  for (let k = 0; k < rows; k++) {
    const row = (await client(2).execute('SELECT tags, scores, events FROM cells.bag WHERE k = ?', [k], { prepare: true, consistency: consistencies.all })).first();
    assert.deepEqual(row['tags'], expected, `set of row ${k}`);
    assert.deepEqual(Object.keys(row['scores']).sort(), expected, `map of row ${k}`);
    assert.deepEqual([...row['events']].sort(), expected, `list of row ${k}`);
    // Each client's appends stay in its own order within the list.
    const ones = (row['events'] as string[]).filter((e) => e.startsWith('one-'));
    assert.deepEqual(ones, Array.from({ length: perClient }, (_, index) => `one-${index}`), `list order of row ${k}`);
  }

  await Promise.all([grantAll(client(1), 'SELECT', 'readers'), grantAll(client(2), 'MODIFY', 'writers')]);
  const permissions = await client(1).execute("SELECT resource, permissions FROM system_auth.role_permissions WHERE role = 'app'", [], { consistency: consistencies.all });
  assert.equal(permissions.rowLength, grantedTables);
  for (const row of permissions.rows) assert.deepEqual(row['permissions'], ['MODIFY', 'SELECT'], `grants on ${row['resource']}`);
  const role = (await client(2).execute("SELECT member_of FROM system_auth.roles WHERE role = 'app'", [], { consistency: consistencies.all })).first();
  assert.deepEqual(role['member_of'], ['readers', 'writers']);
});

async function matches(coordinator: cassandra.Client, value: number, consistency: number): Promise<number[]> {
  const keys: number[] = [];
  let pageState: string | undefined;
  do {
    const result = await coordinator.execute('SELECT k FROM ix.t WHERE g = ?', [value], { prepare: true, consistency, fetchSize: 13, ...(pageState === undefined ? {} : { pageState }) });
    keys.push(...result.rows.map((r) => r['k'] as number));
    pageState = result.pageState ?? undefined;
  } while (pageState !== undefined);
  return keys.sort((a, b) => a - b);
}

test('three nodes, RF 3: index queries at every level page through the matches and see updates', { timeout: 120_000 }, async () => {
  const [one, two] = [client(1), client(2)];
  await one.execute("CREATE KEYSPACE ix WITH replication = {'class': 'SimpleStrategy', 'replication_factor': 3}");
  await one.execute('CREATE TABLE ix.t (k int PRIMARY KEY, g int)');
  for (let k = 0; k < 60; k++) await one.execute('INSERT INTO ix.t (k, g) VALUES (?, ?)', [k, k % 3], { prepare: true, consistency: consistencies.all });
  // Created after the data: every node builds its index in the background.
  await one.execute('CREATE INDEX t_g ON ix.t (g)');
  await waitFor('index known on node 2', async () => (await two.execute("SELECT index_name FROM system_schema.indexes WHERE keyspace_name = 'ix'")).rowLength === 1, 30_000);
  const expected = Array.from({ length: 20 }, (_, i) => i * 3 + 1);
  for (const level of [consistencies.one, consistencies.quorum, consistencies.all]) {
    assert.deepEqual(await matches(two, 1, level), expected, `level ${level}`);
  }
  // Moved at ONE through node 1, read at ALL through node 2: the new match and no stale one.
  await one.execute('UPDATE ix.t SET g = 5 WHERE k = 1', [], { consistency: consistencies.one });
  await one.execute('DELETE FROM ix.t WHERE k = 4', [], { consistency: consistencies.one });
  assert.deepEqual(await matches(two, 1, consistencies.all), expected.filter((k) => k !== 1 && k !== 4));
  assert.deepEqual(await matches(two, 5, consistencies.all), [1]);
});

interface History {
  /** The values increments were told they wrote. */
  applied: number[];
  /** Increments that ended in a CAS write timeout: applied or not, nobody knows. */
  unknown: number;
  notApplied: number;
  /** SERIAL reads that timed out under contention (and were asked again). */
  readTimeouts: number;
}

/** The register read at SERIAL; a read that times out under contention (ReadTimeout) is asked again. */
async function serialRead(driver: cassandra.Client, history: History): Promise<number> {
  for (;;) {
    try {
      return (await driver.execute('SELECT v FROM race.register WHERE k = 0', [], { consistency: consistencies.serial })).first()?.['v'] as number;
    } catch (error) {
      if ((error as { code?: number }).code !== 0x1200) throw error;
      history.readTimeouts++;
    }
  }
}

/** One client's increments: read at SERIAL, then CAS from what it read; a failed CAS tells the current value. */
async function incrementer(driver: cassandra.Client, attempts: number, history: History): Promise<void> {
  const cas = 'UPDATE race.register SET v = ? WHERE k = 0 IF v = ?';
  let current = await serialRead(driver, history);
  for (let attempt = 0; attempt < attempts; attempt++) {
    try {
      const result = await driver.execute(cas, [current + 1, current], { prepare: true, consistency: consistencies.quorum, serialConsistency: consistencies.serial });
      if (result.wasApplied()) {
        history.applied.push(current + 1);
        current += 1;
      } else {
        history.notApplied++;
        current = result.first()?.['v'] as number;
      }
    } catch (error) {
      const details = error as { code?: number; writeType?: string };
      if (details.code !== 0x1100 || details.writeType !== 'CAS') throw error;
      history.unknown++;
      current = await serialRead(driver, history);
    }
  }
}

test('three nodes, RF 3: racing CAS increments through every coordinator lose and duplicate nothing', { timeout: 240_000 }, async () => {
  const all = [1, 2, 3];
  // Two clients per coordinator, each with its own connection.
  const racers = [1, 2, 3, 1, 2, 3].map((node) => clientOf(node));
  try {
    await Promise.all(racers.map((racer) => racer.connect()));
    await racers[0]!.execute("CREATE KEYSPACE race WITH replication = {'class': 'SimpleStrategy', 'replication_factor': 3}");
    await racers[0]!.execute('CREATE TABLE race.register (k int PRIMARY KEY, v int)');
    await waitForTables(racers.slice(0, 3), 'race', 1, 20_000);
    const created = await racers[1]!.execute('INSERT INTO race.register (k, v) VALUES (0, 0) IF NOT EXISTS', [], { consistency: consistencies.quorum });
    assert.equal(created.wasApplied(), true);

    const history: History = { applied: [], unknown: 0, notApplied: 0, readTimeouts: 0 };
    const startedMs = Date.now();
    await Promise.all(racers.map((racer) => incrementer(racer, 25, history)));
    const elapsedMs = Date.now() - startedMs;
    const final = await serialRead(racers[2]!, history);
    const quorumRead = (await racers[0]!.execute('SELECT v FROM race.register WHERE k = 0', [], { consistency: consistencies.quorum })).first()?.['v'] as number;
    const applied = [...history.applied].sort((a, b) => a - b);
    const paxos = await Promise.all(all.map(async (i) => (await adminStatus<{ coordinator?: { paxos?: { contentions: number; unfinishedCommits: number } } }>(i, adminPort))?.coordinator?.paxos));
    const contentions = paxos.reduce((sum, stats) => sum + (stats?.contentions ?? 0), 0);
    const repaired = paxos.reduce((sum, stats) => sum + (stats?.unfinishedCommits ?? 0), 0);
    console.log(`lwt race: ${applied.length} applied, ${history.notApplied} not applied, ${history.unknown} unknown, ${history.readTimeouts} SERIAL read timeouts, `
      + `final ${final}, ${elapsedMs} ms; coordinators saw ${contentions} contended rounds and finished ${repaired} proposals of others`);
    assert.equal(new Set(applied).size, applied.length, 'no value was written by two increments');
    assert.ok(applied.every((value) => value >= 1 && value <= final), 'every applied value is part of the final history');
    assert.ok(final >= applied.length && final <= applied.length + history.unknown, `final ${final} counts the applied increments (${applied.length}) and at most the unknown ones (${history.unknown})`);
    if (history.unknown === 0) assert.equal(final, applied.length);
    assert.equal(quorumRead, final, 'a QUORUM read after the SERIAL read sees the same value');
    assert.ok(applied.length > 0);
  } finally {
    await Promise.all(racers.map((racer) => racer.shutdown().catch(() => undefined)));
  }
});

// Debian's package installs for Debian's interpreter, which may not be the first python3 on PATH.
const python = existsSync('/usr/bin/python3') ? '/usr/bin/python3' : 'python3';
const hasPythonDriver = spawnSync(python, ['-c', 'import cassandra'], { encoding: 'utf8' }).status === 0;

type Trace = Awaited<ReturnType<cassandra.metadata.Metadata['getTrace']>>;

async function traceOf(driver: cassandra.Client, result: cassandra.types.ResultSet): Promise<Trace> {
  const id = result.info.traceId;
  assert.ok(id !== undefined && id !== null, 'the response carries a tracing session id');
  return driver.metadata.getTrace(id);
}

const sourcesOf = (trace: Trace) => new Set(trace.events.map((event) => String(event.source)));

test('three nodes, RF 3: a QUORUM write is traced on every replica, a QUORUM read on those it asked (Node.js and Python drivers)', { timeout: 120_000 }, async () => {
  // Node 1 coordinates every request.
  const coordinator = client(1);
  await coordinator.execute("CREATE KEYSPACE tracing3 WITH replication = {'class': 'SimpleStrategy', 'replication_factor': 3}");
  await coordinator.execute('CREATE TABLE tracing3.kv (k int PRIMARY KEY, v text)');
  const quorum = cassandra.types.consistencies.quorum;
  const replicas = [1, 2, 3].map((i) => `127.0.0.${i}`);

  const write = await coordinator.execute('INSERT INTO tracing3.kv (k, v) VALUES (?, ?)', [7, 'seven'], { prepare: true, consistency: quorum, traceQuery: true });
  // The write reaches all three replicas; the one the coordinator did not wait for may store its events a moment later.
  let writeTrace = await traceOf(coordinator, write);
  await waitFor('events of every replica', async () => {
    writeTrace = await traceOf(coordinator, write);
    return replicas.every((replica) => sourcesOf(writeTrace).has(replica));
  }, 10_000);
  for (const replica of replicas.filter((r) => r !== '127.0.0.1')) {
    const events = writeTrace.events.filter((event) => String(event.source) === replica).map((event) => event.activity);
    assert.ok(events.includes('MUTATION message received from /127.0.0.1:' + String(storagePort)), `${replica}: ${events.join(' | ')}`);
    assert.ok(events.includes('Adding to kv memtable') && events.some((a) => a.startsWith('Enqueuing response to /127.0.0.1')), `${replica}: ${events.join(' | ')}`);
  }

  const read = await coordinator.execute('SELECT v FROM tracing3.kv WHERE k = ?', [7], { prepare: true, consistency: quorum, traceQuery: true });
  assert.equal(read.rows[0]?.get('v'), 'seven');
  const readTrace = await traceOf(coordinator, read);
  const readSources = sourcesOf(readTrace);
  assert.ok(readSources.size >= 2, `a QUORUM read hears from two replicas: ${[...readSources].join(', ')}`);
  const remote = readTrace.events.filter((event) => String(event.source) !== '127.0.0.1');
  assert.ok(remote.some((event) => event.activity === 'Executing single-partition query on kv'), remote.map((e) => e.activity).join(' | '));
  assert.ok(readTrace.events.some((event) => String(event.source) === '127.0.0.1' && event.activity.startsWith('Sending READ message to /127.0.0.')));

  // The Python driver's get_query_trace (what cqlsh's TRACING ON uses) on the same cluster.
  assert.ok(hasPythonDriver, `python3-cassandra is not installed for ${python} (apt-get install python3-cassandra)`);
  const check = spawnSync(python, ['test/python/trace_cluster_check.py', '127.0.0.1', String(nativePort), 'tracing3', 'cassandra', 'cassandra'], { encoding: 'utf8', timeout: 60_000 });
  assert.equal(check.status, 0, `python tracing checks failed:\n${check.stdout}\n${check.stderr}`);
});
