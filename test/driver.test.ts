// The DataStax Node.js driver, unmodified, against a real node process (issue 2's acceptance).
// run-tests: two at a time

import test, { after, before } from 'node:test';
import assert from 'node:assert/strict';
import cassandra from 'cassandra-driver';
import { startDriverNode, type DriverNode } from './harness/driver-node.js';

const { types } = cassandra;
let fixture: DriverNode | undefined;
let client: cassandra.Client;

before(async () => {
  fixture = await startDriverNode('ks');
  client = fixture.client;
});

after(async () => {
  await fixture?.stop();
});

test('metadata: keyspaces and table definitions', async () => {
  await client.execute(`CREATE TABLE ks.meta (a int, b text, c timestamp, d uuid, v map<text, int>, w frozen<list<int>>,
    PRIMARY KEY ((a, b), c, d)) WITH CLUSTERING ORDER BY (c DESC, d ASC) AND comment = 'hello'`);
  await client.metadata.refreshKeyspaces();
  assert.ok(client.metadata.keyspaces['ks'], 'keyspace ks is known');
  assert.equal(client.metadata.keyspaces['ks'].strategy, 'org.apache.cassandra.locator.SimpleStrategy');
  const table = await client.metadata.getTable('ks', 'meta');
  assert.ok(table);
  assert.deepEqual(table.partitionKeys.map((c) => c.name), ['a', 'b']);
  assert.deepEqual(table.clusteringKeys.map((c) => c.name), ['c', 'd']);
  assert.deepEqual(table.clusteringOrder, ['DESC', 'ASC']);
  assert.equal(table.comment, 'hello');
  const type = (name: string) => table.columnsByName[name]?.type;
  assert.equal(type('a')?.code, types.dataTypes.int);
  assert.equal(type('b')?.code, types.dataTypes.text);
  assert.equal(type('c')?.code, types.dataTypes.timestamp);
  assert.equal(type('d')?.code, types.dataTypes.uuid);
  assert.equal(type('v')?.code, types.dataTypes.map);
  assert.equal(type('w')?.code, types.dataTypes.list);
});

const scalarColumns: Array<[string, string]> = [
  ['c_ascii', 'ascii'], ['c_text', 'text'], ['c_varchar', 'varchar'], ['c_int', 'int'], ['c_bigint', 'bigint'],
  ['c_smallint', 'smallint'], ['c_tinyint', 'tinyint'], ['c_varint', 'varint'], ['c_decimal', 'decimal'],
  ['c_float', 'float'], ['c_double', 'double'], ['c_boolean', 'boolean'], ['c_uuid', 'uuid'], ['c_timeuuid', 'timeuuid'],
  ['c_timestamp', 'timestamp'], ['c_date', 'date'], ['c_time', 'time'], ['c_duration', 'duration'], ['c_inet', 'inet'], ['c_blob', 'blob'],
];

function extremes(variant: number): unknown[] {
  const low = variant === 0;
  return [
    low ? '' : 'plain ascii ~', low ? 'héllo ✓ 𝄞' : '', 'varchar', low ? -2147483648 : 2147483647,
    low ? types.Long.MIN_VALUE : types.Long.MAX_VALUE, low ? -32768 : 32767, low ? -128 : 127,
    types.Integer.fromString(low ? '-123456789012345678901234567890' : '98765432109876543210'),
    types.BigDecimal.fromString(low ? '-123.456789' : '0.000000001'),
    low ? -3.4028234663852886e38 : 1.5, low ? -Number.MAX_VALUE : Number.MIN_VALUE, !low,
    types.Uuid.random(), types.TimeUuid.now(), new Date(low ? -8640000000000 : 8640000000000),
    types.LocalDate.fromString(low ? '1970-01-01' : '2024-02-29'), types.LocalTime.fromString(low ? '00:00:00' : '23:59:59.999999999'),
    new types.Duration(low ? -1 : 14, low ? -2 : 3, types.Long.fromString(low ? '-1000' : '3600000000000')),
    types.InetAddress.fromString(low ? '10.0.0.1' : '2001:db8::ff00:42:8329'), low ? Buffer.alloc(0) : Buffer.from([0, 1, 2, 255]),
  ];
}

