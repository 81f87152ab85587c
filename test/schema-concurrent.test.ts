// Schema changes made at the same moment through two coordinators of a real 2-node cluster
// (issue 14), with the DataStax Node.js driver: a table each, a column each on one table and
// a keyspace each. Every node ends with all of them, as system_schema shows, and a node
// killed (SIGKILL) and restarted keeps them. Real processes because what is checked is the
// whole path a user meets: two drivers, two servers, internode schema exchange over TCP, and
// the schema file on a real disk across a kill; the in-process scenario in
// harness/node-scenarios.ts covers the same merge over many seeds. About 20 s.
// Needs the build (bin/aero.js runs dist/). The nodes this test started are stopped whatever
// happens.
// run-tests: two at a time

import test from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import cassandra from 'cassandra-driver';
import { aero, freePort, pinnedClient, seenBy, waitFor } from './harness/local-cluster.js';

/** What node `client` shows in system_schema: user keyspaces | tables of conc | columns of conc.base. */
async function schemaSeen(client: cassandra.Client): Promise<string> {
  const names = (result: cassandra.types.ResultSet, column: string) => result.rows.map((row) => String(row[column])).sort();
  const keyspaces = names(await client.execute('SELECT keyspace_name FROM system_schema.keyspaces'), 'keyspace_name').filter((name) => !name.startsWith('system'));
  const tables = names(await client.execute("SELECT table_name FROM system_schema.tables WHERE keyspace_name = 'conc'"), 'table_name');
  const columns = names(await client.execute("SELECT column_name FROM system_schema.columns WHERE keyspace_name = 'conc' AND table_name = 'base'"), 'column_name');
  return `${keyspaces.join(',')} | ${tables.join(',')} | ${columns.join(',')}`;
}

test('two nodes: schema changes at once through both coordinators all survive, and survive a kill', { timeout: 180_000 }, async () => {
  const directory = mkdtempSync(join(tmpdir(), 'aero-schema-'));
  const [nativePort, storagePort, adminPort] = [await freePort(), await freePort(), await freePort()];
  const clients: cassandra.Client[] = [];
  try {
    const start = await aero(['cluster', 'start', '--nodes', '2', '--dir', directory, '--base-port', String(nativePort),
      '--storage-port', String(storagePort), '--admin-port', String(adminPort), '--num-tokens', '8']);
    assert.equal(start.code, 0, start.stderr + start.stdout);
    await waitFor('both nodes up', async () => (await seenBy([1], 2, 'UP', adminPort)) && seenBy([2], 1, 'UP', adminPort), 30_000);
    const [one, two] = [pinnedClient([1], nativePort), pinnedClient([2], nativePort)] as [cassandra.Client, cassandra.Client];
    clients.push(one, two);
    await Promise.all([one.connect(), two.connect()]);
    await one.execute("CREATE KEYSPACE conc WITH replication = {'class': 'SimpleStrategy', 'replication_factor': 2}");
    await one.execute('CREATE TABLE conc.base (k int PRIMARY KEY, a text)');
    await waitFor('conc.base on node 2', async () => (await schemaSeen(two)).endsWith('| base | a,k'), 30_000);

    const both = (first: string, second: string) => Promise.all([one.execute(first), two.execute(second)]);
    await both('CREATE TABLE conc.one (k int PRIMARY KEY)', 'CREATE TABLE conc.two (k int PRIMARY KEY)');
    await both('ALTER TABLE conc.base ADD x int', 'ALTER TABLE conc.base ADD y text');
    await both("CREATE KEYSPACE ks_one WITH replication = {'class': 'SimpleStrategy', 'replication_factor': 1}",
      "CREATE KEYSPACE ks_two WITH replication = {'class': 'SimpleStrategy', 'replication_factor': 1}");
    const expected = 'conc,ks_one,ks_two | base,one,two | a,k,x,y';
    let seen: string[] = [];
    await waitFor('every change on both nodes', async () => {
      seen = await Promise.all([schemaSeen(one), schemaSeen(two)]);
      return seen.every((view) => view === expected);
    }, 30_000).catch((error: unknown) => assert.fail(`${String(error)}; nodes show ${JSON.stringify(seen)}`));
    await waitFor('one schema version', async () => {
      const versions = await Promise.all([one, two].map(async (client) => String((await client.execute("SELECT schema_version FROM system.local WHERE key = 'local'")).first()?.['schema_version'])));
      return versions[0] === versions[1];
    }, 30_000);
    await two.execute("INSERT INTO conc.base (k, a, x, y) VALUES (1, 'a', 2, 'y')", [], { consistency: cassandra.types.consistencies.all });

    const killed = await aero(['cluster', 'kill', '--node', '2', '--dir', directory]);
    assert.equal(killed.code, 0, killed.stderr + killed.stdout);
    const restarted = await aero(['cluster', 'restart', '--node', '2', '--dir', directory]);
    assert.equal(restarted.code, 0, restarted.stderr + restarted.stdout);
    await waitFor('node 2 answers again', async () => (await schemaSeen(two).catch(() => '')) !== '', 30_000);
    assert.equal(await schemaSeen(two), expected, 'node 2 keeps every change across a kill');
    const row = (await two.execute('SELECT x, y FROM conc.base WHERE k = 1', [], { consistency: cassandra.types.consistencies.all })).first();
    assert.deepEqual([row?.['x'], row?.['y']], [2, 'y']);
  } finally {
    await Promise.all(clients.map((client) => client.shutdown().catch(() => undefined)));
    await aero(['cluster', 'stop', '--dir', directory, '--timeout', '20']);
    rmSync(directory, { recursive: true, force: true });
  }
});
