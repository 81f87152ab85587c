// Server-side DESCRIBE through the DataStax Node.js driver, as cqlsh 6 sends it (a plain
// QUERY; cqlsh itself cannot be installed here, so the drivers stand in for it). A schema
// with every CQL type, nested and frozen user types, clustering orders, quoted names and
// every table option is described, replayed statement by statement into a fresh node, and
// described again: the two outputs are identical, WITH INTERNALS (table ids, dropped columns)
// included. The listing forms, CLUSTER, paging and the errors follow Cassandra 4.0.
// run-tests: two at a time

import test from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import cassandra from 'cassandra-driver';
import { startNodeProcess, type NodeProcess } from './harness/node-process.js';

const schemaStatements = readFileSync('test/fixtures/describe-schema.cql', 'utf8')
  .split(';\n').map((s) => s.trim()).filter((s) => s.length > 0);

interface Node { process: NodeProcess; client: cassandra.Client }

async function startNode(): Promise<Node> {
  const process = await startNodeProcess();
  const client = new cassandra.Client({ contactPoints: [process.host], localDataCenter: 'datacenter1', protocolOptions: { port: process.nativePort } });
  await client.connect();
  return { process, client };
}

async function stopNode(node: Node): Promise<void> {
  await node.client.shutdown();
  const code = await node.process.stop();
  node.process.cleanup();
  assert.equal(code, 0, 'node stopped cleanly');
}

async function describe(client: cassandra.Client, statement: string): Promise<cassandra.types.Row[]> {
  return (await client.execute(statement)).rows;
}

const statementsOf = (rows: cassandra.types.Row[]): string[] => rows.map((row) => String(row.get('create_statement')));

/** Replays DESCRIBE output: each row's statement, split where a row holds several (CREATE then ALTERs). */
async function replay(client: cassandra.Client, statements: string[]): Promise<void> {
  for (const text of statements) {
    for (const statement of text.split(/;\n(?=ALTER TABLE )/)) await client.execute(statement);
  }
}

test('DESCRIBE replays to the same schema, WITH INTERNALS included', { timeout: 60_000 }, async () => {
  const [source, target] = await Promise.all([startNode(), startNode()]);
  try {
    for (const statement of schemaStatements) await source.client.execute(statement);
    await source.client.execute('ALTER TABLE describe_src.events DROP payload');
    await source.client.execute('ALTER TABLE describe_src.events ADD payload blob');
    await source.client.execute('ALTER TABLE describe_src.windows DROP reading');

    const described = await describe(source.client, 'DESCRIBE KEYSPACE describe_src');
    assert.deepEqual(described.map((r) => [r.get('keyspace_name'), r.get('type'), r.get('name')]), [
      ['describe_src', 'keyspace', 'describe_src'],
      // By name, each after the types it uses: "Address" needs coordinates.
      ['describe_src', 'type', 'coordinates'], ['describe_src', 'type', '"Address"'], ['describe_src', 'type', 'person'],
      ['describe_src', 'table', '"Mixed"'], ['describe_src', 'table', 'all_types'], ['describe_src', 'table', 'counts'],
      ['describe_src', 'table', 'events'], ['describe_src', 'table', 'windows'],
    ]);
    const events = statementsOf(described).find((s) => s.startsWith('CREATE TABLE describe_src.events'));
    assert.ok(events?.includes(') WITH CLUSTERING ORDER BY (at DESC, seq ASC)\n    AND additional_write_policy = \'ALWAYS\''), events);
    assert.ok(events?.includes("    AND compaction = {'class': 'org.apache.cassandra.db.compaction.LeveledCompactionStrategy', 'max_threshold': '32', 'min_threshold': '4', 'sstable_size_in_mb': '160'}"), events);

    const plain = statementsOf(await describe(source.client, 'DESCRIBE SCHEMA'));
    const internals = statementsOf(await describe(source.client, 'DESCRIBE SCHEMA WITH INTERNALS'));
    assert.ok(internals.some((s) => s.includes('ALTER TABLE describe_src.events DROP payload USING TIMESTAMP ')), 'dropped column shown');
    assert.ok(internals.some((s) => /\) WITH ID = [0-9a-f-]{36}\n {4}AND CLUSTERING ORDER BY \(bucket DESC\)/.test(s)), 'table id shown');
    await replay(target.client, internals);
    assert.deepEqual(statementsOf(await describe(target.client, 'DESCRIBE SCHEMA WITH INTERNALS')), internals);
    assert.deepEqual(statementsOf(await describe(target.client, 'DESCRIBE SCHEMA')), plain);
  } finally {
    await Promise.all([stopNode(source), stopNode(target)]);
  }
});

