// Lightweight transactions are linearizable on real processes under a crash (issue 13, "LWT
// under faults"): six DataStax Node.js driver clients, two pinned to each coordinator of a
// 3-node `aero cluster` at replication factor 3, run INSERT ... IF NOT EXISTS, UPDATE ... SET
// v = ? IF v = ? and SERIAL reads of three registers while node 2 and then node 3 are killed
// (SIGKILL) and restarted. Every operation is recorded as Jepsen does (invoke, then ok, fail
// when it certainly did not apply, info when its outcome is unknown: a CAS WriteTimeout, a
// connection lost mid-request, a client timeout) and the history must be linearizable for
// compare-and-set registers (src/db/coordinator/linearizability.ts): one winner per IF NOT
// EXISTS, no lost or duplicated compare-and-set, no stale SERIAL read. Needs the build
// (bin/aero.js runs dist/). The nodes this test started are stopped whatever happens.
// run-tests: two at a time

import test from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import cassandra from 'cassandra-driver';
import { checkCasRegisters, type RecordedOperation } from '../src/db/coordinator/linearizability.js';
import { aero, freePort, seenBy, waitFor, waitForTables } from './harness/local-cluster.js';

const { consistencies } = cassandra.types;
const registers = 3;
/** Cassandra's error codes, as drivers report them. */
const codes = { unavailable: 0x1000 };

/** A client whose requests all go to one node, never retried (one request, one recorded operation). */
function clientOf(node: number, nativePort: number): cassandra.Client {
  const host = `127.0.0.${node}:${nativePort}`;
  const { loadBalancing, retry, reconnection } = cassandra.policies;
  return new cassandra.Client({
    contactPoints: [host], localDataCenter: 'datacenter1', protocolOptions: { port: nativePort },
    policies: {
      loadBalancing: new loadBalancing.AllowListPolicy(new loadBalancing.DCAwareRoundRobinPolicy('datacenter1'), [host]),
      retry: new retry.FallthroughRetryPolicy(),
      reconnection: new reconnection.ConstantReconnectionPolicy(500),
    },
    socketOptions: { readTimeout: 15_000 },
  });
}

/** Invocations and completions on one logical clock: every client runs in this event loop, so its order is real time. */
class Recorder {
  readonly history: RecordedOperation[] = [];
  private tick = 0;
  now(): number { return ++this.tick; }
}

/** Whether an error certainly means the request was never sent (the driver had no connection to try). */
function neverSent(error: unknown): boolean {
  return error instanceof cassandra.errors.NoHostAvailableError && Object.keys(error.innerErrors ?? {}).length === 0;
}

const codeOf = (error: unknown) => (error as { code?: number }).code;

