// Property test of the storage engine against a plain model: random writes, deletes of every
// kind, TTLs under an advancing clock, out-of-order timestamps, flushes, compactions and
// crashes (losing what was not fsynced) with reopen and replay. After every step, reads of the
// engine equal the model's. The model is deliberately naive and written independently of
// partition.ts: it keeps every mutation and decides each row and cell from scratch.
//
// AERO_PROPERTY_SEEDS=N runs N seeds; AERO_PROPERTY_SEED=s runs only seed s (a failure prints it).

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { SimulatedDisk } from '../../../test/harness/simulated-disk.js';
import { silentLogger, type Clock } from '../common/world.js';
import { StorageEngine, type StorageEngineOptions } from './engine.js';
import { filterLiveRow } from './partition.js';
import { MIN_TOKEN, NO_DELETION_TIME, type Cell, type ClusteringSlice, type LivenessInfo, type Mutation, type PartitionPosition, type ReadCommand, type ReadResult, type Row } from './types.js';

type Rng = () => number;
function mulberry32(seed: number): Rng {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}
const int = (rng: Rng, n: number) => Math.floor(rng() * n);
const chance = (rng: Rng, p: number) => rng() < p;

const KEYS = 6;
const CLUSTERINGS = 10;
const COLUMNS = ['a', 'b', 'c'];
// Tokens collide for some keys, so (token, key) ordering is exercised.
const tokenOf = (k: number) => BigInt((k * 7) % 4) - 2n;
const keyOf = (k: number) => Buffer.from([0x40 + k]);
// Clustering keys are [c, 1]; bounds are [b] (before every key starting with b) or [b, 2] (after key b).
const clusteringOf = (c: number) => Buffer.from([c, 1]);
const randomBound = (rng: Rng) => (chance(rng, 0.5) ? Buffer.from([int(rng, CLUSTERINGS + 1)]) : Buffer.from([int(rng, CLUSTERINGS), 2]));

function randomRange(rng: Rng): { start: Buffer; end: Buffer } {
  for (;;) {
    const start = randomBound(rng);
    const end = randomBound(rng);
    if (Buffer.compare(start, end) < 0) return { start, end };
  }
}

interface Context {
  rng: Rng;
  nowSeconds: number;
  /** Unique write timestamps, drawn out of order. */
  usedTimestamps: Set<number>;
  /**
   * Monotonic timestamps with gc_grace_seconds = 0, so compaction purges tombstones: with
   * out-of-order timestamps a purged tombstone would legitimately let an older write reappear
   * (Cassandra's gc_grace contract), which the model does not know about.
   */
  monotonic: boolean;
  lastTimestamp: number;
}

function timestamp(ctx: Context): number {
  if (ctx.monotonic) {
    ctx.lastTimestamp += 1 + int(ctx.rng, 3);
    ctx.usedTimestamps.add(ctx.lastTimestamp);
    return ctx.lastTimestamp;
  }
  for (;;) {
    const ts = 1_000 + int(ctx.rng, 100_000);
    if (!ctx.usedTimestamps.has(ts)) {
      ctx.usedTimestamps.add(ts);
      return ts;
    }
  }
}

/** Deletions may share a timestamp with a write: "timestamp <= markedForDeleteAt" must hold exactly. */
function deletionTimestamp(ctx: Context): number {
  if (ctx.monotonic) return chance(ctx.rng, 0.3) ? ctx.lastTimestamp : timestamp(ctx);
  const used = [...ctx.usedTimestamps];
  return used.length > 0 && chance(ctx.rng, 0.3) ? (used[int(ctx.rng, used.length)] as number) : 1_000 + int(ctx.rng, 100_000);
}

