// How sstable block reads behave under disk_access_mode (issue 11), in one process, with no
// network: random point reads that all miss a 16 MiB block cache, and one unpaged read of a
// 200,000-row (about 20 MiB) partition while a 1 ms timer measures how long the event loop is held.
// Run each mode in its own process, alternating, and compare medians:
//
//   node dist/bench/disk-reads.js build DIR
//   node dist/bench/disk-reads.js point DIR auto|standard
//   node dist/bench/disk-reads.js wide DIR auto|standard
//   node dist/bench/disk-reads.js range-pages DIR auto|standard
//
// range-pages pages through the wide partition with range reads of 5,000 rows, as a driver
// paging `SELECT * FROM t` does (issue 14): the first page meets the partition in a scan, the
// others resume inside it (afterClustering).

import { monitorEventLoopDelay } from 'node:perf_hooks';
import { silentLogger } from '../src/db/common/world.js';
import { murmur3Token } from '../src/db/dht/murmur3.js';
import { systemClock } from '../src/db/platform/clock.js';
import { realDisk, type DiskAccessMode } from '../src/db/platform/disk.js';
import { EMPTY_CLUSTERING } from '../src/db/schema/clustering-key.js';
import { StorageEngine } from '../src/db/storage/engine.js';
import { MIN_TOKEN, NO_DELETION_TIME, type Mutation, type Row } from '../src/db/storage/types.js';

const POINTS = { keyspace: 'bench', tableId: '00000000-0000-4000-8000-00000000b001', gcGraceSeconds: 864000 };
const WIDE = { keyspace: 'bench', tableId: '00000000-0000-4000-8000-00000000b002', gcGraceSeconds: 864000 };
const pointRows = 1_000_000;
const wideRows = 200_000;
const pointReads = 100_000;
const concurrentReads = 64;
const ALL_ROWS = [{ start: Buffer.from([0x20]), end: Buffer.from([0x60]) }];

function keyOf(i: number): Buffer {
  const key = Buffer.alloc(4);
  key.writeInt32BE(i, 0);
  return key;
}

/** A clustering key of one int component, in the engine's byte-ordered encoding. */
function clusteringOf(i: number): Buffer {
  const key = Buffer.alloc(6);
  key[0] = 0x40;
  key.writeUInt32BE(i, 1);
  key[5] = 0x38;
  return key;
}

function row(clustering: Buffer, timestampMicros: number, value: Buffer): Row {
  return {
    clustering, liveness: { timestampMicros, ttlSeconds: 0, localExpirationTime: NO_DELETION_TIME }, deletion: null,
    cells: [{ column: 'v', timestampMicros, ttlSeconds: 0, localDeletionTime: NO_DELETION_TIME, value }],
  };
}

function mutation(tableId: string, key: Buffer, rows: Row[]): Mutation {
  return { keyspace: 'bench', tableId, key, token: murmur3Token(key), partitionDeletion: null, rangeTombstones: [], rows };
}

async function open(directory: string, accessMode: DiskAccessMode): Promise<StorageEngine> {
  const disk = realDisk(directory, { accessMode });
  await disk.makeDirectory('data');
  await disk.makeDirectory('commitlog');
  return StorageEngine.open({
    world: { clock: systemClock(), disk, logger: silentLogger }, dataDirectory: 'data', commitLogDirectory: 'commitlog',
    syncMode: 'batch', syncPeriodMs: 10, memtableFlushBytes: 64 * 1024 * 1024, tables: [POINTS, WIDE],
    keyCacheBytes: 4 * 1024 * 1024, blockCacheBytes: 16 * 1024 * 1024,
  });
}

const readOf = (tableId: string, key: Buffer, rowLimit: number) => ({
  kind: 'single' as const, tableId, key, token: murmur3Token(key), slices: ALL_ROWS, reversed: false, columns: 'all' as const,
  rowLimit, perPartitionRowLimit: rowLimit, nowSeconds: Math.floor(Date.now() / 1000), includeTombstones: false,
});

