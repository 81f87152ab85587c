// Anti-entropy repair over whole nodes (node-cluster.ts): 3 nodes, RF 3, max_hint_window 5 s.
// Node 3 is down for longer than the window (from its first hint), so the coordinators stop
// writing hints for it,
// while rows are written, updated and deleted (rows and cells) through nodes 1 and 2. After
// node 3 is back, `nodetool repair` on node 1 (POST /repair over the admin channel) makes
// every replica hold exactly the same rows, each read at ONE with the replica cut off from
// the others. Without the repair node 3 still differs (repairScenario(seed, false) shows it).

import assert from 'node:assert/strict';
import { ConsistencyLevel } from '../../src/db/common/consistency.js';
import { NodeCluster } from './node-cluster.js';

const { ONE, ALL } = ConsistencyLevel;
const rows = 60;

/** Each replica's rows of repair_test.kv, read at ONE while the replica is cut off from the others. */
async function rowsOnEachReplica(cluster: NodeCluster): Promise<string[][]> {
  const result: string[][] = [];
  for (let index = 0; index < 3; index++) {
    const others = cluster.hosts.filter((_, other) => other !== index);
    cluster.network.partition([cluster.hosts[index] as string], others);
    await cluster.until(`node ${index + 1} sees itself alone`, () => cluster.seesAll(index, 'DOWN'), 60_000);
    const found = await cluster.query(index, 'SELECT k, v, w FROM repair_test.kv', ONE);
    result.push(found.map((row) => `${String(row['k'])}=${String(row['v'])}/${String(row['w'])}`).sort());
    cluster.network.heal();
    await cluster.until('every node up again', async () => (await cluster.seesAll(0, 'UP')) && (await cluster.seesAll(1, 'UP')) && (await cluster.seesAll(2, 'UP')), 60_000);
  }
  return result;
}

/** Returns the trace digest and each replica's rows (equal after a repair). */
export async function repairScenario(seed: number, repair = true): Promise<{ digest: string; replicas: string[][] }> {
  const cluster = new NodeCluster({ nodes: 3, seed, maxHintWindowMs: 5_000 });
  await cluster.startAll();
  await cluster.query(0, "CREATE KEYSPACE repair_test WITH replication = {'class': 'SimpleStrategy', 'replication_factor': 3}", ONE);
  await cluster.query(0, 'CREATE TABLE repair_test.kv (k int PRIMARY KEY, v text, w int)', ONE);
  await cluster.until('schema agreement', async () => {
    const versions = await Promise.all([0, 1, 2].map(async (index) => (await cluster.adminStatus(index))?.schemaVersion));
    return versions[0] !== undefined && versions.every((version) => version === versions[0]);
  }, 30_000);
  for (let k = 0; k < rows; k++) await cluster.query(k % 3, `INSERT INTO repair_test.kv (k, v, w) VALUES (${k}, 'old-${k}', ${k})`, ALL);

  cluster.crash(2);
  await cluster.until('node 3 down', async () => (await cluster.seesAll(0, 'DOWN', [2])) && (await cluster.seesAll(1, 'DOWN', [2])), 30_000);
  // The window runs from a coordinator's oldest pending hint: one hinted write through each, then past the window no more hints for node 3.
  for (const index of [0, 1]) await cluster.query(index, `INSERT INTO repair_test.kv (k, v, w) VALUES (${2 * rows + index}, 'hinted', ${index})`, ONE);
  await cluster.sleep(6_000 + cluster.random.nextInt(4_000));
  const fronts = [await cluster.client(0), await cluster.client(1)];
  for (let k = 0; k < rows; k++) {
    const front = fronts[k % 2] as (typeof fronts)[number];
    if (k % 3 === 0) await cluster.run(front.query(`DELETE FROM repair_test.kv WHERE k = ${k}`, ONE));
    else if (k % 3 === 1) await cluster.run(front.query(`UPDATE repair_test.kv SET v = 'new-${k}', w = null WHERE k = ${k}`, ONE));
    await cluster.run(front.query(`INSERT INTO repair_test.kv (k, v, w) VALUES (${rows + k}, 'added-${k}', ${k})`, ONE));
  }
  for (const front of fronts) front.close();
  const written = await Promise.all([0, 1].map(async (index) => (await cluster.adminStatus(index))?.coordinator?.hints.written ?? 0));
  assert.equal(written[0]! + written[1]!, 2, `no hints past the window (seed ${seed})`);

  await cluster.start(2);
  await cluster.until('node 3 back in every view', async () => (await cluster.seesAll(2, 'UP')) && (await cluster.seesAll(0, 'UP', [2])) && (await cluster.seesAll(1, 'UP', [2])), 60_000);
  if (repair) {
    const summary = await cluster.run(cluster.admin(0, 'POST /repair?keyspace=repair_test')) as { ok: boolean; differingRanges: number; partitionsPulled: number };
    assert.ok(summary.ok && summary.differingRanges > 0, `the repair found differences (seed ${seed}): ${JSON.stringify(summary)}`);
  }
  const replicas = await rowsOnEachReplica(cluster);
  return { digest: cluster.network.traceDigest(), replicas };
}

/** The rows every replica must hold after the repair. */
export function expectedRows(): string[] {
  const expected: string[] = [`${2 * rows}=hinted/0`, `${2 * rows + 1}=hinted/1`];
  for (let k = 0; k < rows; k++) {
    if (k % 3 === 1) expected.push(`${k}=new-${k}/null`);
    else if (k % 3 === 2) expected.push(`${k}=old-${k}/${k}`);
    expected.push(`${rows + k}=added-${k}/${k}`);
  }
  return expected.sort();
}