function randomCell(ctx: Context, column: string): Cell {
  const ts = timestamp(ctx);
  const kind = int(ctx.rng, 4);
  if (kind === 0) return { column, timestampMicros: ts, ttlSeconds: 0, localDeletionTime: ctx.nowSeconds, value: null };
  if (kind === 1) {
    const ttl = 1 + int(ctx.rng, 60);
    return { column, timestampMicros: ts, ttlSeconds: ttl, localDeletionTime: ctx.nowSeconds + ttl, value: Buffer.from([int(ctx.rng, 256)]) };
  }
  return { column, timestampMicros: ts, ttlSeconds: 0, localDeletionTime: NO_DELETION_TIME, value: Buffer.from([int(ctx.rng, 256), int(ctx.rng, 4)]) };
}

function randomRow(ctx: Context, c: number): Row {
  const { rng } = ctx;
  let liveness: LivenessInfo | null = null;
  if (chance(rng, 0.4)) {
    const ttl = chance(rng, 0.3) ? 1 + int(rng, 60) : 0;
    liveness = { timestampMicros: timestamp(ctx), ttlSeconds: ttl, localExpirationTime: ttl > 0 ? ctx.nowSeconds + ttl : NO_DELETION_TIME };
  }
  const deletion = chance(rng, 0.1) ? { markedForDeleteAtMicros: deletionTimestamp(ctx), localDeletionTime: ctx.nowSeconds } : null;
  const cells = COLUMNS.filter(() => chance(rng, 0.6)).map((column) => randomCell(ctx, column));
  return { clustering: clusteringOf(c), liveness, deletion, cells };
}

function randomMutation(ctx: Context): Mutation {
  const { rng } = ctx;
  const k = int(rng, KEYS);
  const mutation: Mutation = { keyspace: 'ks', tableId: 't1', key: keyOf(k), token: tokenOf(k), partitionDeletion: null, rangeTombstones: [], rows: [] };
  const kind = int(rng, 10);
  if (kind === 0) {
    mutation.partitionDeletion = { markedForDeleteAtMicros: deletionTimestamp(ctx), localDeletionTime: ctx.nowSeconds };
  } else if (kind === 1) {
    mutation.rangeTombstones = [{ ...randomRange(rng), deletion: { markedForDeleteAtMicros: deletionTimestamp(ctx), localDeletionTime: ctx.nowSeconds } }];
  } else {
    const clusterings = [...new Set(Array.from({ length: 1 + int(rng, 3) }, () => int(rng, CLUSTERINGS)))].sort((a, b) => a - b);
    mutation.rows = clusterings.map((c) => randomRow(ctx, c));
  }
  return mutation;
}

// ---- The model -------------------------------------------------------------------------

/** Orders versions of a cell: the maximum wins (timestamp, dead-or-expiring, tombstone, deletion time, value). */
function cellRank(a: Cell, b: Cell): number {
  const deadOrExpiring = (c: Cell) => (c.localDeletionTime !== NO_DELETION_TIME ? 1 : 0);
  const tombstone = (c: Cell) => (c.value === null ? 1 : 0);
  return (
    a.timestampMicros - b.timestampMicros ||
    deadOrExpiring(a) - deadOrExpiring(b) ||
    tombstone(a) - tombstone(b) ||
    (deadOrExpiring(a) === 1 ? a.localDeletionTime - b.localDeletionTime : 0) ||
    Buffer.compare(a.value ?? Buffer.alloc(0), b.value ?? Buffer.alloc(0))
  );
}

interface ModelRow {
  clustering: Buffer;
  cells: Map<string, Buffer>;
}

