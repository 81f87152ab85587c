// Storage engine benchmark (issue 3): loads a table of many rows (several times the memtable
// bound) through the engine on the real disk, restarts it, and reads every row back, checking
// each value. Reports write and read rates and resident memory.
//
//   AERO_BENCH_ROWS=5000000 node dist/bench/run.js storage

import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { murmur3Token } from '../src/db/dht/murmur3.js';
import { systemClock } from '../src/db/platform/clock.js';
import { realDisk, type DiskAccessMode } from '../src/db/platform/disk.js';
import { silentLogger } from '../src/db/common/world.js';
import { resolveNodeConfig } from '../src/db/node/config.js';
import { EMPTY_CLUSTERING } from '../src/db/schema/clustering-key.js';
import { StorageEngine } from '../src/db/storage/engine.js';
import { MAX_TOKEN, MIN_TOKEN, NO_DELETION_TIME, type Mutation } from '../src/db/storage/types.js';

export interface StorageBenchResult {
  rows: number;
  writeRowsPerSecond: number;
  scanRowsPerSecond: number;
  pointReadsPerSecond: number;
  /**
   * A hot set that fits the caches, read over and over: from sstables (every block and index
   * entry in memory after a first pass) and, for comparison, the same number of keys from the
   * memtable. Issue 11's goal: sstable reads within 2x of memtable reads.
   */
  hotSSTableReadsPerSecond: number;
  hotMemtableReadsPerSecond: number;
  /** Keys in the hot set, and the share of block-cache lookups that hit while its sstable reads were measured (1 = the set fits the cache). */
  hotKeys: number;
  hotBlockCacheHitRatio: number;
  peakRssMiB: number;
  dataMiB: number;
}

const TABLE = { keyspace: 'bench', tableId: '00000000-0000-4000-8000-00000000b001', gcGraceSeconds: 864000 };

function keyOf(i: number): Buffer {
  const key = Buffer.alloc(4);
  key.writeInt32BE(i, 0);
  return key;
}

function valueOf(i: number): Buffer {
  return Buffer.from(`value-${i}-${'x'.repeat(40)}`);
}

function mutationOf(i: number, timestampMicros: number): Mutation {
  const key = keyOf(i);
  return {
    keyspace: TABLE.keyspace, tableId: TABLE.tableId, key, token: murmur3Token(key), partitionDeletion: null, rangeTombstones: [],
    rows: [{
      clustering: EMPTY_CLUSTERING,
      liveness: { timestampMicros, ttlSeconds: 0, localExpirationTime: NO_DELETION_TIME },
      deletion: null,
      cells: [{ column: 'v', timestampMicros, ttlSeconds: 0, localDeletionTime: NO_DELETION_TIME, value: valueOf(i) }],
    }],
  };
}

/** The key and block caches a node has with no configuration (key_cache_size_in_mb, file_cache_size_in_mb). */
const nodeCaches = resolveNodeConfig({}, { cwd: tmpdir() }).storageTuning;

async function open(directory: string, memtableFlushBytes: number, accessMode: DiskAccessMode): Promise<StorageEngine> {
  const disk = realDisk(directory, { accessMode });
  await disk.makeDirectory('data');
  await disk.makeDirectory('commitlog');
  return StorageEngine.open({
    world: { clock: systemClock(), disk, logger: silentLogger }, dataDirectory: 'data', commitLogDirectory: 'commitlog',
    syncMode: 'batch', syncPeriodMs: 10, memtableFlushBytes, tables: [TABLE],
    keyCacheBytes: nodeCaches.keyCacheBytes, blockCacheBytes: nodeCaches.blockCacheBytes,
  });
}

/** `diskAccessMode`: as a node's disk_access_mode (--node-setting disk_access_mode=standard compares). */
export async function storageBenchmark(options: { rows: number; memtableFlushBytes?: number; diskAccessMode?: DiskAccessMode }): Promise<StorageBenchResult> {
  const accessMode = options.diskAccessMode ?? 'auto';
  const directory = mkdtempSync(join(tmpdir(), 'aero-bench-'));
  let peakRss = process.memoryUsage().rss;
  const sample = () => { peakRss = Math.max(peakRss, process.memoryUsage().rss); };
  try {
    let engine = await open(directory, options.memtableFlushBytes ?? 64 * 1024 * 1024, accessMode);
    const batch = 1000;
    const concurrent = 8;
    const writeStart = performance.now();
    let timestamp = Date.now() * 1000;
    for (let i = 0; i < options.rows; i += batch * concurrent) {
      const applies: Array<Promise<void>> = [];
      for (let j = 0; j < concurrent; j++) {
        const from = i + j * batch;
        const to = Math.min(options.rows, from + batch);
        if (from >= to) break;
        const mutations: Mutation[] = [];
        for (let k = from; k < to; k++) mutations.push(mutationOf(k, ++timestamp));
        applies.push(engine.apply(mutations));
      }
      await Promise.all(applies);
      sample();
    }
    const writeSeconds = (performance.now() - writeStart) / 1000;
    await engine.idle();
    await engine.close();
    engine = await open(directory, options.memtableFlushBytes ?? 64 * 1024 * 1024, accessMode);
    const scanStart = performance.now();
    const seen = await scanAll(engine, options.rows, sample);
    const scanSeconds = (performance.now() - scanStart) / 1000;
    if (seen !== options.rows) throw new Error(`scan after restart saw ${seen} rows, expected ${options.rows}`);
    const points = Math.min(options.rows, 100_000);
    const pointStart = performance.now();
    await pointReads(engine, options.rows, points);
    const pointSeconds = (performance.now() - pointStart) / 1000;
    sample();
    const hot = await hotReads(engine, options.rows);
    sample();
    const dataMiB = engine.loadBytes() / 1024 / 1024;
    await engine.close();
    return {
      rows: options.rows,
      writeRowsPerSecond: Math.round(options.rows / writeSeconds),
      scanRowsPerSecond: Math.round(options.rows / scanSeconds),
      pointReadsPerSecond: Math.round(points / pointSeconds),
      hotSSTableReadsPerSecond: hot.sstable,
      hotMemtableReadsPerSecond: hot.memtable,
      hotKeys: hot.keys,
      hotBlockCacheHitRatio: hot.blockCacheHitRatio,
      peakRssMiB: Math.round(peakRss / 1024 / 1024),
      dataMiB: Math.round(dataMiB),
    };
  } finally {
    rmSync(directory, { recursive: true, force: true });
  }
}

