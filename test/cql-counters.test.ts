// Counters with the DataStax Node.js driver on three real node processes at replication
// factor 3 (issue 13): clients increment and decrement through every coordinator at once, a
// replica is killed and increments go on without it, it restarts and leads increments again;
// the sums read at QUORUM through every coordinator, and at ALL, are exact. Then another
// replica is killed while increments are in flight: every acknowledged one counts, and each
// that failed counts at most once. Needs the build
// (bin/aero.js runs dist/). The nodes this test started are stopped whatever happens.
// run-tests: two at a time

import test from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import cassandra from 'cassandra-driver';
import { aero, freePort, seenBy, waitFor } from './harness/local-cluster.js';

const { consistencies } = cassandra.types;
const pages = 5;

function clientOf(node: number, nativePort: number): cassandra.Client {
  const host = `127.0.0.${node}:${nativePort}`;
  const { loadBalancing } = cassandra.policies;
  return new cassandra.Client({
    contactPoints: [host], localDataCenter: 'datacenter1', protocolOptions: { port: nativePort },
    policies: { loadBalancing: new loadBalancing.AllowListPolicy(new loadBalancing.DCAwareRoundRobinPolicy('datacenter1'), [host]) },
    socketOptions: { readTimeout: 20_000 },
  });
}

/** `rounds` increments of every page by `by`, through one client; returns what it added per page. */
async function increment(client: cassandra.Client, { rounds, by }: { rounds: number; by: number }): Promise<number> {
  for (let round = 0; round < rounds; round++) {
    await Promise.all(Array.from({ length: pages }, (_, page) =>
      client.execute('UPDATE counted.hits SET views = views + ? WHERE page = ?', [cassandra.types.Long.fromNumber(by), `p${page}`], { prepare: true, consistency: consistencies.quorum })));
  }
  return rounds * by;
}

/**
 * Like increment, until stop(), but requests may fail (a replica is killed meanwhile): per page, what was
 * acknowledged, and what failed and so may or may not have been applied (a timed-out counter
 * write is not retried: it is not idempotent).
 */
async function incrementThroughFaults(client: cassandra.Client, stop: () => boolean): Promise<{ acked: number[]; unknown: number[] }> {
  const acked = Array<number>(pages).fill(0);
  const unknown = Array<number>(pages).fill(0);
  while (!stop()) {
    await Promise.all(Array.from({ length: pages }, async (_, page) => {
      try {
        await client.execute('UPDATE counted.hits SET views = views + 1 WHERE page = ?', [`p${page}`], { prepare: true, consistency: consistencies.quorum });
        acked[page]! += 1;
      } catch {
        unknown[page]! += 1;
      }
    }));
  }
  return { acked, unknown };
}

async function sums(client: cassandra.Client, consistency: number): Promise<number[]> {
  const out: number[] = [];
  for (let page = 0; page < pages; page++) {
    const row = (await client.execute('SELECT views FROM counted.hits WHERE page = ?', [`p${page}`], { prepare: true, consistency })).first();
    out.push(row === null ? 0 : Number(row['views']));
  }
  return out;
}