/** One client's workload until stop(): reads, inserts and CAS updates of random registers, each recorded. */
async function worker(id: number, client: cassandra.Client, recorder: Recorder, stop: () => boolean, errors: Map<string, number>): Promise<void> {
  const known = new Map<number, string | null>();
  let written = 0;
  while (!stop()) {
    const k = Math.floor(Math.random() * registers);
    const roll = Math.random();
    const kind: RecordedOperation['kind'] = roll < 0.25 ? 'read' : roll < 0.4 ? 'insert' : 'cas';
    const value = `c${id}.${++written}`;
    const expected = known.get(k) ?? null;
    const op: RecordedOperation = { key: String(k), kind, invokedAt: 0, outcome: 'info', process: id,
      ...(kind === 'read' ? {} : { value }), ...(kind === 'cas' ? { expected } : {}) };
    const [query, params, options] = kind === 'read'
      ? ['SELECT v FROM lin.registers WHERE k = ?', [k], { prepare: true, consistency: consistencies.serial }]
      : kind === 'insert'
        ? ['INSERT INTO lin.registers (k, v) VALUES (?, ?) IF NOT EXISTS', [k, value], { prepare: true, consistency: consistencies.quorum, serialConsistency: consistencies.serial }]
        : ['UPDATE lin.registers SET v = ? WHERE k = ? IF v = ?', [value, k, expected], { prepare: true, consistency: consistencies.quorum, serialConsistency: consistencies.serial }];
    op.invokedAt = recorder.now();
    recorder.history.push(op);
    try {
      const result = await client.execute(query, params, options);
      op.completedAt = recorder.now();
      op.outcome = 'ok';
      const row = result.first();
      if (kind === 'read') op.observed = (row?.['v'] as string | null | undefined) ?? null;
      else {
        op.applied = result.wasApplied();
        // Not applied: the row as it is, or only [applied] when there is none.
        if (!op.applied) op.observed = result.columns?.some((column) => column.name === 'v') === true ? (row?.['v'] as string | null) : null;
      }
      known.set(k, kind === 'read' ? op.observed ?? null : op.applied === true ? value : op.observed ?? null);
    } catch (error) {
      // Unavailable comes before anything is proposed; a request never sent did nothing. A
      // refusal of the statement itself (0x2xxx: syntax, invalid) is the test's bug. Anything
      // else may have landed (a CAS WriteTimeout, a socket closed mid-request, a client timeout): info.
      const code = codeOf(error);
      if (code !== undefined && code >= 0x2000 && code < 0x3000) throw error;
      if (code === codes.unavailable || neverSent(error)) {
        op.outcome = 'fail';
        op.completedAt = recorder.now();
      } else {
        op.outcome = 'info';
        errors.set(String(code ?? (error as Error).name), (errors.get(String(code ?? (error as Error).name)) ?? 0) + 1);
      }
      known.delete(k);
      await new Promise((resolve) => setTimeout(resolve, 100 + Math.random() * 200));
    }
  }
}

