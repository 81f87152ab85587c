// Aggregates, GROUP BY, arithmetic, CAST, time functions and JSON through the DataStax Node.js
// driver against a real node (issue 13): results and types as Cassandra 4.0 gives them, nulls,
// every numeric type, aggregates over many pages, and the error codes and messages it refuses with.
// run-tests: two at a time

import test, { after, before } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import cassandra from 'cassandra-driver';
import { startDriverNode, type DriverNode } from './harness/driver-node.js';

const { types } = cassandra;
let fixture: DriverNode | undefined;
let client: cassandra.Client;

before(async () => {
  fixture = await startDriverNode('fn');
  client = fixture.client;
});

after(async () => {
  await fixture?.stop();
});

async function refused(query: string, expected: { code: number; message: string | RegExp }, params: unknown[] = []): Promise<void> {
  await assert.rejects(client.execute(query, params, { prepare: false }), (error: { code?: number; message?: string }) => {
    assert.equal(error.code, expected.code, `code of ${query}: ${error.message}`);
    if (typeof expected.message === 'string') assert.equal(error.message, expected.message, `message of ${query}`);
    else assert.match(error.message ?? '', expected.message, `message of ${query}`);
    return true;
  });
}

const invalid = (message: string | RegExp) => ({ code: types.responseErrorCodes.invalid, message });
const first = async (query: string, params: unknown[] = []) => (await client.execute(query, params, { prepare: true })).first();

test('count, min, max, sum and avg over every numeric type, nulls skipped, result types kept', async () => {
  await client.execute(`CREATE TABLE fn.nums (k int, c int, ti tinyint, si smallint, i int, bi bigint, vi varint, f float, d double, de decimal,
    PRIMARY KEY (k, c))`);
  const insert = 'INSERT INTO fn.nums (k, c, ti, si, i, bi, vi, f, d, de) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)';
  await client.execute(insert, [1, 1, 100, 30000, 2147483647, types.Long.fromString('9223372036854775807'), types.Integer.fromString('9223372036854775807'), 1.5, 0.1, types.BigDecimal.fromString('1.5')], { prepare: true });
  await client.execute(insert, [1, 2, 100, 30000, 1, types.Long.fromNumber(1), types.Integer.fromNumber(1), 2.25, 0.2, types.BigDecimal.fromString('2.25')], { prepare: true });
  await client.execute(insert, [1, 3, 101, -1, 5, types.Long.fromNumber(5), types.Integer.fromNumber(5), 3, 0.3, types.BigDecimal.fromString('3')], { prepare: true });
  await client.execute('INSERT INTO fn.nums (k, c) VALUES (1, 4)');
  const sums = await client.execute('SELECT sum(ti), sum(si), sum(i), sum(bi), sum(vi), sum(f), sum(d), sum(de) FROM fn.nums WHERE k = 1');
  assert.deepEqual(sums.columns.map((c) => c.name), ['system.sum(ti)', 'system.sum(si)', 'system.sum(i)', 'system.sum(bi)', 'system.sum(vi)', 'system.sum(f)', 'system.sum(d)', 'system.sum(de)']);
  assert.deepEqual(sums.columns.map((c) => c.type.code), [types.dataTypes.tinyint, types.dataTypes.smallint, types.dataTypes.int, types.dataTypes.bigint,
    types.dataTypes.varint, types.dataTypes.float, types.dataTypes.double, types.dataTypes.decimal]);
  const s = sums.first();
  assert.equal(s['system.sum(ti)'], 45, 'tinyint sum wraps as Java byte arithmetic: 301 - 256');
  assert.equal(s['system.sum(si)'], -5537, 'smallint sum wraps: 59999 - 65536');
  assert.equal(s['system.sum(i)'], -2147483643, 'int sum wraps: 2147483653 - 2^32');
  assert.equal(s['system.sum(bi)'].toString(), '-9223372036854775803', 'bigint sum wraps');
  assert.equal(s['system.sum(vi)'].toString(), '9223372036854775813', 'varint sum is exact');
  assert.equal(s['system.sum(f)'], 6.75);
  assert.equal(s['system.sum(d)'], 0.6, 'Kahan summation: 0.1 + 0.2 + 0.3 is 0.6');
  assert.equal(s['system.sum(de)'].toString(), '6.75');
  const avgs = (await client.execute('SELECT avg(ti), avg(si), avg(i), avg(bi), avg(vi), avg(f), avg(d), avg(de) FROM fn.nums WHERE k = 1')).first();
  assert.equal(avgs['system.avg(ti)'], 100, 'integer averages truncate (301 / 3)');
  assert.equal(avgs['system.avg(si)'], 19999);
  assert.equal(avgs['system.avg(i)'], 715827884, 'the int average sums without overflow (2147483653 / 3)');
  assert.equal(avgs['system.avg(bi)'].toString(), '3074457345618258604');
  assert.equal(avgs['system.avg(vi)'].toString(), '3074457345618258604');
  assert.equal(avgs['system.avg(f)'], 2.25);
  assert.ok(Math.abs(avgs['system.avg(d)'] - 0.2) < 1e-15);
  assert.equal(avgs['system.avg(de)'].toString(), '2.25');
  const counts = (await client.execute('SELECT count(*), count(i), min(i), max(i), min(de), max(f), count(1) FROM fn.nums WHERE k = 1')).first();
  assert.deepEqual([counts.count.toString(), counts['system.count(i)'].toString(), counts['system.min(i)'], counts['system.max(i)']], ['4', '3', 1, 2147483647]);
  assert.equal(counts['system.min(de)'].toString(), '1.5');
  const none = (await client.execute('SELECT count(*), sum(i), avg(d), max(i) FROM fn.nums WHERE k = 2')).first();
  assert.deepEqual([none.count.toString(), none['system.sum(i)'], none['system.avg(d)'], none['system.max(i)']], ['0', 0, 0, null]);
});

