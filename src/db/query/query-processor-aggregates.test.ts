// Aggregates and GROUP BY end to end in one process (query processor, coordinator, storage):
// aggregates cover every internal page of the read; GROUP BY pages hold whole groups, resume
// after the last one, and count LIMIT and PER PARTITION LIMIT in groups. Expected values are
// computed here from the rows inserted, not by the code under test.

import test from 'node:test';
import assert from 'node:assert/strict';
import type { ResultMessage } from '../protocol/messages.js';
import { decodeValue, encodeValue } from '../protocol/type-codecs.js';
import { openProcessor } from '../../../test/harness/processor-fixture.js';

const int = { kind: 'native', name: 'int' } as const;
const bigint = { kind: 'native', name: 'bigint' } as const;

async function setup() {
  const { run } = await openProcessor();
  await run("CREATE KEYSPACE ks WITH replication = {'class': 'SimpleStrategy', 'replication_factor': 1}");
  // 6 partitions x 4 values of b x 5 values of c; v = p * 100 + b * 10 + c.
  await run('CREATE TABLE ks.t (p int, b int, c int, v int, PRIMARY KEY (p, b, c))');
  for (let p = 0; p < 6; p++) {
    for (let b = 0; b < 4; b++) {
      for (let c = 0; c < 5; c++) await run('INSERT INTO ks.t (p, b, c, v) VALUES (?, ?, ?, ?)', [p, b, c, p * 100 + b * 10 + c].map((n) => encodeValue(int, n)));
    }
  }
  return { run };
}

function rowsOf(result: ResultMessage): Array<Array<Buffer | null>> {
  assert.equal(result.kind, 'rows');
  return result.kind === 'rows' ? result.rows : [];
}

async function allPages(run: Awaited<ReturnType<typeof setup>>['run'], query: string, pageSize: number): Promise<{ rows: Array<Array<Buffer | null>>; pages: number }> {
  const rows: Array<Array<Buffer | null>> = [];
  let pagingState: Buffer | null = null;
  let pages = 0;
  do {
    const result: ResultMessage = await run(query, [], { pageSize, pagingState });
    assert.equal(result.kind, 'rows');
    if (result.kind !== 'rows') break;
    assert.ok(result.rows.length <= pageSize, `a page of ${result.rows.length} rows for page size ${pageSize}`);
    rows.push(...result.rows);
    pagingState = result.metadata.pagingState;
    pages++;
  } while (pagingState !== null && pages < 1000);
  return { rows, pages };
}

test('an aggregate covers every internal page of its read and returns one row without paging state', async () => {
  const { run } = await setup();
  const all: number[] = [];
  for (let p = 0; p < 6; p++) for (let b = 0; b < 4; b++) for (let c = 0; c < 5; c++) all.push(p * 100 + b * 10 + c);
  for (const pageSize of [3, 7, 1000]) {
    const result = await run('SELECT count(*), sum(v), min(v), max(v), avg(v) FROM ks.t', [], { pageSize });
    const [row] = rowsOf(result);
    assert.equal(result.kind === 'rows' && result.metadata.pagingState, null);
    assert.equal(decodeValue(bigint, row![0]!), BigInt(all.length));
    assert.equal(decodeValue(int, row![1]!), all.reduce((a, b) => a + b, 0));
    assert.equal(decodeValue(int, row![2]!), Math.min(...all));
    assert.equal(decodeValue(int, row![3]!), Math.max(...all));
    assert.equal(decodeValue(int, row![4]!), Math.trunc(all.reduce((a, b) => a + b, 0) / all.length));
  }
  const [limited] = rowsOf(await run('SELECT count(*) FROM ks.t LIMIT 1', [], { pageSize: 5 }));
  assert.equal(decodeValue(bigint, limited![0]!), 120n, 'LIMIT applies to the result row, not to the rows counted');
});

