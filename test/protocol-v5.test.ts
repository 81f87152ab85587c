// Native protocol v5 with real drivers against a node process.
//
// - The Python driver (Debian's python3-cassandra 3.25) speaks v5: checksummed segments with
//   and without LZ4, large values, paging, result metadata ids across a schema change, and
//   per-query keyspaces (test/python/protocol_v5_check.py).
// - The Node.js driver (cassandra-driver 4.x) does not support v5: it offers DSE v2 (0x42),
//   then steps straight down to v4 (lib/types/protocol-version.js). It must keep doing so.
// run-tests: two at a time

import test from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import cassandra from 'cassandra-driver';
import { startNodeProcess } from './harness/node-process.js';

// Debian's package installs for Debian's interpreter, which may not be the first python3 on PATH.
const python = existsSync('/usr/bin/python3') ? '/usr/bin/python3' : 'python3';
const hasDriver = spawnSync(python, ['-c', 'import cassandra, lz4'], { encoding: 'utf8' }).status === 0;

test('protocol v5: the Python driver negotiates v5 and uses segments, LZ4, metadata ids and keyspaces', { timeout: 240_000 }, async () => {
  // A missing tool is a failure, never a silent skip (.ci/run installs python3-cassandra and python3-lz4).
  assert.ok(hasDriver, `python3-cassandra or python3-lz4 is not installed for ${python} (apt-get install python3-cassandra python3-lz4)`);
  const node = await startNodeProcess();
  try {
    const result = spawnSync(python, ['test/python/protocol_v5_check.py', node.host, String(node.nativePort)], { encoding: 'utf8', timeout: 200_000 });
    assert.equal(result.status, 0, `protocol v5 checks failed:\n${result.stdout}\n${result.stderr}\n--- node output ---\n${node.output().slice(-4000)}`);
    assert.match(result.stdout, /protocol v5 checks passed/);
  } finally {
    await node.stop();
    node.cleanup();
  }
});

test('protocol v5: the Node.js driver, which has no v5, still settles on v4', { timeout: 120_000 }, async () => {
  assert.equal(cassandra.types.protocolVersion.isSupported(cassandra.types.protocolVersion.v5), false, 'this driver version now supports v5: test it here');
  const node = await startNodeProcess();
  const client = new cassandra.Client({ contactPoints: [node.host], localDataCenter: 'datacenter1', protocolOptions: { port: node.nativePort } });
  try {
    await client.connect();
    // The driver keeps the negotiated version on its (untyped) control connection.
    const { controlConnection } = client as unknown as { controlConnection: { protocolVersion: number } };
    assert.equal(controlConnection.protocolVersion, cassandra.types.protocolVersion.v4);
    const row = (await client.execute("SELECT release_version FROM system.local WHERE key = 'local'")).first();
    assert.ok(String(row?.['release_version']).startsWith('4.'));
  } finally {
    await client.shutdown();
    await node.stop();
    node.cleanup();
  }
});
