import test from 'node:test';
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { CqlError } from '../common/errors.js';
import { Schema } from '../schema/schema.js';
import { analyzeStatement } from './analyzer.js';
import { parseStatement } from './parser.js';
import { SimulatedDisk } from '../../../test/harness/simulated-disk.js';

async function context(materializedViews: boolean) {
  const disk = new SimulatedDisk();
  await disk.makeDirectory('data');
  const schema = new Schema({ random: { nextFloat: () => 0.5, nextInt: () => 0, bytes: (n) => randomBytes(n) }, disk, path: 'data/schema.json' });
  for (const ddl of [
    "CREATE KEYSPACE ks WITH replication = {'class': 'SimpleStrategy', 'replication_factor': 1}",
    'CREATE TABLE ks.t (k int, c int, s int STATIC, v int, w int, l list<int>, d duration, PRIMARY KEY (k, c))',
    'CREATE TABLE ks.counts (k int PRIMARY KEY, n counter)',
    'CREATE TABLE ks.nogc (k int PRIMARY KEY, v int) WITH gc_grace_seconds = 0',
  ]) {
    const prepared = analyzeStatement(parseStatement(ddl), { schema, keyspace: null, nowMicros: () => 1 });
    if (prepared.plan.kind === 'schema') await prepared.plan.apply();
  }
  return (query: string) => analyzeStatement(parseStatement(query), { schema, keyspace: 'ks', nowMicros: () => 1, materializedViews });
}

function refusedWith(message: string) {
  return (error: unknown) => {
    if (!(error instanceof CqlError)) return false;
    assert.equal(error.message, message);
    return true;
  };
}

const good = 'CREATE MATERIALIZED VIEW mv AS SELECT k, c, v, w FROM t WHERE k IS NOT NULL AND c IS NOT NULL AND v IS NOT NULL PRIMARY KEY (v, k, c)';

test('CREATE MATERIALIZED VIEW is refused with Cassandra\'s message while disabled', async () => {
  const analyze = await context(false);
  assert.throws(() => analyze(good), refusedWith('Materialized views are disabled. Enable in cassandra.yaml to use.'));
});

