// What the engine reports of each table for nodetool tablestats: memtable cells and switches,
// the partitions estimate, bloom filter bytes and its true and false positives, and the exact
// totals beside the local latency histograms.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { SimulatedDisk } from '../../../test/harness/simulated-disk.js';
import { EstimatedHistogram } from '../common/estimated-histogram.js';
import { silentLogger, type Clock } from '../common/world.js';
import { StorageEngine } from './engine.js';
import { NO_DELETION_TIME, type Mutation, type ReadCommand } from './types.js';

const nowMs = 1_700_000_000_000;
let monotonicMs = 0;
// Each look at the clock moves it 1 ms on, so that every read and write takes a known, non-zero time.
const clock: Clock = { nowMs: () => nowMs, nowMicros: () => nowMs * 1000, monotonicMs: () => (monotonicMs += 1), setTimer: () => ({ cancel() {} }), sleep: async () => {} };

function write(k: number, cells: number): Mutation {
  return {
    keyspace: 'ks', tableId: 't1', key: Buffer.from([k]), token: BigInt(k), partitionDeletion: null, rangeTombstones: [],
    rows: [{
      clustering: Buffer.from([1]), liveness: null, deletion: null,
      cells: Array.from({ length: cells }, (_, i) => ({ column: `c${i}`, timestampMicros: 10, ttlSeconds: 0, localDeletionTime: NO_DELETION_TIME, value: Buffer.from('x') })),
    }],
  };
}

function single(k: number): ReadCommand {
  return {
    kind: 'single', tableId: 't1', key: Buffer.from([k]), token: BigInt(k), slices: [{ start: Buffer.alloc(0), end: Buffer.from([0xff, 0xff]) }], reversed: false, columns: 'all',
    rowLimit: 1000, perPartitionRowLimit: 1000, nowSeconds: nowMs / 1000, includeTombstones: false,
  } as ReadCommand;
}

test('tableStats and tableMetrics: memtable cells and switches, partitions, bloom filter bytes and positives, exact latency totals', async () => {
  const engine = await StorageEngine.open({
    world: { clock, disk: new SimulatedDisk(), logger: silentLogger }, dataDirectory: 'data', commitLogDirectory: 'commitlog', syncMode: 'batch', syncPeriodMs: 10,
    memtableFlushBytes: 1 << 20, commitLogSegmentBytes: 8192, sstableBlockBytes: 256, tables: [{ keyspace: 'ks', tableId: 't1', gcGraceSeconds: 864000 }],
  });
  try {
    // 50 partitions of even tokens 0..98, two cells each, then the first one overwritten (an operation too).
    for (let k = 0; k < 100; k += 2) await engine.apply([write(k, 2)]);
    await engine.apply([write(0, 2)]);
    const before = engine.tableStats().find((stats) => stats.tableId === 't1');
    assert.deepEqual([before?.memtableCells, before?.partitionsEstimate, before?.sstableCount, before?.bloomFilterBytes], [102, 50, 0, 0]);
    await engine.flush();
    const after = engine.tableStats().find((stats) => stats.tableId === 't1');
    assert.deepEqual([after?.memtableCells, after?.partitionsEstimate, after?.sstableCount], [0, 50, 1]);
    assert.ok((after?.bloomFilterBytes ?? 0) > 0, 'the sstable\'s bloom filter is counted');
    const metrics = engine.tableMetrics('t1');
    assert.equal(metrics.memtableSwitches, 1);
    assert.equal(metrics.partitionSize.count, 50, 'each flushed partition measured');

    // Present keys: true positives. Absent odd tokens within the sstable's bounds: a false positive each time the bloom filter lets one in.
    for (let k = 0; k < 100; k++) await engine.read(single(k));
    assert.equal(metrics.bloomTruePositives, 50);
    assert.ok(metrics.bloomFalsePositives <= 50);
    const falseBefore = metrics.bloomFalsePositives;
    // Beyond the sstable's token bounds the filter is not even asked.
    await engine.read(single(200));
    assert.equal(metrics.bloomFalsePositives, falseBefore);
    assert.equal(metrics.bloomTruePositives, 50);
    // Each read and write took the clock's 1 ms step: 1000 µs each, summed exactly.
    assert.equal(metrics.readLatency.count, 101);
    assert.equal(metrics.readLatency.totalValue, 101 * 1000);
    assert.equal(metrics.writeLatency.count, 51);
    assert.equal(metrics.writeLatency.totalValue, 51 * 1000);
  } finally {
    await engine.close();
  }
});

test('EstimatedHistogram.totalValue is the exact sum of the values added, each rounded up', () => {
  const histogram = new EstimatedHistogram();
  for (const value of [1, 2.5, 1000, 0]) histogram.add(value);
  assert.equal(histogram.totalValue, 1 + 3 + 1000 + 0);
  assert.equal(histogram.count, 4);
});
