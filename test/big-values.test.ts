// Big values and a big partition through the real DataStax driver (issue 14, overload).
// Real processes because the limits under test are those of real sockets, frames, files and
// the node's resident memory: the native frame bound (native_transport_max_frame_size, 16 MiB
// by default), internode messages between processes, the commit log replayed after kill -9.
//
// - One node: 10 MiB blobs written and read back from the memtable, after a flush, after a
//   major compaction and after kill -9 (commit-log replay); a blob over the frame bound gets a
//   clear error and the node stays up.
// - A partition of AERO_BIG_PARTITION_ROWS rows (CI default 10,000; the recorded long run is a
//   million, docs/reliability.md): written, read with driver paging and counted, deleted by a
//   clustering range, counted again; the node's peak resident memory is reported.
// - Three nodes (`aero cluster start --set write_request_timeout=30s ...`), RF 3: 10 MiB blobs
//   written at QUORUM, read at QUORUM and from each node alone at ONE, so every replica got it
//   through internode messaging.
// 150 s at a load average of 25 on 2 cores (about 70 s each test); idle time not measured.
// run-tests: two at a time

import test from 'node:test';
import assert from 'node:assert/strict';
import { createHash, randomBytes } from 'node:crypto';
import { mkdtempSync, readFileSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import cassandra from 'cassandra-driver';
import { aero, freePort, pinnedClient, seenBy, waitFor } from './harness/local-cluster.js';
import { nodetool, startNodeProcess, type NodeProcess } from './harness/node-process.js';

const MiB = 1024 * 1024;
const blobBytes = 10 * MiB;
const partitionRows = Number(process.env['AERO_BIG_PARTITION_ROWS'] ?? 10_000);
const { quorum, one } = cassandra.types.consistencies;

const digest = (bytes: Buffer) => createHash('sha256').update(bytes).digest('hex');

/** The node's peak and current resident memory, from /proc (the process whose command line names its data directory). */
function nodeMemory(node: NodeProcess): { peak: number; resident: number } {
  for (const pid of readdirSync('/proc').filter((name) => /^\d+$/.test(name))) {
    let commandLine = '';
    try {
      commandLine = readFileSync(`/proc/${pid}/cmdline`, 'utf8');
    } catch {
      continue; // the process ended while we looked
    }
    if (!commandLine.includes('aero.js') || !commandLine.includes(node.dataDir)) continue;
    const status = readFileSync(`/proc/${pid}/status`, 'utf8');
    const kib = (field: string) => Number(new RegExp(`${field}:\\s+(\\d+) kB`).exec(status)?.[1] ?? 0) * 1024;
    return { peak: kib('VmHWM'), resident: kib('VmRSS') };
  }
  throw new Error(`no process for ${node.dataDir}`);
}

async function expectBlobs(client: cassandra.Client, blobs: Map<number, Buffer>, when: string, consistency = one): Promise<void> {
  for (const [k, blob] of blobs) {
    const row = (await client.execute('SELECT v FROM big.blobs WHERE k = ?', [k], { prepare: true, consistency })).first();
    const value = row?.['v'] as Buffer | undefined;
    if (value === undefined || value === null) assert.fail(`blob ${k} missing ${when}`);
    if (value.length !== blob.length || digest(value) !== digest(blob)) assert.fail(`blob ${k} differs ${when}: ${value.length} bytes`);
  }
}

function connect(node: NodeProcess): cassandra.Client {
  return new cassandra.Client({
    contactPoints: [node.host], localDataCenter: 'datacenter1', protocolOptions: { port: node.nativePort },
    socketOptions: { readTimeout: 60_000 },
  });
}

test('one node: 10 MiB blobs through memtable, flush, compaction and commit-log replay; over the frame bound a clear error; a big partition paged, counted, range-deleted', { timeout: Math.max(900_000, partitionRows * 3) }, async () => {
  const node = await startNodeProcess({ extraConfig: 'memtable_heap_space: 64MiB\n' });
  let client = connect(node);
  try {
    await client.connect();
    await client.execute("CREATE KEYSPACE big WITH replication = {'class': 'SimpleStrategy', 'replication_factor': 1}");
    await client.execute('CREATE TABLE big.blobs (k int PRIMARY KEY, v blob)');
    const blobs = new Map<number, Buffer>();
    const insert = 'INSERT INTO big.blobs (k, v) VALUES (?, ?)';
    for (const k of [1, 2, 3]) {
      blobs.set(k, randomBytes(blobBytes));
      await client.execute(insert, [k, blobs.get(k)], { prepare: true });
    }
    await expectBlobs(client, blobs, 'from the memtable');

    // 17 MiB: over native_transport_max_frame_size (16 MiB). The driver gets the node's ProtocolError.
    const error = await client.execute(insert, [9, randomBytes(17 * MiB)], { prepare: true }).then(() => undefined, (caught: unknown) => caught as Error);
    if (error === undefined) assert.fail('a 17 MiB value was accepted');
    assert.match(error.message, /too big|exceeds maximum allowed length|frame/i);
    await waitFor('the driver to reconnect', async () => {
      try {
        await client.execute('SELECT k FROM big.blobs WHERE k = 1', [], { prepare: true });
        return true;
      } catch {
        return false;
      }
    }, 30_000);

    const flush = await nodetool(node, 'flush', 'big');
    assert.equal(flush.code, 0, flush.stderr);
    blobs.set(4, randomBytes(blobBytes));
    await client.execute(insert, [4, blobs.get(4)], { prepare: true });
    blobs.set(1, randomBytes(blobBytes)); // an overwrite: compaction must keep the newer one
    await client.execute(insert, [1, blobs.get(1)], { prepare: true });
    assert.equal((await nodetool(node, 'flush', 'big')).code, 0);
    await expectBlobs(client, blobs, 'after flushes');
    const compact = await nodetool(node, 'compact', 'big', 'blobs');
    assert.equal(compact.code, 0, compact.stderr);
    await expectBlobs(client, blobs, 'after a major compaction');

    // Acknowledged but only in the commit log: kill -9, restart, replay.
    blobs.set(5, randomBytes(blobBytes));
    await client.execute(insert, [5, blobs.get(5)], { prepare: true });
    await client.shutdown();
    await node.kill();
    await node.restart();
    client = connect(node);
    await client.connect();
    await expectBlobs(client, blobs, 'after kill -9 and commit-log replay');

    // The big partition.
    await client.execute('CREATE TABLE big.wide (p int, c int, v text, PRIMARY KEY (p, c))');
    const startedMs = Date.now();
    const write = 'INSERT INTO big.wide (p, c, v) VALUES (0, ?, ?)';
    const concurrency = 64;
    let next = 0;
    await Promise.all(Array.from({ length: concurrency }, async () => {
      for (let c = next++; c < partitionRows; c = next++) await client.execute(write, [c, `row-${c}-padding-to-about-fifty-bytes`], { prepare: true });
    }));
    const writtenMs = Date.now() - startedMs;
    const count = async (): Promise<{ rows: number; ordered: boolean }> => {
      let rows = 0;
      let last = -1;
      let ordered = true;
      const stream = client.stream('SELECT c FROM big.wide WHERE p = 0', [], { prepare: true, fetchSize: 5000, autoPage: true });
      for await (const row of stream as unknown as AsyncIterable<cassandra.types.Row>) {
        const c = row['c'] as number;
        if (c <= last) ordered = false;
        last = c;
        rows++;
      }
      return { rows, ordered };
    };
    const readStartMs = Date.now();
    const counted = await count();
    const readMs = Date.now() - readStartMs;
    assert.deepEqual(counted, { rows: partitionRows, ordered: true });
    const half = Math.floor(partitionRows / 2);
    await client.execute('DELETE FROM big.wide WHERE p = 0 AND c >= ? AND c < ?', [half, partitionRows], { prepare: true });
    assert.deepEqual(await count(), { rows: half, ordered: true });
    const memory = nodeMemory(node);
    console.log(`big partition: ${partitionRows} rows written in ${(writtenMs / 1000).toFixed(1)} s, paged and counted in ${(readMs / 1000).toFixed(1)} s; ` +
      `node peak RSS ${Math.round(memory.peak / MiB)} MiB, now ${Math.round(memory.resident / MiB)} MiB`);
  } finally {
    await client.shutdown().catch(() => undefined);
    const code = await node.stop();
    if (code !== 0) console.log(node.output().slice(-3000));
    node.cleanup();
  }
});

test('three nodes, RF 3: 10 MiB blobs at QUORUM reach every replica through internode messaging', { timeout: 240_000 }, async () => {
  const directory = mkdtempSync(join(tmpdir(), 'aero-big-'));
  const [nativePort, storagePort, adminPort] = [await freePort(), await freePort(), await freePort()];
  const all = [1, 2, 3];
  const clients: cassandra.Client[] = [];
  try {
    // A 10 MiB mutation to two remote replicas can take longer than the default 2 s
    // write_request_timeout on a loaded 2-core machine (load average 20+); with 30 s (and the
    // same for reads) every request must succeed: a WriteTimeout or ReadTimeout fails the test.
    const start = await aero(['cluster', 'start', '--nodes', '3', '--dir', directory, '--base-port', String(nativePort),
      '--storage-port', String(storagePort), '--admin-port', String(adminPort), '--num-tokens', '8',
      '--set', 'write_request_timeout=30s', '--set', 'read_request_timeout=30s']);
    assert.equal(start.code, 0, start.stderr + start.stdout);
    await waitFor('every node up', async () => (await Promise.all(all.map((i) => seenBy(all.filter((o) => o !== i), i, 'UP', adminPort)))).every(Boolean), 30_000);
    const client = new cassandra.Client({
      contactPoints: all.map((i) => `127.0.0.${i}:${nativePort}`), localDataCenter: 'datacenter1', protocolOptions: { port: nativePort },
      socketOptions: { readTimeout: 60_000 },
    });
    clients.push(client);
    await client.connect();
    await client.execute("CREATE KEYSPACE big WITH replication = {'class': 'SimpleStrategy', 'replication_factor': 3}");
    await client.execute('CREATE TABLE big.blobs (k int PRIMARY KEY, v blob)');
    const blobs = new Map<number, Buffer>();
    for (const k of [1, 2]) {
      blobs.set(k, randomBytes(blobBytes));
      await client.execute('INSERT INTO big.blobs (k, v) VALUES (?, ?)', [k, blobs.get(k)], { prepare: true, consistency: quorum });
    }
    await expectBlobs(client, blobs, 'at QUORUM', quorum);
    // QUORUM acknowledged after two replicas; the third gets it shortly after.
    for (const i of all) {
      const alone = pinnedClient([i], nativePort);
      clients.push(alone);
      await waitFor(`node ${i} to hold both blobs`, async () => {
        try {
          await expectBlobs(alone, blobs, `on node ${i}`, one);
          return true;
        } catch (error) {
          if (/differs/.test((error as Error).message)) throw error; // wrong data is never retried
          return false;
        }
      }, 30_000);
    }
  } finally {
    for (const client of clients) await client.shutdown().catch(() => undefined);
    await aero(['cluster', 'stop', '--dir', directory]);
    rmSync(directory, { recursive: true, force: true });
  }
});
