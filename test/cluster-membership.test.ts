// Issue 12's join and leave with real processes: `aero cluster start` runs five nodes
// (ring_delay 2 s), a keyspace with replication factor 3 gets a check table of
// AERO_MEMBERSHIP_ROWS rows (10,000 by default, to stay lean in `npm test`; the issue's 100,000
// in `npm run test:membership`) while the flight app starts, and while the flight simulator runs as `aero start` runs it
// (the app's own client and store, a daily timetable of AERO_MEMBERSHIP_FLIGHTS flights in the
// air, status at QUORUM, tracking at ONE) and a checker keeps writing and reading at QUORUM,
// `aero cluster add` joins a sixth node and `aero cluster decommission` removes the third. No
// QUORUM operation of either may fail, nor any of the app's ONE requests (the app's are counted
// at its driver client, by the consistency each request asked for; the first failures of each
// level are kept with their time, coordinator and error, and printed), every acknowledged write must read back (the checker's
// rows, and the last status the simulator had acknowledged for each flight), the driver must learn of
// both changes (NEW_NODE, UP, REMOVED_NODE), and each partition must sit on exactly its three
// replicas once `nodetool cleanup` has dropped what the old owners no longer replicate (checked
// per node through the admin channel's /localdata, against replicas placed here from the token
// ranges `nodetool ring` prints), and cleanup must shrink the old owners' load on disk.
// Needs the build. The nodes this test started are stopped whatever happens.

import test from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import cassandra from 'cassandra-driver';
import { openAppDatabase, type AppDatabase } from '../src/flights/app/bootstrap.js';
import { createSimulator, startTimetable } from '../src/flights/app/run-simulator.js';
import { defaultDatabaseOptions, type DatabaseOptions } from '../src/flights/model/database.js';
import type { StatusWrite } from '../src/flights/model/store.js';
import { systemChance, systemClock } from '../src/flights/model/world.js';
import { defaultSimulatorOptions, type Simulator } from '../src/flights/sim/simulator.js';
import { adminStatus, aero, freePort, pinnedClient, waitFor } from './harness/local-cluster.js';

const { quorum } = cassandra.types.consistencies;
const loaded = Number(process.env['AERO_MEMBERSHIP_ROWS'] ?? 10_000);
/** Flights in the air at once in the simulator's timetable (aero start --flights). */
const flightsInAir = Number(process.env['AERO_MEMBERSHIP_FLIGHTS'] ?? 40);
const replicationFactor = 3;

interface LocalData {
  partitions: number;
  notReplicated: number;
  tokens: string[];
  truncated: boolean;
}

async function localData(index: number, adminPort: number): Promise<LocalData> {
  const response = await fetch(`http://127.0.0.${index}:${adminPort}/localdata?keyspace=membership&table=kv`, { signal: AbortSignal.timeout(30_000) });
  assert.equal(response.status, 200, await response.clone().text());
  return (await response.json()) as LocalData;
}

/** Node index -> its tokens, from the lines of `nodetool ring` on node `observer` (Address ... State ... Token). */
async function ringOf(observer: number, adminPort: number): Promise<Map<number, bigint[]>> {
  const result = await aero(['nodetool', '--host', `127.0.0.${observer}`, '--port', String(adminPort), 'ring']);
  assert.equal(result.code, 0, result.stderr);
  const ring = new Map<number, bigint[]>();
  for (const line of result.stdout.split('\n')) {
    const match = /^127\.0\.0\.(\d+)\s.*\s(Up|Down)\s+(\w+)\s.*\s(-?\d+)$/.exec(line.trim());
    if (match === null) continue;
    assert.equal(match[3], 'Normal', `every ring member is Normal: ${line}`);
    const index = Number(match[1]);
    ring.set(index, [...(ring.get(index) ?? []), BigInt(match[4] as string)]);
  }
  return ring;
}

/** SimpleStrategy, written out here: the owners of the next tokens clockwise, distinct nodes. */
function replicasOf(token: bigint, ring: Map<number, bigint[]>): number[] {
  const owned = [...ring].flatMap(([node, tokens]) => tokens.map((owner) => ({ node, token: owner }))).sort((a, b) => (a.token < b.token ? -1 : a.token > b.token ? 1 : 0));
  let start = owned.findIndex((entry) => entry.token >= token);
  if (start < 0) start = 0;
  const replicas: number[] = [];
  for (let step = 0; step < owned.length && replicas.length < replicationFactor; step++) {
    const node = (owned[(start + step) % owned.length] as { node: number }).node;
    if (!replicas.includes(node)) replicas.push(node);
  }
  return replicas;
}

