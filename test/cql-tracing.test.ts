// Query tracing through the DataStax Node.js driver (cqlsh's TRACING ON reads the same
// tables; cqlsh cannot be installed here). A request with the tracing flag gets its session
// id first in the response body; the session and its events are in system_traces with
// Cassandra's columns, so the driver's getTrace (result.info.traceId) finds them. On a real
// 3-node cluster at RF 3, a QUORUM write's trace holds events from every replica, and a
// QUORUM read's from the coordinator and the replicas it asked.
// run-tests: two at a time

import test from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import cassandra from 'cassandra-driver';
import { startDriverNode } from './harness/driver-node.js';
import { aero, freePort, pinnedClient, seenBy, waitFor } from './harness/local-cluster.js';

// Debian's package installs for Debian's interpreter, which may not be the first python3 on PATH.
const python = existsSync('/usr/bin/python3') ? '/usr/bin/python3' : 'python3';
const hasPythonDriver = spawnSync(python, ['-c', 'import cassandra'], { encoding: 'utf8' }).status === 0;

type Trace = Awaited<ReturnType<cassandra.metadata.Metadata['getTrace']>>;

async function traceOf(client: cassandra.Client, result: cassandra.types.ResultSet): Promise<Trace> {
  const id = result.info.traceId;
  assert.ok(id !== undefined && id !== null, 'the response carries a tracing session id');
  return client.metadata.getTrace(id);
}

const sourcesOf = (trace: Trace) => new Set(trace.events.map((event) => String(event.source)));

test('a traced request: session id in the response, session and events in system_traces', { timeout: 60_000 }, async () => {
  const fixture = await startDriverNode('traced');
  const { client } = fixture;
  try {
    await client.execute('CREATE TABLE traced.kv (k int PRIMARY KEY, v text)');
    const untraced = await client.execute('INSERT INTO traced.kv (k, v) VALUES (1, \'a\')');
    assert.equal(untraced.info.traceId, undefined, 'no session without the flag');

    const select = 'SELECT v FROM traced.kv WHERE k = 1';
    const result = await client.execute(select, [], { traceQuery: true, consistency: cassandra.types.consistencies.one });
    assert.equal(result.rows[0]?.get('v'), 'a', 'the traced request is answered as usual');
    const trace = await traceOf(client, result);
    assert.equal(trace.requestType, 'Execute CQL3 query');
    assert.equal(trace.parameters.query, select);
    assert.equal(trace.parameters.consistency_level, 'ONE');
    assert.equal(String(trace.coordinator), fixture.node.host);
    assert.ok(typeof trace.duration === 'number' && trace.duration > 0);
    const activities = trace.events.map((event) => event.activity);
    assert.ok(activities.includes(`Parsing ${select}`), activities.join('\n'));
    assert.ok(activities.includes('Executing single-partition query on kv'), activities.join('\n'));
    assert.ok(activities.includes('Read 1 live rows and 0 tombstone cells'), activities.join('\n'));
    assert.ok(trace.events.every((event) => typeof event.elapsed === 'number' && event.thread.length > 0));

    // Prepared and batch requests are traced too.
    const prepared = await client.execute('INSERT INTO traced.kv (k, v) VALUES (?, ?)', [2, 'b'], { prepare: true, traceQuery: true });
    const preparedTrace = await traceOf(client, prepared);
    assert.equal(preparedTrace.requestType, 'Execute CQL3 prepared query');
    assert.ok(preparedTrace.events.some((event) => event.activity === 'Adding to kv memtable'));
    const batch = await client.batch([{ query: 'INSERT INTO traced.kv (k, v) VALUES (3, \'c\')' }], { traceQuery: true, logged: false });
    assert.equal((await traceOf(client, batch)).requestType, 'Execute batch of CQL3 queries');

    // The session's columns, as cqlsh reads them.
    const session = await client.execute('SELECT * FROM system_traces.sessions WHERE session_id = ?', [result.info.traceId]);
    assert.deepEqual(session.columns.map((c) => c.name).sort(),
      ['client', 'command', 'coordinator', 'coordinator_port', 'duration', 'parameters', 'request', 'session_id', 'started_at']);
    assert.equal(session.rows[0]?.get('command'), 'QUERY');
  } finally {
    await fixture.stop();
  }
});

