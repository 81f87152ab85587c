// `npm run test:docker` (issue 12): the cluster and the app in Docker, from nothing. Builds the
// base image when absent (scripts/docker/base-image.sh), builds the image, starts five nodes,
// the setup steps and the app with docker-compose under a project name of its own, and checks
//   - the map answers on its published port,
//   - flights move (two reads of the web API some seconds apart give new positions),
//   - `aero nodetool status` in a node shows 5 nodes UN,
//   - a driver on the host logs in as the administrator over TLS through the published CQL port
//     (what cqlsh does), sees the four peers and the flights, and writes a check table (RF 3,
//     every row at ALL),
//   - after `docker-compose stop` and `up -d` the same holds, with the flights written before,
//   - nodes 6, 7 and 8 bootstrap into the running cluster one after the other (8 nodes UN), then
//     node 4 is decommissioned (`nodetool decommission`, then `docker-compose rm -sf node4`):
//     7 nodes UN, node 4 gone from the ring, every row of the check table reads back at ALL, and
//     flights still move,
// then removes what it made: containers, volumes, network, the image and the build cache records
// of its build (the base image stays, as the cache it is). Traffic goes only to this project's
// containers. The joining nodes wait AERO_RING_DELAY_MS (10 s here, Cassandra's 30 s by default).
//
// The suite has a deadline of its own, AERO_DOCKER_DEADLINE_S (720 s by default: the issue allows
// 15 minutes in all, and the teardown gets what is left): when it passes, or on SIGINT or SIGTERM,
// the checks stop (every docker command they started is killed, none starts any more) and the
// teardown runs all the same; after a signal the process then ends by that signal.
//
// Not in `npm test` (the file is no *.test.ts): it needs Docker and root or a running daemon.
// Outside CI a missing tool skips it; in CI (CI=true) that is a failure.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { fileURLToPath } from 'node:url';
import cassandra from 'cassandra-driver';
import { freePort } from '../harness/node-process.js';
import {
  abortableWork, buildCacheIds, buildkitClient, ensureDockerd, extraCaCertificates, freeSubnetPrefix, imageExists, imageIds, onPath, run, runOk, stopDockerd, type Daemon,
} from './docker-tools.js';
import { flightsMove, mapAnswers } from './flight-checks.js';

const repository = fileURLToPath(new URL('../../../', import.meta.url));
const baseImage = 'node:20-bookworm-slim';
const nodeCount = 5;
/** Nodes 6 to 8 of the compose file's profile `grow`, added one at a time. */
const grownNodes = [6, 7, 8];
const decommissioned = 4;
const checkRows = 2_000;
/** ring_delay_ms of the nodes: a joining node waits this long before it streams. */
const ringDelayMs = 10_000;
const startedAtMs = Date.now();
/** The checks stop at this deadline (from the start of the test), whatever they are doing; the teardown then runs. */
const deadlineMs = Number(process.env['AERO_DOCKER_DEADLINE_S'] ?? 720) * 1000;
/** What the teardown may take at most after the deadline: the test's own limit is the two together. */
const teardownMsMax = 150_000;

function log(line: string): void {
  process.stderr.write(`[docker ${((Date.now() - startedAtMs) / 1000).toFixed(0).padStart(4)} s] ${line}\n`);
}

interface Project {
  name: string;
  image: string;
  subnetPrefix: string;
  mapPort: number;
  cqlPort: number;
  env: NodeJS.ProcessEnv;
}

function compose(project: Project, args: readonly string[], timeoutMs: number, echo = false) {
  return run('docker-compose', ['--project-name', project.name, '--file', `${repository}docker-compose.yml`, ...args], { timeoutMs, env: project.env, cwd: repository, echo });
}

async function composeOk(project: Project, args: readonly string[], timeoutMs: number, echo = false): Promise<string> {
  const result = await compose(project, args, timeoutMs, echo);
  if (result.code !== 0) throw new Error(`docker-compose ${args.join(' ')} exited ${result.code ?? 'on a signal'}:\n${result.stderr.slice(-4000)}`);
  return result.stdout;
}

async function newProject(): Promise<Project> {
  const name = `aerotest${process.pid}${randomBytes(3).toString('hex')}`;
  const image = `${name}:latest`;
  const subnetPrefix = await freeSubnetPrefix();
  const mapPort = await freePort();
  const cqlPort = await freePort();
  const env = {
    ...process.env, AERO_RING_DELAY_MS: String(ringDelayMs), AERO_IMAGE: image, AERO_SUBNET_PREFIX: subnetPrefix, AERO_MAP_PORT: String(mapPort), AERO_CQL_PORT: String(cqlPort),
  };
  return { name, image, subnetPrefix, mapPort, cqlPort, env };
}

