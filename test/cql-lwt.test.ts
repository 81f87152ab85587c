// Lightweight transactions with the DataStax Node.js driver, unmodified (issue 13): on one node,
// IF NOT EXISTS, IF conditions, conditional batches, SERIAL reads and the refusals; then on
// three real node processes at replication factor 3, clients racing compare-and-set
// increments of one register through different coordinators. Every increment writes a value
// only it can write (old + 1 where v = old), so the history checks itself: no value is
// reported applied twice (no duplicated or lost CAS), and the final value counts exactly the
// applied increments (plus those whose outcome a CAS timeout left unknown, if any). Needs the
// build (bin/aero.js runs dist/). The nodes this test started are stopped whatever happens.
// run-tests: two at a time

import test from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import cassandra from 'cassandra-driver';
import { startDriverNode } from './harness/driver-node.js';
import { adminStatus, aero, freePort, seenBy, waitFor } from './harness/local-cluster.js';

const { consistencies } = cassandra.types;

test('one node: IF NOT EXISTS, IF conditions, conditional batches, SERIAL reads', { timeout: 60_000 }, async () => {
  const fixture = await startDriverNode('lwt');
  const client = fixture.client;
  try {
    await client.execute('CREATE TABLE lwt.accounts (id text, entry int, owner text, balance int, PRIMARY KEY (id, entry))');
    const insert = 'INSERT INTO lwt.accounts (id, entry, owner, balance) VALUES (?, ?, ?, ?) IF NOT EXISTS';
    const first = await client.execute(insert, ['a', 1, 'ana', 10], { prepare: true });
    assert.equal(first.wasApplied(), true);
    assert.deepEqual(first.columns?.map((c) => c.name), ['[applied]']);
    const second = await client.execute(insert, ['a', 1, 'bob', 99], { prepare: true });
    assert.equal(second.wasApplied(), false);
    assert.deepEqual(second.columns?.map((c) => c.name), ['[applied]', 'id', 'entry', 'balance', 'owner']);
    assert.deepEqual({ ...second.first() }, { '[applied]': false, id: 'a', entry: 1, balance: 10, owner: 'ana' });

    const update = 'UPDATE lwt.accounts SET balance = ? WHERE id = ? AND entry = ? IF balance = ? AND owner = ?';
    const failed = await client.execute(update, [20, 'a', 1, 11, 'ana'], { prepare: true });
    assert.equal(failed.wasApplied(), false);
    assert.deepEqual({ ...failed.first() }, { '[applied]': false, balance: 10, owner: 'ana' }, 'the current values of the conditioned columns');
    assert.equal((await client.execute(update, [20, 'a', 1, 10, 'ana'], { prepare: true })).wasApplied(), true);
    assert.equal((await client.execute("UPDATE lwt.accounts SET balance = 0 WHERE id = 'a' AND entry = 9 IF EXISTS")).wasApplied(), false);

    const batch = await client.batch([
      { query: 'UPDATE lwt.accounts SET balance = ? WHERE id = ? AND entry = ? IF balance = ?', params: [15, 'a', 1, 20] },
      { query: 'INSERT INTO lwt.accounts (id, entry, owner, balance) VALUES (?, ?, ?, ?) IF NOT EXISTS', params: ['a', 2, 'ana', 5] },
    ], { prepare: true });
    assert.equal(batch.wasApplied(), true);
    const lost = await client.batch([
      { query: 'UPDATE lwt.accounts SET balance = ? WHERE id = ? AND entry = ? IF balance = ?', params: [0, 'a', 1, 15] },
      { query: 'UPDATE lwt.accounts SET balance = ? WHERE id = ? AND entry = ? IF balance = ?', params: [0, 'a', 2, 999] },
    ], { prepare: true });
    assert.equal(lost.wasApplied(), false);
    assert.deepEqual(lost.rows.map((row) => [row['entry'], row['balance']]), [[1, 15], [2, 5]], 'a batch shows every row it read, with its key');

    const serial = await client.execute("SELECT entry, balance FROM lwt.accounts WHERE id = 'a'", [], { consistency: consistencies.serial });
    assert.deepEqual(serial.rows.map((row) => [row['entry'], row['balance']]), [[1, 15], [2, 5]]);
    const localSerial = await client.execute(update, [16, 'a', 1, 15, 'ana'], { prepare: true, serialConsistency: consistencies.localSerial });
    assert.equal(localSerial.wasApplied(), true);

    const invalid = async (query: string, message: string, options: cassandra.QueryOptions = {}) => {
      await assert.rejects(client.execute(query, [], options), (error: Error & { code?: number }) => {
        assert.equal(error.code, 0x2200);
        assert.equal(error.message, message);
        return true;
      });
    };
    await invalid("BEGIN BATCH INSERT INTO lwt.accounts (id, entry) VALUES ('a', 3) IF NOT EXISTS; INSERT INTO lwt.accounts (id, entry) VALUES ('b', 3); APPLY BATCH",
      'Batch with conditions cannot span multiple partitions');
    await invalid("INSERT INTO lwt.accounts (id, entry) VALUES ('a', 3) IF NOT EXISTS USING TIMESTAMP 1", 'Cannot provide custom timestamp for conditional updates');
    await invalid("UPDATE lwt.accounts SET owner = 'x' WHERE id = 'a' AND entry = 1 IF entry = 1", "PRIMARY KEY column 'entry' cannot have IF conditions");
    await invalid("UPDATE lwt.accounts SET owner = 'x' WHERE id = 'a' AND entry = 1 IF owner = 'y'", 'Invalid consistency for conditional update. Must be one of SERIAL or LOCAL_SERIAL',
      { serialConsistency: consistencies.quorum });
  } finally {
    await fixture.stop();
  }
});

