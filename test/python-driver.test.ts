// The DataStax Python driver (Debian's python3-cassandra) against a real node: it reads every
// system_schema table eagerly on connect, so this checks the system tables' exact shapes.
// It also covers LWT, counters and collections by cell (element updates, deletes, nulls, empty
// collections, comparator order): test/python/driver_check.py.
// run-tests: two at a time

import test from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { startNodeProcess } from './harness/node-process.js';

// Debian's package installs for Debian's interpreter, which may not be the first python3 on PATH.
const python = existsSync('/usr/bin/python3') ? '/usr/bin/python3' : 'python3';
const hasDriver = spawnSync(python, ['-c', 'import cassandra'], { encoding: 'utf8' }).status === 0;

test('python3-cassandra connects, loads metadata, round-trips types, pages, batches and sees errors', { timeout: 180_000 }, async () => {
  // A missing tool is a failure, never a silent skip (.ci/run installs python3-cassandra).
  assert.ok(hasDriver, `python3-cassandra is not installed for ${python} (apt-get install python3-cassandra)`);
  const node = await startNodeProcess();
  try {
    const result = spawnSync(python, ['test/python/driver_check.py', node.host, String(node.nativePort)], { encoding: 'utf8', timeout: 150_000 });
    assert.equal(result.status, 0, `python driver checks failed:\n${result.stdout}\n${result.stderr}\n--- node output ---\n${node.output().slice(-4000)}`);
  } finally {
    await node.stop();
    node.cleanup();
  }
});
