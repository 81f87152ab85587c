// The query processor end to end in one process: CQL text in, protocol results out, through
// the coordinator (a StorageProxy at replication factor 1) to the real storage engine on a
// simulated disk.

import test from 'node:test';
import assert from 'node:assert/strict';
import { ConsistencyLevel } from '../common/consistency.js';
import { CqlError, ErrorCode } from '../common/errors.js';
import { defaultQueryParameters } from '../protocol/query-parameters.js';
import { BatchType, type BoundValue, type QueryParameters, type ResultMessage } from '../protocol/messages.js';
import { resultMetadataId } from '../protocol/result.js';
import { decodeValue, encodeValue } from '../protocol/type-codecs.js';
import { openProcessor } from '../../../test/harness/processor-fixture.js';

async function setup() {
  const { processor, run, state, storage, clock } = await openProcessor();
  const nowSeconds = Math.floor(clock.nowMs() / 1000);
  return { processor, run, state, storage, nowSeconds };
}

const int = { kind: 'native', name: 'int' } as const;
const text = { kind: 'native', name: 'text' } as const;

function rowsOf(result: ResultMessage): Array<Array<Buffer | null>> {
  assert.equal(result.kind, 'rows');
  return result.kind === 'rows' ? result.rows : [];
}

test('create, insert, select, update, delete', async () => {
  const { run } = await setup();
  await run("CREATE KEYSPACE ks WITH replication = {'class': 'SimpleStrategy', 'replication_factor': 1}");
  await run('USE ks');
  await run('CREATE TABLE t (p int, c int, v text, PRIMARY KEY (p, c)) WITH CLUSTERING ORDER BY (c DESC)');
  for (let c = 0; c < 5; c++) await run('INSERT INTO t (p, c, v) VALUES (?, ?, ?)', [encodeValue(int, 1), encodeValue(int, c), encodeValue(text, `v${c}`)]);
  let rows = rowsOf(await run('SELECT c, v FROM t WHERE p = 1'));
  assert.deepEqual(rows.map((r) => decodeValue(int, r[0]!)), [4, 3, 2, 1, 0]);
  rows = rowsOf(await run('SELECT c FROM t WHERE p = 1 AND c > 1 AND c <= 3 ORDER BY c ASC'));
  assert.deepEqual(rows.map((r) => decodeValue(int, r[0]!)), [2, 3]);
  await run("UPDATE t SET v = 'new' WHERE p = 1 AND c = 2");
  rows = rowsOf(await run('SELECT v FROM t WHERE p = 1 AND c = 2'));
  assert.equal(decodeValue(text, rows[0]![0]!), 'new');
  await run('DELETE FROM t WHERE p = 1 AND c < 2');
  rows = rowsOf(await run('SELECT c FROM t WHERE p = 1'));
  assert.deepEqual(rows.map((r) => decodeValue(int, r[0]!)), [4, 3, 2]);
  rows = rowsOf(await run('SELECT COUNT(*) FROM t'));
  assert.equal(decodeValue({ kind: 'native', name: 'bigint' }, rows[0]![0]!), 3n);
});

test('paging across partitions returns each row exactly once', async () => {
  const { run } = await setup();
  await run("CREATE KEYSPACE ks WITH replication = {'class': 'SimpleStrategy', 'replication_factor': 1}");
  await run('CREATE TABLE ks.t (p int, c int, PRIMARY KEY (p, c))');
  for (let p = 0; p < 30; p++) for (let c = 0; c < 7; c++) await run('INSERT INTO ks.t (p, c) VALUES (?, ?)', [encodeValue(int, p), encodeValue(int, c)]);
  const seen = new Set<string>();
  let pagingState: Buffer | null = null;
  let pages = 0;
  do {
    const result: ResultMessage = await run('SELECT p, c FROM ks.t', [], { pageSize: 16, pagingState });
    assert.equal(result.kind, 'rows');
    if (result.kind !== 'rows') break;
    for (const row of result.rows) {
      const id = `${decodeValue(int, row[0]!)}:${decodeValue(int, row[1]!)}`;
      assert.ok(!seen.has(id), `duplicate ${id}`);
      seen.add(id);
    }
    pagingState = result.metadata.pagingState;
    pages++;
  } while (pagingState !== null && pages < 100);
  assert.equal(seen.size, 210);
});

