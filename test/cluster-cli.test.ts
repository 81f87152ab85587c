// The local cluster through the real CLI (issue 4): `aero cluster start` runs three detached node
// processes on 127.0.0.1-3, a driver queries them, `kill` and `restart` take node 2 down and
// back, `nodetool` reads a node's admin channel, and `stop` leaves no process behind. Needs the
// build (bin/aero.js runs dist/). Whatever happens, the nodes this test started are stopped.
// run-tests: two at a time

import test from 'node:test';
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import cassandra from 'cassandra-driver';
import { startLocalCluster } from '../src/cli/cluster/local-database.js';
import { waitFor } from './harness/local-cluster.js';

interface CliResult {
  code: number;
  stdout: string;
  stderr: string;
}

function aero(args: string[], timeoutMs = 60_000): Promise<CliResult> {
  return new Promise((resolve) => {
    execFile(process.execPath, ['bin/aero.js', ...args], { timeout: timeoutMs }, (error, stdout, stderr) => {
      const code = error === null ? 0 : typeof error.code === 'number' ? error.code : 1;
      resolve({ code, stdout, stderr });
    });
  });
}

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      const port = typeof address === 'object' && address !== null ? address.port : 0;
      server.close(() => resolve(port));
    });
  });
}

/** The pids cluster.json records (null for stopped nodes). */
function manifestPids(directory: string): Array<number | null> {
  const file = join(directory, 'cluster.json');
  if (!existsSync(file)) return [];
  const manifest = JSON.parse(readFileSync(file, 'utf8')) as { nodes: Array<{ pid: number | null }> };
  return manifest.nodes.map((node) => node.pid);
}

function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
  } catch {
    return false; // ESRCH: gone
  }
  // A killed child of ours that nobody has reaped yet still answers kill(0); it is dead.
  const stat = `/proc/${pid}/stat`;
  return !existsSync(stat) || !/\) [ZX] /.test(readFileSync(stat, 'utf8'));
}

/** Whether the process's command line names the cluster's directory (pids are reused). */
function runsIn(pid: number, directory: string): boolean {
  const file = `/proc/${pid}/cmdline`;
  return !existsSync(file) || readFileSync(file, 'utf8').includes(directory);
}

/** Node state per line of `aero cluster status`. */
function states(statusOutput: string): Map<number, string> {
  const found = new Map<number, string>();
  for (const match of statusOutput.matchAll(/^node(\d+)\s+127\.0\.0\.\d+\s+\S+\s+(up|down|starting)\b/gm)) {
    found.set(Number(match[1]), match[2] ?? '');
  }
  return found;
}

