// A materialized view after a crash between a base write and its view update (issue 13). A base
// write reaches the commit log before its view updates are made; a node killed between the two
// lost them for good. Here the node process is killed with SIGKILL, a base write is put alone
// into its commit log (as if the node had died right after logging it), and the node starts
// again: commit-log replay makes the write's view update and the batchlog delivers it.
// run-tests: two at a time

import test from 'node:test';
import assert from 'node:assert/strict';
import cassandra from 'cassandra-driver';
import { silentLogger } from '../src/db/common/world.js';
import { murmur3Token } from '../src/db/dht/murmur3.js';
import { storageTables } from '../src/db/node/node.js';
import { systemClock, systemRandom } from '../src/db/platform/clock.js';
import { realDisk } from '../src/db/platform/disk.js';
import { EMPTY_CLUSTERING } from '../src/db/schema/clustering-key.js';
import { Schema } from '../src/db/schema/schema.js';
import { StorageEngine } from '../src/db/storage/engine.js';
import { NO_DELETION_TIME, type Mutation } from '../src/db/storage/types.js';
import { waitFor } from './harness/local-cluster.js';
import { startNodeProcess } from './harness/node-process.js';

/** Appends `mutation` to the commit log of the (stopped) node under `dataDir`, and nothing else. */
async function logAlone(dataDir: string, build: (schema: Schema) => Mutation): Promise<void> {
  const disk = realDisk(dataDir);
  const schema = await Schema.load(disk, 'data/schema.json', systemRandom());
  const engine = await StorageEngine.open({
    world: { clock: systemClock(), disk, logger: silentLogger }, dataDirectory: 'data', commitLogDirectory: 'commitlog',
    syncMode: 'batch', syncPeriodMs: 10, memtableFlushBytes: 64 * 1024 * 1024, tables: storageTables(schema),
  });
  await engine.apply([build(schema)]);
  // Closing does not flush: the write stays in the commit log only, as a crash would leave it.
  await engine.close();
}

test('a base write logged just before a crash reaches its view after the restart', { timeout: 180_000 }, async () => {
  const node = await startNodeProcess({ extraConfig: 'enable_materialized_views: true' });
  const connect = async () => {
    const client = new cassandra.Client({ contactPoints: [node.host], localDataCenter: 'datacenter1', protocolOptions: { port: node.nativePort } });
    await client.connect();
    return client;
  };
  try {
    let client = await connect();
    await client.execute("CREATE KEYSPACE crash WITH replication = {'class': 'SimpleStrategy', 'replication_factor': 1}");
    await client.execute('CREATE TABLE crash.base (id int PRIMARY KEY, v text)');
    await client.execute('CREATE MATERIALIZED VIEW crash.by_v AS SELECT * FROM crash.base WHERE v IS NOT NULL AND id IS NOT NULL PRIMARY KEY (v, id)');
    await client.execute("INSERT INTO crash.base (id, v) VALUES (1, 'before')");
    await waitFor('the view row of the first write', async () => (await client.execute("SELECT id FROM crash.by_v WHERE v = 'before'")).rowLength === 1, 30_000);
    await client.shutdown();
    await node.kill();

    await logAlone(node.dataDir, (schema) => {
      const table = schema.findTable('crash', 'base');
      assert.ok(table !== undefined, 'crash.base is in the saved schema');
      const key = Buffer.alloc(4);
      key.writeInt32BE(2, 0);
      const timestampMicros = Date.now() * 1000;
      return {
        keyspace: 'crash', tableId: table.id, key, token: murmur3Token(key), partitionDeletion: null, rangeTombstones: [],
        rows: [{
          clustering: EMPTY_CLUSTERING, liveness: { timestampMicros, ttlSeconds: 0, localExpirationTime: NO_DELETION_TIME }, deletion: null,
          cells: [{ column: 'v', timestampMicros, ttlSeconds: 0, localDeletionTime: NO_DELETION_TIME, value: Buffer.from('after crash') }],
        }],
      };
    });

    await node.restart();
    client = await connect();
    const base = await client.execute('SELECT v FROM crash.base WHERE id = 2');
    assert.equal(base.first()?.['v'], 'after crash', 'the logged base write was replayed');
    // The view update waits in the batchlog, whose replay (every few seconds) delivers it.
    await waitFor('the view row of the replayed base write', async () => (await client.execute("SELECT id FROM crash.by_v WHERE v = 'after crash'")).rowLength === 1, 30_000)
      .catch((error: unknown) => assert.fail(`${String(error)}\n${node.output().slice(-3000)}`));
    assert.equal((await client.execute("SELECT id FROM crash.by_v WHERE v = 'before'")).rowLength, 1);
    await client.shutdown();
  } finally {
    await node.stop();
    node.cleanup();
  }
});
