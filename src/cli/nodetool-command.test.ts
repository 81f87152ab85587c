import { test } from 'node:test';
import assert from 'node:assert/strict';
import { silentLogger } from '../db/common/world.js';
import { systemClock } from '../db/platform/clock.js';
import { systemNetwork } from '../db/platform/network.js';
import { startAdminServer, type AdminOperations } from '../db/node/admin.js';
import type { CliConsole } from './console.js';
import { main } from './main.js';
import { nodetoolArgv } from './nodetool-command.js';

function capture(): CliConsole & { stdout: string; stderr: string } {
  const io = { stdout: '', stderr: '', out: (text: string) => void (io.stdout += text), err: (text: string) => void (io.stderr += text) };
  return io;
}

// A node's /status once gossip runs: itself with its tokens, and two peers (one down).
const gossipingStatus = {
  clusterName: 'Test Cluster', listenAddress: '127.0.0.1', nativePort: 9042, dataCenter: 'datacenter1', rack: 'rack1',
  hostId: '11111111-1111-4111-8111-111111111111', state: 'NORMAL', loadBytes: 2048, tokens: ['-6148914691236517206'],
  peers: [
    { address: '127.0.0.2:7000', hostId: '22222222-2222-4222-8222-222222222222', dataCenter: 'datacenter1', rack: 'rack1', status: 'UP', state: 'NORMAL', loadBytes: 4096, tokens: ['0'] },
    { address: '127.0.0.3:7000', hostId: '33333333-3333-4333-8333-333333333333', dataCenter: 'datacenter1', rack: 'rack1', status: 'DOWN', state: 'NORMAL', loadBytes: null, tokens: ['6148914691236517206'] },
  ],
};

async function withAdmin(status: Record<string, unknown>, body: (port: string) => Promise<void>, extra: Partial<AdminOperations> = {}): Promise<void> {
  const admin = await startAdminServer({
    network: systemNetwork(), clock: systemClock(), host: '127.0.0.1', port: 0, logger: silentLogger,
    operations: { flush: async () => undefined, compact: async () => undefined, status: async () => status, ...extra },
  });
  try {
    await body(String(admin.port));
  } finally {
    await admin.close();
  }
}

test('nodetool status: every node the answering one knows, UN/DN, thirds of the ring', async () => {
  await withAdmin(gossipingStatus, async (port) => {
    const io = capture();
    assert.equal(await main(['nodetool', '--port', port, 'status'], io), 0);
    assert.equal(io.stderr, '');
    const lines = io.stdout.split('\n');
    assert.equal(lines[0], 'Datacenter: datacenter1');
    // Cassandra 4.0's TableBuilder columns: as wide as the widest cell, two spaces apart.
    assert.match(lines[5] ?? '', /^UN {2}127\.0\.0\.1 {2}2 KiB {2}1 {7}33\.3% {2}11111111-1111-4111-8111-111111111111 {2}rack1$/);
    assert.match(lines[6] ?? '', /^UN {2}127\.0\.0\.2 {2}4 KiB {2}1 {7}33\.3% /);
    assert.match(lines[7] ?? '', /^DN {2}127\.0\.0\.3 {2}\? {6}1 {7}33\.3% /);
    assert.doesNotMatch(io.stdout, /Note:/);
  });
});

test('nodetool ring: each token in ring order with its node', async () => {
  await withAdmin(gossipingStatus, async (port) => {
    const io = capture();
    assert.equal(await main(['nodetool', '--port', port, 'ring'], io), 0);
    const rows = io.stdout.split('\n').filter((line) => /^127\./.test(line)).map((line) => line.trimEnd().split(/\s+/));
    assert.deepEqual(rows.map((row) => [row[0], row[2], row[row.length - 1]]), [
      ['127.0.0.1', 'Up', '-6148914691236517206'],
      ['127.0.0.2', 'Up', '0'],
      ['127.0.0.3', 'Down', '6148914691236517206'],
    ]);
  });
});

test('nodetool status --json shows the status as it came; an unknown shape is shown raw', async () => {
  await withAdmin({ state: 'NORMAL' }, async (port) => {
    const json = capture();
    assert.equal(await main(['nodetool', '--port', port, 'status', '--json'], json), 0);
    assert.deepEqual(JSON.parse(json.stdout), { state: 'NORMAL' });
    const raw = capture();
    assert.equal(await main(['nodetool', '--port', port, 'ring'], raw), 0);
    assert.match(raw.stderr, /names no listenAddress; showing the raw status/);
    assert.deepEqual(JSON.parse(raw.stdout), { state: 'NORMAL' });
  });
  const bad = capture();
  assert.equal(await main(['nodetool', '--port', 'x', 'ring'], bad), 1);
  assert.match(bad.stderr, /--port expects a port number/);
});

class MembershipError extends Error {
  override readonly name = 'MembershipError';
}