type Execute = (query: unknown, params?: unknown, options?: { consistency?: number }) => Promise<unknown>;

/**
 * The simulator as `aero start` runs it (openAppDatabase, createSimulator, startTimetable) on
 * keyspace flights_membership at RF 3, strong QUORUM, weak ONE. The app's driver client is
 * watched, not replaced: every execute and batch it makes is counted by the consistency it asks
 * for, failures too, and every acknowledged status write is remembered (the newest per flight).
 */
async function startSimulatorLoad(nativePort: number) {
  const warnings: string[] = [];
  const logger = { info: () => undefined, warn: (message: string) => void warnings.push(message) };
  const options: DatabaseOptions = {
    ...defaultDatabaseOptions, keyspace: 'flights_membership',
    contactPoints: [1, 2, 3, 4, 5].map((index) => `127.0.0.${index}:${nativePort}`),
    replication: { strategy: 'SimpleStrategy', replicationFactor },
    strongConsistency: 'QUORUM', weakConsistency: 'ONE',
  };
  const database: AppDatabase = await openAppDatabase(options, { clock: systemClock, logger, connectAttempts: 10 });
  const requests = new Map<string, { ok: number; failed: number }>();
  /** The first failed requests of each level: when (Date.now()), and what (the coordinator that answered, the error). */
  const failures = new Map<string, Array<{ at: number; what: string }>>();
  const appStarted = Date.now();
  const names = new Map(Object.entries(cassandra.types.consistencies).map(([name, code]) => [code, name.toUpperCase()]));
  const watch = (method: 'execute' | 'batch') => {
    const original = (database.client[method] as Execute).bind(database.client);
    (database.client as unknown as Record<string, Execute>)[method] = async (query, params, callOptions) => {
      // execute(query, params, options), batch(queries, options)
      const asked = (method === 'batch' ? params as { consistency?: number } | undefined : callOptions)?.consistency;
      const name = names.get(asked ?? -1) ?? 'DEFAULT';
      const counts = requests.get(name) ?? { ok: 0, failed: 0 };
      requests.set(name, counts);
      try {
        const result = await original(query, params, callOptions);
        counts.ok++;
        return result;
      } catch (error) {
        counts.failed++;
        const failed = failures.get(name) ?? [];
        failures.set(name, failed);
        if (failed.length < 10) {
          const { coordinator, code } = error as { coordinator?: string; code?: number };
          const kind = `${error instanceof Error ? error.name : typeof error}${code === undefined ? '' : ` 0x${code.toString(16)}`}`;
          failed.push({ at: Date.now(), what: `${method} at ${name} via ${coordinator ?? 'no coordinator'} (${kind}): ${error instanceof Error ? error.message : String(error)}` });
        }
        throw error;
      }
    };
  };
  watch('execute');
  watch('batch');
  const acknowledged = new Map<string, StatusWrite>();
  const store = database.store;
  const setStatus = store.setStatus.bind(store);
  store.setStatus = async (key, change) => {
    await setStatus(key, change);
    const id = `${key.flightNumber}/${key.date}`;
    if ((acknowledged.get(id)?.nowMs ?? -Infinity) <= change.nowMs) acknowledged.set(id, change);
  };
  // 60 sim seconds a real second: boarding, departures and landings happen during the test.
  const simulator: Simulator = await createSimulator(database, {
    clock: systemClock, chance: systemChance, logger, options: { ...defaultSimulatorOptions, speedup: 60, tickMs: 500, refreshMs: 2_000 },
  });
  const timetable = await startTimetable(simulator, { flightsInAir, airports: database.airports });
  simulator.start();
  return { database, simulator, requests, failures, appStarted, acknowledged, warnings, timetable };
}