test('aggregates cover every page of the underlying read; GROUP BY pages by groups', async () => {
  await client.execute('CREATE TABLE fn.paged (p int, g int, c int, v bigint, PRIMARY KEY (p, g, c))');
  const inserts: Array<{ query: string; params: unknown[] }> = [];
  for (let p = 0; p < 10; p++) {
    for (let g = 0; g < 10; g++) {
      for (let c = 0; c < 30; c++) inserts.push({ query: 'INSERT INTO fn.paged (p, g, c, v) VALUES (?, ?, ?, ?)', params: [p, g, c, types.Long.fromNumber(p * 1000 + g * 30 + c)] });
    }
  }
  for (let i = 0; i < inserts.length; i += 100) await client.batch(inserts.slice(i, i + 100), { prepare: true, logged: false });
  const total = (await client.execute('SELECT count(*), sum(v) FROM fn.paged', [], { prepare: true, fetchSize: 50 }));
  assert.equal(total.rows.length, 1);
  assert.equal(total.pageState, null, 'an aggregate answers in one page');
  assert.equal(total.first().count.toString(), '3000');
  let expectedSum = 0;
  for (let p = 0; p < 10; p++) for (let g = 0; g < 10; g++) for (let c = 0; c < 30; c++) expectedSum += p * 1000 + g * 30 + c;
  assert.equal(total.first()['system.sum(v)'].toString(), String(expectedSum));
  const groups: string[] = [];
  let pageState: string | undefined;
  let pages = 0;
  do {
    const page = await client.execute('SELECT p, g, count(*) AS n, min(c) AS lo, max(c) AS hi FROM fn.paged GROUP BY p, g', [], { prepare: true, fetchSize: 7, ...(pageState === undefined ? {} : { pageState }) });
    assert.ok(page.rows.length <= 7, `a page of ${page.rows.length} groups`);
    for (const row of page.rows) groups.push(`${row.p}:${row.g}:${row.n}:${row.lo}:${row.hi}`);
    pageState = page.pageState ?? undefined;
    pages++;
  } while (pageState !== undefined && pages < 100);
  assert.ok(pages >= 15, `${pages} pages of at most 7 groups`);
  assert.equal(groups.length, 100);
  assert.equal(new Set(groups).size, 100, 'no group twice');
  assert.ok(groups.every((g) => g.endsWith(':30:0:29')), 'every group whole, never split across pages');
  const limited = await client.execute('SELECT p, count(*) FROM fn.paged GROUP BY p LIMIT 3', [], { prepare: true });
  assert.equal(limited.rows.length, 3);
});

