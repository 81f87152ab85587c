// Issue 4's demonstration with real processes: `aero cluster start` runs five nodes on
// 127.0.0.1-5, replication factor 3. 1,000 rows written at QUORUM through a token-aware
// driver (no coordinator forwarding on any node) stay readable at QUORUM while each node in
// turn is killed; every other node marks a killed node down within 10 s and up within 10 s of
// its restart, and the driver's control connection receives both events; with two replicas of
// a key down, QUORUM is Unavailable (required 2, alive 1) and ONE still succeeds. Needs the
// build (bin/aero.js runs dist/). The nodes this test started are stopped whatever happens.

import test from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import cassandra from 'cassandra-driver';
import { aero, adminStatus, freePort, seenBy, waitFor } from './harness/local-cluster.js';

const nodes = 5;
const rows = 1000;

/** Whether every running node other than `index` sees node `index` as `wanted`. */
const seenAs = (index: number, wanted: 'UP' | 'DOWN', running: number[], adminPort: number) =>
  seenBy(running.filter((other) => other !== index), index, wanted, adminPort);

interface Status {
  /** The node's gossip generation: the wall-clock second its gossip started. */
  generation?: number;
  peers?: Array<{ address: string; status: string }>;
  coordinator?: { forwardedSinglePartition: number };
}

const status = (index: number, adminPort: number) => adminStatus<Status>(index, adminPort);

/** How long every other node may take to mark a killed node down, or a restarted one up (issue 4). */
const detectionBoundMs = 10_000;

