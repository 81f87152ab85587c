import { test } from 'node:test';
import assert from 'node:assert/strict';
import { silentLogger } from '../db/common/world.js';
import { systemClock } from '../db/platform/clock.js';
import { systemNetwork } from '../db/platform/network.js';
import { startAdminServer, type AdminTarget } from '../db/node/admin.js';
import { main } from './main.js';
import type { CliConsole } from './console.js';

function capture(): CliConsole & { stdout: string; stderr: string } {
  const io = {
    stdout: '',
    stderr: '',
    out: (text: string) => void (io.stdout += text),
    err: (text: string) => void (io.stderr += text),
  };
  return io;
}

test('--help lists the subcommands and exits 0', async () => {
  const io = capture();
  assert.equal(await main(['--help'], io), 0);
  assert.match(io.stdout, /node \[options\]/);
  assert.match(io.stdout, /nodetool/);
});

test('an unknown command or option exits 1 with a message', async () => {
  const io = capture();
  assert.equal(await main(['fly'], io), 1);
  assert.match(io.stderr, /unknown command 'fly'/);
});

test('aero node: a bad configuration prints one line and exits 1', async () => {
  const io = capture();
  assert.equal(await main(['node', '--config', '/nonexistent/aero.yaml'], io), 1);
  assert.equal(io.stderr, "aero node: configuration error in '/nonexistent/aero.yaml': file not found\n");
  const flags = capture();
  assert.equal(await main(['node', '--native-port', 'abc'], flags), 1);
  assert.equal(flags.stderr, "aero node: configuration error in '--native-port': expected an integer between 1 and 65535, got 'abc'\n");
});

test('aero nodetool: flush, compact with targets, status; errors exit 1', async () => {
  const calls: Array<[string, AdminTarget]> = [];
  const admin = await startAdminServer({
    network: systemNetwork(), clock: systemClock(), host: '127.0.0.1', port: 0, logger: silentLogger,
    operations: {
      flush: async (target) => void calls.push(['flush', target]),
      compact: async (target) => void calls.push(['compact', target]),
      status: async () => ({ state: 'NORMAL' }),
    },
  });
  try {
    const port = String(admin.port);
    assert.equal(await main(['nodetool', '--port', port, 'flush'], capture()), 0);
    assert.equal(await main(['nodetool', '--port', port, 'compact', 'flights', 'airports', 'flight_status'], capture()), 0);
    assert.deepEqual(calls, [
      ['flush', {}], ['compact', { keyspace: 'flights', table: 'airports' }], ['compact', { keyspace: 'flights', table: 'flight_status' }],
    ]);
    const io = capture();
    assert.equal(await main(['nodetool', '--host', '127.0.0.1', '--port', port, 'status'], io), 0);
    assert.deepEqual(JSON.parse(io.stdout), { state: 'NORMAL' });
  } finally {
    await admin.close();
  }
  const down = capture();
  assert.equal(await main(['nodetool', '--port', String(admin.port), 'status'], down), 1);
  assert.match(down.stderr, /cannot reach the node at 127\.0\.0\.1:\d+/);
});