test('invalid GROUP BY clauses get Cassandra\'s errors', async () => {
  await refused('SELECT p, g FROM fn.paged GROUP BY v', invalid('Group by is currently only supported on the columns of the PRIMARY KEY, got v'));
  await refused('SELECT p, g FROM fn.paged GROUP BY g', invalid('Group by currently only support groups of columns following their declared order in the PRIMARY KEY'));
  await refused('SELECT p, g FROM fn.paged GROUP BY p, c', invalid('Group by currently only support groups of columns following their declared order in the PRIMARY KEY'));
  await refused('SELECT p FROM fn.paged GROUP BY nope', invalid('Undefined column name nope'));
  const skipped = await client.execute('SELECT g, count(*) FROM fn.paged WHERE p = 3 GROUP BY g', [], { prepare: true });
  assert.equal(skipped.rows.length, 10, 'a partition key restricted by = may be left out of GROUP BY');
  // System (virtual) tables aggregate too.
  const keyspaces = await first('SELECT count(*) FROM system_schema.keyspaces');
  assert.ok(Number(keyspaces.count) >= 6, `${keyspaces.count} keyspaces`);
  const perTable = await client.execute("SELECT table_name, count(*) AS n FROM system_schema.columns WHERE keyspace_name = 'fn' GROUP BY table_name", [], { prepare: true, fetchSize: 2 });
  assert.deepEqual(perTable.rows.map((r) => [r.table_name, Number(r.n)]).slice(0, 2), [['nums', 10], ['paged', 4]]);
});