function normalize(value: unknown): unknown {
  if (value === null || value === undefined) return null;
  if (value instanceof Date) return value.getTime();
  if (Buffer.isBuffer(value)) return value.toString('hex');
  if (typeof value === 'object' && 'toString' in value) return String(value);
  return value;
}

test('prepared INSERT and SELECT round-trip every scalar type, extremes and nulls', async () => {
  await client.execute(`CREATE TABLE ks.scalars (id int PRIMARY KEY, ${scalarColumns.map(([n, t]) => `${n} ${t}`).join(', ')})`);
  const names = scalarColumns.map(([n]) => n);
  const insert = `INSERT INTO ks.scalars (id, ${names.join(', ')}) VALUES (?, ${names.map(() => '?').join(', ')})`;
  for (const variant of [0, 1]) {
    const values = extremes(variant);
    await client.execute(insert, [variant, ...values], { prepare: true });
    const result = await client.execute(`SELECT ${names.join(', ')} FROM ks.scalars WHERE id = ?`, [variant], { prepare: true });
    const row = result.first();
    assert.ok(row, `row ${variant}`);
    names.forEach((name, i) => assert.deepEqual(normalize(row[name]), normalize(values[i]), `${name} variant ${variant}`));
  }
  await client.execute(insert, [2, ...names.map(() => null)], { prepare: true });
  const nulls = (await client.execute('SELECT * FROM ks.scalars WHERE id = 2')).first();
  for (const name of names) assert.equal(nulls?.[name], null, name);
});

test('paging over 12,000 rows with fetchSize 1000 returns each row exactly once', async () => {
  await client.execute('CREATE TABLE ks.paged (p int, c int, v text, PRIMARY KEY (p, c))');
  const insert = 'INSERT INTO ks.paged (p, c, v) VALUES (?, ?, ?)';
  const pending: Array<Promise<unknown>> = [];
  for (let p = 0; p < 120; p++) {
    for (let c = 0; c < 100; c++) pending.push(client.execute(insert, [p, c, `v${p}-${c}`], { prepare: true }));
    await Promise.all(pending.splice(0));
  }
  const seen = new Set<string>();
  let pageState: string | undefined;
  let pages = 0;
  do {
    const result = await client.execute('SELECT p, c FROM ks.paged', [], { prepare: true, fetchSize: 1000, ...(pageState ? { pageState } : {}) });
    for (const row of result.rows) {
      const id = `${row['p']}:${row['c']}`;
      assert.ok(!seen.has(id), `row ${id} returned twice`);
      seen.add(id);
    }
    pageState = result.pageState ?? undefined;
    pages++;
  } while (pageState && pages < 100);
  assert.equal(seen.size, 12_000);
  assert.ok(pages >= 12, `expected at least 12 pages, got ${pages}`);
});

test('batches: logged and unlogged, prepared and not', async () => {
  await client.execute('CREATE TABLE ks.batched (p int, c int, v text, PRIMARY KEY (p, c))');
  await client.batch([
    { query: 'INSERT INTO ks.batched (p, c, v) VALUES (?, ?, ?)', params: [1, 1, 'a'] },
    { query: 'INSERT INTO ks.batched (p, c, v) VALUES (?, ?, ?)', params: [2, 1, 'b'] },
    { query: "UPDATE ks.batched SET v = 'c' WHERE p = 1 AND c = 2" },
  ], { prepare: true });
  await client.batch(['DELETE FROM ks.batched WHERE p = 2'], { logged: false });
  const rows = (await client.execute('SELECT p, c, v FROM ks.batched')).rows.map((r) => `${r['p']}/${r['c']}/${r['v']}`).sort();
  assert.deepEqual(rows, ['1/1/a', '1/2/c']);
});

