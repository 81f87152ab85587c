import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { logTailBytesMax } from '../../db/common/limits.js';
import { bindProblem, canConnect, isNodeRunning, tailOfFile } from './processes.js';

test('bindProblem: free, taken, and not an address of this machine', async () => {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', () => resolve()));
  const address = server.address();
  const port = typeof address === 'object' && address !== null ? address.port : 0;
  try {
    assert.match((await bindProblem('127.0.0.1', port)) ?? '', /already in use/);
    assert.equal(await canConnect('127.0.0.1', port, { timeoutMs: 1000 }), true);
  } finally {
    await new Promise((resolve) => server.close(resolve));
  }
  assert.equal(await bindProblem('127.0.0.1', port), null);
  assert.equal(await canConnect('127.0.0.1', port, { timeoutMs: 1000 }), false);
  // TEST-NET-1 (RFC 5737) is never assigned to a local interface.
  assert.match((await bindProblem('192.0.2.1', port)) ?? '', /is not an address of this machine/);
});

test('a pid counts as the node only while it runs that node', () => {
  const node = { index: 1, address: '127.0.0.1', directory: '/nonexistent/cluster/node1', pid: process.pid };
  assert.equal(isNodeRunning(null, node), false);
  // This test process runs, but not that node (on Linux, where /proc tells).
  if (existsSync('/proc/self/cmdline')) assert.equal(isNodeRunning(process.pid, node), false);
  assert.equal(isNodeRunning(2 ** 22 + 12345, node), false);
});

test('tailOfFile: the last lines, read from a bounded tail of the file', () => {
  const directory = mkdtempSync(join(tmpdir(), 'aero-tail-'));
  try {
    const file = join(directory, 'stdout.log');
    const lines = Array.from({ length: 2000 }, (_, index) => `line ${index}`);
    writeFileSync(file, `${lines.join('\n')}\n`);
    assert.equal(tailOfFile(file, { lines: 3 }), 'line 1997\nline 1998\nline 1999');
    const all = tailOfFile(file, { lines: 10_000 }).split('\n');
    assert.ok(all.join('\n').length <= logTailBytesMax);
    assert.equal(all[all.length - 1], 'line 1999');
    assert.ok(all.every((line) => /^line \d+$/.test(line)), 'a cut first line was shown');
    assert.match(tailOfFile(join(directory, 'missing.log'), { lines: 3 }), /no log at .*missing\.log: ENOENT/);
  } finally {
    rmSync(directory, { recursive: true, force: true });
  }
});