async function build(engine: StorageEngine): Promise<void> {
  let timestamp = Date.now() * 1000;
  for (let i = 0; i < pointRows; i += 1000) {
    const mutations: Mutation[] = [];
    for (let k = i; k < i + 1000; k++) mutations.push(mutation(POINTS.tableId, keyOf(k), [row(EMPTY_CLUSTERING, ++timestamp, Buffer.from(`value-${k}-${'x'.repeat(40)}`))]));
    await engine.apply(mutations);
  }
  for (let i = 0; i < wideRows; i += 1000) {
    const rows: Row[] = [];
    for (let k = i; k < i + 1000; k++) rows.push(row(clusteringOf(k), ++timestamp, Buffer.alloc(100, k & 0xff)));
    await engine.apply([mutation(WIDE.tableId, keyOf(-1), rows)]);
  }
  // Flushed, so that each measuring process opens sstables only (no commit log to replay, no memtable).
  await engine.flush();
  await engine.idle();
}

async function points(engine: StorageEngine): Promise<object> {
  const cpu = process.cpuUsage();
  const started = performance.now();
  for (let done = 0; done < pointReads; done += concurrentReads) {
    await Promise.all(Array.from({ length: concurrentReads }, async (_, j) => {
      const i = ((done + j) * 7919 + 13) % pointRows;
      const result = await engine.read(readOf(POINTS.tableId, keyOf(i), 1));
      if (result.partitions[0]?.rows[0] === undefined) throw new Error(`row ${i} missing`);
    }));
  }
  const seconds = (performance.now() - started) / 1000;
  const used = process.cpuUsage(cpu);
  return { readsPerSecond: Math.round(pointReads / seconds), cpuMicrosPerRead: Math.round((used.user + used.system) / pointReads) };
}

async function wide(engine: StorageEngine): Promise<object> {
  const delay = monitorEventLoopDelay({ resolution: 1 });
  delay.enable();
  // The longest time between two ticks of a 1 ms timer; 0 if it never ran (the read held the loop throughout).
  let longestGap = 0;
  let lastTick = performance.now();
  const timer = setInterval(() => {
    const now = performance.now();
    longestGap = Math.max(longestGap, now - lastTick);
    lastTick = now;
  }, 1);
  const started = performance.now();
  const result = await engine.read(readOf(WIDE.tableId, keyOf(-1), 1e9));
  const readMs = performance.now() - started;
  clearInterval(timer);
  delay.disable();
  const rows = result.partitions[0]?.rows.length ?? 0;
  if (rows !== wideRows) throw new Error(`the wide partition read ${rows} rows, expected ${wideRows}`);
  return { readMs: Math.round(readMs), longestTimerGapMs: Number(longestGap.toFixed(1)), eventLoopDelayMaxMs: Number((delay.max / 1e6).toFixed(1)) };
}

async function rangePages(engine: StorageEngine): Promise<object> {
  const pageRows = 5000;
  const key = keyOf(-1);
  const token = murmur3Token(key);
  const started = performance.now();
  let rows = 0;
  let pages = 0;
  let firstPageMs = 0;
  let after: Buffer | undefined;
  for (;;) {
    const result = await engine.read({
      ...readOf(WIDE.tableId, key, pageRows), kind: 'range', partitionLimit: pageRows,
      start: after === undefined ? { token: MIN_TOKEN } : { token, key }, end: { token: MIN_TOKEN },
      ...(after === undefined ? {} : { afterClustering: after }),
    });
    pages++;
    if (pages === 1) firstPageMs = performance.now() - started;
    const page = result.partitions[0]?.rows ?? [];
    rows += page.length;
    const last = page[page.length - 1];
    if (page.length < pageRows || last === undefined) break;
    after = last.clustering;
  }
  if (rows !== wideRows) throw new Error(`paging read ${rows} rows, expected ${wideRows}`);
  return { pages, totalMs: Math.round(performance.now() - started), firstPageMs: Math.round(firstPageMs), peakRssMiB: Math.round(process.resourceUsage().maxRSS / 1024) };
}

const [phase, directory, mode = 'auto'] = process.argv.slice(2);
if (directory === undefined || !['build', 'point', 'wide', 'range-pages'].includes(phase ?? '') || !['auto', 'standard'].includes(mode)) {
  console.error('usage: node dist/bench/disk-reads.js build|point|wide|range-pages DIR [auto|standard]');
  process.exit(2);
}
const engine = await open(directory, mode as DiskAccessMode);
try {
  if (phase === 'build') await build(engine);
  else {
    const measure = phase === 'point' ? points : phase === 'wide' ? wide : rangePages;
    console.log(JSON.stringify({ phase, mode, ...(await measure(engine)) }));
  }
} finally {
  await engine.close();
}