test('batch guards: a large batch is warned about, one over 50 KiB refused with nothing written, one partition never checked', async () => {
  await client.execute('CREATE TABLE ks.guarded (p int, c int, v text, PRIMARY KEY (p, c))');
  const insert = 'INSERT INTO ks.guarded (p, c, v) VALUES (?, ?, ?)';
  const rows = (count: number, partitions: number, bytes: number) =>
    Array.from({ length: count }, (_, i) => ({ query: insert, params: [i % partitions, i, 'x'.repeat(bytes)] }));
  // 12 partitions, 12 x 600 B: over the 5 KiB warn threshold and across more than 10 partitions.
  const warned = await client.batch(rows(12, 12, 600), { prepare: true, logged: false });
  const warnings = warned.info.warnings ?? [];
  assert.ok(warnings.some((w) => /^Batch for \[ks\.guarded\] is of size \d+, exceeding specified threshold of 5120 by \d+\.$/.test(w)), JSON.stringify(warnings));
  assert.ok(warnings.some((w) => w.startsWith('Unlogged batch covering 12 partitions detected against table [ks.guarded].')), JSON.stringify(warnings));
  // 2 partitions, 60 KiB: refused before anything is written.
  await assert.rejects(client.batch(rows(60, 2, 1024).map((q) => ({ ...q, params: [(q.params[0] as number) + 100, q.params[1], q.params[2]] })), { prepare: true }), (error: unknown) => {
    assert.ok(error instanceof cassandra.errors.ResponseError);
    assert.equal(error.code, 0x2200);
    assert.equal(error.message, 'Batch too large');
    return true;
  });
  assert.equal((await client.execute('SELECT count(*) FROM ks.guarded WHERE p IN (100, 101)')).first()?.['count']?.toString(), '0');
  // One partition, 120 KiB: one mutation, as Cassandra counts it, never refused or warned about.
  const single = await client.batch(rows(120, 1, 1024).map((q) => ({ ...q, params: [200, q.params[1], q.params[2]] })), { prepare: true, logged: false });
  assert.deepEqual(single.info.warnings ?? [], []);
  assert.equal((await client.execute('SELECT count(*) FROM ks.guarded WHERE p = 200')).first()?.['count']?.toString(), '120');
});

function expectCode(code: number) {
  return (error: unknown) => {
    assert.ok(error instanceof cassandra.errors.ResponseError, `expected a ResponseError, got ${String(error)}`);
    assert.equal(error.code, code, error.message);
    return true;
  };
}

test('each error arrives as the driver error with the right code', async () => {
  const { responseErrorCodes: codes } = types;
  await assert.rejects(client.execute('SELEC * FROM ks.nothing'), expectCode(codes.syntaxError));
  await assert.rejects(client.execute('SELECT * FROM ks.nothing'), expectCode(codes.invalid));
  await assert.rejects(client.execute('SELECT * FROM nokeyspace.t'), expectCode(codes.invalid));
  await assert.rejects(client.execute("CREATE KEYSPACE ks WITH replication = {'class': 'SimpleStrategy', 'replication_factor': 1}"), expectCode(codes.alreadyExists));
  await assert.rejects(client.execute('INSERT INTO ks.paged (p, c, v) VALUES (?, ?, ?)', ['x', 1, 'y'], { prepare: true }), (e: unknown) => e instanceof TypeError || expectCode(codes.invalid)(e));
  await assert.rejects(client.execute("INSERT INTO ks.paged (p, c, v) VALUES ('x', 1, 'y')"), expectCode(codes.invalid));
  await client.execute("CREATE KEYSPACE rf3 WITH replication = {'class': 'SimpleStrategy', 'replication_factor': 3}");
  await client.execute('CREATE TABLE rf3.t (p int PRIMARY KEY, v int)');
  // The default retry policy would try the next host on Unavailable; fall through to see the error itself.
  const retry = new cassandra.policies.retry.FallthroughRetryPolicy();
  await assert.rejects(client.execute('INSERT INTO rf3.t (p, v) VALUES (1, 1)', [], { consistency: types.consistencies.quorum, retry }), (error: unknown) => {
    expectCode(codes.unavailableException)(error);
    const e = error as { required?: number; alive?: number; consistencies?: number };
    assert.equal(e.required, 2);
    assert.equal(e.alive, 1);
    return true;
  });
  await client.execute('INSERT INTO rf3.t (p, v) VALUES (1, 1)', [], { consistency: types.consistencies.one });
});
