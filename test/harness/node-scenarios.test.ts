// Runs the whole-node scenarios (node-scenarios.ts) over seeds: AERO_NODE_SEEDS=N runs seeds
// 1..N of each (default 20, about 20 s in all); AERO_NODE_SEED=s replays seed s only.
// A failure names its seed and the nodes' last log lines. One more test runs each scenario
// twice on one seed and requires the same trace digest (every byte every node and client
// sent, and when): the runs are deterministic.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { batchlogReplay, casRaceDuringPartition, concurrentSchemaChanges, countersAcrossARestart, flightStatusDuringPartition, hintsAfterRestart, readRepairOfAStaleReplica, rolesOnEveryNode, schemaAgreementAfterDdl } from './node-scenarios.js';

function seedsToRun(): number[] {
  const only = process.env['AERO_NODE_SEED'];
  if (only !== undefined) return [Number(only)];
  return Array.from({ length: Number(process.env['AERO_NODE_SEEDS'] ?? 20) }, (_, index) => index + 1);
}

const scenarios = [
  ['hints written while a replica is down reach it after its restart', hintsAfterRestart],
  ['a QUORUM read makes a stale replica current', readRepairOfAStaleReplica],
  ['a logged batch whose coordinator dies midway is replayed from the batchlog', batchlogReplay],
  ['DDL through one node: every node agrees on the schema version, as drivers check it', schemaAgreementAfterDdl],
  ['schema changes at once through two nodes (tables, columns of one table, keyspaces): every node keeps all, across a restart', concurrentSchemaChanges],
  ['a role created and granted through one node logs in through the others', rolesOnEveryNode],
  ['a flight status written at QUORUM during a partition: the majority writes, the minority is refused, all converge', flightStatusDuringPartition],
  ['racing CAS increments through every node while one is cut off: nothing lost or duplicated', casRaceDuringPartition],
  ['counter increments through every node add up exactly across a replica crash and restart', countersAcrossARestart],
] as const;

for (const [name, scenario] of scenarios) {
  test(name, { timeout: 600_000 }, async () => {
    for (const seed of seedsToRun()) await scenario(seed);
  });
}

test('the same seed gives the same run, byte for byte', { timeout: 600_000 }, async () => {
  const seed = seedsToRun()[0] ?? 1;
  for (const [name, scenario] of scenarios) assert.equal(await scenario(seed), await scenario(seed), `${name} (seed ${seed})`);
  assert.notEqual(await hintsAfterRestart(seed + 1), await hintsAfterRestart(seed), 'another seed, another run');
});
