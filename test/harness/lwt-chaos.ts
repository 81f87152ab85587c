// Issue 13's LWT linearizability workload in the deterministic whole-node simulation
// (node-cluster.ts), from one seed: six CQL clients, two pinned to each node of a 3-node
// cluster at RF 3, run INSERT ... IF NOT EXISTS, UPDATE ... SET v = ? IF v = ? and SERIAL reads
// of three registers, while a nemesis crashes a node (losing what its disk had not synced) and
// restarts it, partitions the cluster, cuts links one way or both, resets the connections
// between two nodes (what was in flight is lost) and heals. Every operation is recorded (ok;
// fail when it certainly did not apply: Unavailable, or a coordinator unreachable before the
// request went out; info when its outcome is unknown: a CAS WriteTimeout, a connection lost
// mid-request, no answer by the client's deadline) and the history must be linearizable for
// compare-and-set registers (src/db/coordinator/linearizability.ts). lwt-chaos.test.ts runs it
// over seeds.

import assert from 'node:assert/strict';
import { ConsistencyLevel } from '../../src/db/common/consistency.js';
import { checkCasRegisters, type RecordedOperation } from '../../src/db/coordinator/linearizability.js';
import { CqlError, type CqlClient } from './cql-client.js';
import { NodeCluster } from './node-cluster.js';
import { SeededRandom } from './seeded-random.js';

const registers = 3;
const clientsPerNode = 2;
const operationsPerClient = 30;
/** A client gives up on a request after this long (virtual): its outcome is unknown. */
const clientDeadlineMs = 20_000;
const codes = { unavailable: 0x1000 };

interface Storm {
  cluster: NodeCluster;
  dice: SeededRandom;
  history: RecordedOperation[];
  events: string[];
  tick: number;
}

const now = (storm: Storm) => ++storm.tick;
const quote = (value: string | null) => (value === null ? 'null' : `'${value}'`);

/** One client pinned to node `node`: a session, reopened after its connection dies. */
async function worker(storm: Storm, id: number, node: number): Promise<void> {
  const { cluster, dice } = storm;
  const known = new Map<number, string | null>();
  let session: CqlClient | undefined;
  let written = 0;
  for (let operation = 0; operation < operationsPerClient; operation++) {
    await cluster.clock.sleep(dice.nextInt(300));
    const k = dice.nextInt(registers);
    const roll = dice.nextFloat();
    const kind: RecordedOperation['kind'] = roll < 0.25 ? 'read' : roll < 0.4 ? 'insert' : 'cas';
    const value = `c${id}.${++written}`;
    const expected = known.get(k) ?? null;
    const op: RecordedOperation = { key: String(k), kind, invokedAt: 0, outcome: 'info', process: id,
      ...(kind === 'read' ? {} : { value }), ...(kind === 'cas' ? { expected } : {}) };
    const cql = kind === 'read' ? `SELECT v FROM lwt_chaos.registers WHERE k = ${k}`
      : kind === 'insert' ? `INSERT INTO lwt_chaos.registers (k, v) VALUES (${k}, '${value}') IF NOT EXISTS`
        : `UPDATE lwt_chaos.registers SET v = '${value}' WHERE k = ${k} IF v = ${quote(expected)}`;
    if (session === undefined) {
      try {
        session = await cluster.clientPending(node);
      } catch {
        // The coordinator is down or cut off from the client: nothing was sent.
        await cluster.clock.sleep(500 + dice.nextInt(500));
        continue;
      }
    }
    op.invokedAt = now(storm);
    storm.history.push(op);
    const request = session.query(cql, kind === 'read' ? ConsistencyLevel.SERIAL : ConsistencyLevel.QUORUM);
    const outcome = await Promise.race([
      request.then((rows) => ({ rows }), (error: unknown) => ({ error })),
      cluster.clock.sleep(clientDeadlineMs).then(() => ({ error: new Error('client deadline') })),
    ]);
    if ('rows' in outcome) {
      op.completedAt = now(storm);
      op.outcome = 'ok';
      const row = outcome.rows[0];
      if (kind === 'read') op.observed = (row?.['v'] as string | null | undefined) ?? null;
      else {
        op.applied = row?.['[applied]'] === true;
        if (!op.applied) op.observed = row !== undefined && 'v' in row ? (row['v'] as string | null) : null;
      }
      known.set(k, kind === 'read' ? op.observed ?? null : op.applied === true ? value : op.observed ?? null);
      continue;
    }
    const { error } = outcome;
    if (error instanceof CqlError && error.code >= 0x2000 && error.code < 0x3000) throw error;
    if (error instanceof CqlError && error.code === codes.unavailable) {
      op.outcome = 'fail';
      op.completedAt = now(storm);
    } else if (!(error instanceof CqlError)) {
      // The connection died or the answer is late: start a new session next time.
      session.close();
      session = undefined;
    }
    known.delete(k);
  }
  session?.close();
}