test('errors: syntax, unknown table, unavailable', async () => {
  const { run } = await setup();
  await assert.rejects(run('SELEC * FROM x'), (e: unknown) => e instanceof CqlError && e.code === ErrorCode.SyntaxError);
  await assert.rejects(run('SELECT * FROM nope.t'), (e: unknown) => e instanceof CqlError && e.code === ErrorCode.Invalid);
  await run("CREATE KEYSPACE ks WITH replication = {'class': 'SimpleStrategy', 'replication_factor': 3}");
  await run('CREATE TABLE ks.t (p int PRIMARY KEY, v int)');
  await assert.rejects(run('INSERT INTO ks.t (p, v) VALUES (1, 1)', [], { consistency: ConsistencyLevel.QUORUM }),
    (e: unknown) => e instanceof CqlError && e.code === ErrorCode.Unavailable);
  await run('INSERT INTO ks.t (p, v) VALUES (1, 1)');
  await assert.rejects(run("CREATE KEYSPACE ks WITH replication = {'class': 'SimpleStrategy', 'replication_factor': 3}"),
    (e: unknown) => e instanceof CqlError && e.code === ErrorCode.AlreadyExists);
});

test('token restrictions select exactly the keys in range, bounds included or not', async () => {
  const { run } = await setup();
  await run("CREATE KEYSPACE ks WITH replication = {'class': 'SimpleStrategy', 'replication_factor': 1}");
  await run('CREATE TABLE ks.t (p int PRIMARY KEY, v int)');
  for (let p = 0; p < 200; p++) await run('INSERT INTO ks.t (p, v) VALUES (?, ?)', [encodeValue(int, p), encodeValue(int, p)]);
  const bigint = { kind: 'native', name: 'bigint' } as const;
  const all = rowsOf(await run('SELECT token(p), p FROM ks.t')).map((r) => decodeValue(bigint, r[0]!) as bigint);
  assert.equal(all.length, 200);
  assert.deepEqual(all, [...all].sort((a, b) => (a < b ? -1 : a > b ? 1 : 0)), 'range scans return token order');
  const low = all[50]!;
  const high = all[150]!;
  for (const [lowOp, highOp] of [['>', '<'], ['>=', '<='], ['>', '<='], ['>=', '<']] as const) {
    const got = rowsOf(await run(`SELECT token(p) FROM ks.t WHERE token(p) ${lowOp} ${low} AND token(p) ${highOp} ${high}`))
      .map((r) => decodeValue(bigint, r[0]!) as bigint);
    const expected = all.filter((t) => (lowOp === '>' ? t > low : t >= low) && (highOp === '<' ? t < high : t <= high));
    assert.deepEqual(got, expected, `token(p) ${lowOp} low AND token(p) ${highOp} high`);
  }
});

test('a prepared statement whose table changed shape answers Unprepared, and prepares again with the new columns', async () => {
  const { processor, run, state } = await setup();
  await run("CREATE KEYSPACE ks WITH replication = {'class': 'SimpleStrategy', 'replication_factor': 1}");
  await run('USE ks');
  await run('CREATE TABLE alt (k int PRIMARY KEY, a text)');
  const prepared = await processor.prepare('SELECT * FROM alt WHERE k = ?', state);
  assert.equal(prepared.kind, 'prepared');
  if (prepared.kind !== 'prepared') return;
  const execute = () => processor.execute(prepared.id, { ...defaultQueryParameters(ConsistencyLevel.ONE), values: [encodeValue(int, 1)] }, state);
  await run('CREATE TABLE other (k int PRIMARY KEY)');
  assert.equal((await execute()).kind, 'rows', 'a change to another table keeps the statement');
  await run('ALTER TABLE alt ADD b int');
  await assert.rejects(execute(), (error: unknown) => error instanceof CqlError && error.code === ErrorCode.Unprepared);
  const again = await processor.prepare('SELECT * FROM alt WHERE k = ?', state);
  assert.ok(again.kind === 'prepared' && again.id.equals(prepared.id));
  assert.deepEqual(again.kind === 'prepared' && again.resultMetadata.columns?.map((c) => c.name), ['k', 'a', 'b']);
  const result = await execute();
  assert.ok(result.kind === 'rows' && result.metadata.columns?.length === 3);
});