test('CREATE MATERIALIZED VIEW definitions are validated with CreateViewStatement\'s messages', async () => {
  const analyze = await context(true);
  const cases: Array<[string, string]> = [
    ['CREATE MATERIALIZED VIEW mv AS SELECT * FROM nope WHERE k IS NOT NULL PRIMARY KEY (k)', "Base table 'nope' doesn't exist"],
    ['CREATE MATERIALIZED VIEW nope.mv AS SELECT k, c, v, w FROM t WHERE k IS NOT NULL PRIMARY KEY (k)', "Keyspace 'nope' doesn't exist"],
    ['CREATE MATERIALIZED VIEW counts AS SELECT k, c, v, w FROM t WHERE k IS NOT NULL AND c IS NOT NULL PRIMARY KEY (k, c)', "Cannot create materialized view 'counts' - a table with the same name already exists"],
    ['CREATE MATERIALIZED VIEW mv AS SELECT * FROM counts WHERE k IS NOT NULL PRIMARY KEY (k)', 'Materialized views are not supported on counter tables'],
    ['CREATE MATERIALIZED VIEW mv AS SELECT * FROM nogc WHERE k IS NOT NULL PRIMARY KEY (k)',
      "Cannot create materialized view 'mv' for base table 'nogc' with gc_grace_seconds of 0, since this value is used to TTL undelivered updates. Setting gc_grace_seconds too low might cause undelivered updates to expire before being replayed."],
    ['CREATE MATERIALIZED VIEW mv AS SELECT k, c, s FROM t WHERE k IS NOT NULL AND c IS NOT NULL PRIMARY KEY (k, c)', "Cannot include static column 's' in materialized view 'mv'"],
    ['CREATE MATERIALIZED VIEW mv AS SELECT k, c FROM t WHERE k IS NOT NULL AND c IS NOT NULL AND v IS NOT NULL PRIMARY KEY (v, k, c)', "Unknown column 'v' referenced in PRIMARY KEY for materialized view 'mv'"],
    ['CREATE MATERIALIZED VIEW mv AS SELECT k, c, v FROM t WHERE k IS NOT NULL AND c IS NOT NULL PRIMARY KEY (k, c, k)', "Duplicate column 'k' in PRIMARY KEY clause for materialized view 'mv'"],
    ['CREATE MATERIALIZED VIEW mv AS SELECT k, c, l FROM t WHERE k IS NOT NULL AND c IS NOT NULL PRIMARY KEY (l, k, c)', "Invalid non-frozen collection type 'list<int>' for PRIMARY KEY column 'l'"],
    ['CREATE MATERIALIZED VIEW mv AS SELECT k, c, d FROM t WHERE k IS NOT NULL AND c IS NOT NULL PRIMARY KEY (d, k, c)', "duration type is not supported for PRIMARY KEY column 'd'"],
    ['CREATE MATERIALIZED VIEW mv AS SELECT k, c, v FROM t WHERE k IS NOT NULL AND c IS NOT NULL AND v IS NOT NULL PRIMARY KEY (v, k)', "Cannot create materialized view 'mv' without primary key columns c from base table 't'"],
    ['CREATE MATERIALIZED VIEW mv AS SELECT k, c, v, w FROM t WHERE k IS NOT NULL AND c IS NOT NULL AND v IS NOT NULL AND w IS NOT NULL PRIMARY KEY ((v, w), k, c)',
      'Cannot include more than one non-primary key column in materialized view primary key (got v, w)'],
    ['CREATE MATERIALIZED VIEW mv AS SELECT k, c, v, w FROM t WHERE k IS NOT NULL AND c IS NOT NULL PRIMARY KEY (v, k, c)', "Primary key columns v must be restricted with 'IS NOT NULL' or otherwise"],
    ['CREATE MATERIALIZED VIEW mv AS SELECT k, c, v, w FROM t WHERE k IS NOT NULL AND c IS NOT NULL AND w = 1 PRIMARY KEY (k, c)', "Non-primary key columns can only be restricted with 'IS NOT NULL' (got: w restricted illegally)"],
    ['CREATE MATERIALIZED VIEW mv AS SELECT k, c, v, w FROM t WHERE token(k) > 0 AND c IS NOT NULL PRIMARY KEY (k, c)', 'Cannot use token relation when defining a materialized view'],
    ['CREATE MATERIALIZED VIEW mv AS SELECT k AS x, c FROM t WHERE k IS NOT NULL AND c IS NOT NULL PRIMARY KEY (k, c)', 'Cannot use aliases when defining a materialized view (got column AS x)'],
    ['CREATE MATERIALIZED VIEW mv AS SELECT k, c, v, w FROM t WHERE k IS NOT NULL AND c IS NOT NULL PRIMARY KEY (k, c) WITH CLUSTERING ORDER BY (k ASC)',
      'Clustering key columns must exactly match columns in CLUSTERING ORDER BY directive'],
    ['CREATE MATERIALIZED VIEW mv AS SELECT k, c, v, w FROM t WHERE k IS NOT NULL AND c IS NOT NULL PRIMARY KEY (k, c) WITH default_time_to_live = 5',
      'Cannot set default_time_to_live for a materialized view. Data in a materialized view always expire at the same time than the corresponding data in the parent table.'],
    ['CREATE MATERIALIZED VIEW mv AS SELECT k, c FROM t WHERE k IS NOT NULL AND c = ? PRIMARY KEY (k, c)', 'Bind variables are not allowed in CREATE MATERIALIZED VIEW statements'],
    ['CREATE MATERIALIZED VIEW mv AS SELECT k, c FROM t WHERE k IS NOT NULL AND c = 1 AND c = 2 PRIMARY KEY (k, c)', 'c cannot be restricted by more than one relation if it includes an Equal'],
  ];
  for (const [query, message] of cases) assert.throws(() => analyze(query), refusedWith(message), query);
  assert.equal(analyze(good).plan.kind, 'schema');
});

