// Issue 4's in-process guarantee, checked across many seeds: with message loss, delay and
// reordering, cut links, partitions and node crashes and restarts, concurrent clients write
// and read a few keys at QUORUM through random coordinators, and the history they record
// must show that
// - every read returns a value some client wrote to that key (or nothing, before any write);
// - a read returns the newest acknowledged write that finished before it started, or a newer
//   write (by timestamp; an unacknowledged write may have landed);
// - reads do not go back in time: a read that starts after another finished returns a value
//   at least as new (blocking read repair makes a QUORUM read's answer durable);
// - after the storm (links healed, every node back) a QUORUM read of each key returns at
//   least the newest acknowledged or observed value.
// Each seed also draws the cluster size, loss rate and delays. The test is
// quorum-chaos.test.ts.

import assert from 'node:assert/strict';
import type { Endpoint } from '../../src/db/cluster/endpoint.js';
import { ConsistencyLevel } from '../../src/db/common/consistency.js';
import { cellOf, proxyFor, read, table, write } from './coordinator-fixtures.js';
import { SeededRandom } from './seeded-random.js';
import { StorageCluster, type StorageNode } from './storage-cluster.js';

export interface WriteRecord {
  key: number;
  value: string;
  timestampMicros: number;
  startMs: number;
  endMs: number;
  /** ok: acknowledged; failed: an error (may still have landed); unknown: no answer in time. */
  outcome: 'ok' | 'failed' | 'unknown';
}

export interface ReadRecord {
  key: number;
  startMs: number;
  endMs: number;
  /** The value read, or null when the key had no value. */
  value: string | null;
  timestampMicros: number;
}

/** The violations of the QUORUM guarantees in a history of completed operations (empty when none). */
export function checkHistory(writes: readonly WriteRecord[], reads: readonly ReadRecord[]): string[] {
  const violations: string[] = [];
  const byValue = new Map(writes.map((w) => [w.value, w]));
  for (const r of reads) {
    const at = `read of key ${r.key} [${r.startMs}, ${r.endMs}]`;
    if (r.value !== null) {
      const source = byValue.get(r.value);
      if (source === undefined || source.key !== r.key) violations.push(`${at} returned ${r.value}, never written to this key`);
      else if (source.startMs > r.endMs) violations.push(`${at} returned ${r.value}, written only after the read ended`);
      else if (source.timestampMicros !== r.timestampMicros) violations.push(`${at} returned ${r.value} with timestamp ${r.timestampMicros}, written with ${source.timestampMicros}`);
    }
    const floor = writes.filter((w) => w.key === r.key && w.outcome === 'ok' && w.endMs < r.startMs)
      .reduce<WriteRecord | undefined>((newest, w) => (newest === undefined || w.timestampMicros > newest.timestampMicros ? w : newest), undefined);
    if (floor !== undefined && r.timestampMicros < floor.timestampMicros) {
      violations.push(`${at} returned ${r.value ?? 'nothing'}, older than ${floor.value} acknowledged at ${floor.endMs}`);
    }
    for (const earlier of reads) {
      if (earlier.key === r.key && earlier.endMs < r.startMs && earlier.timestampMicros > r.timestampMicros) {
        violations.push(`${at} returned ${r.value ?? 'nothing'}, older than ${earlier.value ?? 'nothing'} read by [${earlier.startMs}, ${earlier.endMs}]`);
      }
    }
  }
  return violations;
}

interface Storm {
  cluster: StorageCluster;
  dice: SeededRandom;
  writes: WriteRecord[];
  reads: ReadRecord[];
  events: string[];
  nextValue: number;
}

const keys = 6;
const clients = 4;
const operationsPerClient = 15;
const finalReadAttempts = 20;
/** A client gives up on an operation after this long (its coordinator may have crashed). */
const clientDeadlineMs = 30_000;

/** Settles with the operation's value, 'failed' or 'unknown' (no answer by the deadline). */
async function withDeadline<T>(storm: Storm, work: Promise<T>): Promise<{ value: T } | 'failed' | 'unknown'> {
  const settled = work.then((value) => ({ value }), () => 'failed' as const);
  return Promise.race([settled, storm.cluster.clock.sleep(clientDeadlineMs).then(() => 'unknown' as const)]);
}

function coordinator(storm: Storm): StorageNode {
  const running = storm.cluster.running();
  return running[storm.dice.nextInt(running.length)] as StorageNode;
}

async function client(storm: Storm): Promise<void> {
  const { cluster, dice } = storm;
  for (let operation = 0; operation < operationsPerClient; operation++) {
    await cluster.clock.sleep(dice.nextInt(800));
    const key = dice.nextInt(keys);
    const proxy = proxyFor(coordinator(storm), cluster.clock);
    const startMs = cluster.clock.nowMs();
    if (dice.nextFloat() < 0.55) {
      const value = `w${storm.nextValue++}`;
      const timestampMicros = cluster.clock.nowMicros();
      const outcome = await withDeadline(storm, proxy.mutate([write(key, value, timestampMicros)], ConsistencyLevel.QUORUM));
      storm.writes.push({ key, value, timestampMicros, startMs, endMs: cluster.clock.nowMs(), outcome: typeof outcome === 'object' ? 'ok' : outcome });
    } else {
      const outcome = await withDeadline(storm, proxy.read(read(key, Math.floor(startMs / 1000)), ConsistencyLevel.QUORUM));
      if (typeof outcome !== 'object') continue;
      const cell = cellOf(outcome.value);
      storm.reads.push({ key, startMs, endMs: cluster.clock.nowMs(), value: cell?.value?.toString() ?? null, timestampMicros: cell?.timestampMicros ?? 0 });
    }
  }
}