test('aero cluster: start 3 nodes, query, kill and restart one, nodetool, stop', { timeout: 300_000 }, async () => {
  const directory = mkdtempSync(join(tmpdir(), 'aero-cluster-'));
  const [nativePort, storagePort, adminPort] = [await freePort(), await freePort(), await freePort()];
  const started = new Set<number>();
  const dir = ['--dir', directory];
  let client: cassandra.Client | null = null;
  try {
    const start = await aero(['cluster', 'start', '--nodes', '3', ...dir, '--base-port', String(nativePort), '--storage-port', String(storagePort), '--admin-port', String(adminPort), '--num-tokens', '8']);
    for (const pid of manifestPids(directory)) if (pid !== null) started.add(pid);
    assert.equal(start.code, 0, `start failed:\n${start.stdout}\n${start.stderr}`);
    assert.match(start.stdout, /is up: 3 nodes/);
    assert.equal(started.size, 3);
    for (const index of [1, 2, 3]) assert.ok(existsSync(join(directory, `node${index}`, 'logs', 'stdout.log')));

    const again = await aero(['cluster', 'start', ...dir]);
    assert.equal(again.code, 0);
    assert.match(again.stdout, /already running/);
    assert.doesNotMatch(again.stdout, /note:/);
    const otherSize = await aero(['cluster', 'start', '--nodes', '2', ...dir]);
    assert.equal(otherSize.code, 1);
    assert.match(otherSize.stderr, /holds a cluster of 3 nodes, not 2/);

    // Pinned to node 1: this test is about the processes, not replication, so it stays valid
    // whatever the other nodes know of the schema while the cluster code is being wired in.
    const { AllowListPolicy, DCAwareRoundRobinPolicy } = cassandra.policies.loadBalancing;
    client = new cassandra.Client({
      contactPoints: ['127.0.0.1'], localDataCenter: 'datacenter1', protocolOptions: { port: nativePort, maxSchemaAgreementWaitSeconds: 5 },
      policies: { loadBalancing: new AllowListPolicy(new DCAwareRoundRobinPolicy('datacenter1'), [`127.0.0.1:${nativePort}`]) },
    });
    await client.connect();
    await client.execute("CREATE KEYSPACE demo WITH replication = {'class': 'SimpleStrategy', 'replication_factor': 1}");
    await client.execute('CREATE TABLE demo.t (k int PRIMARY KEY, v text)');
    await client.execute('INSERT INTO demo.t (k, v) VALUES (?, ?)', [1, 'one'], { prepare: true });
    assert.equal((await client.execute('SELECT v FROM demo.t WHERE k = ?', [1], { prepare: true })).first()?.['v'], 'one');

    const status = await aero(['cluster', 'status', ...dir]);
    assert.equal(status.code, 0);
    assert.deepEqual([...states(status.stdout)], [[1, 'up'], [2, 'up'], [3, 'up']], status.stdout);

    const nodetool = await aero(['nodetool', '--host', '127.0.0.1', '--port', String(adminPort), 'status']);
    assert.equal(nodetool.code, 0, nodetool.stderr);
    assert.match(nodetool.stdout, /^Datacenter: datacenter1$/m);
    assert.match(nodetool.stdout, /^--  Address +Load +Tokens +Owns +Host ID +Rack *$/m);
    assert.match(nodetool.stdout, /^UN  127\.0\.0\.1 /m);
    // Every node holds data (RF 3, in memtables: nothing was flushed) and says so in
    // Cassandra's units once gossip carried the loads; it was "0 bytes" on every node.
    await client.execute("CREATE KEYSPACE loaded WITH replication = {'class': 'SimpleStrategy', 'replication_factor': 3}");
    await client.execute('CREATE TABLE loaded.t (k int PRIMARY KEY, v text)');
    for (let k = 0; k < 40; k++) await client.execute('INSERT INTO loaded.t (k, v) VALUES (?, ?)', [k, 'x'.repeat(1_024)], { prepare: true });
    let loads: string[] = [];
    await waitFor('nodetool status shows every node with its load in KiB or MiB', async () => {
      const text = (await aero(['nodetool', '--host', '127.0.0.1', '--port', String(adminPort), 'status'])).stdout;
      loads = [...text.matchAll(/^UN {2}127\.0\.0\.\d {2}(\S+ \S+) /gm)].map((match) => match[1] ?? '');
      return loads.length === 3 && loads.every((load) => /^\d+(\.\d{1,2})? (KiB|MiB)$/.test(load));
    }, 40_000).catch((error: unknown) => assert.fail(`${String(error)}; loads ${JSON.stringify(loads)}`));
    assert.ok(loads.every((load) => !load.endsWith('KiB') || Number(load.split(' ')[0]) >= 40), `40 KiB of rows on every replica: ${loads.join(', ')}`);
    const ring = await aero(['nodetool', '--host', '127.0.0.3', '--port', String(adminPort), 'ring']);
    assert.equal(ring.code, 0, ring.stderr);
    assert.match(ring.stdout, /^127\.0\.0\.3 +rack1 +Up +Normal /m);

    const kill = await aero(['cluster', 'kill', '--node', '2', ...dir]);
    assert.equal(kill.code, 0, kill.stderr);
    const killedPid = [...started][1];
    assert.ok(killedPid !== undefined && !isAlive(killedPid), 'node 2 still runs after kill');
    const afterKill = await aero(['cluster', 'status', ...dir]);
    assert.deepEqual([...states(afterKill.stdout)], [[1, 'up'], [2, 'down'], [3, 'up']], afterKill.stdout);

    const restart = await aero(['cluster', 'restart', '--node', '2', ...dir]);
    for (const pid of manifestPids(directory)) if (pid !== null) started.add(pid);
    assert.equal(restart.code, 0, `restart failed:\n${restart.stdout}\n${restart.stderr}`);
    const afterRestart = await aero(['cluster', 'status', ...dir]);
    assert.deepEqual([...states(afterRestart.stdout)], [[1, 'up'], [2, 'up'], [3, 'up']], afterRestart.stdout);
    assert.equal((await client.execute('SELECT v FROM demo.t WHERE k = ?', [1], { prepare: true })).first()?.['v'], 'one');
    await client.shutdown();
    client = null;

    const stop = await aero(['cluster', 'stop', ...dir]);
    assert.equal(stop.code, 0, stop.stderr);
    assert.doesNotMatch(stop.stderr, /did not stop/);
    assert.deepEqual([...started].filter(isAlive), [], 'node processes left after stop');
    assert.deepEqual(manifestPids(directory), [null, null, null]);
  } finally {
    await client?.shutdown();
    for (const pid of manifestPids(directory)) if (pid !== null) started.add(pid);
    if ([...started].some(isAlive)) await aero(['cluster', 'stop', ...dir, '--timeout', '10']);
    // Last resort, so that a broken stop never leaves processes behind.
    for (const pid of [...started].filter((pid) => isAlive(pid) && runsIn(pid, directory))) process.kill(pid, 'SIGKILL');
    rmSync(directory, { recursive: true, force: true });
  }
});