test('v5 result metadata ids: PREPARED carries its columns\' id; an EXECUTE naming another gets the columns and the new id', async () => {
  const { processor, run, state } = await setup();
  await run("CREATE KEYSPACE ks WITH replication = {'class': 'SimpleStrategy', 'replication_factor': 1}");
  await run('USE ks');
  await run('CREATE TABLE ids (k int PRIMARY KEY, a text)');
  await run("INSERT INTO ids (k, a) VALUES (1, 'x')");
  const prepared = await processor.prepare('SELECT * FROM ids WHERE k = ?', state);
  assert.ok(prepared.kind === 'prepared' && prepared.resultMetadataId !== undefined);
  if (prepared.kind !== 'prepared' || prepared.resultMetadataId === undefined) return;
  assert.deepEqual(prepared.resultMetadataId, resultMetadataId(prepared.resultMetadata.columns ?? []));
  const execute = (extra: Partial<QueryParameters>) =>
    processor.execute(prepared.id, { ...defaultQueryParameters(ConsistencyLevel.ONE), values: [encodeValue(int, 1)], skipMetadata: true, ...extra }, state);
  const same = await execute({ resultMetadataId: prepared.resultMetadataId });
  assert.ok(same.kind === 'rows' && same.metadata.columns === null && same.metadata.newMetadataId === undefined, 'the same id: metadata skipped');
  const stale = await execute({ resultMetadataId: Buffer.alloc(16) });
  assert.ok(stale.kind === 'rows');
  assert.deepEqual(stale.kind === 'rows' && stale.metadata.columns?.map((c) => c.name), ['k', 'a']);
  assert.deepEqual(stale.kind === 'rows' && stale.metadata.newMetadataId, prepared.resultMetadataId, 'another id: the columns and the current id');
  const v4 = await execute({});
  assert.ok(v4.kind === 'rows' && v4.metadata.columns === null && v4.metadata.newMetadataId === undefined, 'v4 holds no id: nothing flagged');
  await run('ALTER TABLE ids ADD b int');
  const again = await processor.prepare('SELECT * FROM ids WHERE k = ?', state);
  assert.ok(again.kind === 'prepared' && again.resultMetadataId !== undefined && !again.resultMetadataId.equals(prepared.resultMetadataId));
  const modification = await processor.prepare('INSERT INTO ids (k) VALUES (?)', state);
  assert.deepEqual(modification.kind === 'prepared' && modification.resultMetadataId, resultMetadataId([]));
});

test('v5 now_in_seconds: TTLs and their expiry follow the client\'s now, in QUERY and BATCH', async () => {
  const { processor, run, state, nowSeconds } = await setup();
  await run("CREATE KEYSPACE ks WITH replication = {'class': 'SimpleStrategy', 'replication_factor': 1}");
  await run('USE ks');
  await run('CREATE TABLE ttl (k int PRIMARY KEY, v int)');
  await run('INSERT INTO ttl (k, v) VALUES (1, 1) USING TTL 100', [], { nowInSeconds: nowSeconds });
  const count = async (now?: number) => rowsOf(await run('SELECT v FROM ttl WHERE k = 1', [], now === undefined ? {} : { nowInSeconds: now })).length;
  assert.deepEqual([await count(), await count(nowSeconds + 99), await count(nowSeconds + 100)], [1, 1, 0]);
  // Written as if a thousand seconds ago: already expired now.
  await processor.batch({
    type: BatchType.UNLOGGED, consistency: ConsistencyLevel.ONE, serialConsistency: null, defaultTimestamp: null, nowInSeconds: nowSeconds - 1000,
    statements: [{ kind: 'query', query: 'INSERT INTO ttl (k, v) VALUES (2, 2) USING TTL 100', values: [] }],
  }, state);
  assert.equal(rowsOf(await run('SELECT v FROM ttl WHERE k = 2')).length, 0);
  assert.equal(rowsOf(await run('SELECT v FROM ttl WHERE k = 2', [], { nowInSeconds: nowSeconds - 950 })).length, 1);
});
