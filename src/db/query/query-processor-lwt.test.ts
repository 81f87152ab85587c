// Lightweight transactions through the query processor on one node (Paxos with itself as the
// only replica): IF NOT EXISTS, IF EXISTS, column conditions, conditional batches, SERIAL
// reads, and the refusals Cassandra gives, with its messages.

import test from 'node:test';
import assert from 'node:assert/strict';
import { ConsistencyLevel } from '../common/consistency.js';
import { CqlError, ErrorCode } from '../common/errors.js';
import { BatchType, type ResultMessage } from '../protocol/messages.js';
import { decodeValue, encodeValue } from '../protocol/type-codecs.js';
import { openProcessor } from '../../../test/harness/processor-fixture.js';

const int = { kind: 'native', name: 'int' } as const;
const text = { kind: 'native', name: 'text' } as const;

async function setup() {
  const fixture = await openProcessor();
  await fixture.run("CREATE KEYSPACE ks WITH replication = {'class': 'SimpleStrategy', 'replication_factor': 1}");
  await fixture.run('USE ks');
  await fixture.run('CREATE TABLE t (p int, c int, v text, n int, m map<text, int>, l list<int>, PRIMARY KEY (p, c))');
  return fixture;
}

/** The result as column names and decoded values. */
function table(result: ResultMessage): { columns: string[]; rows: unknown[][] } {
  assert.equal(result.kind, 'rows');
  if (result.kind !== 'rows') return { columns: [], rows: [] };
  const specs = result.metadata.columns ?? [];
  return { columns: specs.map((c) => c.name), rows: result.rows.map((row) => row.map((value, i) => (value === null ? null : decodeValue(specs[i]!.type, value)))) };
}

async function refused(promise: Promise<unknown>, message: string | RegExp): Promise<void> {
  await assert.rejects(promise, (error: unknown) => {
    assert.ok(error instanceof CqlError);
    assert.equal(error.code, ErrorCode.Invalid);
    if (typeof message === 'string') assert.equal(error.message, message);
    else assert.match(error.message, message);
    return true;
  });
}

test('INSERT IF NOT EXISTS applies once, then shows the existing row', async () => {
  const { run } = await setup();
  const first = table(await run("INSERT INTO t (p, c, v) VALUES (1, 1, 'a') IF NOT EXISTS"));
  assert.deepEqual(first, { columns: ['[applied]'], rows: [[true]] });
  const second = table(await run("INSERT INTO t (p, c, v) VALUES (1, 1, 'b') IF NOT EXISTS"));
  assert.deepEqual(second.columns, ['[applied]', 'p', 'c', 'l', 'm', 'n', 'v']);
  assert.deepEqual(second.rows, [[false, 1, 1, null, null, null, 'a']]);
  assert.deepEqual(table(await run('SELECT v FROM t WHERE p = 1 AND c = 1')).rows, [['a']]);
});

test('UPDATE IF EXISTS and IF conditions: applied, or the current values of the conditioned columns', async () => {
  const { run } = await setup();
  assert.deepEqual(table(await run("UPDATE t SET v = 'x' WHERE p = 1 AND c = 1 IF EXISTS")), { columns: ['[applied]'], rows: [[false]] });
  await run("INSERT INTO t (p, c, v, n) VALUES (1, 1, 'a', 5)");
  assert.deepEqual(table(await run("UPDATE t SET v = 'b' WHERE p = 1 AND c = 1 IF EXISTS")).rows, [[true]]);
  assert.deepEqual(table(await run("UPDATE t SET v = 'c' WHERE p = 1 AND c = 1 IF v = 'a' AND n = 5")), { columns: ['[applied]', 'v', 'n'], rows: [[false, 'b', 5]] });
  assert.deepEqual(table(await run("UPDATE t SET v = 'c' WHERE p = 1 AND c = 1 IF v = 'b' AND n > 4 AND n IN (5, 6) AND n != 7")).rows, [[true]]);
  assert.deepEqual(table(await run("UPDATE t SET v = 'd' WHERE p = 1 AND c = 1 IF m = null AND n < 5")), { columns: ['[applied]', 'm', 'n'], rows: [[false, null, 5]] });
  assert.deepEqual(table(await run("DELETE FROM t WHERE p = 1 AND c = 1 IF v = 'c'")).rows, [[true]]);
  assert.deepEqual(table(await run('SELECT * FROM t WHERE p = 1')).rows, []);
});

test('conditions on map entries and list elements', async () => {
  const { run } = await setup();
  await run("INSERT INTO t (p, c, m, l) VALUES (1, 1, {'a': 1, 'b': 2}, [10, 20])");
  assert.deepEqual(table(await run("UPDATE t SET v = 'x' WHERE p = 1 AND c = 1 IF m['a'] = 1 AND l[1] = 20 AND m['z'] = null")).rows, [[true]]);
  assert.deepEqual(table(await run("UPDATE t SET v = 'y' WHERE p = 1 AND c = 1 IF m['b'] = 1")).rows[0]![0], false);
});