test('aero cluster start names a taken port before starting anything', { timeout: 30_000 }, async () => {
  const directory = mkdtempSync(join(tmpdir(), 'aero-cluster-'));
  const port = await freePort();
  const blocker = createServer();
  await new Promise<void>((resolve) => blocker.listen(port, '127.0.0.2', () => resolve()));
  try {
    const start = await aero(['cluster', 'start', '--nodes', '2', '--dir', directory, '--base-port', String(port), '--storage-port', String(await freePort()), '--admin-port', String(await freePort())]);
    assert.equal(start.code, 1);
    assert.match(start.stderr, new RegExp(`node2: 127\\.0\\.0\\.2:${port} is already in use`));
    assert.deepEqual(manifestPids(directory), []);
  } finally {
    await new Promise((resolve) => blocker.close(resolve));
    rmSync(directory, { recursive: true, force: true });
  }
});

test('aero cluster start: a node that fails to start is named with its log, and the others are stopped', { timeout: 60_000 }, async () => {
  const directory = mkdtempSync(join(tmpdir(), 'aero-cluster-'));
  // Node 2's data directory is a file: that node cannot start.
  mkdirSync(join(directory, 'node2'), { recursive: true });
  writeFileSync(join(directory, 'node2', 'data'), 'not a directory');
  const started: number[] = [];
  try {
    const args = ['--base-port', String(await freePort()), '--storage-port', String(await freePort()), '--admin-port', String(await freePort())];
    const start = await aero(['cluster', 'start', '--nodes', '2', '--dir', directory, ...args, '--start-timeout', '20']);
    started.push(...[...start.stdout.matchAll(/^started node\d+ on \S+ \(pid (\d+)\)$/gm)].map((match) => Number(match[1])));
    assert.equal(start.code, 1, start.stdout);
    assert.match(start.stderr, /node 2 \(127\.0\.0\.2\) exited during startup; the end of .*node2\/logs\/stdout\.log:\n {2}\S/);
    assert.equal(started.length, 2);
    assert.deepEqual(started.filter(isAlive), [], 'a node was left running');
    assert.deepEqual(manifestPids(directory), [null, null]);
  } finally {
    for (const pid of started.filter((pid) => isAlive(pid) && runsIn(pid, directory))) process.kill(pid, 'SIGKILL');
    rmSync(directory, { recursive: true, force: true });
  }
});

test('aero cluster start --set: a setting the node would refuse is named before anything starts', { timeout: 30_000 }, async () => {
  const directory = mkdtempSync(join(tmpdir(), 'aero-cluster-'));
  try {
    const ports = ['--base-port', String(await freePort()), '--storage-port', String(await freePort()), '--admin-port', String(await freePort())];
    const bad = await aero(['cluster', 'start', '--nodes', '2', '--dir', directory, ...ports, '--set', 'write_request_timeout=10s', '--set', 'read_request_timeout=soon']);
    assert.equal(bad.code, 1);
    assert.match(bad.stderr, /^aero cluster: --set read_request_timeout: configuration error in 'read_request_timeout': expected a duration such as 2000ms, 2s or 1m, .*got 'soon'\n$/);
    const unknown = await aero(['cluster', 'start', '--nodes', '2', '--dir', directory, ...ports, '--set', 'write_timeout=10s']);
    assert.equal(unknown.code, 1);
    assert.match(unknown.stderr, /--set write_timeout: not a setting the node reads/);
    assert.equal(existsSync(join(directory, 'cluster.json')), false);
    assert.equal(existsSync(join(directory, 'node1')), false);
  } finally {
    rmSync(directory, { recursive: true, force: true });
  }
});