/** QUORUM writes of new keys and QUORUM reads of acknowledged ones, until stopped. */
function startLoad(client: cassandra.Client): { stop: () => Promise<void>; acked: Map<number, string>; failures: string[]; operations: () => number } {
  const acked = new Map<number, string>();
  const failures: string[] = [];
  let next = 1_000_000;
  let operations = 0;
  let running = true;
  const worker = async () => {
    while (running) {
      const key = next++;
      const value = `load-${key}`;
      try {
        await client.execute('INSERT INTO membership.kv (k, v) VALUES (?, ?)', [key, value], { consistency: quorum });
        acked.set(key, value);
        const keys = [...acked.keys()];
        const probe = keys[Math.floor(Math.random() * keys.length)] as number;
        const row = (await client.execute('SELECT v FROM membership.kv WHERE k = ?', [probe], { consistency: quorum })).first();
        if (row?.['v'] !== acked.get(probe)) failures.push(`read of ${probe} gave ${String(row?.['v'])}`);
        operations += 2;
      } catch (error) {
        failures.push(`${key}: ${error instanceof Error ? error.message : String(error)}`);
      }
      await new Promise((resolve) => setTimeout(resolve, 5));
    }
  };
  const workers = Array.from({ length: 6 }, () => worker());
  return {
    acked, failures, operations: () => operations,
    stop: async () => {
      running = false;
      await Promise.all(workers);
    },
  };
}

