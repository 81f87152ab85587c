// Durability of a real node process (issue 3): a node under a write load from the driver at
// consistency ONE is killed with SIGKILL several times; after each restart every write the
// driver saw acknowledged is present. Then a corrupted sstable block and commit log tail are
// reported by name and never served as data.
// run-tests: two at a time

import test from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { readdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import cassandra from 'cassandra-driver';
import { startNodeProcess, type NodeProcess } from './harness/node-process.js';

const { types } = cassandra;

function connect(node: NodeProcess): cassandra.Client {
  return new cassandra.Client({
    contactPoints: [node.host], localDataCenter: 'datacenter1', protocolOptions: { port: node.nativePort },
    policies: { reconnection: new cassandra.policies.reconnection.ConstantReconnectionPolicy(100), retry: new cassandra.policies.retry.FallthroughRetryPolicy() },
    socketOptions: { readTimeout: 5000 },
  });
}

test('every acknowledged write survives SIGKILL, several times over', { timeout: 300_000 }, async () => {
  const node = await startNodeProcess({ extraConfig: 'memtable_flush_bytes: 262144' });
  const acknowledged = new Map<number, string>();
  try {
    let next = 0;
    for (let round = 0; round < 4; round++) {
      const client = connect(node);
      await client.connect();
      if (round === 0) {
        await client.execute("CREATE KEYSPACE d WITH replication = {'class': 'SimpleStrategy', 'replication_factor': 1}");
        await client.execute('CREATE TABLE d.t (k int PRIMARY KEY, v text)');
      }
      for (const [k, v] of acknowledged) {
        const row = (await client.execute('SELECT v FROM d.t WHERE k = ?', [k], { prepare: true })).first();
        assert.equal(row?.['v'], v, `acknowledged write ${k} lost after kill ${round}`);
      }
      // A write load with many requests in flight; kill the node in the middle of it.
      let stop = false;
      const writers = Array.from({ length: 16 }, async () => {
        while (!stop) {
          const k = next++;
          const v = `round ${round} value ${k} ${'x'.repeat(k % 200)}`;
          try {
            await client.execute('INSERT INTO d.t (k, v) VALUES (?, ?)', [k, v], { prepare: true, consistency: types.consistencies.one });
            acknowledged.set(k, v);
          } catch {
            return; // the node is gone: this write was never acknowledged
          }
        }
      });
      await new Promise((resolve) => setTimeout(resolve, 1500 + round * 500));
      await node.kill();
      stop = true;
      await Promise.all(writers);
      await client.shutdown();
      await node.restart();
    }
    const client = connect(node);
    await client.connect();
    let checked = 0;
    for (const [k, v] of acknowledged) {
      const row = (await client.execute('SELECT v FROM d.t WHERE k = ?', [k], { prepare: true })).first();
      assert.equal(row?.['v'], v, `acknowledged write ${k} lost`);
      checked++;
    }
    assert.ok(checked > 1000, `only ${checked} writes were acknowledged`);
    await client.shutdown();
  } finally {
    await node.stop();
    node.cleanup();
  }
});

function filesUnder(directory: string): string[] {
  return readdirSync(directory).flatMap((name) => {
    const path = join(directory, name);
    return statSync(path).isDirectory() ? filesUnder(path) : [path];
  });
}

test('a corrupt sstable block and a corrupt commit log tail are reported by name, never served', { timeout: 120_000 }, async () => {
  const node = await startNodeProcess();
  try {
    let client = connect(node);
    await client.connect();
    await client.execute("CREATE KEYSPACE c WITH replication = {'class': 'SimpleStrategy', 'replication_factor': 1}");
    await client.execute('CREATE TABLE c.t (k int PRIMARY KEY, v text)');
    for (let k = 0; k < 200; k++) await client.execute('INSERT INTO c.t (k, v) VALUES (?, ?)', [k, `value ${k}`], { prepare: true });
    await client.shutdown();
    assert.equal(await node.stop(), 0);
    // The data is in the commit log only: corrupt the last bytes of its newest segment.
    const segments = filesUnder(node.dataDir).filter((f) => f.includes('commitlog') && statSync(f).size > 0).sort();
    assert.ok(segments.length > 0, 'a commit log segment exists');
    const segment = segments[segments.length - 1]!;
    const bytes = readFileSync(segment);
    bytes[bytes.length - 5] = (bytes[bytes.length - 5] ?? 0) ^ 0xff;
    writeFileSync(segment, bytes);
    await node.restart();
    assert.match(node.output(), /corrupt|torn|checksum/i, 'the node reports the corrupt commit log tail');
    assert.ok(node.output().includes(segment.split('/').pop()!), `the report names the file:\n${node.output().slice(-2000)}`);
    client = connect(node);
    await client.connect();
    const rows = (await client.execute('SELECT k, v FROM c.t')).rows;
    for (const row of rows) assert.equal(row['v'], `value ${row['k']}`, 'no wrong data after the corrupt tail');
    assert.ok(rows.length >= 199, `at most the corrupt last entry is lost (got ${rows.length})`);
    await client.shutdown();

    // Now the same data in an sstable: flush, stop, flip a byte in the middle of the data.
    const flush = spawnSync(process.execPath, ['bin/aero.js', 'nodetool', '--host', node.host, '--port', String(node.adminPort), 'flush'], { encoding: 'utf8' });
    assert.equal(flush.status, 0, `nodetool flush failed: ${flush.stdout}${flush.stderr}`);
    assert.equal(await node.stop(), 0);
    const sstables = filesUnder(node.dataDir).filter((f) => /sstable-\d+\.db$/.test(f));
    assert.ok(sstables.length > 0, 'flush wrote an sstable');
    const sstable = sstables[0]!;
    const data = readFileSync(sstable);
    data[Math.floor(data.length / 3)] = (data[Math.floor(data.length / 3)] ?? 0) ^ 0x5a;
    writeFileSync(sstable, data);
    await node.restart();
    client = connect(node);
    await client.connect();
    let failures = 0;
    for (let k = 0; k < rows.length; k++) {
      try {
        const row = (await client.execute('SELECT v FROM c.t WHERE k = ?', [k], { prepare: true })).first();
        if (row !== null) assert.equal(row['v'], `value ${k}`, 'never wrong data');
      } catch (error) {
        failures++;
        assert.ok(String(error).includes(sstable.split('/').pop()!), `the error names the sstable: ${String(error)}`);
      }
    }
    assert.ok(failures > 0, 'reads of the corrupt block fail');
    await client.shutdown();
  } finally {
    await node.stop();
    node.cleanup();
  }
});

test('after a restart the node has forgotten prepared statements: Unprepared makes the driver re-prepare', { timeout: 120_000 }, async () => {
  const node = await startNodeProcess();
  try {
    const client = connect(node);
    await client.connect();
    await client.execute("CREATE KEYSPACE u WITH replication = {'class': 'SimpleStrategy', 'replication_factor': 1}");
    await client.execute('CREATE TABLE u.t (k int PRIMARY KEY, v text)');
    await client.execute('INSERT INTO u.t (k, v) VALUES (?, ?)', [1, 'one'], { prepare: true });
    await node.kill();
    await node.restart();
    // The same client, the same prepared statement: the node answers Unprepared (0x2500) and the driver prepares again.
    let row: cassandra.types.Row | null = null;
    // Until the driver's pool has reconnected it answers NoHostAvailable or "No connection
    // available"; on a loaded machine that can take a while.
    const deadline = Date.now() + 30_000;
    while (row === null && Date.now() < deadline) {
      try {
        row = (await client.execute('SELECT v FROM u.t WHERE k = ?', [1], { prepare: true })).first();
      } catch (error) {
        if (!/NoHostAvailable|not available|No connection available/.test(String(error))) throw error;
        await new Promise((resolve) => setTimeout(resolve, 200));
      }
    }
    assert.equal(row?.['v'], 'one');
    await client.execute('INSERT INTO u.t (k, v) VALUES (?, ?)', [2, 'two'], { prepare: true });
    assert.equal((await client.execute('SELECT v FROM u.t WHERE k = ?', [2], { prepare: true })).first()?.['v'], 'two');
    await client.shutdown();
  } finally {
    await node.stop();
    node.cleanup();
  }
});
