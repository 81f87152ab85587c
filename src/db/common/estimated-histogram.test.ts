// EstimatedHistogram: Cassandra's bucket offsets, percentiles as bucket upper bounds, overflow.

import test from 'node:test';
import assert from 'node:assert/strict';
import { EstimatedHistogram } from './estimated-histogram.js';

test('bucket offsets grow as Cassandra\'s: 1, 2, 3, ..., 10, 12, 14, 17, 20, 24', () => {
  const histogram = new EstimatedHistogram(20);
  for (const value of [11, 13, 15, 18, 21]) histogram.add(value);
  assert.equal(histogram.min(), 12);
  assert.equal(histogram.max(), 24);
  assert.equal(histogram.percentile(0.5), 17);
});

test('percentiles are the upper bounds of the buckets the fractions fall in; empty is 0', () => {
  const histogram = new EstimatedHistogram();
  assert.deepEqual(histogram.summary().percentiles, [0, 0, 0, 0, 0, 0, 0]);
  for (let i = 1; i <= 100; i++) histogram.add(i);
  const [p50, p75, p95, p98, p99, min, max] = histogram.summary().percentiles;
  assert.equal(min, 1);
  assert.ok(p50 >= 50 && p50 <= 60, `p50 ${p50}`);
  assert.ok(p75 >= 75 && p75 <= 90, `p75 ${p75}`);
  assert.ok(p95 >= 95 && p98 >= p95 && p99 >= p98 && max >= 100 && max <= 120, `${p95} ${p98} ${p99} ${max}`);
  assert.equal(histogram.count, 100);
  assert.ok(Math.abs(histogram.mean() - 50.5) < 10);
});

test('a value past the last bucket overflows and is still the max', () => {
  const histogram = new EstimatedHistogram(10);
  histogram.add(5);
  assert.equal(histogram.overflowed, false);
  histogram.add(1_000_000);
  assert.equal(histogram.overflowed, true);
  assert.equal(histogram.max(), 1_000_000);
});