test('DESCRIBE listings, elements, CLUSTER, paging and errors', { timeout: 60_000 }, async () => {
  const node = await startNode();
  const { client } = node;
  try {
    await client.execute("CREATE KEYSPACE listing WITH replication = {'class': 'SimpleStrategy', 'replication_factor': 1}");
    await client.execute('CREATE TYPE listing.pair (a int, b text)');
    for (const name of ['t3', 't1', 't2']) await client.execute(`CREATE TABLE listing.${name} (k int PRIMARY KEY, p frozen<pair>)`);

    const keyspaces = await describe(client, 'DESCRIBE KEYSPACES');
    assert.deepEqual(keyspaces.map((r) => r.get('name')), [...keyspaces.map((r) => String(r.get('name')))].sort());
    assert.ok(keyspaces.some((r) => r.get('name') === 'listing' && r.get('type') === 'keyspace'));
    assert.deepEqual(Object.keys(keyspaces[0] ?? {}), ['keyspace_name', 'type', 'name']);

    const session = new cassandra.Client({ contactPoints: [node.process.host], localDataCenter: 'datacenter1', protocolOptions: { port: node.process.nativePort }, keyspace: 'listing' });
    await session.connect();
    try {
      assert.deepEqual((await describe(session, 'DESC TABLES')).map((r) => r.get('name')), ['t1', 't2', 't3']);
      assert.deepEqual((await describe(session, 'DESCRIBE TYPES')).map((r) => r.get('name')), ['pair']);
      assert.deepEqual(statementsOf(await describe(session, 'DESCRIBE TYPE pair')), ['CREATE TYPE listing.pair (\n    a int,\n    b text\n);']);
      assert.deepEqual((await describe(session, 'DESCRIBE t2')).map((r) => r.get('type')), ['table']);
      const cluster = await describe(session, 'DESCRIBE CLUSTER');
      assert.equal(cluster[0]?.get('cluster'), 'Test Cluster');
      assert.equal(cluster[0]?.get('partitioner'), 'Murmur3Partitioner');
      assert.equal(cluster[0]?.get('snitch'), 'SimpleSnitch');
      const ownership = cluster[0]?.get('range_ownership') as Record<string, string[]>;
      assert.ok(Object.values(ownership).every((replicas) => replicas.length === 1 && replicas[0]?.startsWith('/127.0.0.1:')), JSON.stringify(ownership));
    } finally {
      await session.shutdown();
    }
    assert.deepEqual(Object.keys((await describe(client, 'DESCRIBE CLUSTER'))[0] ?? {}), ['cluster', 'partitioner', 'snitch']);

    // Paging: two rows a page, the same rows as unpaged.
    const all = statementsOf(await describe(client, 'DESCRIBE KEYSPACE listing'));
    const paged: string[] = [];
    await new Promise<void>((resolve, reject) => {
      client.eachRow('DESCRIBE KEYSPACE listing', [], { fetchSize: 2, autoPage: true }, (_n, row) => paged.push(String(row.get('create_statement'))),
        (error) => (error ? reject(error) : resolve()));
    });
    assert.deepEqual(paged, all);
    assert.equal(all.length, 5);

    const invalid = async (statement: string, message: RegExp) => {
      await assert.rejects(client.execute(statement), (error: Error & { code?: number }) => {
        assert.equal(error.code, 0x2200, `${statement}: ${error.message}`);
        assert.match(error.message, message);
        return true;
      });
    };
    await invalid('DESCRIBE KEYSPACE nowhere', /^'nowhere' not found in keyspaces$/);
    await invalid('DESCRIBE TABLE listing.nothing', /^Table 'nothing' not found in keyspace 'listing'$/);
    await invalid('DESCRIBE TABLE nothing', /^No keyspace specified and no current keyspace$/);
    await invalid('DESCRIBE TYPE listing.nothing', /^User defined type 'nothing' not found in 'listing'$/);
    await invalid('DESCRIBE listing.nothing', /^'nothing' not found in keyspace 'listing'$/);
  } finally {
    await stopNode(node);
  }
});

// Debian's package installs for Debian's interpreter, which may not be the first python3 on PATH.
const python = existsSync('/usr/bin/python3') ? '/usr/bin/python3' : 'python3';

test('python3-cassandra: DESCRIBE as cqlsh sends it, replayed; a traced query\'s events', { timeout: 60_000 }, async () => {
  const hasDriver = spawnSync(python, ['-c', 'import cassandra'], { encoding: 'utf8' }).status === 0;
  assert.ok(hasDriver, `python3-cassandra is not installed for ${python} (apt-get install python3-cassandra)`);
  const node = await startNodeProcess();
  try {
    const result = spawnSync(python, ['test/python/describe_trace_check.py', node.host, String(node.nativePort)], { encoding: 'utf8', timeout: 50_000 });
    assert.equal(result.status, 0, `python checks failed:\n${result.stdout}\n${result.stderr}\n--- node output ---\n${node.output().slice(-4000)}`);
  } finally {
    await node.stop();
    node.cleanup();
  }
});