test('three nodes, RF 3: conditional updates of three registers through every coordinator stay linearizable while nodes are killed and restarted', { timeout: 240_000 }, async () => {
  const directory = mkdtempSync(join(tmpdir(), 'aero-lin-'));
  const [nativePort, storagePort, adminPort] = [await freePort(), await freePort(), await freePort()];
  const clients: cassandra.Client[] = [];
  const recorder = new Recorder();
  try {
    const start = await aero(['cluster', 'start', '--nodes', '3', '--dir', directory, '--base-port', String(nativePort),
      '--storage-port', String(storagePort), '--admin-port', String(adminPort), '--num-tokens', '8']);
    assert.equal(start.code, 0, start.stderr + start.stdout);
    const all = [1, 2, 3];
    const upEverywhere = (node: number) => seenBy(all.filter((o) => o !== node), node, 'UP', adminPort);
    await waitFor('every node up', async () => (await Promise.all(all.map(upEverywhere))).every(Boolean), 30_000);
    for (const node of [1, 2, 3, 1, 2, 3]) clients.push(clientOf(node, nativePort));
    await Promise.all(clients.map((client) => client.connect()));
    await clients[0]!.execute("CREATE KEYSPACE lin WITH replication = {'class': 'SimpleStrategy', 'replication_factor': 3}");
    await clients[0]!.execute('CREATE TABLE lin.registers (k int PRIMARY KEY, v text)');
    await waitForTables(clients.slice(0, 3), 'lin', 1, 20_000);

    let stopping = false;
    const startedMs = Date.now();
    const errors = new Map<string, number>();
    const workers = Promise.all(clients.map((client, id) => worker(id, client, recorder, () => stopping, errors)));
    let workerFailure: unknown;
    workers.catch((error: unknown) => { workerFailure = error; stopping = true; });
    const okSince = (tick: number) => recorder.history.filter((op) => op.outcome === 'ok' && op.invokedAt > tick && op.kind !== 'read').length;
    const phases: string[] = [];
    // Each victim in turn: writes go on for a while, it is killed, the others go on without it
    // (waiting until they have completed some CAS), it restarts, and writes go on with it.
    // "A while" is counted in completed conditional writes, not in seconds: a fixed sleep cost 9 s
    // of the file on an idle machine and proved nothing more on a loaded one, where 3 s can pass
    // with almost no write done; this waits for the writes themselves (about 1.5 s idle).
    const writesBetweenPhases = 100;
    let phaseStart = recorder.now();
    try {
      for (const victim of [2, 3]) {
        await waitFor(`${writesBetweenPhases} conditional writes before killing node ${victim}`, async () => okSince(phaseStart) >= writesBetweenPhases, 60_000);
        assert.equal((await aero(['cluster', 'kill', '--node', String(victim), '--dir', directory])).code, 0);
        const killedAt = recorder.now();
        phases.push(`${Date.now() - startedMs} ms: killed node ${victim}`);
        await waitFor(`node ${victim} down`, () => seenBy(all.filter((o) => o !== victim), victim, 'DOWN', adminPort), 30_000);
        await waitFor(`conditional writes without node ${victim}`, async () => okSince(killedAt) >= 10, 60_000);
        assert.equal((await aero(['cluster', 'restart', '--node', String(victim), '--dir', directory])).code, 0);
        phases.push(`${Date.now() - startedMs} ms: restarted node ${victim}`);
        await waitFor(`node ${victim} up again`, () => upEverywhere(victim), 30_000);
        phaseStart = recorder.now();
      }
      await waitFor(`${writesBetweenPhases} conditional writes with every node back`, async () => okSince(phaseStart) >= writesBetweenPhases, 60_000);
    } finally {
      stopping = true;
      await workers.catch(() => undefined);
    }
    if (workerFailure !== undefined) throw workerFailure;
    // Last, a SERIAL read of every register through each node, recorded like the rest.
    for (const [id, client] of clients.slice(0, 3).entries()) {
      for (let k = 0; k < registers; k++) {
        const invokedAt = recorder.now();
        const row = (await client.execute('SELECT v FROM lin.registers WHERE k = ?', [k], { prepare: true, consistency: consistencies.serial })).first();
        recorder.history.push({ key: String(k), kind: 'read', invokedAt, completedAt: recorder.now(), outcome: 'ok', observed: (row?.['v'] as string | undefined) ?? null, process: `final${id}` });
      }
    }
    const elapsedMs = Date.now() - startedMs;

    const history = recorder.history;
    const count = (predicate: (op: RecordedOperation) => boolean) => history.filter(predicate).length;
    const summary = {
      operations: history.length, ok: count((op) => op.outcome === 'ok'), fail: count((op) => op.outcome === 'fail'), info: count((op) => op.outcome === 'info'),
      insertsApplied: count((op) => op.kind === 'insert' && op.applied === true), casApplied: count((op) => op.kind === 'cas' && op.applied === true),
      casRefused: count((op) => op.kind === 'cas' && op.applied === false), serialReads: count((op) => op.kind === 'read' && op.outcome === 'ok'),
    };
    const checkStarted = performance.now();
    const result = checkCasRegisters(history);
    const checkMs = Math.round(performance.now() - checkStarted);
    console.log(`lwt linearizability: ${JSON.stringify(summary)}; workload ${elapsedMs} ms (${phases.join(', ')}); checked in ${checkMs} ms (${result.configurations} configurations); info by error: ${JSON.stringify(Object.fromEntries(errors))}`);
    if (result.valid !== true) {
      const saved = join(tmpdir(), `aero-lin-history-${Date.now()}.json`);
      writeFileSync(saved, JSON.stringify(history, null, 1));
      assert.fail(`${result.explanation}\n(whole history in ${saved})`);
    }
    // Enough happened for the check to mean something: CAS both ways, SERIAL reads. (A register
    // may be created by an insert or by `IF v = null` on the absent row, so inserts may all lose.)
    assert.ok(summary.insertsApplied <= registers, JSON.stringify(summary));
    assert.ok(summary.casApplied >= 20 && summary.casRefused >= 5 && summary.serialReads >= 20, JSON.stringify(summary));
  } finally {
    await Promise.all(clients.map((client) => client.shutdown().catch(() => undefined)));
    await aero(['cluster', 'stop', '--dir', directory, '--timeout', '20']);
    rmSync(directory, { recursive: true, force: true });
  }
});