/** The live rows of a partition at `nowSeconds`, ascending, with every live cell. */
function modelPartition(mutations: Mutation[], nowSeconds: number): ModelRow[] {
  const clusterings = new Map<string, Buffer>();
  for (const m of mutations) for (const r of m.rows) clusterings.set(r.clustering.toString('hex'), r.clustering);
  const out: ModelRow[] = [];
  for (const clustering of [...clusterings.values()].sort(Buffer.compare)) {
    let deletedAt = -Infinity;
    let liveness: LivenessInfo | null = null;
    const cells = new Map<string, Cell>();
    for (const m of mutations) {
      if (m.partitionDeletion !== null) deletedAt = Math.max(deletedAt, m.partitionDeletion.markedForDeleteAtMicros);
      for (const t of m.rangeTombstones) {
        if (Buffer.compare(t.start, clustering) < 0 && Buffer.compare(clustering, t.end) < 0) deletedAt = Math.max(deletedAt, t.deletion.markedForDeleteAtMicros);
      }
      for (const r of m.rows) {
        if (!r.clustering.equals(clustering)) continue;
        if (r.deletion !== null) deletedAt = Math.max(deletedAt, r.deletion.markedForDeleteAtMicros);
        if (r.liveness !== null && (liveness === null || livenessWins(r.liveness, liveness))) liveness = r.liveness;
        for (const c of r.cells) {
          const existing = cells.get(c.column);
          if (existing === undefined || cellRank(c, existing) > 0) cells.set(c.column, c);
        }
      }
    }
    const liveCells = new Map<string, Buffer>();
    for (const [column, c] of cells) {
      if (c.timestampMicros > deletedAt && c.value !== null && (c.ttlSeconds === 0 || nowSeconds < c.localDeletionTime)) liveCells.set(column, c.value);
    }
    const liveMarker = liveness !== null && liveness.timestampMicros > deletedAt && (liveness.ttlSeconds === 0 || nowSeconds < liveness.localExpirationTime);
    if (liveMarker || liveCells.size > 0) out.push({ clustering, cells: liveCells });
  }
  return out;
}

function livenessWins(a: LivenessInfo, b: LivenessInfo): boolean {
  if (a.timestampMicros !== b.timestampMicros) return a.timestampMicros > b.timestampMicros;
  if ((a.ttlSeconds > 0) !== (b.ttlSeconds > 0)) return a.ttlSeconds > 0;
  return a.localExpirationTime > b.localExpirationTime;
}

interface Model {
  byKey: Map<number, Mutation[]>;
}

function comparePosition(k: number, position: PartitionPosition): number {
  const token = tokenOf(k);
  if (token !== position.token) return token < position.token ? -1 : 1;
  if (position.key === undefined) return 1;
  return Buffer.compare(keyOf(k), position.key);
}

function inSlices(clustering: Buffer, slices: ClusteringSlice[]): boolean {
  return slices.some((s) => Buffer.compare(s.start, clustering) < 0 && Buffer.compare(clustering, s.end) < 0);
}

/** The model's answer to a read, as comparable strings. */
function modelRead(model: Model, command: ReadCommand): string[] {
  let keys = [...model.byKey.keys()].sort((a, b) => (tokenOf(a) === tokenOf(b) ? Buffer.compare(keyOf(a), keyOf(b)) : tokenOf(a) < tokenOf(b) ? -1 : 1));
  // Range paging: with afterClustering, the partition at start is resumed, then the range continues.
  const resumed = command.kind === 'range' && command.afterClustering !== undefined ? command.start.key : undefined;
  if (command.kind === 'single') keys = keys.filter((k) => keyOf(k).equals(command.key));
  else keys = keys.filter((k) => (resumed !== undefined && keyOf(k).equals(resumed)) || (comparePosition(k, command.start) > 0 && (command.end.token === MIN_TOKEN || comparePosition(k, command.end) <= 0)));
  const out: string[] = [];
  let rowsLeft = command.rowLimit;
  let partitionsLeft = command.kind === 'range' ? command.partitionLimit : 1;
  for (const k of keys) {
    if (rowsLeft <= 0 || partitionsLeft <= 0) break;
    let rows = modelPartition(model.byKey.get(k) ?? [], command.nowSeconds).filter((r) => inSlices(r.clustering, command.slices));
    const after = command.kind === 'single' || (resumed !== undefined && keyOf(k).equals(resumed)) ? command.afterClustering : undefined;
    if (after !== undefined) {
      rows = rows.filter((r) => (command.reversed ? Buffer.compare(r.clustering, after) < 0 : Buffer.compare(r.clustering, after) > 0));
    }
    if (command.reversed) rows.reverse();
    rows = rows.slice(0, Math.min(rowsLeft, command.perPartitionRowLimit));
    if (rows.length === 0) continue;
    rowsLeft -= rows.length;
    partitionsLeft--;
    for (const r of rows) out.push(describeRow(k, r.clustering, [...r.cells].filter(([column]) => command.columns === 'all' || command.columns.includes(column))));
  }
  return out;
}