test('a conditional batch on one partition applies all or nothing', async () => {
  const { run } = await setup();
  const batch = "BEGIN BATCH INSERT INTO t (p, c, v) VALUES (1, 1, 'a') IF NOT EXISTS; INSERT INTO t (p, c, v) VALUES (1, 2, 'b') IF NOT EXISTS; APPLY BATCH";
  assert.deepEqual(table(await run(batch)).rows, [[true]]);
  const again = table(await run("BEGIN BATCH INSERT INTO t (p, c, v) VALUES (1, 3, 'c'); UPDATE t SET v = 'z' WHERE p = 1 AND c = 1 IF v = 'nope'; APPLY BATCH"));
  assert.deepEqual(again, { columns: ['[applied]', 'p', 'c', 'v'], rows: [[false, 1, 1, 'a']] });
  assert.deepEqual(table(await run('SELECT c FROM t WHERE p = 1')).rows, [[1], [2]]);
  await refused(run("BEGIN BATCH INSERT INTO t (p, c) VALUES (1, 5) IF NOT EXISTS; INSERT INTO t (p, c) VALUES (2, 5); APPLY BATCH"), 'Batch with conditions cannot span multiple partitions');
  await refused(run("BEGIN BATCH INSERT INTO t (p, c) VALUES (1, 5) IF NOT EXISTS; UPDATE t SET v = 'a' WHERE p = 1 AND c = 5 IF v = 'b'; APPLY BATCH"), 'Cannot mix IF conditions and IF NOT EXISTS for the same row');
  await refused(run('BEGIN BATCH USING TIMESTAMP 5 INSERT INTO t (p, c) VALUES (1, 5) IF NOT EXISTS; APPLY BATCH'), 'Cannot provide custom timestamp for conditional BATCH');
});

test('a BATCH message with conditions', async () => {
  const { processor, state } = await setup();
  const statements = [
    { kind: 'query' as const, query: 'INSERT INTO t (p, c, v) VALUES (?, ?, ?) IF NOT EXISTS', values: [encodeValue(int, 3), encodeValue(int, 1), encodeValue(text, 'q')] },
  ];
  const result = await processor.batch({ type: BatchType.LOGGED, statements, consistency: ConsistencyLevel.ONE, serialConsistency: null, defaultTimestamp: null }, state);
  assert.deepEqual(table(result).rows, [[true]]);
});

test('SERIAL reads, and the levels Cassandra refuses for conditional writes', async () => {
  const { run } = await setup();
  await run("INSERT INTO t (p, c, v) VALUES (1, 1, 'a') IF NOT EXISTS");
  assert.deepEqual(table(await run('SELECT v FROM t WHERE p = 1', [], { consistency: ConsistencyLevel.SERIAL })).rows, [['a']]);
  await refused(run('SELECT v FROM t', [], { consistency: ConsistencyLevel.SERIAL }), 'SERIAL/LOCAL_SERIAL consistency may only be requested for one partition at a time');
  await refused(run('SELECT v FROM t WHERE p IN (1, 2)', [], { consistency: ConsistencyLevel.LOCAL_SERIAL }), 'SERIAL/LOCAL_SERIAL consistency may only be requested for one partition at a time');
  await refused(run("INSERT INTO t (p, c) VALUES (1, 2) IF NOT EXISTS", [], { serialConsistency: ConsistencyLevel.QUORUM }), 'Invalid consistency for conditional update. Must be one of SERIAL or LOCAL_SERIAL');
  await refused(run("INSERT INTO t (p, c) VALUES (1, 2) IF NOT EXISTS", [], { consistency: ConsistencyLevel.SERIAL }), /^SERIAL is not supported as conditional update commit consistency/);
  assert.deepEqual(table(await run("INSERT INTO t (p, c) VALUES (1, 2) IF NOT EXISTS", [], { serialConsistency: ConsistencyLevel.LOCAL_SERIAL })).rows, [[true]]);
});

test('what Cassandra refuses in conditional statements', async () => {
  const { run } = await setup();
  await refused(run("INSERT INTO t (p, c) VALUES (1, 1) IF NOT EXISTS USING TIMESTAMP 5"), 'Cannot provide custom timestamp for conditional updates');
  await refused(run("UPDATE t SET v = 'a' WHERE p = 1 AND c = 1 IF p = 1"), "PRIMARY KEY column 'p' cannot have IF conditions");
  await refused(run("UPDATE t SET v = 'a' WHERE p IN (1, 2) AND c = 1 IF v = 'b'"), 'IN on the partition key is not supported with conditional updates');
  await refused(run("DELETE FROM t WHERE p = 1 AND c IN (1, 2) IF v = 'b'"), 'IN on the clustering key columns is not supported with conditional deletions');
  await refused(run("DELETE FROM t WHERE p = 1 IF v = 'b'"), 'DELETE statements must restrict all PRIMARY KEY columns with equality relations in order to use IF conditions');
  await refused(run("UPDATE t SET v = 'a' WHERE p = 1 AND c = 1 IF n > null"), 'Invalid comparison with null for operator ">"');
  await refused(run("UPDATE t SET v = 'a' WHERE p = 1 AND c = 1 IF v[1] = 'x'"), 'Invalid element access syntax for non-collection column v');
  await refused(run("UPDATE t SET v = 'a' WHERE p = 1 AND c = 1 IF nope = 1"), 'Undefined column name nope in table ks.t');
});