test('three nodes, RF 3: concurrent counter updates through every coordinator add up exactly, across a replica restart', { timeout: 240_000 }, async () => {
  const directory = mkdtempSync(join(tmpdir(), 'aero-counters-'));
  const [nativePort, storagePort, adminPort] = [await freePort(), await freePort(), await freePort()];
  const clients = new Map<number, cassandra.Client>();
  try {
    const start = await aero(['cluster', 'start', '--nodes', '3', '--dir', directory, '--base-port', String(nativePort),
      '--storage-port', String(storagePort), '--admin-port', String(adminPort), '--num-tokens', '8']);
    assert.equal(start.code, 0, start.stderr + start.stdout);
    const all = [1, 2, 3];
    const upEverywhere = (node: number) => seenBy(all.filter((o) => o !== node), node, 'UP', adminPort);
    await waitFor('every node up', async () => (await Promise.all(all.map(upEverywhere))).every(Boolean), 30_000);
    for (const node of all) clients.set(node, clientOf(node, nativePort));
    await Promise.all([...clients.values()].map((client) => client.connect()));
    const client = (node: number) => clients.get(node)!;
    await client(1).execute("CREATE KEYSPACE counted WITH replication = {'class': 'SimpleStrategy', 'replication_factor': 3}");
    await client(1).execute('CREATE TABLE counted.hits (page text PRIMARY KEY, views counter)');
    await waitFor('schema everywhere', async () => {
      const answers = await Promise.all(all.map((n) => client(n).execute("SELECT table_name FROM system_schema.tables WHERE keyspace_name = 'counted'").then((r) => r.rowLength, () => 0)));
      return answers.every((n) => n === 1);
    }, 20_000);

    let expected = 0;
    const startedMs = Date.now();
    const added = await Promise.all([
      increment(client(1), { rounds: 20, by: 1 }), increment(client(2), { rounds: 20, by: 3 }), increment(client(3), { rounds: 20, by: -2 }),
      increment(client(1), { rounds: 20, by: 5 }), increment(client(2), { rounds: 20, by: 1 }), increment(client(3), { rounds: 20, by: 1 }),
    ]);
    expected += added.reduce((a, b) => a + b, 0);
    for (const node of all) assert.deepEqual(await sums(client(node), consistencies.quorum), Array(pages).fill(expected), `QUORUM through node ${node}`);
    const concurrentMs = Date.now() - startedMs;

    assert.equal((await aero(['cluster', 'kill', '--node', '2', '--dir', directory])).code, 0);
    await waitFor('node 2 down', () => seenBy([1, 3], 2, 'DOWN', adminPort), 20_000);
    expected += (await Promise.all([increment(client(1), { rounds: 10, by: 2 }), increment(client(3), { rounds: 10, by: 1 })])).reduce((a, b) => a + b, 0);
    assert.equal((await aero(['cluster', 'restart', '--node', '2', '--dir', directory])).code, 0);
    await waitFor('node 2 up again', () => upEverywhere(2), 30_000);
    await waitFor('node 2 serves clients', async () => client(2).execute('SELECT release_version FROM system.local').then(() => true, () => false), 30_000);
    // The restarted replica leads increments again from its own shard, which survived the kill.
    expected += (await Promise.all([increment(client(2), { rounds: 10, by: 4 }), increment(client(1), { rounds: 10, by: 1 })])).reduce((a, b) => a + b, 0);
    for (const node of all) assert.deepEqual(await sums(client(node), consistencies.quorum), Array(pages).fill(expected), `QUORUM through node ${node} after the restart`);
    assert.deepEqual(await sums(client(2), consistencies.all), Array(pages).fill(expected), 'ALL: every replica agrees once read repair ran');

    // Node 3 is killed while increments through nodes 1 and 2 are in flight (node 3 may be
    // the leader of some): every acknowledged increment counts, each failed one at most once.
    let stopping = false;
    const inFlight = Promise.all([incrementThroughFaults(client(1), () => stopping), incrementThroughFaults(client(2), () => stopping)]);
    await new Promise((resolve) => setTimeout(resolve, 300));
    assert.equal((await aero(['cluster', 'kill', '--node', '3', '--dir', directory])).code, 0);
    // Increments go on through the kill and for a while without node 3.
    await new Promise((resolve) => setTimeout(resolve, 1_500));
    stopping = true;
    const outcomes = await inFlight;
    assert.equal((await aero(['cluster', 'restart', '--node', '3', '--dir', directory])).code, 0);
    await waitFor('node 3 up again', () => upEverywhere(3), 30_000);
    await waitFor('node 3 serves clients', async () => client(3).execute('SELECT release_version FROM system.local').then(() => true, () => false), 30_000);
    const acked = Array.from({ length: pages }, (_, page) => expected + outcomes.reduce((sum, o) => sum + (o.acked[page] ?? 0), 0));
    const unknown = Array.from({ length: pages }, (_, page) => outcomes.reduce((sum, o) => sum + (o.unknown[page] ?? 0), 0));
    for (const node of all) {
      const got = await sums(client(node), consistencies.quorum);
      got.forEach((sum, page) => assert.ok(sum >= acked[page]! && sum <= acked[page]! + unknown[page]!,
        `page ${page} through node ${node}: ${sum}, acknowledged ${acked[page]}, unknown ${unknown[page]}`));
    }
    assert.deepEqual(await sums(client(3), consistencies.all), await sums(client(1), consistencies.quorum), 'ALL through the restarted node agrees');
    console.log(`counters: a kill in flight left ${unknown.reduce((a, b) => a + b, 0)} increments unknown; sums ${JSON.stringify(acked)} acknowledged`);
    console.log(`counters: ${pages} counters at ${expected}; the concurrent phase took ${concurrentMs} ms`);
  } finally {
    await Promise.all([...clients.values()].map((client) => client.shutdown().catch(() => undefined)));
    await aero(['cluster', 'stop', '--dir', directory, '--timeout', '20']);
    rmSync(directory, { recursive: true, force: true });
  }
});