function describeRow(k: number, clustering: Buffer, cells: Array<[string, Buffer]>): string {
  const sorted = cells.sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
  return `${k}/${clustering.toString('hex')}:${sorted.map(([c, v]) => `${c}=${v.toString('hex')}`).join(',')}`;
}

function engineRows(result: ReadResult): string[] {
  return result.partitions.flatMap((p) =>
    p.rows.map((r) => describeRow((p.key[0] as number) - 0x40, r.clustering, r.cells.map((c) => [c.column, c.value as Buffer]))),
  );
}

function liveView(result: ReadResult, nowSeconds: number, columns: string[] | 'all'): ReadResult {
  return {
    partitions: result.partitions.map((p) => ({
      ...p,
      rows: p.rows.flatMap((row) => {
        const live = filterLiveRow(row, { nowSeconds, columns });
        return live === null ? [] : [live];
      }),
    })),
  };
}

// ---- Reads -----------------------------------------------------------------------------

function randomSlices(rng: Rng): ClusteringSlice[] {
  if (chance(rng, 0.5)) return [{ start: Buffer.alloc(0), end: Buffer.from([0xff]) }];
  const bounds = [...new Set(Array.from({ length: 2 + 2 * int(rng, 2) }, () => randomBound(rng).toString('hex')))].sort().map((h) => Buffer.from(h, 'hex'));
  const slices: ClusteringSlice[] = [];
  for (let i = 0; i + 1 < bounds.length; i += 2) slices.push({ start: bounds[i] as Buffer, end: bounds[i + 1] as Buffer });
  return slices.length === 0 ? [{ start: Buffer.alloc(0), end: Buffer.from([0xff]) }] : slices;
}

function randomRead(ctx: Context): ReadCommand {
  const { rng } = ctx;
  const base = {
    tableId: 't1', slices: randomSlices(rng), reversed: chance(rng, 0.3), columns: chance(rng, 0.7) ? ('all' as const) : [COLUMNS[int(rng, 3)] as string],
    rowLimit: chance(rng, 0.7) ? 1000 : 1 + int(rng, 5), perPartitionRowLimit: chance(rng, 0.7) ? 1000 : 1 + int(rng, 3),
    nowSeconds: ctx.nowSeconds, includeTombstones: false,
  };
  if (chance(rng, 0.6)) {
    const k = int(rng, KEYS);
    const after = chance(rng, 0.2) ? { afterClustering: clusteringOf(int(rng, CLUSTERINGS)) } : {};
    return { ...base, kind: 'single', key: keyOf(k), token: tokenOf(k), ...after };
  }
  const position = (): PartitionPosition => {
    if (chance(rng, 0.3)) return { token: MIN_TOKEN };
    const k = int(rng, KEYS);
    return chance(rng, 0.5) ? { token: tokenOf(k) } : { token: tokenOf(k), key: keyOf(k) };
  };
  let start = position();
  let end = position();
  if (end.token !== MIN_TOKEN && start.token > end.token) [start, end] = [end, start];
  const paging = start.key !== undefined && chance(rng, 0.3) ? { afterClustering: clusteringOf(int(rng, CLUSTERINGS)) } : {};
  return { ...base, kind: 'range', start, end, partitionLimit: chance(rng, 0.7) ? 1000 : 1 + int(rng, 3), ...paging };
}

// ---- The run ---------------------------------------------------------------------------