/** The tools, or why the test cannot run (a skip outside CI, a failure in CI). */
function missingTools(): string[] {
  return ['docker', 'docker-compose'].filter((tool) => !onPath(tool));
}

/**
 * The image, built as `docker-compose build` would (same Dockerfile and arguments) but with
 * BuildKit when a client can: the legacy builder of docker-compose 1.29 copies the whole image
 * for every instruction under vfs (9.5 min here against 1 min).
 */
async function buildImage(project: Project): Promise<void> {
  const client = await buildkitClient();
  const args = ['build', '--network', 'host', '--build-arg', `EXTRA_CA_CERTS=${extraCaCertificates()}`, '--tag', project.image, repository];
  log(client === null ? 'docker build (legacy builder: no BuildKit client found)' : `docker build with BuildKit (${client})`);
  await runOk(client ?? 'docker', args, { timeoutMs: 12 * 60_000, env: { ...process.env, DOCKER_BUILDKIT: client === null ? '0' : '1' } });
}

async function ensureBaseImage(): Promise<void> {
  if (await imageExists(baseImage)) {
    log(`base image ${baseImage} present`);
    return;
  }
  if (process.getuid?.() !== 0) {
    log(`base image ${baseImage} absent and not root: the build pulls it`);
    return;
  }
  log(`building the base image ${baseImage} (scripts/docker/base-image.sh)`);
  await runOk('bash', [`${repository}scripts/docker/base-image.sh`], { timeoutMs: 10 * 60_000, echo: true });
}

/** The nodetool status lines of node1 (run inside the container, on its own address). */
function upNormal(status: string): string[] {
  return status.split('\n').filter((line) => /^UN\s/.test(line));
}

/** nodetool status once `count` nodes are UN and `check` holds (or the last one after timeoutMs). */
async function waitForNodesUp(project: Project, count = nodeCount, options: { timeoutMs?: number; check?: (status: string) => boolean } = {}): Promise<string> {
  const deadline = Date.now() + (options.timeoutMs ?? 60_000);
  let status = '';
  while (Date.now() < deadline) {
    const result = await compose(project, ['exec', '-T', 'node1', 'aero', 'nodetool', '--host', `${project.subnetPrefix}.11`, 'status'], 60_000);
    status = result.stdout;
    if (result.code === 0 && upNormal(status).length === count && (options.check?.(status) ?? true)) return status;
    await sleep(3000);
  }
  return status;
}

/**
 * A file the setup wrote, copied out of the exited `roles` container (which mounts the setup and
 * certificate volumes): no new container, which under vfs would copy the whole image first.
 */
async function setupFile(project: Project, path: string): Promise<string> {
  const container = (await composeOk(project, ['ps', '--all', '--quiet', 'roles'], 60_000)).trim();
  const directory = mkdtempSync(join(tmpdir(), 'aero-docker-'));
  try {
    await runOk('docker', ['cp', `${container}:${path}`, join(directory, 'file')], { timeoutMs: 60_000 });
    return readFileSync(join(directory, 'file'), 'utf8');
  } finally {
    rmSync(directory, { recursive: true, force: true });
  }
}

/** As cqlsh would: the administrator over TLS through node1's published port; run with a connected client. */
async function withAdminClient<T>(project: Project, use: (client: cassandra.Client) => Promise<T>): Promise<T> {
  const password = (await setupFile(project, '/var/lib/aero-setup/credentials/admin')).trim();
  const ca = await setupFile(project, '/etc/aero/certs/ca.pem');
  const client = new cassandra.Client({
    contactPoints: [`127.0.0.1:${project.cqlPort}`], localDataCenter: 'datacenter1',
    credentials: { username: 'admin', password }, sslOptions: { ca: [ca], rejectUnauthorized: true },
    // The published port only: the peers' addresses are the containers', not this host's.
    policies: { loadBalancing: new cassandra.policies.loadBalancing.AllowListPolicy(new cassandra.policies.loadBalancing.RoundRobinPolicy(), [`127.0.0.1:${project.cqlPort}`]) },
    socketOptions: { readTimeout: 60_000 },
  });
  try {
    await client.connect();
    return await use(client);
  } finally {
    await client.shutdown();
  }
}

