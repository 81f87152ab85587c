// `aero nodetool` operations commands against a real node process: each runs through
// bin/aero.js as an operator would, and its key lines are checked against what the node holds.
// run-tests: two at a time

import test from 'node:test';
import assert from 'node:assert/strict';
import cassandra from 'cassandra-driver';
import { nodetool, startNodeProcess, type NodeProcess } from './harness/node-process.js';

type Run = Awaited<ReturnType<typeof nodetool>>;

async function ok(node: NodeProcess, ...args: string[]): Promise<string> {
  const run = await nodetool(node, ...args);
  assert.equal(run.code, 0, `nodetool ${args.join(' ')} failed: ${run.stdout}${run.stderr}`);
  return run.stdout;
}

test('nodetool info, describecluster (-pp), status -pp, ring -pp, tablestats (-H), compactionstats, gossipinfo, getendpoints, getlogginglevel, setlogginglevel and drain against a real node', { timeout: 300_000 }, async () => {
  const node = await startNodeProcess();
  const client = new cassandra.Client({ contactPoints: [node.host], localDataCenter: 'datacenter1', protocolOptions: { port: node.nativePort } });
  try {
    await client.connect();
    await client.execute("CREATE KEYSPACE ops WITH replication = {'class': 'SimpleStrategy', 'replication_factor': 1}");
    await client.execute('CREATE TABLE ops.readings (id int PRIMARY KEY, value text)');
    for (let id = 0; id < 50; id++) await client.execute('INSERT INTO ops.readings (id, value) VALUES (?, ?)', [id, `value ${id}`], { prepare: true });
    await ok(node, 'flush', 'ops');
    for (let id = 0; id < 10; id++) await client.execute('SELECT value FROM ops.readings WHERE id = ?', [id], { prepare: true });

    const info = await ok(node, 'info');
    assert.match(info, /^ID {21}: [0-9a-f-]{36}$/m);
    assert.match(info, /^Gossip active {10}: true$/m);
    assert.match(info, /^Native Transport active: true$/m);
    assert.match(info, /^Load {19}: [\d.]+ (bytes|KiB|MiB)$/m);
    assert.match(info, /^Data Center {12}: datacenter1$/m);
    assert.match(info, /^Heap Memory \(MB\) {7}: \d+\.\d\d \/ \d+\.\d\d$/m);
    assert.match(info, /^Token {18}: /m);
    assert.match(info, /^Exceptions {13}: \d+$/m);
    // User data flushed and never repaired incrementally: 0.0 %, as Cassandra.
    assert.match(info, /^Percent Repaired {7}: 0\.0%$/m);

    const cluster = await ok(node, 'describecluster');
    assert.match(cluster, /^\tName: .+$/m);
    assert.match(cluster, /^\tPartitioner: org\.apache\.cassandra\.dht\.Murmur3Partitioner$/m);
    assert.match(cluster, /^\t\t[0-9a-f-]{36}: \[127\.0\.0\.1\]$/m);
    // Cassandra's -pp (given before the command here; after it, and gossipinfo's, in the unit tests): endpoints with their storage port.
    assert.match(await ok(node, '-pp', 'describecluster'), /^\t\t[0-9a-f-]{36}: \[127\.0\.0\.1:\d+\]$/m);
    assert.match(cluster, /^\tLive: 1$/m);
    assert.match(cluster, /^\tdatacenter1 #Nodes: 1 #Down: 0$/m);
    assert.match(cluster, /^\tops -> Replication class: SimpleStrategy \{replication_factor=1\}$/m);

    const stats = await ok(node, 'tablestats', 'ops.readings');
    assert.match(stats, /^Total number of tables: 1$/m);
    assert.match(stats, /^Keyspace : ops$/m);
    assert.match(stats, /^\t\tTable: readings$/m);
    const sstables = /^\t\tSSTable count: (\d+)$/m.exec(stats);
    assert.ok(sstables !== null && Number(sstables[1]) >= 1, `the flush wrote an sstable:\n${stats}`);
    assert.match(stats, /^\t\tSpace used \(live\): [1-9]\d*$/m);
    // The figures the node keeps, real: 50 local writes, 10 local reads, 50 partitions, flushed partition sizes.
    assert.match(stats, /^\tRead Count: 10\n\tRead Latency: [\d.E-]+ ms\n\tWrite Count: 50\n\tWrite Latency: [\d.E-]+ ms\n\tPending Flushes: 0$/m);
    assert.match(stats, /^\t\tLocal read count: 10\n\t\tLocal read latency: \d+\.\d{3} ms\n\t\tLocal write count: 50\n/m);
    assert.match(stats, /^\t\tNumber of partitions \(estimate\): 50$/m);
    assert.match(stats, /^\t\tMemtable switch count: [1-9]\d*$/m);
    assert.match(stats, /^\t\tBloom filter space used: [1-9]\d*$/m);
    assert.match(stats, /^\t\tCompacted partition maximum bytes: [1-9]\d*$/m);
    assert.match(stats, /^\t\tAverage live cells per slice \(last five minutes\): 1\.0$/m);
    assert.match(stats, /^\t\tPercent repaired: 0\.0$/m);
    const unknown = await nodetool(node, 'tablestats', 'ops.nope');
    assert.notEqual(unknown.code, 0);
    assert.match(unknown.stderr, /Unknown table: ops\.nope/);
    const malformed = await nodetool(node, 'tablestats', 'a.b.c');
    assert.notEqual(malformed.code, 0);
    assert.match(malformed.stderr, /expected keyspace or keyspace\.table/);

    await ok(node, 'compact', 'ops');
    const compactions = await ok(node, 'compactionstats');
    assert.match(compactions, /^pending tasks: \d+$/m);
    // Cassandra 4.0's layout: pending tasks, then a blank line (the table of running compactions only while one runs).
    assert.match(compactions, /^pending tasks: \d+\n(- [\w.]+: \d+\n)*\n/);

    const gossip = await ok(node, 'gossipinfo');
    assert.match(gossip, /^\/127\.0\.0\.1$/m);
    assert.match(gossip, /^ {2}TOKENS:\d+:<hidden>$/m);
    assert.match(gossip, /^ {2}generation:\d+$/m);
    assert.match(gossip, /^ {2}STATUS:\d+:NORMAL,/m);
    assert.match(gossip, /^ {2}HOST_ID:\d+:[0-9a-f-]{36}$/m);
    // -pp on status and ring: the node's address with its storage port, the Address column widened to fit.
    const address = `127.0.0.1:${node.storagePort}`;
    assert.match(await ok(node, 'status', '-pp'), new RegExp(`^--  Address {${address.length - 5}}Load .*\\nUN  ${address.replaceAll('.', '\\.')}  `, 'm'));
    assert.match(await ok(node, '-pp', 'ring'), new RegExp(`^${address.replaceAll('.', '\\.')}  rack1 {7}Up {5}Normal  `, 'm'));

    await client.execute('CREATE TABLE ops.pairs (a text, b int, c int, PRIMARY KEY ((a, b), c))');
    assert.equal(await ok(node, 'getendpoints', 'ops', 'readings', '7'), '127.0.0.1\n');
    assert.equal(await ok(node, 'getendpoints', 'ops', 'pairs', 'MAD:3'), '127.0.0.1\n');
    // The node computes the same token as the CQL token() function.
    for (const [table, key, cql, values] of [
      ['readings', '7', 'SELECT token(id) AS t FROM ops.readings WHERE id = ?', [7]],
      ['pairs', 'MAD:3', 'SELECT token(a, b) AS t FROM ops.pairs WHERE a = ? AND b = ?', ['MAD', 3]],
    ] as const) {
      if (table === 'pairs') await client.execute('INSERT INTO ops.pairs (a, b, c) VALUES (?, ?, 1)', ['MAD', 3], { prepare: true });
      const expected = String((await client.execute(cql, [...values], { prepare: true })).first()?.get('t'));
      const response = await fetch(`http://${node.host}:${node.adminPort}/getendpoints?${new URLSearchParams({ keyspace: 'ops', table, key }).toString()}`);
      assert.equal(((await response.json()) as { token: string }).token, expected);
    }
    for (const [args, message] of [
      [['ops', 'readings', 'seven'], /Invalid key 'seven' for id of type int/],
      [['ops', 'pairs', 'MAD'], /2 components \(a, b\)/],
      [['ops', 'nope', '1'], /Unknown table: ops\.nope/],
      [['nope', 'readings', '1'], /Unknown keyspace: nope/],
    ] as const) {
      const run = await nodetool(node, 'getendpoints', ...args);
      assert.notEqual(run.code, 0, `getendpoints ${args.join(' ')} refused`);
      assert.match(run.stderr, message);
    }

    assert.match(await ok(node, 'getlogginglevel'), /^ROOT {52}INFO$/m);
    await ok(node, 'setlogginglevel', 'DEBUG');
    assert.match(await ok(node, 'getlogginglevel'), /^ROOT {51}DEBUG$/m);
    await ok(node, 'setlogginglevel', 'ROOT', 'warn');
    assert.match(await ok(node, 'getlogginglevel'), /^ROOT {52}WARN$/m);
    const badLevel = await nodetool(node, 'setlogginglevel', 'LOUD');
    assert.notEqual(badLevel.code, 0);
    assert.match(badLevel.stderr, /expected DEBUG, INFO, WARN or ERROR, got 'LOUD'/);
    const badLogger = await nodetool(node, 'setlogginglevel', 'org.apache.cassandra.gms', 'DEBUG');
    assert.notEqual(badLogger.code, 0);
    assert.match(badLogger.stderr, /one logger, ROOT/);

    // Drain last: clients refused, memtables flushed, the node reports DRAINED and still stops cleanly.
    await client.execute('INSERT INTO ops.readings (id, value) VALUES (?, ?)', [100, 'before drain'], { prepare: true });
    await ok(node, 'drain');
    // Cassandra 4.0's info has no Mode line: a drained node shows its native transport off.
    assert.match(await ok(node, 'info'), /^Native Transport active: false$/m);
    assert.match(await ok(node, 'info'), /^Native Transport active: false$/m);
    // -H on the last tablestats: sizes in KiB, MiB ...
    const drained = await ok(node, 'tablestats', '-H', 'ops.readings');
    assert.match(drained, /^\t\tMemtable data size: 0 bytes$/m);
    assert.match(drained, /^\t\tSpace used \(live\): [\d.]+ (KiB|MiB)$/m);
    assert.equal((await fetch(`http://${node.host}:${node.adminPort}/health`)).status, 503);
    const late = new cassandra.Client({ contactPoints: [node.host], localDataCenter: 'datacenter1', protocolOptions: { port: node.nativePort } });
    await assert.rejects(late.connect());
    await late.shutdown();
  } finally {
    await client.shutdown();
    assert.equal(await node.stop(), 0, node.output());
    node.cleanup();
  }
});
