import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { TestClient, op, queryBody, readStringMultimap } from '../transport/raw-client.test.js';
import { resolveNodeConfig } from './config.js';
import { diskLayout, startNode } from './node.js';

test('diskLayout: one root over data, commit log and hints', () => {
  const config = resolveNodeConfig({}, { cwd: '/srv', flags: { dataDir: 'n1' } });
  assert.deepEqual(diskLayout(config), { root: '/srv/n1', dataDirectory: 'data', commitLogDirectory: 'commitlog', hintsDirectory: 'hints' });
  const spread = resolveNodeConfig({ data_file_directories: ['/a/b/data'], commitlog_directory: '/a/c/log', hints_directory: '/a/b/data/hints' }, { cwd: '/' });
  assert.deepEqual(diskLayout(spread), { root: '/a', dataDirectory: 'b/data', commitLogDirectory: 'c/log', hintsDirectory: 'b/data/hints' });
  const apart = resolveNodeConfig({ data_file_directories: ['/x'], commitlog_directory: '/y' }, { cwd: '/' });
  assert.equal(diskLayout(apart).root, '/');
});

test('a node starts, answers OPTIONS and admin status, writes its log, and stops', async () => {
  const dir = await mkdtemp(join(tmpdir(), 'aero-node-'));
  try {
    const config = { ...resolveNodeConfig({}, { cwd: dir, flags: { dataDir: 'n1', clusterName: 'Node Test' } }), nativeTransportPort: 0, adminPort: 0 };
    const node = await startNode(config, { warnings: ['a warning from the configuration'] });
    try {
      const client = await TestClient.open(node.nativePort);
      client.send({ stream: 1, opcode: op.OPTIONS });
      const supported = await client.expect();
      assert.equal(supported.opcode, op.SUPPORTED);
      assert.deepEqual(readStringMultimap(supported.body).get('PROTOCOL_VERSIONS'), ['4/v4', '5/v5']);
      assert.equal((await client.startup()).opcode, op.READY);
      client.send({ stream: 2, opcode: op.QUERY, body: queryBody("SELECT cluster_name FROM system.local WHERE key = 'local'") });
      const rows = await client.expect();
      assert.deepEqual([rows.opcode, rows.body.readInt32BE(0)], [op.RESULT, 0x0002]);
      assert.ok(rows.body.includes(Buffer.from('Node Test')));
      client.close();
      const status = (await (await fetch(`http://127.0.0.1:${node.adminPort}/status`)).json()) as Record<string, unknown>;
      assert.equal(status['clusterName'], 'Node Test');
      assert.equal(status['state'], 'NORMAL');
      assert.equal((await fetch(`http://127.0.0.1:${node.adminPort}/flush`, { method: 'POST' })).status, 200);
    } finally {
      await node.stop({ drainMs: 100 });
    }
    const log = await readFile(join(dir, 'n1', 'logs', 'system.log'), 'utf8');
    assert.match(log, /a warning from the configuration/);
    assert.match(log, /node stopped/);
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
});

test('a failed start (port in use) closes what it opened and rejects', async () => {
  const dir = await mkdtemp(join(tmpdir(), 'aero-node-'));
  try {
    const base = resolveNodeConfig({}, { cwd: dir, flags: { dataDir: 'n1' } });
    const first = await startNode({ ...base, nativeTransportPort: 0, adminPort: 0 });
    try {
      const second = { ...base, dataFileDirectories: [join(dir, 'n2', 'data')], commitlogDirectory: join(dir, 'n2', 'commitlog'), logDirectory: join(dir, 'n2', 'logs') };
      await assert.rejects(startNode({ ...second, nativeTransportPort: first.nativePort, adminPort: 0 }), /EADDRINUSE/);
    } finally {
      await first.stop({ drainMs: 0 });
    }
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
});
