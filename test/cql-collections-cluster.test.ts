// Concurrent element updates through different coordinators of a real 3-node cluster at
// replication factor 3 (issue 13), with the DataStax Node.js driver: two clients, each pinned
// to its own coordinator, add set elements, map entries and list elements to the same rows at
// once, at ONE; every element is there when read at ALL. Then concurrent GRANTs of permissions
// and roles to one role through the two coordinators: every grant survives, because
// role_permissions.permissions and roles.member_of change by set element, as in Cassandra.
// Needs the build (bin/aero.js runs dist/). The nodes this test started are stopped whatever
// happens.
// run-tests: two at a time

import test from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import cassandra from 'cassandra-driver';
import { aero, freePort, seenBy, waitFor } from './harness/local-cluster.js';

const { consistencies } = cassandra.types;
const rows = 4;
const perClient = 15;
const grantedTables = 8;

function clientOf(node: number, nativePort: number): cassandra.Client {
  const host = `127.0.0.${node}:${nativePort}`;
  const { loadBalancing } = cassandra.policies;
  return new cassandra.Client({
    contactPoints: [host], localDataCenter: 'datacenter1', protocolOptions: { port: nativePort },
    authProvider: new cassandra.auth.PlainTextAuthProvider('cassandra', 'cassandra'),
    policies: { loadBalancing: new loadBalancing.AllowListPolicy(new loadBalancing.DCAwareRoundRobinPolicy('datacenter1'), [host]) },
    socketOptions: { readTimeout: 20_000 },
  });
}

/** One client's additions: `perClient` elements to every row, each statement at ONE. */
async function addElements(client: cassandra.Client, name: string): Promise<void> {
  for (let index = 0; index < perClient; index++) {
    await Promise.all(Array.from({ length: rows }, (_, k) => client.execute(
      'UPDATE cells.bag SET tags = tags + ?, scores[?] = ?, events = events + ? WHERE k = ?',
      [[`${name}-${index}`], `${name}-${index}`, index, [`${name}-${index}`], k],
      { prepare: true, consistency: consistencies.one },
    )));
  }
}

async function grantAll(client: cassandra.Client, permission: string, role: string): Promise<void> {
  for (let table = 0; table < grantedTables; table++) await client.execute(`GRANT ${permission} ON TABLE cells.g${table} TO app`);
  await client.execute(`GRANT ${role} TO app`);
}

test('three nodes, RF 3: concurrent element updates and GRANTs through two coordinators all survive', { timeout: 240_000 }, async () => {
  const directory = mkdtempSync(join(tmpdir(), 'aero-cells-'));
  const [nativePort, storagePort, adminPort] = [await freePort(), await freePort(), await freePort()];
  const clients = new Map<number, cassandra.Client>();
  try {
    const start = await aero(['cluster', 'start', '--auth', '--nodes', '3', '--dir', directory, '--base-port', String(nativePort),
      '--storage-port', String(storagePort), '--admin-port', String(adminPort), '--num-tokens', '8']);
    assert.equal(start.code, 0, start.stderr + start.stdout);
    const all = [1, 2, 3];
    const upEverywhere = (node: number) => seenBy(all.filter((o) => o !== node), node, 'UP', adminPort);
    await waitFor('every node up', async () => (await Promise.all(all.map(upEverywhere))).every(Boolean), 30_000);
    await waitFor('logins on nodes 1 and 2', async () => {
      for (const node of [1, 2]) {
        if (clients.has(node)) continue;
        const client = clientOf(node, nativePort);
        if (await client.connect().then(() => true, async () => { await client.shutdown().catch(() => undefined); return false; })) clients.set(node, client);
      }
      return clients.size === 2;
    }, 60_000);
    const client = (node: number) => clients.get(node)!;
    await client(1).execute("ALTER KEYSPACE system_auth WITH replication = {'class': 'SimpleStrategy', 'replication_factor': 3}");
    await client(1).execute("CREATE KEYSPACE cells WITH replication = {'class': 'SimpleStrategy', 'replication_factor': 3}");
    await client(1).execute('CREATE TABLE cells.bag (k int PRIMARY KEY, tags set<text>, scores map<text, int>, events list<text>)');
    for (let table = 0; table < grantedTables; table++) await client(1).execute(`CREATE TABLE cells.g${table} (k int PRIMARY KEY)`);
    await client(1).execute("CREATE ROLE app WITH PASSWORD = 'app' AND LOGIN = true");
    await client(1).execute('CREATE ROLE readers');
    await client(1).execute('CREATE ROLE writers');
    await waitFor('schema everywhere', async () => {
      const answers = await Promise.all([1, 2].map((n) => client(n).execute("SELECT table_name FROM system_schema.tables WHERE keyspace_name = 'cells'").then((r) => r.rowLength, () => 0)));
      return answers.every((n) => n === grantedTables + 1);
    }, 30_000);
    // The roles, written at LOCAL_ONE, on every replica before the grants.
    await client(1).execute('SELECT role FROM system_auth.roles', [], { consistency: consistencies.all });

    await Promise.all([addElements(client(1), 'one'), addElements(client(2), 'two')]);
    const expected = ['one', 'two'].flatMap((name) => Array.from({ length: perClient }, (_, index) => `${name}-${index}`)).sort();
    for (let k = 0; k < rows; k++) {
      const row = (await client(2).execute('SELECT tags, scores, events FROM cells.bag WHERE k = ?', [k], { prepare: true, consistency: consistencies.all })).first();
      assert.deepEqual(row['tags'], expected, `set of row ${k}`);
      assert.deepEqual(Object.keys(row['scores']).sort(), expected, `map of row ${k}`);
      assert.deepEqual([...row['events']].sort(), expected, `list of row ${k}`);
      // Each client's appends stay in its own order within the list.
      const ones = (row['events'] as string[]).filter((e) => e.startsWith('one-'));
      assert.deepEqual(ones, Array.from({ length: perClient }, (_, index) => `one-${index}`), `list order of row ${k}`);
    }

    await Promise.all([grantAll(client(1), 'SELECT', 'readers'), grantAll(client(2), 'MODIFY', 'writers')]);
    const permissions = await client(1).execute("SELECT resource, permissions FROM system_auth.role_permissions WHERE role = 'app'", [], { consistency: consistencies.all });
    assert.equal(permissions.rowLength, grantedTables);
    for (const row of permissions.rows) assert.deepEqual(row['permissions'], ['MODIFY', 'SELECT'], `grants on ${row['resource']}`);
    const role = (await client(2).execute("SELECT member_of FROM system_auth.roles WHERE role = 'app'", [], { consistency: consistencies.all })).first();
    assert.deepEqual(role['member_of'], ['readers', 'writers']);
  } finally {
    await Promise.all([...clients.values()].map((c) => c.shutdown().catch(() => undefined)));
    await aero(['cluster', 'stop', '--dir', directory, '--timeout', '20']);
    rmSync(directory, { recursive: true, force: true });
  }
});
