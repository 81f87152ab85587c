// DESCRIBE through the query processor in one process: the schema of the integration test
// (every type, user types, clustering orders, every table option) described, replayed into a
// fresh processor and described again, identically; paging by row offset; a schema change
// between pages refused as Cassandra refuses it.

import test from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { ConsistencyLevel } from '../common/consistency.js';
import { silentLogger } from '../common/world.js';
import { defaultQueryParameters } from '../protocol/query-parameters.js';
import type { ResultMessage } from '../protocol/messages.js';
import { openProcessorFixture } from '../../../test/harness/processor-fixture.js';
import { QueryProcessor, type QuerySession } from './query-processor.js';

async function processor() {
  const { clock, random, storage, schema, coordinator } = await openProcessorFixture();
  const instance = new QueryProcessor({ world: { clock, random, logger: silentLogger }, schema, storage, coordinator, virtualRows: () => [] });
  await instance.start();
  const state: QuerySession = { keyspace: null, user: null };
  return (query: string, extra: Partial<ReturnType<typeof defaultQueryParameters>> = {}) =>
    instance.query(query, { ...defaultQueryParameters(ConsistencyLevel.ONE), ...extra }, state);
}

function rows(result: ResultMessage): string[][] {
  assert.equal(result.kind, 'rows');
  return result.kind === 'rows' ? result.rows.map((row) => row.map((cell) => cell?.toString('utf8') ?? '')) : [];
}

const schemaStatements = readFileSync('test/fixtures/describe-schema.cql', 'utf8').split(';\n').map((s) => s.trim()).filter((s) => s.length > 0);

test('DESCRIBE SCHEMA replays to an identical description', async () => {
  const source = await processor();
  for (const statement of schemaStatements) await source(statement);
  await source('ALTER TABLE describe_src.events DROP payload');
  for (const internals of [false, true]) {
    const described = rows(await source(`DESCRIBE SCHEMA${internals ? ' WITH INTERNALS' : ''}`)).map((row) => row[3] ?? '');
    assert.equal(described.length, 9, 'the keyspace, 3 types, 5 tables');
    const target = await processor();
    for (const text of described) for (const statement of text.split(/;\n(?=ALTER TABLE )/)) await target(statement);
    assert.deepEqual(rows(await target(`DESCRIBE SCHEMA${internals ? ' WITH INTERNALS' : ''}`)).map((row) => row[3]), described);
  }
});

test('DESCRIBE pages by rows and refuses a page after a schema change', async () => {
  const run = await processor();
  await run("CREATE KEYSPACE p WITH replication = {'class': 'SimpleStrategy', 'replication_factor': 1}");
  for (const name of ['a', 'b', 'c']) await run(`CREATE TABLE p.${name} (k int PRIMARY KEY)`);
  const first = await run('DESCRIBE KEYSPACE p', { pageSize: 3 });
  assert.ok(first.kind === 'rows' && first.metadata.pagingState !== null);
  assert.deepEqual(rows(first).map((row) => row[2]), ['p', 'a', 'b']);
  const pagingState = first.kind === 'rows' ? first.metadata.pagingState : null;
  const second = await run('DESCRIBE KEYSPACE p', { pageSize: 3, pagingState });
  assert.deepEqual(rows(second).map((row) => row[2]), ['c']);
  assert.ok(second.kind === 'rows' && second.metadata.pagingState === null);
  await run('CREATE TABLE p.d (k int PRIMARY KEY)');
  await assert.rejects(run('DESCRIBE KEYSPACE p', { pageSize: 3, pagingState }), /The schema has changed since the previous page of the DESCRIBE statement result/);
});

test('ALTER TABLE DROP USING TIMESTAMP records that timestamp, which WITH INTERNALS prints back', async () => {
  const run = await processor();
  await run("CREATE KEYSPACE d WITH replication = {'class': 'SimpleStrategy', 'replication_factor': 1}");
  await run('CREATE TABLE d.t (k int PRIMARY KEY, gone text)');
  await run('ALTER TABLE d.t DROP gone USING TIMESTAMP 1234567');
  const [row] = rows(await run('DESCRIBE TABLE d.t WITH INTERNALS'));
  assert.ok(row?.[3]?.endsWith('\nALTER TABLE d.t DROP gone USING TIMESTAMP 1234567;'), row?.[3]);
});
