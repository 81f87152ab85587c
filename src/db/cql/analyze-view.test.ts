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
    // A valid definition passes validation; maintenance is not built yet, so it is still refused.
    [good, 'CREATE MATERIALIZED VIEW is not supported'],
  ];
  for (const [query, message] of cases) assert.throws(() => analyze(query), refusedWith(message), query);
});