test('RF 3 under QUORUM load: a sixth node joins and the third is decommissioned; nothing fails or is lost, and placement is exact after cleanup', { timeout: Math.max(900_000, loaded * 15) }, async () => {
  const directory = mkdtempSync(join(tmpdir(), 'aero-membership-'));
  const [nativePort, storagePort, adminPort] = [await freePort(), await freePort(), await freePort()];
  const clients: cassandra.Client[] = [];
  let appStarting: ReturnType<typeof startSimulatorLoad> | undefined;
  let app: Awaited<ReturnType<typeof startSimulatorLoad>> | undefined;
  const started = Date.now();
  try {
    const start = await aero(['cluster', 'start', '--nodes', '5', '--dir', directory, '--base-port', String(nativePort),
      '--storage-port', String(storagePort), '--admin-port', String(adminPort), '--num-tokens', '8', '--ring-delay', '2000']);
    assert.equal(start.code, 0, start.stderr + start.stdout);
    const client = pinnedClient([1, 2, 3, 4, 5, 6], nativePort);
    clients.push(client);
    await client.connect();
    await client.execute(`CREATE KEYSPACE membership WITH replication = {'class': 'SimpleStrategy', 'replication_factor': ${replicationFactor}}`);
    await client.execute('CREATE TABLE membership.kv (k int PRIMARY KEY, v text)');
    // The app starts (schema, airports, timetable) while the check table loads: it adds little to the test's time.
    const simulatorStarted = Date.now();
    appStarting = startSimulatorLoad(nativePort);
    appStarting.catch(() => undefined); // awaited below, or stopped in the finally
    const expected = new Map<number, string>();
    for (let base = 0; base < loaded; base += 200) {
      await Promise.all(Array.from({ length: 200 }, (_, j) => {
        const key = base + j;
        expected.set(key, `row-${key}`);
        return client.execute('INSERT INTO membership.kv (k, v) VALUES (?, ?)', [key, `row-${key}`], { consistency: quorum });
      }));
    }

    const loadedAt = Date.now();
    console.log(`check table: ${loaded} rows loaded in ${loadedAt - started} ms (with the cluster start)`);
    // What the driver hears: NEW_NODE adds a host, UP marks it up, REMOVED_NODE removes it.
    const events: string[] = [];
    client.on('hostAdd', (host: cassandra.Host) => events.push(`add ${host.address}`));
    client.on('hostUp', (host: cassandra.Host) => events.push(`up ${host.address}`));
    client.on('hostRemove', (host: cassandra.Host) => events.push(`remove ${host.address}`));
    app = await appStarting;
    console.log(`simulator started ${Date.now() - simulatorStarted} ms after it was asked to (with the check table's loading): ${app.timetable.join('; ')}`);
    const simulated = app;
    await waitFor('the simulator writes statuses', () => Promise.resolve(simulated.acknowledged.size > 0), 30_000);
    const statusWritesBefore = app.requests.get('QUORUM')?.ok ?? 0;
    const load = startLoad(client);
    const joinStarted = Date.now();
    const add = await aero(['cluster', 'add', '--dir', directory], 600_000);
    assert.equal(add.code, 0, add.stderr + add.stdout);
    const joinMs = Date.now() - joinStarted;
    await waitFor('the driver sees node 6 up', () => Promise.resolve(client.hosts.values().some((host) => host.address.startsWith('127.0.0.6') && host.isUp())), 20_000);
    const netstats = await aero(['nodetool', '--host', '127.0.0.6', '--port', String(adminPort), 'netstats']);
    assert.equal(netstats.code, 0, netstats.stderr);
    assert.match(netstats.stdout, /Mode: NORMAL/);
    assert.match(netstats.stdout, /Bootstrap done from 127\.0\.0\.\d+:\d+ membership\.kv/);

    const leaveStarted = Date.now();
    const decommission = await aero(['cluster', 'decommission', '--node', '3', '--dir', directory], 600_000);
    assert.equal(decommission.code, 0, decommission.stderr + decommission.stdout);
    assert.equal(decommission.stderr, '', 'the decommissioned node exits by itself');
    const leaveMs = Date.now() - leaveStarted;
    await waitFor('the driver drops node 3', () => Promise.resolve(!client.hosts.values().some((host) => host.address.startsWith('127.0.0.3'))), 20_000);
    await new Promise((resolve) => setTimeout(resolve, 1_000));
    await load.stop();
    await app.simulator.stop();
    const quorumDuring = (app.requests.get('QUORUM')?.ok ?? 0) - statusWritesBefore;
    const counted = [...app.requests].map(([name, counts]) => `${name} ${counts.ok} ok ${counts.failed} failed`).join(', ');
    console.log(`simulator: ${JSON.stringify(app.simulator.stats())}; its driver requests: ${counted}; ${quorumDuring} QUORUM ones during the join and the decommission; ${app.warnings.length} warnings${app.warnings.length > 0 ? `, the first: ${app.warnings.slice(0, 3).join(' | ')}` : ''}`);
    // When the app's requests failed, in ms from when they began to be counted (the app starts while the check table loads).
    const moments = { 'check table loaded': loadedAt, 'join started': joinStarted, 'decommission started': leaveStarted, 'decommission done': leaveStarted + leaveMs };
    const { failures: appFailures, appStarted } = app;
    const timeline = Object.entries(moments).map(([name, at]) => `${name} ${at - appStarted}`).join(', ');
    const failuresAt = (level: string) => (appFailures.get(level) ?? []).map((failure) => `${failure.at - appStarted}: ${failure.what}`);
    const failed = [...appFailures.keys()].flatMap(failuresAt);
    console.log(`the app's requests, in ms from its start: ${timeline}; failures (first 10 of each level): ${failed.length === 0 ? 'none' : `\n${failed.join('\n')}`}`);
    assert.equal(app.requests.get('DEFAULT'), undefined, 'every request of the app names its consistency level');
    assert.deepEqual(failuresAt('QUORUM'), [], 'no QUORUM request of the simulator failed');
    // Tracking and the simulation clock at ONE: each needs one replica (two while node 6 is a
    // pending replica, as Cassandra counts it) out of three live ones, so none may fail either.
    assert.deepEqual(failuresAt('ONE'), [], `no ONE request of the simulator failed (${timeline})`);
    assert.ok(quorumDuring > 0, 'the simulator made QUORUM requests while the ring changed');
    const statusLost: string[] = [];
    for (const [id, change] of app.acknowledged) {
      const [flightNumber, date] = id.split('/') as [string, string];
      const stored = await app.database.store.getStatus(flightNumber, date);
      if (stored?.status !== change.status) statusLost.push(`${id}: acknowledged ${change.status}, read ${String(stored?.status)}`);
    }
    assert.deepEqual(statusLost.slice(0, 10), [], `the last acknowledged status of each of ${app.acknowledged.size} flights reads back at QUORUM`);
    console.log(`driver events: ${events.join(', ')}`);
    assert.ok(events.some((event) => event.startsWith('add 127.0.0.6')), 'the driver added node 6');
    assert.ok(events.some((event) => event.startsWith('remove 127.0.0.3')), 'the driver removed node 3');
    console.log(`join ${joinMs} ms, decommission ${leaveMs} ms, ${load.operations()} QUORUM operations under load, ${load.failures.length} failed`);
    assert.deepEqual(load.failures.slice(0, 10), [], 'no QUORUM operation failed');
    assert.ok(load.operations() > 100, `the load ran (${load.operations()} operations)`);

    for (const [key, value] of load.acked) expected.set(key, value);
    const missing: number[] = [];
    const entries = [...expected];
    for (let base = 0; base < entries.length; base += 200) {
      await Promise.all(entries.slice(base, base + 200).map(async ([key, value]) => {
        const row = (await client.execute('SELECT v FROM membership.kv WHERE k = ?', [key], { consistency: quorum })).first();
        if (row?.['v'] !== value) missing.push(key);
      }));
    }
    assert.deepEqual(missing.slice(0, 10), [], `every acknowledged write reads back (${expected.size} keys)`);

    console.log(`${add.stdout.trim()}\n${netstats.stdout.trim()}\n${decommission.stdout.trim()}`);
    const members = [1, 2, 4, 5, 6];
    const ring = await ringOf(1, adminPort);
    assert.deepEqual([...ring.keys()].sort(), members, 'nodetool ring shows nodes 1, 2, 4, 5 and 6');
    const before = new Map(await Promise.all(members.map(async (index) => [index, await localData(index, adminPort)] as const)));
    for (const [index, data] of before) assert.equal(data.truncated, false, `node ${index} listed every partition's token`);
    const all = new Set([...before.values()].flatMap((data) => data.tokens));
    assert.ok(all.size >= expected.size - 50, `tokens listed: ${all.size} for ${expected.size} keys`); // two keys may share a token only by chance
    for (const index of members) {
      const held = new Set(before.get(index)?.tokens);
      const lacking = [...all].filter((token) => replicasOf(BigInt(token), ring).includes(index) && !held.has(token));
      assert.deepEqual(lacking.slice(0, 5), [], `node ${index} holds every partition it replicates`);
    }
    const surplus = [...before].map(([index, data]) => `node ${index}: ${data.notReplicated}`).join(', ');
    assert.ok([...before.values()].some((data) => data.notReplicated > 0), `the old owners hold data they no longer replicate before cleanup (${surplus})`);
    const loads: string[] = [];
    const freed: Array<{ index: number; before: number; after: number }> = [];
    for (const index of members) {
      // Flushed first, so that the load before and after compares sstables with sstables.
      const flush = await aero(['nodetool', '--host', `127.0.0.${index}`, '--port', String(adminPort), 'flush', 'membership'], 120_000);
      assert.equal(flush.code, 0, `flush of node ${index}: ${flush.stderr}${flush.stdout}`);
      const loadBefore = (await adminStatus<{ loadBytes: number }>(index, adminPort))?.loadBytes;
      const cleanup = await aero(['nodetool', '--host', `127.0.0.${index}`, '--port', String(adminPort), 'cleanup', 'membership'], 120_000);
      assert.equal(cleanup.code, 0, cleanup.stderr);
      const loadAfter = (await adminStatus<{ loadBytes: number }>(index, adminPort))?.loadBytes;
      loads.push(`node ${index}: ${String(loadBefore)} -> ${String(loadAfter)} bytes (${cleanup.stdout.replace(/\s+/g, ' ').trim()})`);
      if ((before.get(index)?.notReplicated ?? 0) > 0) freed.push({ index, before: loadBefore ?? 0, after: loadAfter ?? Number.POSITIVE_INFINITY });
    }
    console.log(`cleanup: ${loads.join('; ')}`);
    for (const { index, before: loadBefore, after } of freed) assert.ok(after < loadBefore, `cleanup freed disk on node ${index}, an old owner (${loadBefore} -> ${after} bytes)`);
    for (const index of members) {
      const after = await localData(index, adminPort);
      const wanted = [...all].filter((token) => replicasOf(BigInt(token), ring).includes(index)).sort();
      assert.equal(after.notReplicated, 0, `node ${index} keeps nothing it does not replicate after cleanup`);
      assert.deepEqual([...after.tokens].sort(), wanted, `node ${index} holds exactly the partitions it replicates`);
    }
    console.log(`moved data not replicated before cleanup: ${surplus}; total ${Date.now() - started} ms`);
  } finally {
    app ??= await appStarting?.catch(() => undefined);
    await app?.simulator.stop().catch(() => undefined);
    await app?.database.close().catch(() => undefined);
    for (const client of clients) await client.shutdown().catch(() => undefined);
    await aero(['cluster', 'stop', '--dir', directory]);
    if (process.env['AERO_MEMBERSHIP_KEEP'] === undefined) rmSync(directory, { recursive: true, force: true });
    else console.log(`cluster directory kept: ${directory}`);
  }
});
