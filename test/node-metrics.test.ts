// Each node's Prometheus /metrics and /health on its admin port, scraped from real node
// processes after real driver traffic: the client request histograms count exactly the
// requests sent at each consistency level (on one node, and summed over a 3-node cluster with
// a token-aware driver, and per node when each node alone is sent known numbers at ONE, QUORUM
// and ALL), Unavailables are counted by operation and level, a flush shows in the
// table's sstable and disk-space gauges and a compaction in the compaction counters, hints rise while a replica is down and fall to zero
// once it is back, and a read at ALL after a missed write counts its read repairs.
// run-tests: two at a time

import test from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import cassandra from 'cassandra-driver';
import { aero, freePort, pinnedClient, seenBy, waitFor } from './harness/local-cluster.js';
import { startNodeProcess } from './harness/node-process.js';
import { metricSample } from '../bench/storage-state.js';

const { consistencies } = cassandra.types;

/** Prometheus text: the sum of the samples named `name` whose labels include `labels`. */
/** The sum of a metric's samples with these labels, as the bench reads them. */
const sample = metricSample;

async function scrape(host: string, adminPort: number): Promise<string> {
  const response = await fetch(`http://${host}:${adminPort}/metrics`, { signal: AbortSignal.timeout(5_000) });
  assert.equal(response.status, 200);
  assert.match(response.headers.get('content-type') ?? '', /^text\/plain; version=0\.0\.4/);
  return response.text();
}

const requests = (text: string, operation: string, consistency: string) => sample(text, 'cassandra_client_request_latency_seconds_count', { operation, consistency });

