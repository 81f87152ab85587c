// Counter tables through the query processor on one node: increments and decrements add up,
// shards fold into one value on read, and Cassandra's refusals with its messages.

import test from 'node:test';
import assert from 'node:assert/strict';
import { CqlError, ErrorCode } from '../common/errors.js';
import { ConsistencyLevel } from '../common/consistency.js';
import type { ResultMessage } from '../protocol/messages.js';
import { decodeValue, encodeValue } from '../protocol/type-codecs.js';
import { openProcessor } from '../../../test/harness/processor-fixture.js';

const bigint = { kind: 'native', name: 'bigint' } as const;

function values(result: ResultMessage): unknown[][] {
  assert.equal(result.kind, 'rows');
  if (result.kind !== 'rows') return [];
  const specs = result.metadata.columns ?? [];
  return result.rows.map((row) => row.map((value, i) => (value === null ? null : decodeValue(specs[i]!.type, value))));
}

async function refused(promise: Promise<unknown>, message: string): Promise<void> {
  await assert.rejects(promise, (error: unknown) => error instanceof CqlError && error.code === ErrorCode.Invalid && error.message === message);
}

test('counters add up, fold their shards on read, and follow Cassandra\'s rules', async () => {
  const { run } = await openProcessor();
  await run("CREATE KEYSPACE ks WITH replication = {'class': 'SimpleStrategy', 'replication_factor': 1}");
  await run('USE ks');
  await run('CREATE TABLE hits (page text, day int, views counter, clicks counter, PRIMARY KEY (page, day))');
  for (let i = 0; i < 10; i++) await run("UPDATE hits SET views = views + 2, clicks = clicks + 1 WHERE page = 'a' AND day = 1");
  await run("UPDATE hits SET views = views - 5 WHERE page = 'a' AND day = 1");
  await run("UPDATE hits SET views = views + ? WHERE page = 'a' AND day = 2", [encodeValue(bigint, 7n)]);
  assert.deepEqual(values(await run("SELECT day, views, clicks FROM hits WHERE page = 'a'")), [[1, 15n, 10n], [2, 7n, null]]);
  assert.deepEqual(values(await run("SELECT * FROM hits WHERE page = 'a' AND day = 1")), [['a', 1, 10n, 15n]]);
  await run("BEGIN COUNTER BATCH UPDATE hits SET views = views + 1 WHERE page = 'b' AND day = 1; UPDATE hits SET views = views + 1 WHERE page = 'b' AND day = 1; APPLY BATCH");
  assert.deepEqual(values(await run("SELECT views FROM hits WHERE page = 'b' AND day = 1")), [[2n]]);
  await run("DELETE FROM hits WHERE page = 'b' AND day = 1");
  assert.deepEqual(values(await run("SELECT views FROM hits WHERE page = 'b'")), []);

  await run('CREATE TABLE plain (k int PRIMARY KEY, v int)');
  await refused(run("INSERT INTO hits (page, day, views) VALUES ('a', 1, 1)"), 'INSERT statements are not allowed on counter tables, use UPDATE instead');
  await refused(run("UPDATE hits SET views = 3 WHERE page = 'a' AND day = 1"), 'Cannot set the value of counter column views (counters can only be incremented/decremented, not set)');
  await refused(run("UPDATE hits USING TTL 10 SET views = views + 1 WHERE page = 'a' AND day = 1"), 'Cannot provide custom TTL for counter updates');
  await refused(run("UPDATE hits USING TIMESTAMP 10 SET views = views + 1 WHERE page = 'a' AND day = 1"), 'Cannot provide custom timestamp for counter updates');
  await refused(run("UPDATE hits SET views = views + 1 WHERE page = 'a' AND day = 1 IF views = 1"), 'Conditional updates are not supported on counter tables');
  await refused(run("BEGIN BATCH UPDATE hits SET views = views + 1 WHERE page = 'a' AND day = 1; APPLY BATCH"), 'Cannot include a counter statement in a logged batch');
  await refused(run('BEGIN COUNTER BATCH UPDATE plain SET v = 1 WHERE k = 1; APPLY BATCH'), 'Cannot include non-counter statement in a counter batch');
  await refused(run("BEGIN UNLOGGED BATCH UPDATE plain SET v = 1 WHERE k = 1; UPDATE hits SET views = views + 1 WHERE page = 'a' AND day = 1; APPLY BATCH"), 'Counter and non-counter mutations cannot exist in the same batch');
  await refused(run('CREATE TABLE mixed (k int PRIMARY KEY, c counter, v int)'), 'Cannot mix counter and non counter columns in the same table');
  await refused(run("UPDATE hits SET views = views + 1 WHERE page = 'a' AND day = 1", [], { consistency: ConsistencyLevel.ANY }), 'Consistency level ANY is not yet supported for counter table hits');
});