test('startLocalCluster gives `aero start` a LocalDatabase over the cluster', { timeout: 60_000 }, async () => {
  const directory = mkdtempSync(join(tmpdir(), 'aero-cluster-'));
  const nativePort = await freePort();
  try {
    const database = await startLocalCluster({
      dataDir: directory, nodes: 2, nativePort, storagePort: await freePort(), adminPort: await freePort(), startTimeoutMs: 30_000,
    });
    assert.deepEqual(database.contactPoints, [`127.0.0.1:${nativePort}`, `127.0.0.2:${nativePort}`]);
    assert.equal(database.replicationFactor, 2);
    const pids = manifestPids(directory).filter((pid): pid is number => pid !== null);
    assert.equal(pids.length, 2);
    await database.stop();
    assert.deepEqual(pids.filter(isAlive), []);
  } finally {
    if (manifestPids(directory).some((pid) => pid !== null && isAlive(pid))) await aero(['cluster', 'stop', '--dir', directory, '--timeout', '10']);
    rmSync(directory, { recursive: true, force: true });
  }
});

test('aero cluster start --auth: every node requires a login, and the cluster keeps it across restarts', { timeout: 90_000 }, async () => {
  const directory = mkdtempSync(join(tmpdir(), 'aero-cluster-auth-'));
  const nativePort = await freePort();
  const dir = ['--dir', directory];
  const options = { contactPoints: [`127.0.0.1:${nativePort}`], localDataCenter: 'datacenter1', protocolOptions: { port: nativePort } };
  try {
    const args = ['--base-port', String(nativePort), '--storage-port', String(await freePort()), '--admin-port', String(await freePort())];
    const start = await aero(['cluster', 'start', '--auth', '--nodes', '1', ...dir, ...args, '--set', 'write_request_timeout=30s', '--set', 'max_hint_window_in_ms=2000']);
    assert.equal(start.code, 0, start.stderr);
    assert.match(start.stdout, /logins required \(PasswordAuthenticator, CassandraAuthorizer\)/);
    const anonymous = new cassandra.Client(options);
    await assert.rejects(anonymous.connect(), /requires authentication/);
    await anonymous.shutdown();
    // The default superuser appears once the node's first read of the roles succeeds.
    let rows = 0;
    for (let attempt = 0; attempt < 20 && rows === 0; attempt++) {
      const client = new cassandra.Client({ ...options, authProvider: new cassandra.auth.PlainTextAuthProvider('cassandra', 'cassandra') });
      try {
        await client.connect();
        rows = (await client.execute('LIST ROLES')).rows.length;
      } catch (error) {
        if (!(error instanceof cassandra.errors.NoHostAvailableError)) throw error;
        await new Promise((resolve) => setTimeout(resolve, 1000));
      } finally {
        await client.shutdown();
      }
    }
    assert.equal(rows, 1, 'cassandra/cassandra logs in and lists itself');
    assert.equal((await aero(['cluster', 'stop', ...dir])).code, 0);
    const again = await aero(['cluster', 'start', ...dir]);
    assert.equal(again.code, 0, again.stderr);
    assert.match(again.stdout, /logins required/);
    assert.match(readFileSync(join(directory, 'node1', 'conf', 'aero.yaml'), 'utf8'), /^authenticator: PasswordAuthenticator\nauthorizer: CassandraAuthorizer$/m);
    // --set is kept too, and changed on an existing cluster for the nodes started from then on.
    assert.match(readFileSync(join(directory, 'node1', 'conf', 'aero.yaml'), 'utf8'), /^write_request_timeout: 30s\nmax_hint_window_in_ms: 2000$/m);
    const changed = await aero(['cluster', 'start', ...dir, '--set', 'max_hint_window_in_ms=', '--set', 'write_request_timeout=45s']);
    assert.equal(changed.code, 0, changed.stderr);
    assert.match(changed.stdout, /recorded --set .*running nodes take it when restarted \(aero cluster restart --node 1\)/);
    const restart = await aero(['cluster', 'restart', '--node', '1', ...dir]);
    assert.equal(restart.code, 0, restart.stderr);
    const yaml = readFileSync(join(directory, 'node1', 'conf', 'aero.yaml'), 'utf8');
    assert.match(yaml, /^write_request_timeout: 45s$/m);
    assert.doesNotMatch(yaml, /max_hint_window_in_ms/);
  } finally {
    await aero(['cluster', 'stop', ...dir, '--timeout', '10']);
    rmSync(directory, { recursive: true, force: true });
  }
});
