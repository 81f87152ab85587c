// nodetool tpstats, proxyhistograms and tablehistograms, and the system_views virtual tables,
// against a real node process driven by the DataStax driver: the counts they show match the
// requests sent, system_views is listed in system_virtual_schema, is readable with SELECTs and
// refuses writes with Cassandra's message. The node's compaction_throughput is low (2 KiB/s),
// so that a compaction of a few KiB runs for seconds: sstable_tasks and compactionstats are
// caught showing it. Real processes: it is the CLI, the admin channel and the driver together.
// run-tests: two at a time

import test from 'node:test';
import assert from 'node:assert/strict';
import cassandra from 'cassandra-driver';
import { nodetool, startNodeProcess, type NodeProcess } from './harness/node-process.js';

const count = (rows: cassandra.types.Row[], column = 'count') => Number(rows[0]?.get(column) ?? -1);

test('tpstats, proxyhistograms, tablehistograms and system_views on a real node', { timeout: 120_000 }, async () => {
  const node = await startNodeProcess({ extraConfig: 'compaction_throughput: 2KiB/s' });
  const client = new cassandra.Client({ contactPoints: [`${node.host}:${node.nativePort}`], localDataCenter: 'datacenter1', queryOptions: { prepare: true } });
  try {
    await client.connect();
    await client.execute("CREATE KEYSPACE stats WITH replication = {'class': 'SimpleStrategy', 'replication_factor': 1}");
    await client.execute('CREATE TABLE stats.kv (k int PRIMARY KEY, v text)');
    const writes = 40;
    const reads = 25;
    for (let k = 0; k < writes; k++) await client.execute('INSERT INTO stats.kv (k, v) VALUES (?, ?)', [k, `value ${k}`]);
    for (let k = 0; k < reads; k++) await client.execute('SELECT v FROM stats.kv WHERE k = ?', [k]);
    await client.execute('SELECT * FROM stats.kv');

    // tablehistograms before a flush: Cassandra's note, then after one the partition sizes.
    const before = await nodetool(node, 'tablehistograms', 'stats', 'kv');
    assert.equal(before.code, 0, before.stderr);
    assert.match(before.stdout, /^No SSTables exists, unable to calculate 'Partition Size' and 'Cell Count' percentiles$/m);
    assert.equal((await nodetool(node, 'flush', 'stats')).code, 0);
    const histograms = await nodetool(node, 'tablehistograms', 'stats.kv');
    assert.equal(histograms.code, 0, histograms.stderr);
    const lines = histograms.stdout.split('\n');
    assert.equal(lines[0], 'stats/kv histograms');
    assert.equal(lines[1], 'Percentile  SSTables     Write Latency      Read Latency    Partition Size        Cell Count');
    const max = /^Max +([\d.]+) +([\d.]+) +([\d.]+) +(\d+) +(\d+)$/m.exec(histograms.stdout);
    assert.ok(max !== null, histograms.stdout);
    assert.ok(Number(max[2]) > 0 && Number(max[3]) > 0, 'write and read latencies were measured');
    assert.ok(Number(max[4]) >= 'value 0'.length, 'partition sizes come from the flush');
    assert.equal(Number(max[5]), 1, 'one cell (v) per partition');
    const bad = await nodetool(node, 'tablehistograms', 'stats');
    assert.equal(bad.code, 1);
    assert.match(bad.stderr, /tablehistograms requires keyspace and table name arguments/);
    const unknown = await nodetool(node, 'tablehistograms', 'stats', 'nope');
    assert.notEqual(unknown.code, 0);
    assert.match(unknown.stderr, /nope/);

    const proxy = await nodetool(node, 'proxyhistograms');
    assert.equal(proxy.code, 0, proxy.stderr);
    assert.match(proxy.stdout, /^proxy histograms\nPercentile {7}Read Latency {6}Write Latency {6}Range Latency {3}CAS Read Latency  CAS Write Latency View Write Latency\n/);
    const proxyMax = /^Max +([\d.]+) +([\d.]+) +([\d.]+) +([\d.]+) +([\d.]+) +([\d.]+)$/m.exec(proxy.stdout);
    assert.ok(proxyMax !== null && Number(proxyMax[1]) > 0 && Number(proxyMax[2]) > 0 && Number(proxyMax[3]) > 0, proxy.stdout);
    assert.equal(Number(proxyMax[4]), 0, 'no CAS read was sent');

    const tpstats = await nodetool(node, 'tpstats');
    assert.equal(tpstats.code, 0, tpstats.stderr);
    assert.match(tpstats.stdout, /^Pool Name {25}Active {3}Pending {6}Completed {3}Blocked  All time blocked$/m);
    const native = /^Native-Transport-Requests +(\d+) +(\d+) +(\d+) +0 +0$/m.exec(tpstats.stdout);
    assert.ok(native !== null && Number(native[3]) >= writes + reads, tpstats.stdout);
    assert.match(tpstats.stdout, /^MemtableFlushWriter +0 +0 +[1-9]\d* +0 +0$/m);
    assert.match(tpstats.stdout, /^Message type {11}Dropped/m);
    // A single node sends no MUTATION message: its writes are all local replica writes, counted on MutationStage as Cassandra does.
    const mutationStage = /^MutationStage +(\d+) +(\d+) +(\d+) +0 +0$/m.exec(tpstats.stdout);
    assert.ok(mutationStage !== null && Number(mutationStage[3]) >= writes, tpstats.stdout);
    // Its reads likewise: local replica reads, counted on ReadStage.
    const readStage = /^ReadStage +(\d+) +(\d+) +(\d+) +0 +0$/m.exec(tpstats.stdout);
    assert.ok(readStage !== null && Number(readStage[3]) >= reads + 1, tpstats.stdout);

    // system_views: listed for drivers, node-local figures, read-only.
    const listed = await client.execute("SELECT table_name FROM system_virtual_schema.tables WHERE keyspace_name = 'system_views'");
    const names = listed.rows.map((row) => String(row.get('table_name')));
    for (const name of ['clients', 'settings', 'thread_pools', 'caches', 'sstable_tasks', 'local_read_latency', 'local_write_latency', 'local_scan_latency',
      'coordinator_read_latency', 'coordinator_write_latency', 'coordinator_scan_latency', 'disk_usage', 'max_partition_size', 'internode_inbound',
      'internode_outbound', 'rows_per_read', 'tombstones_per_read']) assert.ok(names.includes(name), `system_views.${name} is listed`);
    const columns = await client.execute("SELECT column_name, kind FROM system_virtual_schema.columns WHERE keyspace_name = 'system_views' AND table_name = 'local_read_latency'");
    assert.deepEqual(columns.rows.map((row) => `${String(row.get('column_name'))}:${String(row.get('kind'))}`).sort(),
      ['count:regular', 'keyspace_name:partition_key', 'max_ms:regular', 'p50th_ms:regular', 'p99th_ms:regular', 'per_second:regular', 'table_name:partition_key']);

    const where = "WHERE keyspace_name = 'stats' AND table_name = 'kv'";
    assert.equal(count((await client.execute(`SELECT count FROM system_views.local_write_latency ${where}`)).rows), writes);
    assert.equal(count((await client.execute(`SELECT count FROM system_views.local_read_latency ${where}`)).rows), reads);
    assert.equal(count((await client.execute(`SELECT count FROM system_views.coordinator_write_latency ${where}`)).rows), writes);
    assert.equal(count((await client.execute(`SELECT count FROM system_views.coordinator_read_latency ${where}`)).rows), reads);
    assert.equal(count((await client.execute(`SELECT count FROM system_views.coordinator_scan_latency ${where}`)).rows), 1);
    assert.equal(count((await client.execute(`SELECT count FROM system_views.rows_per_read ${where}`)).rows), reads);
    assert.equal(count((await client.execute(`SELECT mebibytes FROM system_views.disk_usage ${where}`)).rows, 'mebibytes'), 1, 'a non-empty sstable rounds up to 1 MiB');
    const clients = await client.execute('SELECT address, port, driver_name, request_count, connection_stage FROM system_views.clients');
    assert.ok(clients.rows.length >= 1);
    assert.ok(clients.rows.some((row) => /Node\.js Driver/.test(String(row.get('driver_name'))) && Number(row.get('request_count')) > 0), JSON.stringify(clients.rows));
    const setting = await client.execute("SELECT value FROM system_views.settings WHERE name = 'native_transport_port'");
    assert.equal(setting.rows[0]?.get('value'), String(node.nativePort));
    const pool = await client.execute("SELECT completed_tasks FROM system_views.thread_pools WHERE name = 'Native-Transport-Requests'");
    assert.ok(Number(pool.rows[0]?.get('completed_tasks')) >= writes + reads);
    const caches = await client.execute('SELECT name, capacity_bytes FROM system_views.caches');
    assert.deepEqual(caches.rows.map((row) => String(row.get('name'))).sort(), ['chunks', 'keys']);

    // A compaction caught running: system_views.sstable_tasks and compactionstats show it, then it is gone.
    for (let k = 100; k < 140; k++) await client.execute('INSERT INTO stats.kv (k, v) VALUES (?, ?)', [k, `${k} `.repeat(40)]);
    assert.equal((await nodetool(node, 'flush', 'stats')).code, 0);
    const compaction = nodetool(node, 'compact', 'stats', 'kv');
    let task: cassandra.types.Row | undefined;
    // Polled for as long as `nodetool compact` runs (its process may take seconds to start on a
    // loaded machine), not for a fixed number of tries.
    let compactionReturned = false;
    compaction.then(() => { compactionReturned = true; }, () => { compactionReturned = true; });
    while (task === undefined && !compactionReturned) {
      task = (await client.execute("SELECT * FROM system_views.sstable_tasks WHERE keyspace_name = 'stats'")).rows[0];
      if (task === undefined) await new Promise((resolve) => setTimeout(resolve, 25));
    }
    assert.ok(task !== undefined, 'the throttled compaction was never listed in system_views.sstable_tasks');
    assert.equal(task.get('table_name'), 'kv');
    assert.equal(task.get('kind'), 'compaction');
    assert.equal(task.get('unit'), 'bytes');
    assert.ok(Number(task.get('total')) > 0 && Number(task.get('progress')) < Number(task.get('total')), JSON.stringify(task));
    const running = await nodetool(node, 'compactionstats');
    assert.equal(running.code, 0, running.stderr);
    assert.match(running.stdout, /^pending tasks: [1-9]\d*\n(- [\w.]+: \d+\n)*- stats\.kv: 1\n(- [\w.]+: \d+\n)*\nid {34} compaction type keyspace table completed total +unit  progress\n/);
    assert.match(running.stdout, new RegExp(`^${String(task.get('task_id'))} Compaction {6}stats {4}kv {4}\\d+ +\\d+ +bytes \\d+\\.\\d\\d% *$`, 'm'));
    assert.match(running.stdout, /^Active compaction remaining time : +\dh\d\dm\d\ds\n$/m);
    assert.equal((await compaction).code, 0);
    assert.equal((await client.execute("SELECT * FROM system_views.sstable_tasks WHERE keyspace_name = 'stats'")).rows.length, 0);
    assert.doesNotMatch((await nodetool(node, 'compactionstats')).stdout, /stats\.kv|Active compaction/);

    await assert.rejects(client.execute("INSERT INTO system_views.settings (name, value) VALUES ('cluster_name', 'x')"), /Modification is not supported by table system_views\.settings/);
    await assert.rejects(client.execute("DELETE FROM system_views.clients WHERE address = '127.0.0.1'"), /Modification is not supported by table system_views\.clients/);
  } finally {
    await client.shutdown();
    await node.stop();
    node.cleanup();
  }
});
