// One bound for clustering keys everywhere they are read back (common/limits.ts
// clusteringBytesMax): a key that schema/clustering-key.ts accepts must survive the commit log,
// an sstable and an internode read. The storage serializer and internode payloads once bounded
// keys at 1 MiB while sstables allowed 64 MiB, so a row with many long clustering values was
// acknowledged and then failed its commit log replay as corruption.
// run-tests: two at a time

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { SimulatedDisk } from './harness/simulated-disk.js';
import { clusteringValueBytesMax } from '../src/db/common/limits.js';
import { silentLogger, type Clock } from '../src/db/common/world.js';
import { decodeMutationPayload, decodeReadRequest, encodeMutationPayload, encodeReadRequest } from '../src/db/cluster/messaging/payloads.js';
import { native } from '../src/db/protocol/data-type.js';
import { clusteringPrefixBound, decodeClustering, encodeClustering } from '../src/db/schema/clustering-key.js';
import type { ColumnMetadata, TableMetadata } from '../src/db/schema/metadata.js';
import { StorageEngine, type StorageEngineOptions } from '../src/db/storage/engine.js';
import { NO_DELETION_TIME, type Mutation, type ReadCommand } from '../src/db/storage/types.js';

const nowMs = 1_700_000_000_000;
const clock: Clock = { nowMs: () => nowMs, nowMicros: () => nowMs * 1000, monotonicMs: () => 0, setTimer: () => ({ cancel() {} }), sleep: async () => {} };

/** A table with `count` blob clustering columns (only what clustering-key.ts reads). */
function blobTable(count: number): TableMetadata {
  const clustering: ColumnMetadata[] = Array.from({ length: count }, (_, position) => ({
    name: `c${position}`, type: native('blob'), kind: 'clustering', position, order: 'asc',
  }));
  return {
    keyspace: 'ks', name: 't', id: 't1', partitionKey: [], clustering, regular: [],
    columns: new Map(clustering.map((column) => [column.name, column])), options: {} as TableMetadata['options'],
    droppedColumns: new Map(), virtual: false,
  };
}

function engineOptions(disk: SimulatedDisk): StorageEngineOptions {
  return {
    world: { clock, disk, logger: silentLogger }, dataDirectory: 'data', commitLogDirectory: 'commitlog', syncMode: 'batch', syncPeriodMs: 10,
    memtableFlushBytes: 64 << 20, tables: [{ keyspace: 'ks', tableId: 't1', gcGraceSeconds: 864000 }],
  };
}

test('a clustering key of several MiB survives the commit log, an sstable and internode messages', async () => {
  // Twelve values of 64 KiB - 1 zero bytes: each is escaped to twice its length, about 1.5 MiB in all.
  const table = blobTable(12);
  const values = table.clustering.map(() => Buffer.alloc(clusteringValueBytesMax));
  const clustering = encodeClustering(table, values);
  assert.ok(clustering.length > 1.5 * 1024 * 1024, `key of ${clustering.length} bytes`);
  const mutation: Mutation = {
    keyspace: 'ks', tableId: 't1', key: Buffer.from('k'), token: 7n, partitionDeletion: null, rangeTombstones: [],
    rows: [{ clustering, liveness: null, deletion: null, cells: [{ column: 'v', timestampMicros: 10, ttlSeconds: 0, localDeletionTime: NO_DELETION_TIME, value: Buffer.from('x') }] }],
  };
  assert.deepEqual(decodeMutationPayload(encodeMutationPayload(mutation), 'peer'), mutation);

  const slices = [{ start: clusteringPrefixBound(table, values, { bound: 'before' }), end: clusteringPrefixBound(table, values, { bound: 'after' }) }];
  const command: ReadCommand = {
    kind: 'single', tableId: 't1', key: mutation.key, token: mutation.token, slices, reversed: false, columns: 'all',
    rowLimit: 10, perPartitionRowLimit: 10, nowSeconds: nowMs / 1000, includeTombstones: false,
  };
  assert.deepEqual(decodeReadRequest(encodeReadRequest({ command, digestOnly: false }), 'peer').command, command);

  const disk = new SimulatedDisk();
  let engine = await StorageEngine.open(engineOptions(disk));
  await engine.apply([mutation]);
  disk.crash();
  const readBack = async (): Promise<Buffer[][]> => (await engine.read(command)).partitions.flatMap((p) => p.rows.map((row) => decodeClustering(table, row.clustering)));
  engine = await StorageEngine.open(engineOptions(disk)); // replays the commit log
  assert.deepEqual(await readBack(), [values]);
  await engine.flush();
  await engine.close();
  engine = await StorageEngine.open(engineOptions(disk)); // reads the sstable
  assert.deepEqual(await readBack(), [values]);
  await engine.close();
});