/** Crashes and restarts nodes (at most two down at once), cuts links and partitions, heals. */
async function nemesis(storm: Storm, done: () => boolean): Promise<void> {
  const { cluster, dice } = storm;
  const all = cluster.endpoints.map((_, index) => index);
  while (!done()) {
    await cluster.clock.sleep(200 + dice.nextInt(1500));
    const down = all.filter((index) => cluster.node(index) === undefined);
    const up = all.filter((index) => cluster.node(index) !== undefined);
    const roll = dice.nextInt(6);
    if (roll === 0 && down.length < 2) {
      const victim = up[dice.nextInt(up.length)] as number;
      storm.events.push(`${cluster.clock.nowMs()} crash ${victim}`);
      await cluster.crash(victim);
    } else if (roll === 1 && down.length > 0) {
      const back = down[dice.nextInt(down.length)] as number;
      storm.events.push(`${cluster.clock.nowMs()} restart ${back}`);
      await cluster.startNode(back);
    } else if (roll === 2) {
      const shuffled = [...cluster.endpoints].sort(() => dice.nextFloat() - 0.5);
      const cut = 1 + dice.nextInt(shuffled.length - 1);
      storm.events.push(`${cluster.clock.nowMs()} partition ${shuffled.slice(0, cut).join(',')} | ${shuffled.slice(cut).join(',')}`);
      cluster.gossip.network.partition(shuffled.slice(0, cut), shuffled.slice(cut));
    } else if (roll === 3) {
      const [a, b] = [dice.nextInt(all.length), dice.nextInt(all.length)];
      if (a === b) continue;
      const oneWay = dice.nextFloat() < 0.5;
      storm.events.push(`${cluster.clock.nowMs()} cut ${a}>${b}${oneWay ? '' : ' both ways'}`);
      cluster.gossip.network.cut(cluster.endpoints[a] as Endpoint, cluster.endpoints[b] as Endpoint, { oneWay });
    } else if (roll >= 4) {
      storm.events.push(`${cluster.clock.nowMs()} heal`);
      cluster.gossip.network.heal();
    }
  }
}

/** After the storm: every node back, links healed; each key reads at least its newest known value. */
async function finalReads(storm: Storm): Promise<string[]> {
  const { cluster } = storm;
  cluster.gossip.network.heal();
  for (let index = 0; index < cluster.endpoints.length; index++) if (cluster.node(index) === undefined) await cluster.startNode(index);
  if (!(await cluster.runUntil(() => cluster.gossip.converged(), 120_000))) return [`no convergence after the storm: ${cluster.describe()}`];
  const violations: string[] = [];
  const proxy = proxyFor(cluster.node(0) as StorageNode, cluster.clock);
  for (let key = 0; key < keys; key++) {
    const known = [...storm.writes.filter((w) => w.key === key && w.outcome === 'ok'), ...storm.reads.filter((r) => r.key === key)]
      .reduce((newest, record) => Math.max(newest, record.timestampMicros), 0);
    let cell: { timestampMicros: number } | undefined | 'none';
    // Loss still fails a read now and then (at 10% loss about one in five: a lost message of
    // the data, digest or blocking repair round trips times it out); the client retries.
    for (let attempt = 0; cell === undefined && attempt < finalReadAttempts; attempt++) {
      const startMs = cluster.clock.nowMs();
      const outcome = await withDeadline(storm, proxy.read(read(key, Math.floor(startMs / 1000)), ConsistencyLevel.QUORUM));
      if (typeof outcome === 'object') cell = cellOf(outcome.value) ?? 'none';
    }
    if (cell === undefined) violations.push(`key ${key}: ${finalReadAttempts} final reads failed`);
    else if ((cell === 'none' ? 0 : cell.timestampMicros) < known) violations.push(`key ${key}: final read older than the newest acknowledged or read value`);
  }
  return violations;
}

export async function runSeed(seed: number): Promise<{ writes: number; acknowledged: number; reads: number }> {
  const dice = new SeededRandom(seed * 7919 + 17);
  const nodes = 4 + dice.nextInt(3);
  const cluster = new StorageCluster({ nodes, seed, tables: [table], lossRate: dice.nextFloat() * 0.1, delayMinMs: 1, delayMaxMs: 2 + dice.nextInt(120) });
  await cluster.startAll();
  assert.ok(await cluster.runUntil(() => cluster.gossip.converged(), 60_000), `seed ${seed}: initial convergence: ${cluster.describe()}`);
  const storm: Storm = { cluster, dice, writes: [], reads: [], events: [], nextValue: 0 };
  let finished = false;
  const work = Promise.all(Array.from({ length: clients }, () => client(storm))).finally(() => { finished = true; });
  const chaos = nemesis(storm, () => finished);
  let chaosDone = false;
  void chaos.finally(() => { chaosDone = true; });
  assert.ok(await cluster.runUntil(() => finished && chaosDone, 900_000), `seed ${seed}: clients did not finish`);
  await work;
  await chaos;
  const violations = [...checkHistory(storm.writes, storm.reads), ...(await driveFinal(storm))];
  assert.deepEqual(violations, [], `seed ${seed} (reproduce with AERO_QUORUM_SEED=${seed}); events:\n${storm.events.join('\n')}`);
  return { writes: storm.writes.length, acknowledged: storm.writes.filter((w) => w.outcome === 'ok').length, reads: storm.reads.length };
}

/** Runs finalReads while advancing the virtual clock. */
async function driveFinal(storm: Storm): Promise<string[]> {
  let done = false;
  const final = finalReads(storm).finally(() => { done = true; });
  await storm.cluster.runUntil(() => done, 900_000);
  return final;
}