interface History {
  /** The values increments were told they wrote. */
  applied: number[];
  /** Increments that ended in a CAS write timeout: applied or not, nobody knows. */
  unknown: number;
  notApplied: number;
  /** SERIAL reads that timed out under contention (and were asked again). */
  readTimeouts: number;
}

/** The register read at SERIAL; a read that times out under contention (ReadTimeout) is asked again. */
async function serialRead(client: cassandra.Client, history: History): Promise<number> {
  for (;;) {
    try {
      return (await client.execute('SELECT v FROM race.register WHERE k = 0', [], { consistency: consistencies.serial })).first()?.['v'] as number;
    } catch (error) {
      if ((error as { code?: number }).code !== 0x1200) throw error;
      history.readTimeouts++;
    }
  }
}

/** One client's increments: read at SERIAL, then CAS from what it read; a failed CAS tells the current value. */
async function incrementer(client: cassandra.Client, attempts: number, history: History): Promise<void> {
  const cas = 'UPDATE race.register SET v = ? WHERE k = 0 IF v = ?';
  let current = await serialRead(client, history);
  for (let attempt = 0; attempt < attempts; attempt++) {
    try {
      const result = await client.execute(cas, [current + 1, current], { prepare: true, consistency: consistencies.quorum, serialConsistency: consistencies.serial });
      if (result.wasApplied()) {
        history.applied.push(current + 1);
        current += 1;
      } else {
        history.notApplied++;
        current = result.first()?.['v'] as number;
      }
    } catch (error) {
      const details = error as { code?: number; writeType?: string };
      if (details.code !== 0x1100 || details.writeType !== 'CAS') throw error;
      history.unknown++;
      current = await serialRead(client, history);
    }
  }
}

/** A client whose requests all go to one node, which coordinates them. */
function clientOf(node: number, nativePort: number): cassandra.Client {
  const host = `127.0.0.${node}:${nativePort}`;
  const { loadBalancing } = cassandra.policies;
  return new cassandra.Client({
    contactPoints: [host], localDataCenter: 'datacenter1', protocolOptions: { port: nativePort },
    policies: { loadBalancing: new loadBalancing.AllowListPolicy(new loadBalancing.DCAwareRoundRobinPolicy('datacenter1'), [host]) },
    socketOptions: { readTimeout: 20_000 },
  });
}