async function cqlThroughPublishedPort(project: Project): Promise<{ peers: number; flights: number }> {
  return withAdminClient(project, async (client) => {
    const peers = (await client.execute('SELECT peer FROM system.peers')).rowLength;
    const flights = (await client.execute('SELECT flight_number FROM flights.flights_by_date LIMIT 1000')).rowLength;
    return { peers, flights };
  });
}

const { all } = cassandra.types.consistencies;

/** The check table: checkRows rows written at ALL (every replica acknowledged each). */
async function writeCheckTable(project: Project): Promise<void> {
  await withAdminClient(project, async (client) => {
    await client.execute("CREATE KEYSPACE IF NOT EXISTS docker_check WITH replication = {'class': 'SimpleStrategy', 'replication_factor': 3}");
    await client.execute('CREATE TABLE IF NOT EXISTS docker_check.kv (k int PRIMARY KEY, v text)');
    for (let base = 0; base < checkRows; base += 100) {
      await Promise.all(Array.from({ length: 100 }, (_, j) => client.execute('INSERT INTO docker_check.kv (k, v) VALUES (?, ?)', [base + j, `row-${base + j}`], { prepare: true, consistency: all })));
    }
  });
}

/** The keys of the check table that do not read back at ALL with the value written. */
async function checkTableLosses(project: Project): Promise<number[]> {
  return withAdminClient(project, async (client) => {
    const lost: number[] = [];
    for (let base = 0; base < checkRows; base += 100) {
      await Promise.all(Array.from({ length: 100 }, async (_, j) => {
        const key = base + j;
        const row = (await client.execute('SELECT v FROM docker_check.kv WHERE k = ?', [key], { prepare: true, consistency: all })).first();
        if (row?.['v'] !== `row-${key}`) lost.push(key);
      }));
    }
    return lost.sort((a, b) => a - b);
  });
}

/** The node at address, as a `nodetool status` line shows it (or undefined when absent). */
function statusLine(status: string, address: string): string | undefined {
  return status.split('\n').find((line) => line.split(/\s+/)[1] === address);
}

/** Nodes 6 to 8 join one at a time (a bootstrap refuses to start while another runs). */
async function growToEight(project: Project): Promise<void> {
  for (const index of grownNodes) {
    const started = Date.now();
    await composeOk(project, ['--profile', 'grow', 'up', '--detach', '--no-build', '--no-deps', `node${index}`], 5 * 60_000);
    const status = await waitForNodesUp(project, index, { timeoutMs: 5 * 60_000 });
    assert.equal(upNormal(status).length, index, `node${index} joined: ${index} nodes UN\n${status}`);
    log(`node${index} joined in ${((Date.now() - started) / 1000).toFixed(0)} s (${index} nodes UN)`);
  }
}

/** Node 4 leaves: nodetool decommission in it (it streams its ranges, goes LEFT and exits), then its container goes. */
async function decommissionNode(project: Project): Promise<void> {
  const started = Date.now();
  const address = `${project.subnetPrefix}.1${decommissioned}`;
  const result = await compose(project, ['exec', '-T', `node${decommissioned}`, 'aero', 'nodetool', '--host', address, 'decommission'], 5 * 60_000);
  process.stderr.write(result.stdout);
  // The node exits once LEFT, which may cut the exec short; what counts is the ring afterwards.
  if (result.code !== 0) log(`nodetool decommission exited ${result.code ?? 'on a signal'}: ${result.stderr.trim().slice(-400)}`);
  await composeOk(project, ['rm', '--stop', '--force', `node${decommissioned}`], 2 * 60_000);
  const status = await waitForNodesUp(project, grownNodes.length + nodeCount - 1, { timeoutMs: 2 * 60_000, check: (text) => statusLine(text, address) === undefined });
  process.stderr.write(status);
  assert.equal(upNormal(status).length, grownNodes.length + nodeCount - 1, `7 nodes UN after the decommission\n${status}`);
  assert.equal(statusLine(status, address), undefined, `node${decommissioned} is gone from the ring`);
  log(`node${decommissioned} decommissioned in ${((Date.now() - started) / 1000).toFixed(0)} s`);
}

