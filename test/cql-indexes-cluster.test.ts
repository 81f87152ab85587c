// Secondary-index queries across a real 3-node cluster at replication factor 3 (issue 13), with
// the DataStax Node.js driver: each node keeps its own local index, the coordinator asks the
// replicas of each token range at the requested consistency and pages through the matches;
// an update made at ONE through one coordinator is seen by an index query at ALL through
// another (the replicas whose index misses the row are asked for it: replica filtering
// protection), with no stale match. Real processes, because the index lives in each node's
// storage and the query crosses the internode messaging. The nodes this test started are
// stopped whatever happens.
// run-tests: two at a time

import test from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
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

async function matches(client: cassandra.Client, value: number, consistency: number): Promise<number[]> {
  const keys: number[] = [];
  let pageState: string | undefined;
  do {
    const result = await client.execute('SELECT k FROM ix.t WHERE g = ?', [value], { prepare: true, consistency, fetchSize: 13, ...(pageState === undefined ? {} : { pageState }) });
    keys.push(...result.rows.map((r) => r['k'] as number));
    pageState = result.pageState ?? undefined;
  } while (pageState !== undefined);
  return keys.sort((a, b) => a - b);
}

test('three nodes, RF 3: index queries at every level page through the matches and see updates', { timeout: 120_000 }, async () => {
  const directory = mkdtempSync(join(tmpdir(), 'aero-index-'));
  const [nativePort, storagePort, adminPort] = [await freePort(), await freePort(), await freePort()];
  const clients = new Map<number, cassandra.Client>();
  try {
    const start = await aero(['cluster', 'start', '--nodes', '3', '--dir', directory, '--base-port', String(nativePort),
      '--storage-port', String(storagePort), '--admin-port', String(adminPort), '--num-tokens', '8']);
    assert.equal(start.code, 0, start.stderr + start.stdout);
    const all = [1, 2, 3];
    const upEverywhere = (node: number) => seenBy(all.filter((o) => o !== node), node, 'UP', adminPort);
    await waitFor('every node up', async () => (await Promise.all(all.map(upEverywhere))).every(Boolean), 30_000);
    await waitFor('clients of nodes 1 and 2', async () => {
      for (const node of [1, 2]) {
        if (clients.has(node)) continue;
        const client = clientOf(node, nativePort);
        if (await client.connect().then(() => true, async () => { await client.shutdown().catch(() => undefined); return false; })) clients.set(node, client);
      }
      return clients.size === 2;
    }, 60_000);
    const one = clients.get(1)!;
    const two = clients.get(2)!;
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
  } finally {
    await Promise.all([...clients.values()].map((c) => c.shutdown().catch(() => undefined)));
    await aero(['cluster', 'stop', '--dir', directory, '--timeout', '20']);
    rmSync(directory, { recursive: true, force: true });
  }
});
