// Materialized views and repair across a real 3-node cluster at replication factor 3, hinted
// handoff off: rows written at ONE through node 1 while nodes 2 and 3 are down reach neither
// their base table nor, for the rows whose view replica node 1 itself is paired with, their
// view (node 1 applies those view updates locally and nothing else sends them; the others wait
// in node 1's batchlog, whose replay hints nodes 2 and 3 whatever the hint settings, as
// Cassandra's). A repair sends the base rows it brings to nodes 2 and 3 through their write
// path (Cassandra's REPAIR streams require a view build), and their view updates bring every
// view row to both. Needs the build. The nodes this test started are stopped whatever happens.
// run-tests: two at a time

import test from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import cassandra from 'cassandra-driver';
import { aero, freePort, pinnedClient, seenBy, waitFor } from './harness/local-cluster.js';

const { one, all } = cassandra.types.consistencies;
const rows = 24;

test('three nodes, RF 3: a repair of the base table rebuilds the view rows two replicas missed', { timeout: 180_000 }, async () => {
  const directory = mkdtempSync(join(tmpdir(), 'aero-views-repair-'));
  const [nativePort, storagePort, adminPort] = [await freePort(), await freePort(), await freePort()];
  const nodes = [1, 2, 3];
  const clients: cassandra.Client[] = [];
  const upEverywhere = () => waitFor('every node up', async () => (await Promise.all(nodes.map((i) => seenBy(nodes.filter((o) => o !== i), i, 'UP', adminPort)))).every(Boolean), 30_000);
  try {
    const start = await aero(['cluster', 'start', '--nodes', '3', '--dir', directory, '--base-port', String(nativePort), '--storage-port', String(storagePort),
      '--admin-port', String(adminPort), '--num-tokens', '8', '--set', 'enable_materialized_views=true', '--set', 'hinted_handoff_enabled=false']);
    assert.equal(start.code, 0, start.stderr + start.stdout);
    await upEverywhere();
    const front = pinnedClient([1], nativePort);
    clients.push(front);
    await front.connect();
    await front.execute("CREATE KEYSPACE mvr WITH replication = {'class': 'SimpleStrategy', 'replication_factor': 3}");
    await front.execute('CREATE TABLE mvr.t (k int PRIMARY KEY, g int, v text)');
    await front.execute('CREATE MATERIALIZED VIEW mvr.by_g AS SELECT * FROM mvr.t WHERE g IS NOT NULL AND k IS NOT NULL PRIMARY KEY (g, k)');
    await waitFor('the view on every node', async () => (await front.execute("SELECT * FROM system_schema.views WHERE keyspace_name = 'mvr'")).rowLength === 1, 20_000);
    await new Promise((resolve) => setTimeout(resolve, 2_000)); // the schema reaches nodes 2 and 3

    for (const node of [2, 3]) assert.equal((await aero(['cluster', 'kill', '--node', String(node), '--dir', directory])).code, 0);
    await waitFor('nodes 2 and 3 down', async () => (await seenBy([1], 2, 'DOWN', adminPort)) && seenBy([1], 3, 'DOWN', adminPort), 20_000);
    for (let k = 0; k < rows; k++) await front.execute('INSERT INTO mvr.t (k, g, v) VALUES (?, ?, ?)', [k, 1, `v${k}`], { consistency: one });
    for (const node of [2, 3]) assert.equal((await aero(['cluster', 'restart', '--node', String(node), '--dir', directory])).code, 0);
    await upEverywhere();

    // Each node's own view replica, read at ONE through that node (its own replica first).
    for (const node of [2, 3]) {
      const client = pinnedClient([node], nativePort);
      clients.push(client);
      await client.connect();
    }
    const view = async (client: cassandra.Client, consistency: number) => {
      const result = await client.execute('SELECT k FROM mvr.by_g WHERE g = 1', [], { consistency });
      return result.rows.map((r) => Number(r['k'])).sort((a, b) => a - b);
    };
    const [second, third] = [clients[1]!, clients[2]!];
    const before = await waitFor('node 2 reads its view', async () => view(second, one).then(() => true, () => false), 30_000).then(() => view(second, one));
    console.log(`before the repair node 2's view holds ${before.length} of ${rows} rows`);
    assert.ok(before.length < rows, 'node 2 has every view row before the repair: the test shows nothing');

    const repair = await aero(['nodetool', '--host', '127.0.0.1', '--port', String(adminPort), 'repair', 'mvr', 't'], 120_000);
    assert.equal(repair.code, 0, repair.stderr + repair.stdout);
    const everyRow = JSON.stringify(Array.from({ length: rows }, (_, k) => k));
    for (const [name, client] of [['node 2', second], ['node 3', third]] as const) {
      await waitFor(`every view row on ${name}`, async () => JSON.stringify(await view(client, one)) === everyRow, 20_000);
    }
    assert.deepEqual(await view(front, all), Array.from({ length: rows }, (_, k) => k));
  } finally {
    await Promise.all(clients.map((c) => c.shutdown().catch(() => undefined)));
    await aero(['cluster', 'stop', '--dir', directory, '--timeout', '20']);
    rmSync(directory, { recursive: true, force: true });
  }
});
