// Test fixtures for the sstable tests: a seeded generator of partitions covering every kind of
// cell, row and deletion, and an in-memory model of what reads must return. Built from the
// data model alone, independently of the code under test.

import type { Cell, ClusteringSlice, Partition, PartitionPosition, RangeTombstone, Row } from '../types.js';
import { NO_DELETION_TIME } from '../types.js';

export class TestRandom {
  private state: number;
  constructor(seed: number) {
    this.state = seed >>> 0 || 1;
  }
  next(): number {
    let x = this.state;
    x ^= x << 13;
    x ^= x >>> 17;
    x ^= x << 5;
    this.state = x >>> 0;
    return this.state / 0x1_0000_0000;
  }
  int(maxExclusive: number): number {
    return Math.floor(this.next() * maxExclusive);
  }
  bytes(length: number): Buffer {
    const out = Buffer.alloc(length);
    for (let i = 0; i < length; i++) out[i] = this.int(256);
    return out;
  }
  token(): bigint {
    return BigInt.asIntN(64, (BigInt(this.int(2 ** 32)) << 32n) | BigInt(this.int(2 ** 32)));
  }
  chance(p: number): boolean {
    return this.next() < p;
  }
}

/** Clustering keys: 1..6 random bytes (a bound of 0 bytes sorts first, 7 bytes of 0xff last). */
export const FULL_SLICE: ClusteringSlice = { start: Buffer.alloc(0), end: Buffer.alloc(7, 0xff) };

function cell(random: TestRandom, column: string): Cell {
  const timestampMicros = 1_700_000_000_000_000 + random.int(1_000_000);
  const kind = random.int(3);
  if (kind === 0) return { column, timestampMicros, ttlSeconds: 0, localDeletionTime: NO_DELETION_TIME, value: random.bytes(random.int(40)) };
  if (kind === 1) return { column, timestampMicros, ttlSeconds: 100, localDeletionTime: 1_700_000_000 + random.int(1000), value: random.bytes(random.int(20)) };
  return { column, timestampMicros, ttlSeconds: 0, localDeletionTime: 1_700_000_000 + random.int(1000), value: null };
}

function row(random: TestRandom, clustering: Buffer): Row {
  const columns = ['a', 'b', 'c', 'ë'].filter(() => random.chance(0.6));
  const ts = 1_700_000_000_000_000 + random.int(1_000_000);
  const livenessKind = random.int(3);
  return {
    clustering,
    liveness: livenessKind === 0 ? null : livenessKind === 1
      ? { timestampMicros: ts, ttlSeconds: 0, localExpirationTime: NO_DELETION_TIME }
      : { timestampMicros: ts, ttlSeconds: 50, localExpirationTime: 1_700_000_500 },
    deletion: random.chance(0.1) ? { markedForDeleteAtMicros: ts - 1, localDeletionTime: 1_700_000_100 } : null,
    cells: columns.map((column) => cell(random, column)),
  };
}

function distinctSortedBuffers(random: TestRandom, count: number, lengthMax: number): Buffer[] {
  const seen = new Map<string, Buffer>();
  for (let i = 0; i < count * 2 && seen.size < count; i++) {
    const b = random.bytes(1 + random.int(lengthMax));
    seen.set(b.toString('hex'), b);
  }
  return [...seen.values()].sort(Buffer.compare);
}

function rangeTombstones(random: TestRandom, count: number): RangeTombstone[] {
  const bounds = distinctSortedBuffers(random, count * 2, 6);
  const out: RangeTombstone[] = [];
  for (let i = 0; i + 1 < bounds.length; i += 2) {
    out.push({ start: bounds[i] as Buffer, end: bounds[i + 1] as Buffer, deletion: { markedForDeleteAtMicros: 1_700_000_000_000_000 + random.int(1000), localDeletionTime: 1_700_000_000 + random.int(1000) } });
  }
  return out;
}

export function makePartition(random: TestRandom, options: { token?: bigint; key?: Buffer; rowsMax: number }): Partition {
  const rows = distinctSortedBuffers(random, random.int(options.rowsMax + 1), 6).map((c) => row(random, c));
  return {
    key: options.key ?? random.bytes(1 + random.int(12)),
    token: options.token ?? random.token(),
    partitionDeletion: random.chance(0.15) ? { markedForDeleteAtMicros: 1_600_000_000_000_000, localDeletionTime: 1_600_000_000 } : null,
    rangeTombstones: random.chance(0.3) ? rangeTombstones(random, 1 + random.int(4)) : [],
    rows,
  };
}

export function comparePartitions(a: { token: bigint; key: Buffer }, b: { token: bigint; key: Buffer }): number {
  if (a.token !== b.token) return a.token < b.token ? -1 : 1;
  return Buffer.compare(a.key, b.key);
}

/** `count` partitions in storage order; some share a token, a few are wide. */
export function makePartitions(random: TestRandom, options: { count: number; rowsMax: number; wideCount?: number; wideRows?: number }): Partition[] {
  const out: Partition[] = [];
  for (let i = 0; i < options.count; i++) {
    const previous = out[out.length - 1];
    const sameToken = previous !== undefined && random.chance(0.05);
    out.push(makePartition(random, { rowsMax: options.rowsMax, ...(sameToken ? { token: previous.token } : {}) }));
  }
  for (let i = 0; i < (options.wideCount ?? 0); i++) out.push(makePartition(random, { rowsMax: options.wideRows ?? 2000 }));
  out.sort(comparePartitions);
  return out.filter((p, i) => i === 0 || comparePartitions(out[i - 1] as Partition, p) !== 0);
}

/** Sorted disjoint random slices (occasionally the full slice). */
export function randomSlices(random: TestRandom): ClusteringSlice[] {
  if (random.chance(0.2)) return [FULL_SLICE];
  const bounds = distinctSortedBuffers(random, 2 * (1 + random.int(3)), 3);
  const slices: ClusteringSlice[] = [];
  for (let i = 0; i + 1 < bounds.length; i += 2) slices.push({ start: bounds[i] as Buffer, end: bounds[i + 1] as Buffer });
  return slices;
}

/** What readPartition must return for the slices (rows ascending). */
export function expectedSlice(p: Partition, slices: ClusteringSlice[]): Partition {
  const inSlices = (c: Buffer) => slices.some((s) => Buffer.compare(s.start, c) < 0 && Buffer.compare(c, s.end) < 0);
  const overlaps = (t: RangeTombstone) => slices.some((s) => Buffer.compare(t.start, s.end) < 0 && Buffer.compare(s.start, t.end) < 0);
  return { ...p, rangeTombstones: p.rangeTombstones.filter(overlaps), rows: p.rows.filter((r) => inSlices(r.clustering)) };
}

export function positionOf(p: Partition): PartitionPosition {
  return { token: p.token, key: p.key };
}

/** Model of the (start, end] position order: a bare token sorts before its keys. */
export function comparePartitionToPosition(p: Partition, position: PartitionPosition): number {
  if (p.token !== position.token) return p.token < position.token ? -1 : 1;
  if (position.key === undefined) return 1;
  return Buffer.compare(p.key, position.key);
}
