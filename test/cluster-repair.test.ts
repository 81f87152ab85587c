// Read repair with real processes: three nodes, replication factor 3, hinted handoff off
// (the admin channel's disablehandoff, as nodetool's). Node 3 is down while 100 rows get new
// values at ONE, so it comes back stale; one QUORUM read per key coordinated by node 3 (which
// reads its own copy and one other) repairs it before answering. Then nodes 1 and 2 are
// killed and node 3 alone answers the newest values at ONE. Needs the build.

import test from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import cassandra from 'cassandra-driver';
import { aero, adminStatus, pinnedClient, seenBy, startThreeNodeCluster, waitFor } from './harness/local-cluster.js';

const rows = 100;

interface Status {
  peers?: Array<{ address: string; status: string }>;
}

const status = (index: number, adminPort: number) => adminStatus<Status>(index, adminPort);

test('a QUORUM read makes a stale replica current', { timeout: 180_000 }, async () => {
  const directory = mkdtempSync(join(tmpdir(), 'aero-repair-'));
  const clients: cassandra.Client[] = [];
  try {
    const { nativePort, adminPort } = await startThreeNodeCluster(directory);
    for (const i of [1, 2, 3]) assert.equal((await fetch(`http://127.0.0.${i}:${adminPort}/disablehandoff`, { method: 'POST' })).status, 200);
    const front = pinnedClient([1, 2], nativePort);
    clients.push(front);
    await front.connect();
    await front.execute("CREATE KEYSPACE repair_test WITH replication = {'class': 'SimpleStrategy', 'replication_factor': 3}");
    await front.execute('CREATE TABLE repair_test.kv (k int PRIMARY KEY, v text)');
    const { one, all, quorum } = cassandra.types.consistencies;
    for (let k = 0; k < rows; k++) await front.execute('INSERT INTO repair_test.kv (k, v) VALUES (?, ?)', [k, `old-${k}`], { consistency: all });

    assert.equal((await aero(['cluster', 'kill', '--node', '3', '--dir', directory])).code, 0);
    await waitFor('node 3 down', () => seenBy([1, 2], 3, 'DOWN', adminPort), 10_000);
    for (let k = 0; k < rows; k++) await front.execute('INSERT INTO repair_test.kv (k, v) VALUES (?, ?)', [k, `new-${k}`], { consistency: one });
    assert.equal((await aero(['cluster', 'restart', '--node', '3', '--dir', directory])).code, 0);
    await waitFor('node 3 up', async () => (await seenBy([1, 2], 3, 'UP', adminPort)) && (await seenBy([3], 1, 'UP', adminPort)) && (await seenBy([3], 2, 'UP', adminPort)), 15_000);

    const third = pinnedClient([3], nativePort);
    clients.push(third);
    await third.connect();
    for (let k = 0; k < rows; k++) {
      const row = (await third.execute('SELECT v FROM repair_test.kv WHERE k = ?', [k], { consistency: quorum })).first();
      assert.equal(row?.['v'], `new-${k}`, `QUORUM read of row ${k}`);
    }
    const repairs = ((await status(3, adminPort)) as { coordinator?: { readRepairs?: number } } | undefined)?.coordinator?.readRepairs ?? 0;
    assert.ok(repairs >= rows, `node 3 repaired ${repairs} partitions`);

    for (const victim of [1, 2]) assert.equal((await aero(['cluster', 'kill', '--node', String(victim), '--dir', directory])).code, 0);
    // Node 3 restarted seconds ago: its failure detector has few samples yet, so allow longer.
    await waitFor('nodes 1 and 2 down', async () => (await seenBy([3], 1, 'DOWN', adminPort)) && (await seenBy([3], 2, 'DOWN', adminPort)), 20_000)
      .catch(async (error: unknown) => { throw new Error(`${String(error)}; node 3 sees ${JSON.stringify((await status(3, adminPort))?.peers)}`); });
    for (let k = 0; k < rows; k++) {
      const row = (await third.execute('SELECT v FROM repair_test.kv WHERE k = ?', [k], { consistency: one })).first();
      assert.equal(row?.['v'], `new-${k}`, `row ${k} on node 3 alone`);
    }
  } finally {
    for (const c of clients) await c.shutdown().catch(() => undefined);
    await aero(['cluster', 'stop', '--dir', directory, '--timeout', '20']);
    rmSync(directory, { recursive: true, force: true });
  }
});