test('nodetool netstats, decommission, removenode and cleanup: text, summaries, and refusals as one line', async () => {
  const calls: string[] = [];
  const netstats = {
    mode: 'JOINING', throughputBytesPerSecond: 25165824, totals: { bytesSent: 0, bytesReceived: 2048, partitionsSent: 0, partitionsReceived: 12 },
    sessions: [{ id: 1, operation: 'Bootstrap', direction: 'in', peer: '127.0.0.2:7000', keyspace: 'ks', table: 'kv', ranges: 3, partitions: 12, bytes: 2048, state: 'running', startedMs: 0, elapsedMs: 40 }],
  };
  await withAdmin(gossipingStatus, async (port) => {
    const text = capture();
    assert.equal(await main(['nodetool', '--port', port, 'netstats'], text), 0);
    assert.match(text.stdout, /^Mode: JOINING\nStream throughput outbound: 24\.0 MiB\/s\n/);
    assert.match(text.stdout, /Bootstrap running from 127\.0\.0\.2:7000 ks\.kv: 3 ranges, 12 partitions, 2048 bytes, 40 ms/);
    const json = capture();
    assert.equal(await main(['nodetool', '--port', port, 'netstats', '--json'], json), 0);
    assert.deepEqual(JSON.parse(json.stdout), netstats);
    const cleanup = capture();
    assert.equal(await main(['nodetool', '--port', port, 'cleanup', 'ks'], cleanup), 0);
    assert.deepEqual(JSON.parse(cleanup.stdout), { ok: true, partitionsDropped: 7 });
    const removal = capture();
    assert.equal(await main(['nodetool', '--port', port, 'removenode', 'not-a-uuid'], removal), 1);
    assert.match(removal.stderr, /expected a host id \(a UUID\), got 'not-a-uuid'/);
    const refused = capture();
    assert.equal(await main(['nodetool', '--port', port, 'decommission'], refused), 1);
    assert.match(refused.stderr, /failed \(409\): cannot decommission: keyspace ks has replication factor 3/);
  }, {
    netstats: () => netstats,
    cleanup: async (target) => { calls.push(`cleanup ${target.keyspace ?? ''}`); return { partitionsDropped: 7 }; },
    removeNode: async () => ({}),
    decommission: async () => { throw new MembershipError('cannot decommission: keyspace ks has replication factor 3 but only 2 node(s) would remain'); },
  });
  assert.deepEqual(calls, ['cleanup ks']);
});

test('nodetool -pp: Cassandra\'s two-letter flag is read as --print-port, after nodetool and before -- only', () => {
  assert.deepEqual(nodetoolArgv(['nodetool', '-pp', 'describecluster']), ['nodetool', '--print-port', 'describecluster']);
  assert.deepEqual(nodetoolArgv(['nodetool', '--port', '7199', 'gossipinfo', '-pp']), ['nodetool', '--port', '7199', 'gossipinfo', '--print-port']);
  assert.deepEqual(nodetoolArgv(['nodetool', 'getendpoints', '--', 'ks', 't', '-pp']), ['nodetool', 'getendpoints', '--', 'ks', 't', '-pp']);
  assert.deepEqual(nodetoolArgv(['sim', '-pp']), ['sim', '-pp']);
});

test('nodetool -pp before a command that prints no ports is refused, not ignored', async () => {
  await withAdmin(gossipingStatus, async (port) => {
    const io = capture();
    assert.equal(await main(['nodetool', '--port', port, '-pp', 'tpstats'], io), 1);
    assert.match(io.stderr, /-pp \(--print-port\) applies to describecluster, gossipinfo, status, ring only, not to tpstats/);
    assert.equal(io.stdout, '');
  });
});

test('nodetool status -pp and ring -pp, before or after the command: addresses with their storage port', async () => {
  // The node names itself by its endpoint (host:port) beside listenAddress, as src/db/node/node.ts answers.
  await withAdmin({ ...gossipingStatus, endpoint: '127.0.0.1:7000' }, async (port) => {
    for (const args of [['-pp', 'status'], ['status', '-pp'], ['status', '--print-port']]) {
      const io = capture();
      assert.equal(await main(['nodetool', '--port', port, ...args], io), 0, io.stderr);
      const rows = io.stdout.split('\n').filter((line) => /^[UD]N/.test(line));
      assert.deepEqual(rows.map((row) => row.slice(0, 20)), ['UN  127.0.0.1:7000  ', 'UN  127.0.0.2:7000  ', 'DN  127.0.0.3:7000  ']);
      assert.doesNotMatch(io.stdout, /Note:/);
    }
    for (const args of [['-pp', 'ring'], ['ring', '-pp']]) {
      const io = capture();
      assert.equal(await main(['nodetool', '--port', port, ...args], io), 0, io.stderr);
      const rows = io.stdout.split('\n').filter((line) => /^127\./.test(line));
      assert.deepEqual(rows.map((row) => row.slice(0, 30)), ['127.0.0.1:7000  rack1       Up', '127.0.0.2:7000  rack1       Up', '127.0.0.3:7000  rack1       Do']);
    }
  });
});

test('nodetool gossipinfo -pp: after the command too, the endpoints with their ports', async () => {
  const gossip = { endpoints: [{ endpoint: '127.0.0.2:7000', generation: 5, heartbeat: 9, states: [{ key: 'STATUS', version: 3, value: 'NORMAL,0' }] }] };
  await withAdmin(gossipingStatus, async (port) => {
    for (const [args, first] of [[['gossipinfo', '-pp'], '/127.0.0.2:7000'], [['gossipinfo'], '/127.0.0.2']] as const) {
      const io = capture();
      assert.equal(await main(['nodetool', '--port', port, ...args], io), 0, io.stderr);
      assert.equal(io.stdout.split('\n')[0], first);
    }
  }, { reports: { gossipinfo: () => gossip } });
});
