// The CI version of the nemesis (test/nemesis/run.ts): five real `aero node` processes at RF 3,
// the driver workload (QUORUM writes and reads, logged batches, lightweight transactions) and
// every fault kind at least once (kill -9, SIGSTOP pause, partition, one-way cut, clock skew
// under libfaketime, a full loop-mounted disk), then hints, `nodetool repair` on every node and
// the history checker: no anomaly may be found. Three faults may run at once, so the first
// round of kinds ends sooner (about 80 s idle). Measured before that: 2 to 5 minutes (2 min 10 s measured at a load
// average of 7 to 20; 5 min 7 s with 60 s of faults at 36 beside a 30-minute nemesis). Needs root (iptables, a loop
// mount) and the Debian packages faketime, iptables and e2fsprogs (scripts/prerequisites.js);
// outside CI, without root, it is skipped with the reason; in CI it fails instead. Needs the build.

import test from 'node:test';
import assert from 'node:assert/strict';
import { rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { faultKinds } from './nemesis/faults.js';
import { formatResult, runNemesis } from './nemesis/run.js';

const root = process.getuid?.() === 0;
const skip = !root && process.env['CI'] !== 'true' ? 'needs root for iptables and a loop mount (CI runs it as root)' : false;

test('nemesis: every fault kind on real processes, and the checker finds no anomaly', { timeout: 420_000, skip }, async () => {
  assert.ok(root, 'the nemesis needs root (iptables rules and a loop-mounted filesystem)');
  const historyFile = join(tmpdir(), `aero-nemesis-ci-${process.pid}.jsonl`);
  const result = await runNemesis({
    faultMs: 30_000, seed: Number(process.env['AERO_NEMESIS_SEED'] ?? 14), historyFile, concurrentFaults: 3,
    aero: resolve('bin', 'aero.js'), disk: true, log: (line) => console.log(line),
  });
  const report = formatResult(result);
  console.log(report);
  for (const kind of faultKinds) assert.ok((result.faults[kind] ?? 0) >= 1, `fault ${kind} never ran:\n${report}`);
  const counts = result.summary.operations;
  for (const kind of ['write', 'read', 'batch', 'lwt-insert', 'lwt-cas', 'serial-read']) assert.ok((counts[kind]?.ok ?? 0) > 0, `no ${kind} succeeded:\n${report}`);
  assert.deepEqual(result.summary.anomalies, [], report);
  rmSync(historyFile, { force: true });
});