test('one node: /metrics counts the requests by operation and consistency level, Unavailables, clients, flushes and a compaction; /health is up', { timeout: 120_000 }, async () => {
  const node = await startNodeProcess();
  const client = new cassandra.Client({ contactPoints: [`${node.host}:${node.nativePort}`], localDataCenter: 'datacenter1', queryOptions: { prepare: true } });
  try {
    await client.connect();
    await client.execute("CREATE KEYSPACE metrics_test WITH replication = {'class': 'SimpleStrategy', 'replication_factor': 1}");
    await client.execute('CREATE TABLE metrics_test.kv (k int PRIMARY KEY, v text)');
    const before = await scrape(node.host, node.adminPort);
    for (let k = 0; k < 20; k++) await client.execute('INSERT INTO metrics_test.kv (k, v) VALUES (?, ?)', [k, `v${k}`], { consistency: consistencies.all });
    for (let k = 0; k < 15; k++) await client.execute('SELECT v FROM metrics_test.kv WHERE k = ?', [k], { consistency: consistencies.localQuorum });
    // RF 1 on one node: TWO and THREE cannot be met.
    await assert.rejects(client.execute('SELECT * FROM metrics_test.kv', [], { consistency: consistencies.two }), /at consistency TWO \(2 required but only 1 alive\)/);
    await assert.rejects(client.execute('INSERT INTO metrics_test.kv (k, v) VALUES (?, ?)', [99, 'x'], { consistency: consistencies.three }), /at consistency THREE \(3 required but only 1 alive\)/);
    const after = await scrape(node.host, node.adminPort);
    const delta = (text: string) => (name: string, labels: Record<string, string>) => sample(text, name, labels);
    assert.equal(requests(after, 'write', 'ALL') - requests(before, 'write', 'ALL'), 20);
    assert.equal(requests(after, 'read', 'LOCAL_QUORUM') - requests(before, 'read', 'LOCAL_QUORUM'), 15);
    assert.ok(sample(after, 'cassandra_client_request_latency_seconds_sum', { operation: 'write', consistency: 'ALL' }) > 0);
    // Every request falls in a bucket up to +Inf; the 10 s bucket holds them all here.
    assert.equal(sample(after, 'cassandra_client_request_latency_seconds_bucket', { operation: 'write', consistency: 'ALL', le: '10' }), requests(after, 'write', 'ALL'));
    const unavailables = (text: string, operation: string, consistency: string) => delta(text)('cassandra_client_request_unavailables_total', { operation, consistency });
    assert.equal(unavailables(after, 'range_slice', 'TWO') - unavailables(before, 'range_slice', 'TWO'), 1);
    assert.equal(unavailables(after, 'write', 'THREE') - unavailables(before, 'write', 'THREE'), 1);
    assert.equal(sample(after, 'cassandra_client_request_timeouts_total', { operation: 'write', consistency: 'ALL' }), 0);
    assert.ok(sample(after, 'cassandra_client_connected_native_clients') >= 1);
    const table = { keyspace: 'metrics_test', table: 'kv' };
    assert.ok(sample(after, 'cassandra_table_memtable_live_data_size_bytes', table) > 0, 'the writes sit in the memtable');
    assert.equal(sample(after, 'cassandra_table_live_sstable_count', table), 0);
    // The process metrics: event-loop delay and GC.
    assert.ok(sample(after, 'nodejs_eventloop_lag_seconds') >= 0 && after.includes('# TYPE nodejs_eventloop_lag_seconds gauge'));
    assert.match(after, /# TYPE nodejs_gc_duration_seconds histogram/);
    assert.equal(sample(after, 'cassandra_endpoint_up'), 1);

    assert.equal((await fetch(`http://${node.host}:${node.adminPort}/flush?keyspace=metrics_test&table=kv`, { method: 'POST' })).status, 200);
    const flushed = await scrape(node.host, node.adminPort);
    assert.equal(sample(flushed, 'cassandra_table_live_sstable_count', table), 1);
    assert.ok(sample(flushed, 'cassandra_table_live_disk_space_used_bytes', table) > 0);
    assert.equal(sample(flushed, 'cassandra_table_memtable_live_data_size_bytes', table), 0);
    assert.ok(sample(flushed, 'cassandra_storage_load_bytes') >= sample(flushed, 'cassandra_table_live_disk_space_used_bytes', table));

    // A second flush, then a major compaction merges the two sstables into one.
    for (let k = 100; k < 110; k++) await client.execute('INSERT INTO metrics_test.kv (k, v) VALUES (?, ?)', [k, `v${k}`], { consistency: consistencies.one });
    assert.equal((await fetch(`http://${node.host}:${node.adminPort}/flush?keyspace=metrics_test&table=kv`, { method: 'POST' })).status, 200);
    assert.equal(sample(await scrape(node.host, node.adminPort), 'cassandra_table_live_sstable_count', table), 2);
    assert.equal((await fetch(`http://${node.host}:${node.adminPort}/compact?keyspace=metrics_test&table=kv`, { method: 'POST' })).status, 200);
    const compacted = await scrape(node.host, node.adminPort);
    assert.equal(sample(compacted, 'cassandra_table_live_sstable_count', table), 1);
    assert.ok(sample(compacted, 'cassandra_compaction_completed_tasks_total') - sample(flushed, 'cassandra_compaction_completed_tasks_total') >= 1);
    assert.ok(sample(compacted, 'cassandra_compaction_bytes_compacted_total') - sample(flushed, 'cassandra_compaction_bytes_compacted_total') >= sample(flushed, 'cassandra_table_live_disk_space_used_bytes', table));
    assert.equal(sample(compacted, 'cassandra_compaction_active_tasks'), 0);

    // Reads of the flushed rows go through the caches: requests rise, and a second read of a row hits.
    for (let k = 100; k < 110; k++) await client.execute('SELECT v FROM metrics_test.kv WHERE k = ?', [k], { consistency: consistencies.one });
    const read = await scrape(node.host, node.adminPort);
    for (const cache of ['chunks', 'keys']) {
      assert.ok(sample(read, 'cassandra_cache_requests_total', { cache }) > sample(compacted, 'cassandra_cache_requests_total', { cache }), `${cache} cache requests rise`);
      assert.ok(sample(read, 'cassandra_cache_capacity_bytes', { cache }) > 0);
    }
    for (let k = 100; k < 110; k++) await client.execute('SELECT v FROM metrics_test.kv WHERE k = ?', [k], { consistency: consistencies.one });
    const reread = await scrape(node.host, node.adminPort);
    assert.ok(sample(reread, 'cassandra_cache_hits_total', { cache: 'chunks' }) - sample(read, 'cassandra_cache_hits_total', { cache: 'chunks' }) >= 1, 'a block read again is a chunk cache hit');
    assert.ok(sample(reread, 'cassandra_cache_size_bytes', { cache: 'chunks' }) > 0);

    // Every series the Grafana dashboard plots is one the node serves.
    const dashboard = readFileSync('docs/grafana-dashboard.json', 'utf8');
    const plotted = new Set([...dashboard.matchAll(/\b((?:cassandra|nodejs|process)_[a-z0-9_]+)/g)].map((m) => m[1] ?? ''));
    assert.ok(plotted.size >= 20, `${plotted.size} series plotted`);
    const served = new Map([...flushed.matchAll(/^# TYPE (\S+) (\S+)$/gm)].map((m) => [m[1], m[2]]));
    for (const name of plotted) {
      // A histogram's series are its name with _bucket, _count and _sum.
      const histogram = /^(.*)_(bucket|count|sum)$/.exec(name)?.[1];
      assert.ok(served.has(name) || (histogram !== undefined && served.get(histogram) === 'histogram'), `${name}, plotted by docs/grafana-dashboard.json, is served`);
    }

    const health = await fetch(`http://${node.host}:${node.adminPort}/health`);
    assert.equal(health.status, 200);
    assert.deepEqual(await health.json(), { status: 'UP', nativeTransport: true, stopping: false, drained: false });
  } finally {
    await client.shutdown();
    await node.stop();
    node.cleanup();
  }
});

test('three nodes, RF 3: request counts summed over the nodes match what was sent; hints rise and drain; read repairs are counted', { timeout: 240_000 }, async () => {
  const directory = mkdtempSync(join(tmpdir(), 'aero-metrics-'));
  const [nativePort, storagePort, adminPort] = [await freePort(), await freePort(), await freePort()];
  const nodes = [1, 2, 3];
  const clients: cassandra.Client[] = [];
  const scrapeAll = (indexes = nodes) => Promise.all(indexes.map((i) => scrape(`127.0.0.${i}`, adminPort)));
  const total = (texts: string[], name: string, labels: Record<string, string> = {}) => texts.reduce((sum, text) => sum + sample(text, name, labels), 0);
  try {
    const start = await aero(['cluster', 'start', '--nodes', '3', '--dir', directory, '--base-port', String(nativePort),
      '--storage-port', String(storagePort), '--admin-port', String(adminPort), '--num-tokens', '8']);
    assert.equal(start.code, 0, start.stderr + start.stdout);
    await waitFor('every node up', async () => (await Promise.all(nodes.map((i) => seenBy(nodes.filter((o) => o !== i), i, 'UP', adminPort)))).every(Boolean), 30_000);
    for (const text of await scrapeAll()) assert.equal(sample(text, 'cassandra_failure_detector_up_endpoint_count'), 3);
    const driver = new cassandra.Client({ contactPoints: nodes.map((i) => `127.0.0.${i}:${nativePort}`), localDataCenter: 'datacenter1', protocolOptions: { port: nativePort }, queryOptions: { prepare: true } });
    clients.push(driver);
    await driver.connect();
    await driver.execute("CREATE KEYSPACE metrics3 WITH replication = {'class': 'SimpleStrategy', 'replication_factor': 3}");
    await driver.execute('CREATE TABLE metrics3.kv (k int PRIMARY KEY, v text)');
    const insert = 'INSERT INTO metrics3.kv (k, v) VALUES (?, ?)';
    const select = 'SELECT v FROM metrics3.kv WHERE k = ?';

    // Load: 200 writes at QUORUM, 120 reads at ONE and 80 at QUORUM, 20 at a time.
    const before = await scrapeAll();
    const sent = { write: 200, readOne: 120, readQuorum: 80 };
    const inBatches = async (count: number, run: (i: number) => Promise<unknown>) => {
      for (let base = 0; base < count; base += 20) await Promise.all(Array.from({ length: Math.min(20, count - base) }, (_, j) => run(base + j)));
    };
    await inBatches(sent.write, (i) => driver.execute(insert, [i, `v${i}`], { consistency: consistencies.quorum }));
    await inBatches(sent.readOne, (i) => driver.execute(select, [i], { consistency: consistencies.one }));
    await inBatches(sent.readQuorum, (i) => driver.execute(select, [i], { consistency: consistencies.quorum }));
    const after = await scrapeAll();
    const requestCount = (texts: string[], operation: string, consistency: string) => total(texts, 'cassandra_client_request_latency_seconds_count', { operation, consistency });
    assert.equal(requestCount(after, 'write', 'QUORUM') - requestCount(before, 'write', 'QUORUM'), sent.write);
    assert.equal(requestCount(after, 'read', 'ONE') - requestCount(before, 'read', 'ONE'), sent.readOne);
    assert.equal(requestCount(after, 'read', 'QUORUM') - requestCount(before, 'read', 'QUORUM'), sent.readQuorum);
    // A token-aware driver spreads the keys: every node coordinated some of them.
    for (const [index, text] of after.entries()) assert.ok(requests(text, 'write', 'QUORUM') > 0, `node ${index + 1} coordinated writes`);

    // Chosen coordinators: each node alone is sent known numbers of writes and reads at ONE,
    // QUORUM and ALL (a different number per node and level); each node's own counters grow by
    // exactly what it was sent, and no other node's do.
    const levels = { ONE: consistencies.one, QUORUM: consistencies.quorum, ALL: consistencies.all } as const;
    const sentTo = (node: number, level: keyof typeof levels, operation: 'write' | 'read') =>
      node + (level === 'ONE' ? 2 : level === 'QUORUM' ? 4 : 6) + (operation === 'read' ? 1 : 0);
    const coordinatorsBefore = await scrapeAll();
    for (const node of nodes) {
      const pinned = pinnedClient([node], nativePort);
      clients.push(pinned);
      await pinned.connect();
      for (const [level, consistency] of Object.entries(levels) as Array<[keyof typeof levels, number]>) {
        for (let i = 0; i < sentTo(node, level, 'write'); i++) await pinned.execute(insert, [5000 + i, `pinned${node}`], { consistency });
        for (let i = 0; i < sentTo(node, level, 'read'); i++) await pinned.execute(select, [5000 + i], { consistency });
      }
    }
    const coordinatorsAfter = await scrapeAll();
    for (const node of nodes) {
      for (const level of Object.keys(levels) as Array<keyof typeof levels>) {
        for (const operation of ['write', 'read'] as const) {
          const counted = requests(coordinatorsAfter[node - 1] ?? '', operation, level) - requests(coordinatorsBefore[node - 1] ?? '', operation, level);
          assert.equal(counted, sentTo(node, level, operation), `node ${node} coordinated ${operation}s at ${level}`);
        }
      }
    }

    // Node 3 down: writes at ONE through nodes 1 and 2 leave hints for it, delivered when it is back.
    assert.equal((await aero(['cluster', 'kill', '--node', '3', '--dir', directory])).code, 0);
    await waitFor('node 3 down', () => seenBy([1, 2], 3, 'DOWN', adminPort), 20_000);
    const front = pinnedClient([1, 2], nativePort);
    clients.push(front);
    await front.connect();
    const hinted = 30;
    await inBatches(hinted, (i) => front.execute(insert, [1000 + i, `hinted${i}`], { consistency: consistencies.one }));
    const down = await scrapeAll([1, 2]);
    assert.equal(total(down, 'cassandra_failure_detector_down_endpoint_count'), 2, 'nodes 1 and 2 each see one node down');
    assert.ok(total(down, 'cassandra_storage_hints_in_progress') >= hinted, `hints held: ${total(down, 'cassandra_storage_hints_in_progress')}`);
    assert.ok(total(down, 'cassandra_storage_hints_total') >= hinted);
    assert.equal((await aero(['cluster', 'restart', '--node', '3', '--dir', directory])).code, 0);
    await waitFor('hints delivered', async () => {
      const texts = await scrapeAll([1, 2]);
      return total(texts, 'cassandra_storage_hints_in_progress') === 0 && total(texts, 'cassandra_hints_delivered_total') >= hinted;
    }, 30_000);

    // Hinted handoff off, node 3 misses 20 writes; reads at ALL find it stale and repair it.
    for (const index of [1, 2]) assert.equal((await fetch(`http://127.0.0.${index}:${adminPort}/disablehandoff`, { method: 'POST' })).status, 200);
    assert.equal((await aero(['cluster', 'kill', '--node', '3', '--dir', directory])).code, 0);
    await waitFor('node 3 down again', () => seenBy([1, 2], 3, 'DOWN', adminPort), 20_000);
    const missed = 20;
    await inBatches(missed, (i) => front.execute(insert, [2000 + i, `missed${i}`], { consistency: consistencies.one }));
    assert.equal((await aero(['cluster', 'restart', '--node', '3', '--dir', directory])).code, 0);
    await waitFor('node 3 up again', () => seenBy([1, 2], 3, 'UP', adminPort), 20_000);
    const repairsBefore = total(await scrapeAll(), 'cassandra_read_repair_repaired_blocking_total');
    await inBatches(missed, (i) => front.execute(select, [2000 + i], { consistency: consistencies.all }));
    const repairs = total(await scrapeAll(), 'cassandra_read_repair_repaired_blocking_total') - repairsBefore;
    assert.ok(repairs >= missed, `read repairs: ${repairs}`);
    console.log(`3 nodes: ${sent.write + sent.readOne + sent.readQuorum} requests counted exactly; ${hinted} hints delivered; ${repairs} read repairs`);
  } finally {
    for (const client of clients) await client.shutdown().catch(() => undefined);
    await aero(['cluster', 'stop', '--dir', directory]);
    rmSync(directory, { recursive: true, force: true });
  }
});
