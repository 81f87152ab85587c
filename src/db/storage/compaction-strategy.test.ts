import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { chooseSizeTieredCompaction, sizeTieredBuckets, sizeTieredDefaults } from './compaction-strategy.js';

const MiB = 1024 * 1024;
const tables = (sizesMiB: number[], firstGeneration = 1) => sizesMiB.map((size, index) => ({ generation: firstGeneration + index, sizeBytes: size * MiB }));

describe('size-tiered compaction choice', () => {
  it('needs minThreshold similar sstables', () => {
    assert.equal(chooseSizeTieredCompaction([]), null);
    assert.equal(chooseSizeTieredCompaction(tables([1, 2, 3])), null);
    assert.deepEqual(chooseSizeTieredCompaction(tables([1, 2, 3, 4])), [1, 2, 3, 4]);
  });

  it('puts every sstable under minSSTableBytes in one bucket', () => {
    assert.deepEqual(chooseSizeTieredCompaction(tables([0.01, 49, 20, 3])), [1, 2, 3, 4]);
  });

  it('buckets by the running average, bounds exclusive', () => {
    assert.deepEqual(chooseSizeTieredCompaction(tables([100, 110, 120, 130])), [1, 2, 3, 4]);
    assert.equal(chooseSizeTieredCompaction(tables([100, 200, 400, 800])), null);
    // 150 is not below 100 * 1.5: a bucket of its own.
    const buckets = sizeTieredBuckets(tables([100, 150]), sizeTieredDefaults);
    assert.equal(buckets.length, 2);
    assert.equal(chooseSizeTieredCompaction(tables([100, 100, 100, 150])), null);
  });

  it('prefers the bucket of smaller sstables and ignores unrelated sizes', () => {
    const sstables = [...tables([1000, 1010, 990, 1005], 1), ...tables([200, 210, 190, 205, 201], 10), ...tables([5000], 20)];
    assert.deepEqual(chooseSizeTieredCompaction(sstables), [10, 11, 12, 13, 14]);
  });

  it('compacts at most maxThreshold sstables, the smallest of the bucket', () => {
    const sstables = tables(Array.from({ length: 40 }, (_, i) => 40 - i * 0.5));
    const chosen = chooseSizeTieredCompaction(sstables);
    assert.ok(chosen !== null);
    assert.equal(chosen.length, 32);
    assert.deepEqual(chosen, Array.from({ length: 32 }, (_, i) => 9 + i));
    assert.deepEqual(chooseSizeTieredCompaction(sstables, { maxThreshold: 4 }), [37, 38, 39, 40]);
  });

  it('honours a custom minThreshold', () => {
    assert.deepEqual(chooseSizeTieredCompaction(tables([1, 2]), { minThreshold: 2 }), [1, 2]);
  });
});