async function diagnose(project: Project): Promise<void> {
  const ps = await compose(project, ['ps'], 60_000);
  process.stderr.write(`${ps.stdout}${ps.stderr}`);
  const logs = await compose(project, ['logs', '--no-color', '--tail', '40'], 120_000);
  process.stderr.write(logs.stdout.slice(-30_000));
}

/** Everything the project made, and the images its build left, removed; returns what remains. */
async function tearDown(project: Project, before: { images: Set<string>; cache: Set<string> }): Promise<string[]> {
  const imagesBefore = before.images;
  await compose(project, ['--profile', 'grow', 'down', '--volumes', '--remove-orphans', '--timeout', '30'], 5 * 60_000);
  // Any container left from the image (a `docker run` cut short), then the image.
  const leftovers = (await runOk('docker', ['ps', '--all', '--quiet', '--filter', `ancestor=${project.image}`], { timeoutMs: 60_000 })).split('\n').filter((id) => id !== '');
  if (leftovers.length > 0) await run('docker', ['rm', '--force', ...leftovers], { timeoutMs: 120_000 });
  await run('docker', ['rmi', project.image], { timeoutMs: 120_000 });
  // The build's intermediate images (the build stage's layers): every image id that is new.
  const made = [...(await imageIds())].filter((id) => !imagesBefore.has(id)).reverse();
  for (const id of made) await run('docker', ['rmi', '--force', id], { timeoutMs: 120_000 });
  // The build's cache records; a record goes only after the ones made on top of it, so in passes.
  for (let pass = 0; pass < 10; pass++) {
    const made = [...(await buildCacheIds())].filter((id) => !before.cache.has(id));
    if (made.length === 0) break;
    for (const id of made) await run('docker', ['builder', 'prune', '--all', '--force', '--filter', `id=${id}`], { timeoutMs: 120_000 });
  }
  const label = `label=com.docker.compose.project=${project.name}`;
  const remaining = [
    ...(await runOk('docker', ['ps', '--all', '--quiet', '--filter', label], { timeoutMs: 60_000 })).split('\n'),
    ...(await runOk('docker', ['volume', 'ls', '--quiet', '--filter', label], { timeoutMs: 60_000 })).split('\n'),
    ...(await runOk('docker', ['network', 'ls', '--quiet', '--filter', label], { timeoutMs: 60_000 })).split('\n'),
    ...[...(await imageIds())].filter((id) => !imagesBefore.has(id)),
    ...[...(await buildCacheIds())].filter((id) => !before.cache.has(id)).map((id) => `build cache ${id}`),
  ];
  return remaining.filter((line) => line.trim() !== '');
}

/**
 * Aborts `work` at the deadline or on SIGINT/SIGTERM; a second signal ends the process at once.
 * Returns the signal received, if any, and a release of the handlers.
 */
function stopOnDeadlineOrSignal(work: AbortController): { received: () => NodeJS.Signals | null; release: () => void } {
  let received: NodeJS.Signals | null = null;
  const timer = setTimeout(() => work.abort(new Error(`the suite's deadline of ${deadlineMs / 1000} s passed`)), Math.max(0, deadlineMs - (Date.now() - startedAtMs)));
  const onSignal = (signal: NodeJS.Signals) => {
    if (received !== null) process.exit(128 + (signal === 'SIGINT' ? 2 : 15));
    received = signal;
    log(`${signal}: stopping the checks and tearing down (send it again to exit at once, leaving everything behind)`);
    work.abort(new Error(`${signal} received`));
  };
  process.on('SIGINT', onSignal);
  process.on('SIGTERM', onSignal);
  // The runner that reads this process's output may be gone (killed): the teardown goes on.
  const ignore = () => undefined;
  process.stderr.on('error', ignore);
  process.stdout.on('error', ignore);
  return {
    received: () => received,
    release: () => {
      clearTimeout(timer);
      process.removeListener('SIGINT', onSignal);
      process.removeListener('SIGTERM', onSignal);
    },
  };
}