async function scanAll(engine: StorageEngine, expected: number, sample: () => void): Promise<number> {
  const seen = new Uint8Array(expected);
  let count = 0;
  let start: { token: bigint; key?: Buffer } = { token: MIN_TOKEN };
  for (;;) {
    const result = await engine.read({
      kind: 'range', tableId: TABLE.tableId, start, end: { token: MAX_TOKEN }, partitionLimit: 10_000,
      slices: [{ start: Buffer.from([0x20]), end: Buffer.from([0x60]) }], reversed: false, columns: 'all',
      rowLimit: 10_000, perPartitionRowLimit: 1, nowSeconds: Math.floor(Date.now() / 1000), includeTombstones: false,
    });
    for (const partition of result.partitions) {
      const i = partition.key.readInt32BE(0);
      const value = partition.rows[0]?.cells[0]?.value;
      if (value === undefined || value === null || !value.equals(valueOf(i))) throw new Error(`wrong value for row ${i}`);
      if (seen[i] === 1) throw new Error(`row ${i} seen twice`);
      seen[i] = 1;
      count++;
    }
    sample();
    const last = result.partitions[result.partitions.length - 1];
    if (last === undefined) return count;
    start = { token: last.token, key: last.key };
  }
}

/**
 * Hot-set keys: this many, read this many times over, the median of this many passes. Keys are
 * spread over the ring by their token, so each one sits in its own 16 KiB data block of some
 * sstable: 5,000 keys touch about 5,000 blocks (~90 MiB decoded), which fits the node's default
 * block cache (file_cache_size_in_mb, 128). 10,000 did not at 2 million rows (the block cache
 * missed 39% of lookups in the hot passes), so those runs measured disk reads, not a working set
 * that fits the caches. The result reports the hit ratio, so a run shows whether its set fitted.
 */
const hotKeys = 5_000;
const hotReadsPerPass = 100_000;
const hotPasses = 3;

/**
 * Reads rates of a hot set: keys [0, hotKeys) from the sstables (warmed by one pass), then as
 * many new keys written past `rows` and read from the memtable.
 */
async function hotReads(engine: StorageEngine, rows: number): Promise<{ keys: number; sstable: number; memtable: number; blockCacheHitRatio: number }> {
  const keys = Math.min(hotKeys, rows);
  let blockCacheHitRatio = 0;
  const rate = async (from: number): Promise<number> => {
    await pointReads(engine, keys, keys, from);
    const before = blockCacheCounts(engine);
    const passes: number[] = [];
    for (let pass = 0; pass < hotPasses; pass++) {
      const start = performance.now();
      await pointReads(engine, keys, hotReadsPerPass, from);
      passes.push(hotReadsPerPass / ((performance.now() - start) / 1000));
    }
    const after = blockCacheCounts(engine);
    const lookups = after.hits + after.misses - before.hits - before.misses;
    blockCacheHitRatio = lookups === 0 ? 1 : (after.hits - before.hits) / lookups;
    return Math.round(passes.sort((a, b) => a - b)[hotPasses >> 1] as number);
  };
  const sstable = await rate(0);
  const sstableHitRatio = blockCacheHitRatio;
  let timestamp = Date.now() * 1000;
  for (let i = rows; i < rows + keys; i += 1000) {
    const mutations: Mutation[] = [];
    for (let k = i; k < Math.min(rows + keys, i + 1000); k++) mutations.push(mutationOf(k, ++timestamp));
    await engine.apply(mutations);
  }
  return { keys, sstable, memtable: await rate(rows), blockCacheHitRatio: sstableHitRatio };
}

function blockCacheCounts(engine: StorageEngine): { hits: number; misses: number } {
  const chunks = engine.cacheStats().find((cache) => cache.name === 'chunks');
  return { hits: chunks?.hits ?? 0, misses: chunks?.misses ?? 0 };
}

/** `count` point reads of keys in [from, from + rows), 64 at a time, each value checked. */
async function pointReads(engine: StorageEngine, rows: number, count: number, from = 0): Promise<void> {
  const concurrent = 64;
  for (let done = 0; done < count; done += concurrent) {
    await Promise.all(Array.from({ length: concurrent }, async (_, j) => {
      const i = from + (((done + j) * 7919) % rows);
      const key = keyOf(i);
      const result = await engine.read({
        kind: 'single', tableId: TABLE.tableId, key, token: murmur3Token(key),
        slices: [{ start: Buffer.from([0x20]), end: Buffer.from([0x60]) }], reversed: false, columns: 'all',
        rowLimit: 1, perPartitionRowLimit: 1, nowSeconds: Math.floor(Date.now() / 1000), includeTombstones: false,
      });
      const value = result.partitions[0]?.rows[0]?.cells[0]?.value;
      if (value === undefined || value === null || !value.equals(valueOf(i))) throw new Error(`point read of row ${i} returned the wrong value`);
    }));
  }
}