/** Crashes and restarts nodes (one down at a time), partitions, cuts and resets links, heals. */
async function nemesis(storm: Storm, done: () => boolean): Promise<void> {
  const { cluster, dice } = storm;
  const all = cluster.hosts.map((_, index) => index);
  while (!done()) {
    await cluster.clock.sleep(300 + dice.nextInt(2_500));
    if (done()) break;
    const down = all.filter((index) => !cluster.isRunning(index));
    const roll = dice.nextInt(7);
    const at = cluster.clock.monotonicMs().toFixed(0);
    if (roll === 0 && down.length === 0) {
      const victim = dice.nextInt(all.length);
      storm.events.push(`${at} crash ${victim + 1}`);
      cluster.crash(victim);
    } else if (roll <= 1 && down.length > 0) {
      const back = down[0] as number;
      storm.events.push(`${at} restart ${back + 1}`);
      await cluster.launch(back);
    } else if (roll === 2) {
      const alone = dice.nextInt(all.length);
      storm.events.push(`${at} partition ${alone + 1} from the others`);
      cluster.network.partition([cluster.hosts[alone] as string], cluster.hosts.filter((_, index) => index !== alone));
    } else if (roll === 3) {
      const a = dice.nextInt(all.length);
      const b = (a + 1 + dice.nextInt(all.length - 1)) % all.length;
      const oneWay = dice.nextFloat() < 0.5;
      storm.events.push(`${at} cut ${a + 1}>${b + 1}${oneWay ? '' : ' both ways'}`);
      cluster.network.cut(cluster.hosts[a] as string, cluster.hosts[b] as string, { oneWay });
    } else if (roll === 4) {
      const a = dice.nextInt(all.length);
      const b = (a + 1 + dice.nextInt(all.length - 1)) % all.length;
      storm.events.push(`${at} reset ${a + 1}<>${b + 1}`);
      cluster.network.reset(cluster.hosts[a] as string, cluster.hosts[b] as string);
    } else {
      storm.events.push(`${at} heal`);
      cluster.network.heal();
    }
  }
}

export interface SeedCounts {
  operations: number;
  ok: number;
  info: number;
  fail: number;
  casApplied: number;
  serialReads: number;
}

/** One seed: the storm, a final SERIAL read of each register after healing, and the check. */
export async function runLwtSeed(seed: number): Promise<SeedCounts> {
  const cluster = new NodeCluster({ nodes: 3, seed });
  await cluster.startAll();
  await cluster.query(0, "CREATE KEYSPACE lwt_chaos WITH replication = {'class': 'SimpleStrategy', 'replication_factor': 3}", ConsistencyLevel.ONE);
  await cluster.query(0, 'CREATE TABLE lwt_chaos.registers (k int PRIMARY KEY, v text)', ConsistencyLevel.ONE);
  await cluster.until('schema agreement', async () => {
    const versions = await Promise.all([0, 1, 2].map(async (index) => (await cluster.adminStatus(index))?.schemaVersion));
    return versions[0] !== undefined && versions.every((version) => version === versions[0]);
  }, 30_000);
  const storm: Storm = { cluster, dice: new SeededRandom(seed * 7919 + 13), history: [], events: [], tick: 0 };
  let finished = false;
  const workers = cluster.hosts.flatMap((_, node) => Array.from({ length: clientsPerNode }, (__, n) => worker(storm, node * clientsPerNode + n, node)));
  const work = Promise.all(workers).finally(() => { finished = true; });
  const chaos = nemesis(storm, () => finished);
  await cluster.run(Promise.all([work, chaos]), 900_000);

  cluster.network.heal();
  for (const index of [0, 1, 2]) if (!cluster.isRunning(index)) await cluster.start(index);
  await cluster.until('every node up after the storm', async () => (await Promise.all([0, 1, 2].map((index) => cluster.seesAll(index, 'UP')))).every(Boolean), 60_000);
  for (let k = 0; k < registers; k++) {
    for (let attempt = 0; ; attempt++) {
      const invokedAt = now(storm);
      try {
        const [row] = await cluster.query(attempt % 3, `SELECT v FROM lwt_chaos.registers WHERE k = ${k}`, ConsistencyLevel.SERIAL);
        storm.history.push({ key: String(k), kind: 'read', invokedAt, completedAt: now(storm), outcome: 'ok', observed: (row?.['v'] as string | null | undefined) ?? null, process: 'final' });
        break;
      } catch (error) {
        if (attempt >= 10) throw new Error(`seed ${seed}: the final SERIAL read of register ${k} failed 10 times: ${String(error)}`);
      }
    }
  }
  const result = checkCasRegisters(storm.history);
  assert.equal(result.valid, true, `seed ${seed} (reproduce with AERO_LWT_SEED=${seed}): ${result.valid === true ? '' : result.explanation}\nevents:\n${storm.events.join('\n')}`);
  const count = (predicate: (op: RecordedOperation) => boolean) => storm.history.filter(predicate).length;
  return {
    operations: storm.history.length, ok: count((op) => op.outcome === 'ok'), info: count((op) => op.outcome === 'info'), fail: count((op) => op.outcome === 'fail'),
    casApplied: count((op) => op.kind === 'cas' && op.applied === true), serialReads: count((op) => op.kind === 'read' && op.outcome === 'ok'),
  };
}