test('five nodes, RF 3: QUORUM survives any one node down; Unavailable with two replicas down', { timeout: 240_000 }, async () => {
  const directory = mkdtempSync(join(tmpdir(), 'aero-quorum-'));
  const [nativePort, storagePort, adminPort] = [await freePort(), await freePort(), await freePort()];
  let client: cassandra.Client | undefined;
  try {
    const start = await aero(['cluster', 'start', '--nodes', String(nodes), '--dir', directory, '--base-port', String(nativePort),
      '--storage-port', String(storagePort), '--admin-port', String(adminPort), '--num-tokens', '8']);
    assert.equal(start.code, 0, start.stderr + start.stdout);
    const all = Array.from({ length: nodes }, (_, i) => i + 1);
    await waitFor('every node up', async () => (await Promise.all(all.map((i) => seenAs(i, 'UP', all, adminPort)))).every(Boolean), 30_000);
    client = new cassandra.Client({
      contactPoints: all.map((i) => `127.0.0.${i}:${nativePort}`), localDataCenter: 'datacenter1',
      protocolOptions: { port: nativePort },
      queryOptions: { isIdempotent: true, prepare: true },
      socketOptions: { readTimeout: 15_000 },
    });
    await client.connect();
    await client.execute("CREATE KEYSPACE quorum_test WITH replication = {'class': 'SimpleStrategy', 'replication_factor': 3}");
    await client.execute('CREATE TABLE quorum_test.kv (k int PRIMARY KEY, v text)');
    const quorum = cassandra.types.consistencies.quorum;
    const insert = 'INSERT INTO quorum_test.kv (k, v) VALUES (?, ?)';
    for (let base = 0; base < rows; base += 50) {
      await Promise.all(Array.from({ length: 50 }, (_, j) => client!.execute(insert, [base + j, `value-${base + j}`], { consistency: quorum })));
    }
    // Token-aware routing: every single-partition statement reached a replica of its key.
    const forwarded = await Promise.all(all.map(async (i) => (await status(i, adminPort))?.coordinator?.forwardedSinglePartition));
    assert.deepEqual(forwarded, all.map(() => 0), 'no node coordinated a key it does not replicate');

    const events: string[] = [];
    const control = (client as unknown as { controlConnection: { connection: NodeJS.EventEmitter; host: { address: string } } }).controlConnection;
    const controlNode = Number(control.host.address.split(':')[0]?.split('.')[3]);
    control.connection.on('nodeStatusChange', (event: { up: boolean; inet: { address: unknown } }) => events.push(`${String(event.inet.address)} ${event.up ? 'UP' : 'DOWN'}`));

    const readAll = async (count = rows) => {
      for (let base = 0; base < count; base += 100) {
        const results = await Promise.all(Array.from({ length: 100 }, (_, j) => client!.execute('SELECT v FROM quorum_test.kv WHERE k = ?', [base + j], { consistency: quorum })));
        results.forEach((result, j) => assert.equal(result.first()?.['v'], `value-${base + j}`));
      }
    };
    // The node holding the driver's control connection goes down last, so it hears the others.
    const victims = [...all.filter((i) => i !== controlNode), controlNode];
    for (const victim of victims) {
      const kill = await aero(['cluster', 'kill', '--node', String(victim), '--dir', directory]);
      assert.equal(kill.code, 0, kill.stderr);
      const running = all.filter((i) => i !== victim);
      const killedAt = Date.now();
      // Measured with two live peers per gossip round and phi 2.5: 5.7 to 6.6 s.
      const noticed = waitFor(`node ${victim} down`, () => seenAs(victim, 'DOWN', running, adminPort), detectionBoundMs);
      // Before the others notice: reads that reach the dead replica fall back on another.
      if (victim === victims[0]) await readAll(100);
      const downMs = await noticed;
      await readAll();
      const restartedAt = Date.now();
      const restart = await aero(['cluster', 'restart', '--node', String(victim), '--dir', directory]);
      assert.equal(restart.code, 0, restart.stderr);
      // `cluster restart` returns once every node sees every other up; the clock of "up within
      // 10 s" starts when the restarted node's gossip starts (its generation, in wall-clock
      // seconds: rounding down can only make the measured time longer), not at process spawn.
      await waitFor(`node ${victim} up`, () => seenAs(victim, 'UP', all, adminPort), detectionBoundMs);
      const generation = (await status(victim, adminPort))?.generation;
      assert.ok(generation !== undefined, `node ${victim} reports its generation`);
      const upMs = Date.now() - generation * 1000;
      console.log(`node ${victim}: marked down by every other node after ${downMs} ms; up ${upMs} ms after its gossip started (${Date.now() - restartedAt} ms after the restart command)`);
      assert.ok(upMs <= detectionBoundMs, `node ${victim} seen up ${upMs} ms after it started gossiping`);
    }
    const heard = `127.0.0.${victims[0]}`;
    assert.ok(events.includes(`${heard} DOWN`) && events.includes(`${heard} UP`), `the driver heard: ${events.join(', ')}`);

    // Two replicas of a key down: QUORUM is Unavailable, ONE succeeds.
    const key = 7;
    const routingKey = Buffer.alloc(4);
    routingKey.writeInt32BE(key);
    const replicas = client.getReplicas('quorum_test', routingKey).map((host) => Number(host.address.split('.')[3]?.split(':')[0]));
    assert.equal(replicas.length, 3);
    const [first, second] = replicas as [number, number];
    for (const victim of [first, second]) assert.equal((await aero(['cluster', 'kill', '--node', String(victim), '--dir', directory])).code, 0);
    const running = all.filter((i) => i !== first && i !== second);
    // Both may have restarted seconds ago (few failure-detector samples yet): allow longer than 10 s.
    await waitFor('two replicas down', async () => (await seenAs(first, 'DOWN', running, adminPort)) && (await seenAs(second, 'DOWN', running, adminPort)), 20_000);
    await assert.rejects(client.execute('SELECT v FROM quorum_test.kv WHERE k = ?', [key], { consistency: quorum }), (error: unknown) => {
      const failure = error as { code?: number; required?: number; alive?: number; innerErrors?: Record<string, { code?: number; required?: number; alive?: number }> };
      const unavailable = failure.code === 0x1000 ? failure : Object.values(failure.innerErrors ?? {}).find((inner) => inner.code === 0x1000);
      assert.ok(unavailable !== undefined, `expected Unavailable, got ${String(error)}`);
      assert.deepEqual([unavailable.required, unavailable.alive], [2, 1]);
      return true;
    });
    const one = await client.execute('SELECT v FROM quorum_test.kv WHERE k = ?', [key], { consistency: cassandra.types.consistencies.one });
    assert.equal(one.first()?.['v'], `value-${key}`);
  } finally {
    await client?.shutdown().catch(() => undefined);
    await aero(['cluster', 'stop', '--dir', directory, '--timeout', '20']);
    rmSync(directory, { recursive: true, force: true });
  }
});