test('GROUP BY pages hold whole groups and resume after the last one, at every page size', async () => {
  const { run } = await setup();
  const expected: string[] = [];
  for (let p = 0; p < 6; p++) for (let b = 0; b < 4; b++) expected.push(`${p}:${b}:${5}:${p * 100 + b * 10 + 4}`);
  for (const pageSize of [1, 2, 3, 5, 7, 100]) {
    const { rows } = await allPages(run, 'SELECT p, b, count(*), max(v) FROM ks.t GROUP BY p, b', pageSize);
    const got = rows.map((r) => `${decodeValue(int, r[0]!)}:${decodeValue(int, r[1]!)}:${decodeValue(bigint, r[2]!)}:${decodeValue(int, r[3]!)}`);
    assert.deepEqual(got.sort(), [...expected].sort(), `page size ${pageSize}`);
  }
});

test('GROUP BY: LIMIT and PER PARTITION LIMIT count groups; without aggregates a group shows its first row', async () => {
  const { run } = await setup();
  const { rows } = await allPages(run, 'SELECT p, b, c FROM ks.t WHERE p = 2 GROUP BY b', 3);
  assert.deepEqual(rows.map((r) => [decodeValue(int, r[1]!), decodeValue(int, r[2]!)]), [[0, 0], [1, 0], [2, 0], [3, 0]]);
  const limited = await allPages(run, 'SELECT p, b, sum(c) FROM ks.t GROUP BY p, b LIMIT 5', 2);
  assert.equal(limited.rows.length, 5);
  assert.ok(limited.rows.every((r) => decodeValue(int, r[2]!) === 10));
  const perPartition = await allPages(run, 'SELECT p, b FROM ks.t GROUP BY p, b PER PARTITION LIMIT 2', 3);
  assert.equal(perPartition.rows.length, 12);
  assert.ok(perPartition.rows.every((r) => (decodeValue(int, r[1]!) as number) < 2));
  const byPartition = await allPages(run, 'SELECT p, count(*) FROM ks.t GROUP BY p', 4);
  assert.deepEqual(byPartition.rows.map((r) => decodeValue(bigint, r[1]!)), [20n, 20n, 20n, 20n, 20n, 20n]);
  const empty = rowsOf(await run('SELECT p, count(*) FROM ks.t WHERE p = 99 GROUP BY p'));
  assert.equal(empty.length, 0, 'no group without rows');
  const [none] = rowsOf(await run('SELECT count(*), max(v) FROM ks.t WHERE p = 99'));
  assert.deepEqual([decodeValue(bigint, none![0]!), none![1]], [0n, null]);
});

test('invalid GROUP BY clauses are refused with Cassandra\'s messages', async () => {
  const { run } = await setup();
  const refused = async (query: string, message: string) => {
    await assert.rejects(run(query), { message });
  };
  await refused('SELECT p FROM ks.t GROUP BY v', 'Group by is currently only supported on the columns of the PRIMARY KEY, got v');
  await refused('SELECT p FROM ks.t GROUP BY b', 'Group by currently only support groups of columns following their declared order in the PRIMARY KEY');
  await refused('SELECT p FROM ks.t WHERE p = 1 GROUP BY c', 'Group by currently only support groups of columns following their declared order in the PRIMARY KEY');
  await refused('SELECT p FROM ks.t GROUP BY p, c', 'Group by currently only support groups of columns following their declared order in the PRIMARY KEY');
  await refused('SELECT p FROM ks.t GROUP BY p, p', 'Group by currently only support groups of columns following their declared order in the PRIMARY KEY');
  await refused('SELECT p FROM ks.t GROUP BY x', 'Undefined column name x');
  await refused('SELECT DISTINCT p FROM ks.t GROUP BY p, b', 'Grouping on clustering columns is not allowed for SELECT DISTINCT queries');
  await run('CREATE TABLE ks.two (a int, b int, c int, PRIMARY KEY ((a, b), c))');
  await refused('SELECT a FROM ks.two GROUP BY a', 'Group by is not supported on only a part of the partition key');
});
