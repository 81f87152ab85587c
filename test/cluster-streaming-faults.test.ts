// Issue 12's streaming faults with real processes (`aero cluster`, ring_delay 2 s, the four
// first nodes' outbound streams throttled to 32 KiB/s so that streams last):
//   - a fifth node joining (`aero cluster add`) is killed with SIGKILL once its bootstrap has
//     received some partitions; `aero cluster restart` starts it again, it bootstraps anew and
//     turns NORMAL holding every partition of the check table it replicates;
//   - node 2 is killed and `nodetool removenode <its host id>` runs on node 1: while it runs,
//     node 2 shows as DL in `nodetool status` and as `removing,<host id>` in `nodetool
//     gossipinfo`, and `nodetool removenode status` names it; afterwards node 2 is gone from
//     status, gossip says `removed`, and every key of the check table is on each of its three
//     replicas in the ring of nodes 1, 3, 4 and 5 (read per node through the admin channel's
//     /localdata, against replicas placed from the ring's tokens).
// Needs the build. The nodes this test started are stopped whatever happens.
// run-tests: two at a time

import test from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import cassandra from 'cassandra-driver';
import { adminStatus, aero, freePort, pinnedClient, seenBy, waitFor } from './harness/local-cluster.js';
import { simpleStrategyReplicas } from './harness/placement.js';

const { all } = cassandra.types.consistencies;
const rows = 2_000;
const value = 'x'.repeat(300);

interface StatusBody {
  tokens: string[];
  endpoint: string;
  peers: Array<{ address: string; hostId: string | null; state: string; status: string; tokens: string[] }>;
}
interface Netstats { mode: string; sessions: Array<{ operation: string; state: string; partitions: number }> }

async function adminGet<T>(index: number, adminPort: number, path: string): Promise<T | undefined> {
  try {
    const response = await fetch(`http://127.0.0.${index}:${adminPort}${path}`, { signal: AbortSignal.timeout(30_000) });
    return response.ok ? (await response.json()) as T : undefined;
  } catch {
    return undefined;
  }
}

async function localTokens(index: number, adminPort: number): Promise<Set<string>> {
  const data = await adminGet<{ tokens: string[]; truncated: boolean }>(index, adminPort, '/localdata?keyspace=faults&table=kv');
  assert.ok(data !== undefined && !data.truncated, `node ${index} lists its partitions`);
  return new Set(data.tokens);
}

/** Node index -> its tokens, the NORMAL ring as node observer sees it. */
async function ringOf(observer: number, adminPort: number): Promise<Map<number, bigint[]>> {
  const status = await adminStatus<StatusBody>(observer, adminPort);
  assert.ok(status !== undefined, `node ${observer} answers /status`);
  const indexOf = (endpoint: string) => Number(/^127\.0\.0\.(\d+):/.exec(endpoint)?.[1]);
  const ring = new Map<number, bigint[]>([[indexOf(status.endpoint), status.tokens.map(BigInt)]]);
  for (const peer of status.peers) if (peer.state === 'NORMAL') ring.set(indexOf(peer.address), peer.tokens.map(BigInt));
  return ring;
}

/** The tokens of `all` that node index replicates in ring and does not hold. */
async function lacking(index: number, { ring, every, adminPort }: { ring: Map<number, bigint[]>; every: Set<string>; adminPort: number }): Promise<string[]> {
  const held = await localTokens(index, adminPort);
  return [...every].filter((token) => simpleStrategyReplicas(BigInt(token), { ring, factor: 3 }).includes(index) && !held.has(token));
}