test('the cluster and the app run in Docker: 5 nodes UN, the map answers, flights move; it grows to 8 and one leaves without losing data', { timeout: deadlineMs + teardownMsMax + 30_000 }, async (t) => {
  const missing = missingTools();
  if (missing.length > 0) {
    const message = `missing ${missing.join(', ')} (node scripts/prerequisites.js --suite docker installs them)`;
    if (process.env['CI'] === 'true') assert.fail(message);
    t.skip(message);
    return;
  }
  // fetch (undici) may leave no referenced handle while it waits on the published port, and the
  // runner then cancels the test without its teardown: hold the event loop open until the end.
  const keepAlive = setInterval(() => undefined, 1000);
  const work = new AbortController();
  const stopper = stopOnDeadlineOrSignal(work);
  let daemon: Daemon = { pid: null, logFile: null };
  try {
    // Started outside the checks' scope: a deadline while it starts must not kill the daemon before stopDockerd can.
    daemon = await ensureDockerd(log);
    await abortableWork(work.signal, ensureBaseImage);
    const project = await newProject();
    const imagesBefore = await imageIds();
    const cacheBefore = await buildCacheIds();
    log(`project ${project.name}: subnet ${project.subnetPrefix}.0/24, map on 127.0.0.1:${project.mapPort}, CQL on 127.0.0.1:${project.cqlPort}`);
    let passed = false;
    try {
      await abortableWork(work.signal, () => checks(project));
      passed = true;
    } finally {
      if (!passed) await diagnose(project);
      log('tearing down');
      try {
        const remaining = await tearDown(project, { images: imagesBefore, cache: cacheBefore });
        log(`torn down; ${remaining.length} left`);
        assert.deepEqual(remaining, [], 'no container, volume, network or built image of the test remains');
      } catch (error) {
        // The check's own failure, when there is one, is the story; a teardown problem is then a note.
        if (passed) throw error;
        log(`teardown: ${error instanceof Error ? error.message : String(error)}`);
      }
    }
  } finally {
    await stopDockerd(daemon);
    clearInterval(keepAlive);
    stopper.release();
    const signal = stopper.received();
    // Torn down: now end as the signal asked.
    if (signal !== null) process.kill(process.pid, signal);
  }
});

/** The checks, from the build of the image to the data after the decommission. */
async function checks(project: Project): Promise<void> {
  await buildImage(project);
  log('docker-compose up -d (certificates, 5 nodes healthy, roles, app)');
  await composeOk(project, ['up', '--detach', '--no-build'], 8 * 60_000);
  log('up; checking the map');
  const mapUrl = `http://127.0.0.1:${project.mapPort}/`;
  await mapAnswers(mapUrl, { timeoutMs: 180_000 });
  log('the map answers; checking that flights move');
  const moved = await flightsMove(mapUrl, { timeoutMs: 180_000, gapMs: 8_000 });
  log(`flights move: ${moved.join(', ')}`);
  const status = await waitForNodesUp(project);
  process.stderr.write(status);
  assert.equal(upNormal(status).length, nodeCount, `nodetool status shows ${nodeCount} nodes UN`);
  const cql = await cqlThroughPublishedPort(project);
  log(`CQL through the published port as admin over TLS: ${cql.peers} peers, ${cql.flights} flights`);
  assert.equal(cql.peers, nodeCount - 1);
  assert.ok(cql.flights > 0, 'the flights keyspace has flights');
  await writeCheckTable(project);
  log(`check table written: ${checkRows} rows at ALL`);
  log('docker-compose stop, then up -d: the same cluster again on its volumes');
  await composeOk(project, ['stop', '--timeout', '30'], 3 * 60_000);
  await composeOk(project, ['up', '--detach', '--no-build'], 8 * 60_000);
  await mapAnswers(mapUrl, { timeoutMs: 180_000 });
  log(`flights move again: ${(await flightsMove(mapUrl, { timeoutMs: 180_000, gapMs: 8_000 })).join(', ')}`);
  const statusAgain = await waitForNodesUp(project);
  assert.equal(upNormal(statusAgain).length, nodeCount, `after the restart: ${statusAgain}`);
  const cqlAgain = await cqlThroughPublishedPort(project);
  log(`after the restart: ${cqlAgain.peers} peers, ${cqlAgain.flights} flights`);
  assert.ok(cqlAgain.flights >= cql.flights, 'the flights written before the stop are still there');

  log(`growing to ${nodeCount + grownNodes.length} nodes (ring_delay ${ringDelayMs / 1000} s)`);
  await growToEight(project);
  await decommissionNode(project);
  const lost = await checkTableLosses(project);
  assert.deepEqual(lost.slice(0, 20), [], `every row of the check table reads back at ALL (${lost.length} of ${checkRows} lost)`);
  log(`check table: all ${checkRows} rows read back at ALL`);
  log(`flights still move: ${(await flightsMove(mapUrl, { timeoutMs: 180_000, gapMs: 8_000 })).join(', ')}`);
}
