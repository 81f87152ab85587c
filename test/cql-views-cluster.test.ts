// Materialized views across a real 3-node cluster at replication factor 3 (issue 13), with the
// DataStax Node.js driver: each base replica computes the view updates of a write and sends
// them to its paired view replica (the i-th base replica in ring order to the i-th view
// replica). Writes through different coordinators, a view built from existing data on every
// node, view rows read at ONE through each node (its own replica first), and after a node
// restart. The nodes this test started are stopped whatever happens.
// run-tests: two at a time

import test from 'node:test';
import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import cassandra from 'cassandra-driver';
import { aero, freePort, seenBy, waitFor } from './harness/local-cluster.js';

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

test('three nodes, RF 3: view rows on every node after writes through different coordinators and a restart', { timeout: 120_000 }, async () => {
  const directory = mkdtempSync(join(tmpdir(), 'aero-views-'));
  const [nativePort, storagePort, adminPort] = [await freePort(), await freePort(), await freePort()];
  const all = [1, 2, 3];
  const clients = new Map<number, cassandra.Client>();
  const connectAll = () => waitFor('a client of every node', async () => {
    for (const node of all) {
      if (clients.has(node)) continue;
      const client = clientOf(node, nativePort);
      if (await client.connect().then(() => true, async () => { await client.shutdown().catch(() => undefined); return false; })) clients.set(node, client);
    }
    return clients.size === all.length;
  }, 60_000);
  const upEverywhere = () => waitFor('every node up', async () => (await Promise.all(all.map((node) => seenBy(all.filter((o) => o !== node), node, 'UP', adminPort)))).every(Boolean), 30_000);
  try {
    const startArgs = ['cluster', 'start', '--nodes', '3', '--dir', directory, '--base-port', String(nativePort),
      '--storage-port', String(storagePort), '--admin-port', String(adminPort), '--num-tokens', '8'];
    // Views enabled through conf/extra.yaml, written before the first start (which reads it); it
    // is kept across starts, so node 3 has views again after its restart below.
    for (const node of all) {
      mkdirSync(join(directory, `node${node}`, 'conf'), { recursive: true });
      writeFileSync(join(directory, `node${node}`, 'conf', 'extra.yaml'), 'enable_materialized_views: true\n');
    }
    const start = await aero(startArgs);
    assert.equal(start.code, 0, start.stderr + start.stdout);
    await upEverywhere();
    await connectAll();
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
  } finally {
    await Promise.all([...clients.values()].map((c) => c.shutdown().catch(() => undefined)));
    await aero(['cluster', 'stop', '--dir', directory, '--timeout', '20']);
    rmSync(directory, { recursive: true, force: true });
  }
});