test('three nodes, RF 3: racing CAS increments through every coordinator lose and duplicate nothing', { timeout: 240_000 }, async () => {
  const directory = mkdtempSync(join(tmpdir(), 'aero-lwt-'));
  const [nativePort, storagePort, adminPort] = [await freePort(), await freePort(), await freePort()];
  const clients: cassandra.Client[] = [];
  try {
    const start = await aero(['cluster', 'start', '--nodes', '3', '--dir', directory, '--base-port', String(nativePort),
      '--storage-port', String(storagePort), '--admin-port', String(adminPort), '--num-tokens', '8']);
    assert.equal(start.code, 0, start.stderr + start.stdout);
    const all = [1, 2, 3];
    await waitFor('every node up', async () => (await Promise.all(all.map((i) => seenBy(all.filter((o) => o !== i), i, 'UP', adminPort)))).every(Boolean), 30_000);
    for (const node of [1, 2, 3, 1, 2, 3]) clients.push(clientOf(node, nativePort));
    await Promise.all(clients.map((client) => client.connect()));
    await clients[0]!.execute("CREATE KEYSPACE race WITH replication = {'class': 'SimpleStrategy', 'replication_factor': 3}");
    await clients[0]!.execute('CREATE TABLE race.register (k int PRIMARY KEY, v int)');
    await waitFor('schema everywhere', async () => {
      const answers = await Promise.all(clients.slice(0, 3).map((c) => c.execute("SELECT table_name FROM system_schema.tables WHERE keyspace_name = 'race'").then((r) => r.rowLength, () => 0)));
      return answers.every((n) => n === 1);
    }, 20_000);
    const created = await clients[1]!.execute('INSERT INTO race.register (k, v) VALUES (0, 0) IF NOT EXISTS', [], { consistency: consistencies.quorum });
    assert.equal(created.wasApplied(), true);

    const history: History = { applied: [], unknown: 0, notApplied: 0, readTimeouts: 0 };
    const startedMs = Date.now();
    await Promise.all(clients.map((client) => incrementer(client, 25, history)));
    const elapsedMs = Date.now() - startedMs;
    const final = await serialRead(clients[2]!, history);
    const quorumRead = (await clients[0]!.execute('SELECT v FROM race.register WHERE k = 0', [], { consistency: consistencies.quorum })).first()?.['v'] as number;
    const applied = [...history.applied].sort((a, b) => a - b);
    const paxos = await Promise.all(all.map(async (i) => (await adminStatus<{ coordinator?: { paxos?: { contentions: number; unfinishedCommits: number } } }>(i, adminPort))?.coordinator?.paxos));
    const contentions = paxos.reduce((sum, stats) => sum + (stats?.contentions ?? 0), 0);
    const repaired = paxos.reduce((sum, stats) => sum + (stats?.unfinishedCommits ?? 0), 0);
    console.log(`lwt race: ${applied.length} applied, ${history.notApplied} not applied, ${history.unknown} unknown, ${history.readTimeouts} SERIAL read timeouts, `
      + `final ${final}, ${elapsedMs} ms; coordinators saw ${contentions} contended rounds and finished ${repaired} proposals of others`);
    assert.equal(new Set(applied).size, applied.length, 'no value was written by two increments');
    assert.ok(applied.every((value) => value >= 1 && value <= final), 'every applied value is part of the final history');
    assert.ok(final >= applied.length && final <= applied.length + history.unknown, `final ${final} counts the applied increments (${applied.length}) and at most the unknown ones (${history.unknown})`);
    if (history.unknown === 0) assert.equal(final, applied.length);
    assert.equal(quorumRead, final, 'a QUORUM read after the SERIAL read sees the same value');
    assert.ok(applied.length > 0);
  } finally {
    await Promise.all(clients.map((client) => client.shutdown().catch(() => undefined)));
    await aero(['cluster', 'stop', '--dir', directory, '--timeout', '20']);
    rmSync(directory, { recursive: true, force: true });
  }
});
