// Roles are replicated: three real nodes (127.0.0.1-3) with PasswordAuthenticator and
// CassandraAuthorizer; the default superuser appears once, system_auth is altered to RF 3,
// and a role created through node 1 logs in and reads through nodes 2 and 3. The nodes this
// test started are killed (by their own pids) whatever happens.

import test from 'node:test';
import assert from 'node:assert/strict';
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import cassandra from 'cassandra-driver';
import { writeNodeConfigFile, type NodeConfigFileSettings } from '../src/db/node/config-file.js';
import { freePort, seenBy, waitFor } from './harness/local-cluster.js';

const nodes = [1, 2, 3];

function nodeConfig(index: number, ports: { nativePort: number; storagePort: number; adminPort: number }): NodeConfigFileSettings {
  return {
    clusterName: 'Auth Cluster', listenAddress: `127.0.0.${index}`, rpcAddress: `127.0.0.${index}`,
    nativeTransportPort: ports.nativePort, storagePort: ports.storagePort, adminPort: ports.adminPort, numTokens: 8,
    authenticator: 'PasswordAuthenticator', authorizer: 'CassandraAuthorizer', seeds: ['127.0.0.1'],
  };
}

function pinned(index: number, nativePort: number, user: string, password: string): cassandra.Client {
  const host = `127.0.0.${index}:${nativePort}`;
  const { loadBalancing } = cassandra.policies;
  return new cassandra.Client({
    contactPoints: [host], localDataCenter: 'datacenter1', protocolOptions: { port: nativePort },
    authProvider: new cassandra.auth.PlainTextAuthProvider(user, password),
    policies: { loadBalancing: new loadBalancing.AllowListPolicy(new loadBalancing.DCAwareRoundRobinPolicy('datacenter1'), [host]) },
  });
}

/** Connects (and runs a query) until it works or the time is up; returns the connected client. */
async function connectEventually(make: () => cassandra.Client, query: string, limitMs: number): Promise<cassandra.Client> {
  const deadline = Date.now() + limitMs;
  for (;;) {
    const client = make();
    try {
      await client.connect();
      await client.execute(query);
      return client;
    } catch (error) {
      await client.shutdown().catch(() => undefined);
      if (Date.now() > deadline) throw error;
      await new Promise((resolve) => setTimeout(resolve, 500));
    }
  }
}

test('a role created through one node logs in through the others', { timeout: 240_000 }, async () => {
  const directory = mkdtempSync(join(tmpdir(), 'aero-auth-cluster-'));
  const ports = { nativePort: await freePort(), storagePort: await freePort(), adminPort: await freePort() };
  const children: ChildProcess[] = [];
  const output: string[] = [];
  const clients: cassandra.Client[] = [];
  try {
    for (const index of nodes) {
      const nodeDirectory = join(directory, `node${index}`);
      mkdirSync(nodeDirectory, { recursive: true });
      const configFile = join(nodeDirectory, 'aero.yaml');
      writeNodeConfigFile(configFile, nodeConfig(index, ports));
      const child = spawn(process.execPath, ['bin/aero.js', 'node', '--config', configFile, '--data-dir', nodeDirectory], { stdio: ['ignore', 'pipe', 'pipe'] });
      child.stdout?.on('data', (chunk: Buffer) => { output.push(`[${index}] ${chunk.toString()}`); if (output.length > 2000) output.shift(); });
      child.stderr?.on('data', (chunk: Buffer) => output.push(`[${index}] ${chunk.toString()}`));
      children.push(child);
    }
    await waitFor('every node up', async () => (await Promise.all(nodes.map((i) => seenBy(nodes.filter((o) => o !== i), i, 'UP', ports.adminPort)))).every(Boolean), 60_000)
      .catch((error: unknown) => { throw new Error(`${String(error)}\n${output.join('').slice(-4000)}`); });

    const admin = await connectEventually(() => pinned(1, ports.nativePort, 'cassandra', 'cassandra'), "SELECT key FROM system.local WHERE key = 'local'", 60_000);
    clients.push(admin);
    const superusers = await admin.execute("SELECT role FROM system_auth.roles WHERE role = 'cassandra'", [], { consistency: cassandra.types.consistencies.quorum });
    assert.equal(superusers.rows.length, 1);
    await admin.execute("ALTER KEYSPACE system_auth WITH replication = {'class': 'SimpleStrategy', 'replication_factor': 3}");
    await admin.execute("CREATE KEYSPACE trips WITH replication = {'class': 'SimpleStrategy', 'replication_factor': 3}");
    await admin.execute('CREATE TABLE trips.legs (id int PRIMARY KEY, origin text)');
    await admin.execute("INSERT INTO trips.legs (id, origin) VALUES (1, 'EZE')", [], { consistency: cassandra.types.consistencies.all });
    await admin.execute("CREATE ROLE traveler WITH PASSWORD = 'tr4vel' AND LOGIN = true");
    await admin.execute('GRANT SELECT ON KEYSPACE trips TO traveler');

    for (const index of [2, 3]) {
      const traveler = await connectEventually(() => pinned(index, ports.nativePort, 'traveler', 'tr4vel'), 'SELECT origin FROM trips.legs WHERE id = 1', 30_000);
      clients.push(traveler);
      assert.equal((await traveler.execute('SELECT origin FROM trips.legs WHERE id = 1')).first()?.['origin'], 'EZE');
      await assert.rejects(traveler.execute("INSERT INTO trips.legs (id, origin) VALUES (2, 'COR')"), (error: unknown) => (error as { code?: number }).code === 0x2100);
    }
  } finally {
    for (const client of clients) await client.shutdown().catch(() => undefined);
    for (const child of children) child.kill('SIGKILL');
    await Promise.all(children.map((child) => (child.exitCode !== null ? Promise.resolve() : new Promise((resolve) => child.once('exit', resolve)))));
    rmSync(directory, { recursive: true, force: true });
  }
});