test('arithmetic with Cassandra\'s type promotion, unary minus, and CAST', async () => {
  await client.execute('CREATE TABLE fn.ops (k int PRIMARY KEY, i int, bi bigint, f float, d double, de decimal, t timestamp, dt date, n int)');
  await client.execute("INSERT INTO fn.ops (k, i, bi, f, d, de, t, dt) VALUES (1, 7, 10, 1.5, 2.5, 1.25, '2024-01-31 10:00:00+0000', '2024-01-31')");
  const result = await client.execute('SELECT i + 1, i * bi, i / 2, i % 4, -i, i + f, bi + d, de * 2, i - n, i / 2.0 FROM fn.ops WHERE k = 1');
  assert.deepEqual(result.columns.map((c) => c.name), ['i + 1', 'i * bi', 'i / 2', 'i % 4', '-i', 'i + f', 'bi + d', 'de * 2', 'i - n', 'i / 2.0']);
  assert.deepEqual(result.columns.map((c) => c.type.code), [types.dataTypes.int, types.dataTypes.bigint, types.dataTypes.int, types.dataTypes.int,
    types.dataTypes.int, types.dataTypes.float, types.dataTypes.double, types.dataTypes.decimal, types.dataTypes.int, types.dataTypes.double]);
  const row = result.first();
  assert.deepEqual([row['i + 1'], row['i * bi'].toString(), row['i / 2'], row['i % 4'], row['-i'], row['i + f'], row['bi + d'], row['de * 2'].toString(), row['i - n'], row['i / 2.0']],
    [8, '70', 3, 3, -7, 8.5, 12.5, '2.50', null, 3.5]);
  const time = (await client.execute('SELECT t + 1mo, dt - 1d, t - 2h FROM fn.ops WHERE k = 1')).first();
  assert.equal(time['t + 1mo'].toISOString(), '2024-02-29T10:00:00.000Z', 'months clamp to the end of February');
  assert.equal(time['dt - 1d'].toString(), '2024-01-30');
  assert.equal(time['t - 2h'].toISOString(), '2024-01-31T08:00:00.000Z');
  await refused('SELECT i / 0 FROM fn.ops WHERE k = 1', { code: types.responseErrorCodes.functionFailure, message: "the operation 'int / int' failed: / by zero" });
  const casts = (await client.execute('SELECT CAST(d AS int), CAST(i AS text), CAST(f AS double), CAST(t AS date), CAST(de AS float), CAST(t AS text) FROM fn.ops WHERE k = 1')).first();
  assert.deepEqual([casts['cast(d as int)'], casts['cast(i as text)'], casts['cast(f as double)'], casts['cast(t as date)'].toString(), casts['cast(de as float)'], casts['cast(t as text)']],
    [2, '7', 1.5, '2024-01-31', 1.25, '2024-01-31T10:00:00.000Z']);
  await refused('SELECT avg(t) FROM fn.ops', invalid('Invalid call to function avg, none of its type signatures match (known type signatures: system.avg : (tinyint) -> tinyint, system.avg : (smallint) -> smallint, system.avg : (int) -> int, system.avg : (bigint) -> bigint, system.avg : (float) -> float, system.avg : (double) -> double, system.avg : (decimal) -> decimal, system.avg : (varint) -> varint, system.avg : (counter) -> counter)'));
  await refused('SELECT max(count(*)) FROM fn.ops', invalid('aggregate functions cannot be used as arguments of aggregate functions'));
  await refused("SELECT i + 'a' FROM fn.ops", invalid("the '+' operation is not supported between i and 'a'"));
  await refused('SELECT CAST(t AS int) FROM fn.ops WHERE k = 1', invalid(/^Invalid call to function system\.castAsInt, none of its type signatures match \(known type signatures: system\.castAsInt : \(tinyint\) -> int/));
  // In terms: the operands take the receiving column's type.
  await client.execute('UPDATE fn.ops SET n = 6 * 7 - -1, bi = (bigint)? + 1 WHERE k = 1', [types.Long.fromNumber(41)], { prepare: true });
  await refused('UPDATE fn.ops SET n = ? + 1 WHERE k = 1', invalid("Ambiguous '+' operation with args ? and 1: use type hint to disambiguate, example '(int) ?'"), [1]);
  await refused('SELECT i + ? FROM fn.ops', invalid("Ambiguous '+' operation with args i and ?: use type hint to disambiguate, example '(int) ?'"), [1]);
  const updated = await first('SELECT n, bi FROM fn.ops WHERE k = 1');
  assert.deepEqual([updated.n, updated.bi.toString()], [43, '42']);
  const byTerm = await client.execute('SELECT k FROM fn.ops WHERE k = 0 + 1');
  assert.equal(byTerm.rows.length, 1);
});

test('time and uuid functions', async () => {
  await client.execute('CREATE TABLE fn.times (k int PRIMARY KEY, id timeuuid, u uuid, t timestamp, d date, tm time)');
  await client.execute('INSERT INTO fn.times (k, id, u, t, d, tm) VALUES (1, now(), uuid(), currentTimestamp(), currentDate(), currentTime())');
  const row = await first('SELECT id, u, t, d, tm, toTimestamp(id), toDate(id), toUnixTimestamp(id), dateOf(id), unixTimestampOf(id), toDate(t), toTimestamp(d), toUnixTimestamp(t) FROM fn.times WHERE k = 1');
  const ms = row.id.getDate().getTime();
  assert.ok(Math.abs(ms - Date.now()) < 60_000, 'now() is the current time');
  assert.equal(row.u.toString()[14], '4', 'uuid() is a random (version 4) uuid');
  assert.equal(row['system.totimestamp(id)'].getTime(), ms);
  assert.equal(row['system.dateof(id)'].getTime(), ms);
  assert.equal(row['system.tounixtimestamp(id)'].toString(), String(ms));
  assert.equal(row['system.unixtimestampof(id)'].toString(), String(ms));
  assert.equal(row['system.todate(id)'].toString(), new Date(ms).toISOString().slice(0, 10));
  assert.equal(row['system.tounixtimestamp(t)'].toString(), String(row.t.getTime()));
  assert.equal(row['system.todate(t)'].toString(), row.d.toString());
  await client.execute("INSERT INTO fn.times (k, id) VALUES (2, maxTimeuuid('2013-01-01 00:05+0000'))");
  await client.execute("INSERT INTO fn.times (k, id) VALUES (3, minTimeuuid('2013-01-01 00:05+0000'))");
  const bounds = await client.execute('SELECT k, id FROM fn.times WHERE k IN (2, 3)');
  const ids = new Map(bounds.rows.map((r) => [r.k, r.id.toString()]));
  assert.equal(ids.get(3)!.slice(19), '8080-808080808080');
  assert.equal(ids.get(2)!.slice(19), '7f7f-7f7f7f7f7f7f');
  const blob = await first("SELECT textAsBlob('abc'), blobAsText(textAsBlob('abc')), intAsBlob(k) FROM fn.times WHERE k = 1");
  assert.equal(blob['system.textasblob(\'abc\')'].toString('hex'), '616263');
  assert.equal(blob['system.intasblob(k)'].toString('hex'), '00000001');
});

test('SELECT JSON, INSERT JSON with DEFAULT NULL and DEFAULT UNSET, toJson() and fromJson()', async () => {
  await client.execute(`CREATE TABLE fn.docs (k int, "Cap" int, t text, b bigint, d double, ts timestamp, l list<int>, m map<text, int>, s set<text>, bl blob,
    PRIMARY KEY (k, "Cap"))`);
  await client.execute(`INSERT INTO fn.docs JSON '{"k": 1, "\\"Cap\\"": 2, "t": "x\\"y", "b": 9007199254740993, "d": 1, "ts": "2011-02-03 04:05:00.000Z",
    "l": [3, 1], "m": {"b": 2, "a": 1}, "s": ["z", "y"], "bl": "0xcafe"}'`);
  const json = await client.execute('SELECT JSON * FROM fn.docs WHERE k = 1');
  assert.deepEqual(json.columns.map((c) => [c.name, c.type.code]), [['[json]', types.dataTypes.varchar]]);
  assert.equal(json.first()['[json]'], '{"k": 1, "\\"Cap\\"": 2, "b": 9007199254740993, "bl": "0xcafe", "d": 1.0, "l": [3, 1], "m": {"a": 1, "b": 2}, "s": ["y", "z"], "t": "x\\"y", "ts": "2011-02-03 04:05:00.000Z"}');
  const some = await first('SELECT JSON k, t AS text_alias, toJson(l), count(*) FROM fn.docs WHERE k = 1');
  assert.equal(some['[json]'], '{"k": 1, "text_alias": "x\\"y", "system.tojson(l)": "[3, 1]", "count": 1}');
  // DEFAULT UNSET leaves what the document omits; DEFAULT NULL (the default) deletes it.
  await client.execute('INSERT INTO fn.docs JSON \'{"k": 1, "\\"Cap\\"": 2, "d": 2.5}\' DEFAULT UNSET');
  let row = await first('SELECT t, d FROM fn.docs WHERE k = 1');
  assert.deepEqual([row.t, row.d], ['x"y', 2.5]);
  await client.execute('INSERT INTO fn.docs JSON ?', ['{"k": 1, "\\"Cap\\"": 2, "d": 3.5}'], { prepare: true });
  row = await first('SELECT t, d, l FROM fn.docs WHERE k = 1');
  assert.deepEqual([row.t, row.d, row.l], [null, 3.5, null]);
  await client.execute('INSERT INTO fn.docs (k, "Cap", b, l) VALUES (2, 1, fromJson(\'"12"\'), fromJson(\'[1, 2]\'))');
  row = await first('SELECT b, l, toJson(b), toJson(ts) FROM fn.docs WHERE k = 2');
  assert.deepEqual([row.b.toString(), row.l, row['system.tojson(b)'], row['system.tojson(ts)']], ['12', [1, 2], '12', 'null']);
  await refused("INSERT INTO fn.docs JSON '{\"k\": 1, \"nope\": 2}'", invalid('JSON values map contains unrecognized column: nope'));
  await refused("INSERT INTO fn.docs JSON '{\"k\": 1, \"\\\"Cap\\\"\": \"x\"}'", invalid("Error decoding JSON value for Cap: Unable to make int from 'x'"));
  await refused("INSERT INTO fn.docs JSON '{\"k\": '", invalid(/^Could not decode JSON string as a map: /));
  await refused("INSERT INTO fn.docs JSON '{\"\\\"Cap\\\"\": 1}'", invalid('Invalid null value in condition for column k'));
  await refused("INSERT INTO fn.docs (k, \"Cap\", b) VALUES (3, 1, fromJson('\"x\"'))", { code: types.responseErrorCodes.functionFailure, message: "execution of 'system.fromjson[text]' failed: Unable to make long from 'x'" });
  await refused('SELECT fromJson(t) FROM fn.docs', invalid('fromJson() cannot be used in the selection clause of a SELECT statement'));
  await refused("UPDATE fn.docs SET t = toJson(1) WHERE k = 1 AND \"Cap\" = 2", invalid('toJson() may only be used within the selection clause of SELECT statements'));
});

// Debian's package installs for Debian's interpreter, which may not be the first python3 on PATH.
const python = existsSync('/usr/bin/python3') ? '/usr/bin/python3' : 'python3';

test('the Python driver decodes aggregates, GROUP BY pages, JSON and FunctionFailure bodies', { timeout: 180_000 }, () => {
  // A missing tool is a failure, never a silent skip (.ci/run installs python3-cassandra).
  assert.equal(spawnSync(python, ['-c', 'import cassandra'], { encoding: 'utf8' }).status, 0, `python3-cassandra is not installed for ${python}`);
  const node = fixture!.node;
  const result = spawnSync(python, ['test/python/functions_check.py', node.host, String(node.nativePort)], { encoding: 'utf8', timeout: 150_000 });
  assert.equal(result.status, 0, `python checks failed:\n${result.stdout}\n${result.stderr}`);
});