test('real processes: a joining node killed half-way through streaming completes its join on restart; removenode of a dead node shows its phases and restores RF 3', { timeout: 420_000 }, async () => {
  const directory = mkdtempSync(join(tmpdir(), 'aero-faults-'));
  const [nativePort, storagePort, adminPort] = [await freePort(), await freePort(), await freePort()];
  const port = String(adminPort);
  const clients: cassandra.Client[] = [];
  try {
    const start = await aero(['cluster', 'start', '--nodes', '4', '--dir', directory, '--base-port', String(nativePort),
      '--storage-port', String(storagePort), '--admin-port', port, '--num-tokens', '8', '--ring-delay', '2000']);
    assert.equal(start.code, 0, start.stderr + start.stdout);
    for (const index of [1, 2, 3, 4]) {
      writeFileSync(join(directory, `node${index}`, 'conf', 'extra.yaml'), 'stream_throughput_outbound: 32KiB/s\n');
      const restart = await aero(['cluster', 'restart', '--node', String(index), '--dir', directory]);
      assert.equal(restart.code, 0, restart.stderr);
    }
    const client = pinnedClient([1, 3, 4], nativePort);
    clients.push(client);
    await client.connect();
    await client.execute("CREATE KEYSPACE faults WITH replication = {'class': 'SimpleStrategy', 'replication_factor': 3}");
    await client.execute('CREATE TABLE faults.kv (k int PRIMARY KEY, v text)');
    for (let base = 0; base < rows; base += 200) {
      await Promise.all(Array.from({ length: 200 }, (_, j) => client.execute('INSERT INTO faults.kv (k, v) VALUES (?, ?)', [base + j, `${base + j}-${value}`], { consistency: all })));
    }
    const every = new Set((await Promise.all([1, 2, 3, 4].map((index) => localTokens(index, adminPort)))).flatMap((tokens) => [...tokens]));
    assert.ok(every.size > rows - 20, `${every.size} partition tokens for ${rows} keys`);

    // The join, killed once its bootstrap has received partitions.
    const firstAdd = aero(['cluster', 'add', '--dir', directory, '--start-timeout', '120'], 180_000);
    let atKill = 0;
    await waitFor('node 5 streaming its ranges', async () => {
      const stats = await adminGet<Netstats>(5, adminPort, '/netstats');
      atKill = stats?.sessions.reduce((sum, session) => sum + session.partitions, 0) ?? 0;
      return stats?.mode === 'JOINING' && atKill > 0;
    }, 120_000);
    const kill = await aero(['cluster', 'kill', '--node', '5', '--dir', directory]);
    assert.equal(kill.code, 0, kill.stderr);
    const failed = await firstAdd;
    assert.notEqual(failed.code, 0, `the interrupted add fails: ${failed.stdout}`);
    console.log(`node 5 killed during its bootstrap after ${atKill} partitions; add said: ${failed.stderr.trim().split('\n')[0] ?? ''}`);
    const joinStarted = Date.now();
    const again = await aero(['cluster', 'restart', '--node', '5', '--dir', directory, '--start-timeout', '180'], 240_000);
    assert.equal(again.code, 0, again.stderr + again.stdout);
    await waitFor('node 5 NORMAL', async () => (await adminGet<Netstats>(5, adminPort, '/netstats'))?.mode === 'NORMAL', 120_000);
    const netstats = await aero(['nodetool', '--host', '127.0.0.5', '--port', port, 'netstats']);
    console.log(`node 5 joined on restart in ${Date.now() - joinStarted} ms:\n${netstats.stdout.trim()}`);
    assert.match(netstats.stdout, /Bootstrap done from 127\.0\.0\.\d+:\d+ faults\.kv: \d+ ranges, [1-9]\d* partitions/, 'the restarted node streamed its ranges again');
    const ringWithFive = await ringOf(1, adminPort);
    assert.deepEqual([...ringWithFive.keys()].sort(), [1, 2, 3, 4, 5]);
    assert.deepEqual((await lacking(5, { ring: ringWithFive, every, adminPort })).slice(0, 5), [], 'node 5 holds every partition it replicates');

    // removenode of a dead node 2, its phases watched from node 3.
    const hostId = (await adminStatus<StatusBody>(1, adminPort))?.peers.find((peer) => peer.address.startsWith('127.0.0.2:'))?.hostId;
    assert.ok(typeof hostId === 'string', 'node 2 has a host id');
    assert.equal((await aero(['cluster', 'kill', '--node', '2', '--dir', directory])).code, 0);
    await waitFor('node 2 down', () => seenBy([1, 3, 4, 5], 2, 'DOWN', adminPort), 30_000);
    const removeStarted = Date.now();
    let removalDone = false;
    const removal = aero(['nodetool', '--host', '127.0.0.1', '--port', port, 'removenode', hostId], 240_000).finally(() => { removalDone = true; });
    const seen = { status: '', gossip: '', removal: '' };
    await waitFor('removenode running or done', async () => {
      const [status, gossip, removalStatus] = await Promise.all([
        aero(['nodetool', '--host', '127.0.0.3', '--port', port, 'status']),
        aero(['nodetool', '--host', '127.0.0.3', '--port', port, 'gossipinfo']),
        aero(['nodetool', '--host', '127.0.0.1', '--port', port, 'removenode', 'status']),
      ]);
      if (/^DL\s+127\.0\.0\.2\s/m.test(status.stdout)) seen.status = status.stdout.split('\n').find((line) => line.includes('127.0.0.2')) ?? '';
      if (gossip.stdout.includes(`removing,${hostId}`)) seen.gossip = `removing,${hostId}`;
      if (removalStatus.stdout.includes(hostId)) seen.removal = removalStatus.stdout.trim();
      return removalDone || (seen.status !== '' && seen.gossip !== '' && seen.removal !== '');
    }, 180_000);
    const removed = await removal;
    assert.equal(removed.code, 0, removed.stderr + removed.stdout);
    console.log(`removenode took ${Date.now() - removeStarted} ms: ${removed.stdout.replace(/\s+/g, ' ').trim()}`);
    console.log(`during removenode: status "${seen.status.trim()}", gossip STATUS ${seen.gossip}, "${seen.removal}"`);
    assert.ok(seen.status !== '' && seen.gossip !== '' && seen.removal !== '', `while removenode ran, nodetool status showed node 2 DL, gossipinfo removing and removenode status the removal: ${JSON.stringify(seen)}`);
    // The removed state spreads from node 1 by gossip.
    let statusAfter = '';
    let gossipAfter = '';
    await waitFor('node 3 sees node 2 removed', async () => {
      statusAfter = (await aero(['nodetool', '--host', '127.0.0.3', '--port', port, 'status'])).stdout;
      gossipAfter = (await aero(['nodetool', '--host', '127.0.0.3', '--port', port, 'gossipinfo'])).stdout;
      return !/127\.0\.0\.2\s/.test(statusAfter) && gossipAfter.includes(`removed,${hostId}`);
    }, 30_000).catch((error: unknown) => assert.fail(`${String(error)}: node 2 gone from nodetool status and removed in gossip\n${statusAfter}\n${gossipAfter}`));
    assert.equal((statusAfter.match(/^UN\s/gm) ?? []).length, 4, statusAfter);
    assert.match((await aero(['nodetool', '--host', '127.0.0.1', '--port', port, 'removenode', 'status'])).stdout, /No removals in process/);

    const ring = await ringOf(1, adminPort);
    assert.deepEqual([...ring.keys()].sort(), [1, 3, 4, 5], 'the ring is nodes 1, 3, 4 and 5');
    for (const index of [1, 3, 4, 5]) {
      assert.deepEqual((await lacking(index, { ring, every, adminPort })).slice(0, 5), [], `node ${index} holds every partition it replicates after removenode`);
    }
  } finally {
    for (const client of clients) await client.shutdown().catch(() => undefined);
    await aero(['cluster', 'stop', '--dir', directory]);
    rmSync(directory, { recursive: true, force: true });
  }
});
