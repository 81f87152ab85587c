// Query tracing through the DataStax Node.js driver (cqlsh's TRACING ON reads the same
// tables; cqlsh cannot be installed here). A request with the tracing flag gets its session
// id first in the response body; the session and its events are in system_traces with
// Cassandra's columns, so the driver's getTrace (result.info.traceId) finds them. Tracing on a
// real 3-node cluster (a QUORUM write's trace holds events from every replica) is in
// test/cql-cluster.test.ts, on the cluster that file starts once.
// run-tests: two at a time

import test from 'node:test';
import assert from 'node:assert/strict';
import cassandra from 'cassandra-driver';
import { startDriverNode } from './harness/driver-node.js';

type Trace = Awaited<ReturnType<cassandra.metadata.Metadata['getTrace']>>;

async function traceOf(client: cassandra.Client, result: cassandra.types.ResultSet): Promise<Trace> {
  const id = result.info.traceId;
  assert.ok(id !== undefined && id !== null, 'the response carries a tracing session id');
  return client.metadata.getTrace(id);
}

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