test('a created view is a table marked with its base; views refuse writes, TRUNCATE, ALTER TABLE, and hold their base', async () => {
  const analyze = await context(true);
  const apply = async (query: string) => {
    const prepared = analyze(query);
    assert.equal(prepared.plan.kind, 'schema');
    return prepared.plan.kind === 'schema' ? prepared.plan.apply() : null;
  };
  const created = await apply(`${good} WITH CLUSTERING ORDER BY (k DESC, c ASC) AND comment = 'by v'`);
  assert.deepEqual(created, { change: 'CREATED', target: 'TABLE', keyspace: 'ks', name: 'mv' });
  assert.equal(await apply(good.replace('VIEW mv', 'VIEW IF NOT EXISTS mv')), null);
  assert.throws(() => analyze(good), (error: unknown) => error instanceof CqlError && error.code === 0x2400);
  const schemaOf = analyze('SELECT * FROM mv').plan;
  assert.equal(schemaOf.kind, 'select');
  const view = schemaOf.kind === 'select' ? schemaOf.table : undefined;
  assert.deepEqual(view?.view, { baseTableId: view?.view?.baseTableId, baseTableName: 't', includeAllColumns: false, whereClause: 'k IS NOT NULL AND c IS NOT NULL AND v IS NOT NULL' });
  assert.deepEqual([...view!.columns.values()].map((c) => [c.name, c.kind, c.order]), [['v', 'partition_key', 'none'], ['k', 'clustering', 'desc'], ['c', 'clustering', 'asc'], ['w', 'regular', 'none']]);
  assert.equal(view?.options.comment, 'by v');
  for (const [query, message] of [
    ['INSERT INTO mv (v, k, c) VALUES (1, 1, 1)', 'Cannot directly modify a materialized view'],
    ['DELETE FROM mv WHERE v = 1', 'Cannot directly modify a materialized view'],
    ['TRUNCATE mv', 'Cannot TRUNCATE materialized view directly; must truncate base table instead'],
  ] as const) assert.throws(() => analyze(query), refusedWith(message), query);
  for (const [query, message] of [
    ['ALTER TABLE mv ADD x int', 'Cannot use ALTER TABLE on a materialized view; use ALTER MATERIALIZED VIEW instead'],
    ['DROP TABLE mv', 'Cannot use DROP TABLE on a materialized view. Please use DROP MATERIALIZED VIEW instead.'],
    ['DROP TABLE t', 'Cannot drop table when materialized views still depend on it (ks.{mv})'],
    ['ALTER TABLE t DROP w', 'Cannot drop column w on base table t with materialized views'],
    ['CREATE INDEX ON mv (w)', 'Secondary indexes are not supported on materialized views'],
    ['ALTER MATERIALIZED VIEW mv WITH default_time_to_live = 3',
      'Cannot set or alter default_time_to_live for a materialized view. Data in a materialized view always expire at the same time than the corresponding data in the parent table.'],
    ['DROP MATERIALIZED VIEW t', "Materialized view 'ks.t' doesn't exist"],
  ] as const) await assert.rejects(async () => apply(query), refusedWith(message), query);
  assert.deepEqual(await apply("ALTER MATERIALIZED VIEW mv WITH comment = 'again'"), { change: 'UPDATED', target: 'TABLE', keyspace: 'ks', name: 'mv' });
  assert.deepEqual(await apply('DROP MATERIALIZED VIEW mv'), { change: 'DROPPED', target: 'TABLE', keyspace: 'ks', name: 'mv' });
  assert.equal(await apply('DROP MATERIALIZED VIEW IF EXISTS mv'), null);
  assert.deepEqual(await apply('DROP TABLE t'), { change: 'DROPPED', target: 'TABLE', keyspace: 'ks', name: 't' });
});

test('WHERE restrictions on base primary key columns are kept as the view\'s where_clause; on regular columns refused, as Cassandra 4.0\'s', async () => {
  const analyze = await context(true);
  const prepared = analyze(`CREATE MATERIALIZED VIEW f AS SELECT k, c, v FROM t
    WHERE k IN (1, 2) AND c >= 0 AND c < 10 AND v IS NOT NULL PRIMARY KEY (v, k, c)`);
  assert.equal(prepared.plan.kind, 'schema');
  if (prepared.plan.kind === 'schema') await prepared.plan.apply();
  const select = analyze('SELECT * FROM f').plan;
  assert.equal(select.kind === 'select' ? select.table.view?.whereClause : undefined, 'k IN (1, 2) AND c >= 0 AND c < 10 AND v IS NOT NULL');
  const unsafe = 'CREATE MATERIALIZED VIEW g AS SELECT k, c, v, w FROM t WHERE k IS NOT NULL AND c IS NOT NULL AND w = 1 AND v = 2 PRIMARY KEY (k, c)';
  assert.throws(() => analyze(unsafe), refusedWith("Non-primary key columns can only be restricted with 'IS NOT NULL' (got: w,v restricted illegally)"));
  // The restrictions are analysed first (StatementRestrictions), so a bad value is reported before.
  assert.throws(() => analyze(unsafe.replace('v = 2', "v = 'x'")), refusedWith('Invalid STRING constant (x) for "v" of type int'));
});