test('three nodes, RF 3: a QUORUM write is traced on every replica, a QUORUM read on those it asked (Node.js and Python drivers)', { timeout: 120_000 }, async () => {
  const directory = mkdtempSync(join(tmpdir(), 'aero-tracing-'));
  const [nativePort, storagePort, adminPort] = [await freePort(), await freePort(), await freePort()];
  let client: cassandra.Client | undefined;
  try {
    const start = await aero(['cluster', 'start', '--nodes', '3', '--dir', directory, '--base-port', String(nativePort),
      '--storage-port', String(storagePort), '--admin-port', String(adminPort), '--num-tokens', '8']);
    assert.equal(start.code, 0, start.stderr + start.stdout);
    const all = [1, 2, 3];
    await waitFor('every node up', async () => (await Promise.all(all.map((i) => seenBy(all.filter((o) => o !== i), i, 'UP', adminPort)))).every(Boolean), 30_000);
    client = pinnedClient([1], nativePort);
    await client.connect();
    await client.execute("CREATE KEYSPACE tracing3 WITH replication = {'class': 'SimpleStrategy', 'replication_factor': 3}");
    await client.execute('CREATE TABLE tracing3.kv (k int PRIMARY KEY, v text)');
    const quorum = cassandra.types.consistencies.quorum;
    const replicas = all.map((i) => `127.0.0.${i}`);

    const write = await client.execute('INSERT INTO tracing3.kv (k, v) VALUES (?, ?)', [7, 'seven'], { consistency: quorum, traceQuery: true });
    // The write reaches all three replicas; the one the coordinator did not wait for may store its events a moment later.
    let writeTrace = await traceOf(client, write);
    await waitFor('events of every replica', async () => {
      writeTrace = await traceOf(client!, write);
      return replicas.every((replica) => sourcesOf(writeTrace).has(replica));
    }, 10_000);
    for (const replica of replicas.filter((r) => r !== '127.0.0.1')) {
      const events = writeTrace.events.filter((event) => String(event.source) === replica).map((event) => event.activity);
      assert.ok(events.includes('MUTATION message received from /127.0.0.1:' + String(storagePort)), `${replica}: ${events.join(' | ')}`);
      assert.ok(events.includes('Adding to kv memtable') && events.some((a) => a.startsWith('Enqueuing response to /127.0.0.1')), `${replica}: ${events.join(' | ')}`);
    }

    const read = await client.execute('SELECT v FROM tracing3.kv WHERE k = ?', [7], { consistency: quorum, traceQuery: true });
    assert.equal(read.rows[0]?.get('v'), 'seven');
    const readTrace = await traceOf(client, read);
    const readSources = sourcesOf(readTrace);
    assert.ok(readSources.size >= 2, `a QUORUM read hears from two replicas: ${[...readSources].join(', ')}`);
    const remote = readTrace.events.filter((event) => String(event.source) !== '127.0.0.1');
    assert.ok(remote.some((event) => event.activity === 'Executing single-partition query on kv'), remote.map((e) => e.activity).join(' | '));
    assert.ok(readTrace.events.some((event) => String(event.source) === '127.0.0.1' && event.activity.startsWith('Sending READ message to /127.0.0.')));

    // The Python driver's get_query_trace (what cqlsh's TRACING ON uses) on the same cluster.
    assert.ok(hasPythonDriver, `python3-cassandra is not installed for ${python} (apt-get install python3-cassandra)`);
    const check = spawnSync(python, ['test/python/trace_cluster_check.py', '127.0.0.1', String(nativePort), 'tracing3'], { encoding: 'utf8', timeout: 60_000 });
    assert.equal(check.status, 0, `python tracing checks failed:\n${check.stdout}\n${check.stderr}`);
  } finally {
    await client?.shutdown().catch(() => undefined);
    await aero(['cluster', 'stop', '--dir', directory, '--timeout', '20']);
    rmSync(directory, { recursive: true, force: true });
  }
});