function engineOptions(disk: SimulatedDisk, clock: Clock, options: { gcGraceSeconds: number; syncMode: 'batch' | 'periodic' }): StorageEngineOptions {
  return {
    world: { clock, disk: disk.view(), logger: silentLogger }, dataDirectory: 'data', commitLogDirectory: 'commitlog', syncMode: options.syncMode,
    syncPeriodMs: 10, memtableFlushBytes: 2048, commitLogSegmentBytes: 1024, sstableBlockBytes: 128,
    tables: [{ keyspace: 'ks', tableId: 't1', gcGraceSeconds: options.gcGraceSeconds }],
    // Compacting pairs means compactions of subsets, so purging must respect data outside them.
    sizeTiered: { minThreshold: 2, maxThreshold: 2 },
  };
}

async function runSeed(seed: number, steps: number): Promise<void> {
  const rng = mulberry32(seed);
  const monotonic = seed % 2 === 0;
  // Periodic sync acknowledges before fsync, so its runs restart cleanly instead of crashing.
  const settings = { gcGraceSeconds: monotonic ? 0 : 86_400, syncMode: seed % 3 === 0 ? ('periodic' as const) : ('batch' as const) };
  const ctx: Context = { rng, nowSeconds: 1_700_000_000, usedTimestamps: new Set(), monotonic, lastTimestamp: 1_000 };
  const clock: Clock = {
    nowMs: () => ctx.nowSeconds * 1000, nowMicros: () => ctx.nowSeconds * 1_000_000, monotonicMs: () => ctx.nowSeconds * 1000,
    setTimer: () => ({ cancel() {} }), sleep: async () => {},
  };
  const disk = new SimulatedDisk({ seed });
  const model: Model = { byKey: new Map() };
  let engine = await StorageEngine.open(engineOptions(disk, clock, settings));
  for (let step = 0; step < steps; step++) {
    const action = int(rng, 41);
    if (action === 40) {
      await engine.truncate('t1');
      model.byKey.clear();
    } else if (action < 24) {
      const batch = Array.from({ length: 1 + int(rng, 3) }, () => randomMutation(ctx));
      await engine.apply(batch);
      for (const m of batch) {
        const k = (m.key[0] as number) - 0x40;
        model.byKey.set(k, [...(model.byKey.get(k) ?? []), m]);
      }
    } else if (action < 28) {
      await engine.flush();
    } else if (action < 30) {
      await engine.compact();
    } else if (action < 34) {
      ctx.nowSeconds += int(rng, 30);
    } else {
      // Crash: with background flushes or compactions possibly in flight.
      if (settings.syncMode === 'periodic') await engine.close();
      disk.crash({ tornWrites: chance(rng, 0.5) });
      engine = await StorageEngine.open(engineOptions(disk, clock, settings));
    }
    for (let r = 0; r < 3; r++) {
      const command = randomRead(ctx);
      const expected = modelRead(model, command);
      const actual = engineRows(await engine.read(command));
      const describe = () => `seed ${seed} step ${step}: ${JSON.stringify(command, (_k, v: unknown) => (typeof v === 'bigint' ? String(v) : v))}`;
      assert.deepEqual(actual, expected, describe());
      // A replica read (tombstones included) must hold the same live data under the same limits.
      const replica = await engine.read({ ...command, includeTombstones: true });
      assert.deepEqual(engineRows(liveView(replica, command.nowSeconds, command.columns)), expected, `includeTombstones: ${describe()}`);
    }
  }
  await engine.idle();
  await engine.close();
}

test('the engine agrees with the model under writes, deletes, TTLs, flushes, compactions and crashes', async () => {
  const only = process.env['AERO_PROPERTY_SEED'];
  const seeds = only !== undefined ? [Number(only)] : Array.from({ length: Number(process.env['AERO_PROPERTY_SEEDS'] ?? 600) }, (_v, i) => i + 1);
  for (const seed of seeds) {
    try {
      await runSeed(seed, 40);
    } catch (error) {
      console.error(`property test failed for seed ${seed}; reproduce with AERO_PROPERTY_SEED=${seed}`);
      throw error;
    }
  }
});
