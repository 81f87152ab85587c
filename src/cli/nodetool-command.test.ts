import { test } from 'node:test';
import assert from 'node:assert/strict';
import { silentLogger } from '../db/common/world.js';
import { systemClock } from '../db/platform/clock.js';
import { systemNetwork } from '../db/platform/network.js';
import { startAdminServer } from '../db/node/admin.js';
import type { CliConsole } from './console.js';
import { main } from './main.js';

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

async function withAdmin(status: Record<string, unknown>, body: (port: string) => Promise<void>): Promise<void> {
  const admin = await startAdminServer({
    network: systemNetwork(), clock: systemClock(), host: '127.0.0.1', port: 0, logger: silentLogger,
    operations: { flush: async () => undefined, compact: async () => undefined, status: async () => status },
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
    assert.match(lines[5] ?? '', /^UN {2}127\.0\.0\.1 {2}2 KiB {6}1 {12}33\.3% {3}11111111-1111-4111-8111-111111111111 {2}rack1$/);
    assert.match(lines[6] ?? '', /^UN {2}127\.0\.0\.2 {2}4 KiB {6}1 {12}33\.3% /);
    assert.match(lines[7] ?? '', /^DN {2}127\.0\.0\.3 {2}\? {10}1 {12}33\.3% /);
    assert.doesNotMatch(io.stdout, /Note:/);
  });
});

test('nodetool ring: each token in ring order with its node', async () => {
  await withAdmin(gossipingStatus, async (port) => {
    const io = capture();
    assert.equal(await main(['nodetool', '--port', port, 'ring'], io), 0);
    const rows = io.stdout.split('\n').filter((line) => /^127\./.test(line)).map((line) => line.split(/\s+/));
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
