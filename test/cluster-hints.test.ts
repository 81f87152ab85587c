// Hinted handoff with real processes: three nodes, replication factor 3. Node 3 is down
// while 200 rows are written at ONE through nodes 1 and 2, which keep hints for it; once it
// restarts, gossip marks it up and the hints are delivered. Then nodes 1 and 2 are killed and
// node 3 alone answers every row at ONE. Needs the build (bin/aero.js runs dist/).

import test from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import cassandra from 'cassandra-driver';
import { aero, adminStatus, pinnedClient, seenBy, startThreeNodeCluster, waitFor } from './harness/local-cluster.js';

const rows = 200;

interface Status {
  peers?: Array<{ address: string; status: string }>;
  coordinator?: { hints: { pending: number; written: number } };
}

const status = (index: number, adminPort: number) => adminStatus<Status>(index, adminPort);

test('hints written while a replica is down reach it when it returns', { timeout: 180_000 }, async () => {
  const directory = mkdtempSync(join(tmpdir(), 'aero-hints-'));
  const clients: cassandra.Client[] = [];
  try {
    const { nativePort, adminPort } = await startThreeNodeCluster(directory);
    const front = pinnedClient([1, 2], nativePort);
    clients.push(front);
    await front.connect();
    await front.execute("CREATE KEYSPACE hints_test WITH replication = {'class': 'SimpleStrategy', 'replication_factor': 3}");
    await front.execute('CREATE TABLE hints_test.kv (k int PRIMARY KEY, v text)');
    await waitFor('schema on node 3', async () => {
      const versions = await Promise.all([1, 3].map(async (i) => ((await status(i, adminPort)) as { schemaVersion?: string } | undefined)?.schemaVersion));
      return versions[0] !== undefined && versions[0] === versions[1];
    }, 15_000);

    assert.equal((await aero(['cluster', 'kill', '--node', '3', '--dir', directory])).code, 0);
    await waitFor('node 3 down', () => seenBy([1, 2], 3, 'DOWN', adminPort), 10_000);
    const one = cassandra.types.consistencies.one;
    for (let k = 0; k < rows; k++) await front.execute('INSERT INTO hints_test.kv (k, v) VALUES (?, ?)', [k, `hinted-${k}`], { consistency: one });
    const written = await Promise.all([1, 2].map(async (i) => (await status(i, adminPort))?.coordinator?.hints.written ?? 0));
    assert.equal(written[0]! + written[1]!, rows, 'one hint per write for the down replica');

    assert.equal((await aero(['cluster', 'restart', '--node', '3', '--dir', directory])).code, 0);
    await waitFor('node 3 up', () => seenBy([1, 2], 3, 'UP', adminPort), 10_000);
    await waitFor('hints delivered', async () => {
      const pending = await Promise.all([1, 2].map(async (i) => (await status(i, adminPort))?.coordinator?.hints.pending));
      return pending.every((count) => count === 0);
    }, 20_000);

    for (const victim of [1, 2]) assert.equal((await aero(['cluster', 'kill', '--node', String(victim), '--dir', directory])).code, 0);
    // Node 3 restarted seconds ago: its failure detector has few samples yet, so allow longer.
    await waitFor('nodes 1 and 2 down', async () => (await seenBy([3], 1, 'DOWN', adminPort)) && (await seenBy([3], 2, 'DOWN', adminPort)), 20_000);
    const alone = pinnedClient([3], nativePort);
    clients.push(alone);
    await alone.connect();
    for (let k = 0; k < rows; k++) {
      const row = (await alone.execute('SELECT v FROM hints_test.kv WHERE k = ?', [k], { consistency: one })).first();
      assert.equal(row?.['v'], `hinted-${k}`, `row ${k} on node 3`);
    }
  } finally {
    for (const c of clients) await c.shutdown().catch(() => undefined);
    await aero(['cluster', 'stop', '--dir', directory, '--timeout', '20']);
    rmSync(directory, { recursive: true, force: true });
  }
});
