import assert from 'node:assert/strict';
import { test } from 'node:test';
import { metricSample, storageCell } from './storage-state.js';

const text = [
  '# TYPE cassandra_cache_hits_total counter',
  'cassandra_cache_hits_total{cache="chunks"} 30',
  'cassandra_cache_hits_total{cache="keys"} 7',
  'cassandra_table_live_sstable_count{keyspace="bench",table="kv"} 4',
  'cassandra_table_live_sstable_count{keyspace="system",table="local"} 1',
  'cassandra_compaction_pending_tasks 2',
].join('\n');

test('metricSample sums the samples whose labels match, and ignores comments and other metrics', () => {
  assert.equal(metricSample(text, 'cassandra_cache_hits_total', { cache: 'chunks' }), 30);
  assert.equal(metricSample(text, 'cassandra_cache_hits_total'), 37);
  assert.equal(metricSample(text, 'cassandra_table_live_sstable_count', { keyspace: 'bench', table: 'kv' }), 4);
  assert.equal(metricSample(text, 'cassandra_compaction_pending_tasks'), 2);
  assert.equal(metricSample(text, 'cassandra_cache_requests_total'), 0);
});

test('storageCell names each node with its hit ratios, sstables and pending compactions', () => {
  assert.equal(storageCell({
    node1: { chunkHitRatio: 0.634, keyHitRatio: null, sstables: 7, compactionsPending: 1 },
    node2: null,
  }), 'node1 63%/-, 7 sst, 1 pend; node2 ?');
  assert.equal(storageCell(undefined), '');
});
