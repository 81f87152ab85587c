// nodetool repair over whole simulated nodes (repair-scenario.ts), over seeds:
// AERO_NODE_SEEDS=N runs seeds 1..N (default 5); AERO_NODE_SEED=s replays seed s.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { expectedRows, repairScenario } from './repair-scenario.js';

function seedsToRun(): number[] {
  const only = process.env['AERO_NODE_SEED'];
  if (only !== undefined) return [Number(only)];
  return Array.from({ length: Number(process.env['AERO_NODE_SEEDS'] ?? 5) }, (_, index) => index + 1);
}

test('after nodetool repair a replica that missed writes and deletes past the hint window holds the same rows as its peers', { timeout: 600_000 }, async () => {
  for (const seed of seedsToRun()) {
    const { replicas } = await repairScenario(seed);
    for (const [index, rows] of replicas.entries()) assert.deepEqual(rows, expectedRows(), `node ${index + 1} after repair (seed ${seed})`);
  }
});

test('without the repair the replica that was down still differs', { timeout: 600_000 }, async () => {
  const seed = seedsToRun()[0] ?? 1;
  const { replicas } = await repairScenario(seed, false);
  assert.deepEqual(replicas[0], expectedRows());
  assert.notDeepEqual(replicas[2], expectedRows(), `node 3 converges only through repair (seed ${seed})`);
});
