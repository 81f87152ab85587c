// Runs quorum-chaos.ts over many seeds: AERO_QUORUM_SEEDS=N runs N seeds (default 200, about 15 s);
// AERO_QUORUM_SEED=s runs only seed s (a failure names its seed and the storm's events).

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { checkHistory, runSeed, type ReadRecord, type WriteRecord } from './quorum-chaos.js';

function seedsToRun(): number[] {
  const only = process.env['AERO_QUORUM_SEED'];
  if (only !== undefined) return [Number(only)];
  return Array.from({ length: Number(process.env['AERO_QUORUM_SEEDS'] ?? 200) }, (_, index) => index + 1);
}

test('the checker flags a lost acknowledged write, a value never written and a read going back in time', () => {
  const w = (value: string, timestampMicros: number, startMs: number, endMs: number, outcome: WriteRecord['outcome'] = 'ok'): WriteRecord =>
    ({ key: 1, value, timestampMicros, startMs, endMs, outcome });
  const r = (value: string | null, timestampMicros: number, startMs: number, endMs: number): ReadRecord => ({ key: 1, value, timestampMicros, startMs, endMs });
  const writes = [w('a', 10, 0, 5), w('b', 20, 10, 15), w('c', 30, 40, 50, 'unknown')];
  assert.deepEqual(checkHistory(writes, [r('a', 10, 6, 8), r('b', 20, 20, 25), r('c', 30, 45, 46)]), [], 'a valid history');
  assert.equal(checkHistory(writes, [r('a', 10, 20, 25)]).length, 1, 'acknowledged b lost');
  assert.equal(checkHistory(writes, [r(null, 0, 20, 25)]).length, 1, 'nothing read after an acknowledged write');
  assert.equal(checkHistory(writes, [r('zz', 99, 20, 25)]).length, 1, 'a value never written');
  assert.equal(checkHistory(writes, [r('c', 30, 20, 25)]).length, 1, 'a value written after the read');
  assert.equal(checkHistory(writes, [r('c', 30, 45, 46), r('b', 20, 47, 48)]).length, 1, 'back in time');
});

const seeds = seedsToRun();

// 600 s for the CI count; a longer run (ten times the seeds) gets time in proportion.
test('QUORUM under loss, delay, partitions, cut links, crashes and restarts: no acknowledged write lost, logged batches atomic', { timeout: Math.max(600_000, seeds.length * 3_000) }, async () => {
  const totals = { seeds: 0, writes: 0, acknowledged: 0, reads: 0, batches: 0, speculated: 0 };
  for (const seed of seeds) {
    const counts = await runSeed(seed);
    totals.seeds++;
    totals.writes += counts.writes;
    totals.acknowledged += counts.acknowledged;
    totals.reads += counts.reads;
    totals.batches += counts.batches;
    totals.speculated += counts.speculated;
  }
  // Enough happened for the check to mean something.
  assert.ok(totals.acknowledged > totals.seeds * 5, JSON.stringify(totals));
  assert.ok(totals.reads > totals.seeds * 5, JSON.stringify(totals));
  // Speculative retry ran (seeds cycle through policies that speculate at once or after a delay).
  if (totals.seeds >= 5) assert.ok(totals.speculated > 0, JSON.stringify(totals));
  console.log(`quorum chaos: ${JSON.stringify(totals)}`);
});
