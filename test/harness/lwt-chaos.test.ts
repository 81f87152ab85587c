// Runs lwt-chaos.ts over seeds: AERO_LWT_SEEDS=N runs seeds 1..N (default 12, about 20 s on an
// idle machine: 1.6 s a seed, 4 times that under load); AERO_LWT_SEED=s replays seed s only. A failure names its seed, the
// checker's explanation (the longest linearizable prefix and what cannot follow it) and the
// nemesis's events.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { runLwtSeed } from './lwt-chaos.js';

function seedsToRun(): number[] {
  const only = process.env['AERO_LWT_SEED'];
  if (only !== undefined) return [Number(only)];
  return Array.from({ length: Number(process.env['AERO_LWT_SEEDS'] ?? 12) }, (_, index) => index + 1);
}

test('LWT under crashes, restarts, partitions, cut and reset links: every history of conditional updates is linearizable', { timeout: 900_000 }, async () => {
  const totals = { seeds: 0, operations: 0, ok: 0, info: 0, fail: 0, casApplied: 0, serialReads: 0 };
  const started = performance.now();
  for (const seed of seedsToRun()) {
    const counts = await runLwtSeed(seed);
    totals.seeds++;
    for (const name of ['operations', 'ok', 'info', 'fail', 'casApplied', 'serialReads'] as const) totals[name] += counts[name];
  }
  // Enough happened for the check to mean something.
  assert.ok(totals.casApplied >= totals.seeds * 10, JSON.stringify(totals));
  assert.ok(totals.serialReads >= totals.seeds * 10, JSON.stringify(totals));
  console.log(`lwt chaos: ${JSON.stringify(totals)} in ${Math.round(performance.now() - started)} ms`);
});
