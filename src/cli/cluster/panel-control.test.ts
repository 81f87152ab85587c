// The figures the cluster panel reads from a node's Prometheus text, and the administrator
// token file: made once, 0600, kept by the next start.

import test from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ensureWebAdminToken, panelMetrics } from './panel-control.js';

test('hint and read-repair figures are summed over their labels', () => {
  const text = [
    '# HELP cassandra_storage_hints_in_progress Hints held',
    '# TYPE cassandra_storage_hints_in_progress gauge',
    'cassandra_storage_hints_in_progress 12',
    'cassandra_hints_delivered_total{host="127.0.0.2"} 5',
    'cassandra_hints_delivered_total{host="127.0.0.3"} 7',
    'cassandra_storage_hints_in_progress_other 99',
    'cassandra_read_repair_repaired_blocking_total 3e0',
  ].join('\n');
  assert.deepEqual(panelMetrics(text), { hintsInProgress: 12, hintsDelivered: 12, readRepairs: 3 });
  assert.deepEqual(panelMetrics('garbage\n{}'), { hintsInProgress: null, hintsDelivered: null, readRepairs: null });
});

test('the administrator token is made once, 0600, and kept', () => {
  const directory = mkdtempSync(join(tmpdir(), 'aero-token-'));
  try {
    const first = ensureWebAdminToken(directory);
    assert.match(first.token, /^[A-Za-z0-9_-]{32}$/);
    assert.equal(statSync(first.file).mode & 0o777, 0o600);
    assert.equal(ensureWebAdminToken(directory).token, first.token);
  } finally {
    rmSync(directory, { recursive: true, force: true });
  }
});
