// `aero start` as a user runs it. Default (`npm start`): a local 5-node cluster, airports,
// flights and the map come up and the URL is printed; Ctrl-C under npm (SIGINT to the process
// group from the terminal, then again forwarded by npm) stops everything, every node included
// and drained, with exit code 0; a second start restarts the same nodes on their data.
// --nodes 1 runs one node the same way. Secured by default: the nodes require TLS and logins,
// and the app runs as flights_app, which may only read and write its own keyspace.
// run-tests: two at a time

import test from 'node:test';
import assert from 'node:assert/strict';
import cassandra from 'cassandra-driver';
import { spawn } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { connect, createServer } from 'node:net';
import { join } from 'node:path';
import { freePort, isProcessRunning } from './harness/node-process.js';

interface Ports { native: number; storage: number; admin: number; web: number }

async function freePorts(): Promise<Ports> {
  return { native: await freePort(), storage: await freePort(), admin: await freePort(), web: await freePort() };
}

async function runStart(dataDir: string, ports: Ports, extra: string[], whileUp?: () => Promise<void>): Promise<{ output: string; code: number | null }> {
  const child = spawn(process.execPath, ['bin/aero.js', 'start', '--data-dir', dataDir, '--native-port', String(ports.native), '--storage-port', String(ports.storage),
    '--admin-port', String(ports.admin), '--port', String(ports.web), '--flights', '3', ...extra], { stdio: ['ignore', 'pipe', 'pipe'], detached: true });
  let output = '';
  child.stdout.on('data', (chunk: Buffer) => { output += chunk.toString(); });
  child.stderr.on('data', (chunk: Buffer) => { output += chunk.toString(); });
  const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
  const deadline = Date.now() + 120_000;
  while (!output.includes('map at ') && child.exitCode === null && Date.now() < deadline) await new Promise((resolve) => setTimeout(resolve, 200));
  assert.match(output, /map at http:\/\/127\.0\.0\.1:\d+\/ \(up in [\d.]+ s\)/, output);
  const health = await fetch(`http://127.0.0.1:${ports.web}/api/health`);
  assert.equal(health.status, 200);
  const page = await fetch(`http://127.0.0.1:${ports.web}/`);
  assert.match(await page.text(), /<div id="map">|not been built/);
  try {
    await whileUp?.();
  } catch (error) {
    process.kill(-child.pid!, 'SIGKILL');
    throw error;
  }
  // Ctrl-C under `npm start`: the terminal signals the whole process group (aero start leads
  // its own here, as a shell's foreground job does), then npm forwards another SIGINT.
  process.kill(-child.pid!, 'SIGINT');
  await new Promise((resolve) => setTimeout(resolve, 300));
  child.kill('SIGINT');
  const timeout = setTimeout(() => child.kill('SIGKILL'), 60_000);
  const code = await exited;
  clearTimeout(timeout);
  return { output, code };
}

const unauthorized = 0x2100;

/** What a plaintext client gets from a node that requires TLS: the connection closed, no CQL answer. */
async function plaintextAnswer(port: number): Promise<string> {
  return new Promise((resolve, reject) => {
    const socket = connect({ host: '127.0.0.1', port }, () => socket.write(Buffer.from([0x04, 0, 0, 1, 0x05, 0, 0, 0, 0])));
    let received = 0;
    socket.on('data', (chunk: Buffer) => { received += chunk.length; });
    socket.setTimeout(10_000, () => { socket.destroy(); reject(new Error('a plaintext OPTIONS was neither answered nor closed within 10 s')); });
    socket.once('close', () => resolve(received === 0 ? 'closed' : `answered ${received} bytes`));
    socket.once('error', () => resolve('closed'));
  });
}

/**
 * The Node.js driver without TLS, in a process of its own: after a connection closed during its
 * handshake, the driver keeps its process alive for a minute even once shut down.
 */
async function plaintextDriverConnect(port: number): Promise<string> {
  const script = [
    "import cassandra from 'cassandra-driver';",
    `const client = new cassandra.Client({ contactPoints: ['127.0.0.1:${port}'], localDataCenter: 'datacenter1', protocolOptions: { port: ${port} }, socketOptions: { connectTimeout: 3000, readTimeout: 3000 } });`,
    "client.connect().then(() => { console.log('connected'); process.exit(0); }, (error) => { console.log('refused: ' + error.message); process.exit(0); });",
  ].join('\n');
  const child = spawn(process.execPath, ['--input-type=module', '-e', script], { stdio: ['ignore', 'pipe', 'pipe'] });
  let output = '';
  child.stdout.on('data', (chunk: Buffer) => { output += chunk.toString(); });
  child.stderr.on('data', (chunk: Buffer) => { output += chunk.toString(); });
  const timer = setTimeout(() => child.kill('SIGKILL'), 30_000);
  await new Promise((resolve) => child.once('exit', resolve));
  clearTimeout(timer);
  return output.trim();
}

/** The secured local database, checked from outside as a client would, while aero start runs. */
async function checkSecured(directory: string, ports: Ports): Promise<void> {
  const caFile = join(directory, 'certs', 'ca.pem');
  const appPassword = readFileSync(join(directory, 'credentials', 'flights_app'), 'utf8').trim();
  for (const role of ['admin', 'flights_app']) assert.equal(statSync(join(directory, 'credentials', role)).mode & 0o777, 0o600, `credentials/${role} is private`);
  assert.equal(await plaintextAnswer(ports.native), 'closed', 'a plaintext client is refused');
  assert.match(await plaintextDriverConnect(ports.native), /^refused: /, 'the driver without TLS cannot connect');
  const options = { contactPoints: [`127.0.0.1:${ports.native}`], localDataCenter: 'datacenter1', protocolOptions: { port: ports.native } };
  const tls = { ...options, sslOptions: { ca: [readFileSync(caFile)], rejectUnauthorized: true } };
  const defaultLogin = new cassandra.Client({ ...tls, authProvider: new cassandra.auth.PlainTextAuthProvider('cassandra', 'cassandra') });
  await assert.rejects(defaultLogin.connect(), /Provided username cassandra and\/or password are incorrect/, 'no default password remains');
  await defaultLogin.shutdown();
  const app = new cassandra.Client({ ...tls, authProvider: new cassandra.auth.PlainTextAuthProvider('flights_app', appPassword) });
  try {
    const airports = await app.execute('SELECT iata FROM flights.airports LIMIT 3');
    assert.equal(airports.rows.length, 3);
    const refused = async (query: string) => {
      await assert.rejects(app.execute(query), (error: unknown) => error instanceof cassandra.errors.ResponseError && error.code === unauthorized, query);
    };
    await refused('SELECT role FROM system_auth.roles');
    await refused("INSERT INTO system_auth.roles (role, is_superuser, can_login) VALUES ('intruder', true, true)");
    await refused("CREATE KEYSPACE IF NOT EXISTS intruder WITH replication = {'class': 'SimpleStrategy', 'replication_factor': 1}");
    await refused('DROP TABLE flights.airports');
    await refused("CREATE ROLE intruder WITH PASSWORD = 'x' AND LOGIN = true");
  } finally {
    await app.shutdown();
  }
  // The app works as flights_app: a flight added through the web API reads back.
  const departureAt = new Date(Date.now() + 3_600_000).toISOString();
  const added = await fetch(`http://127.0.0.1:${ports.web}/api/flights`, {
    method: 'POST', headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ flightNumber: 'SEC100', origin: 'EZE', destination: 'MAD', departureAt, speedKmh: 850 }),
  });
  assert.equal(added.status, 201, await added.clone().text());
  const { flight } = await added.json() as { flight: { date: string } };
  const read = await fetch(`http://127.0.0.1:${ports.web}/api/flights/SEC100/${flight.date}`);
  assert.equal(read.status, 200, await read.clone().text());
  assert.deepEqual(await (await fetch(`http://127.0.0.1:${ports.web}/api/health`)).json(), { ok: true, error: null });
  // Even the small timetable of --flights 3 (40 a day) fills Madrid's boards for today (the default's 9,320 are in timetable.test.ts).
  const board = await (await fetch(`http://127.0.0.1:${ports.web}/api/airports/MAD/flights`)).json() as { departures: { status: string | null }[]; arrivals: unknown[] };
  assert.ok(board.departures.length >= 1 && board.arrivals.length >= 1, `MAD's boards: ${board.departures.length} departures, ${board.arrivals.length} arrivals`);
  assert.ok(board.departures.every((row) => row.status !== null), 'every departure has a status');
}

/** Every file under the directory's node logs. */
function logFiles(directory: string): string[] {
  return readdirSync(directory, { recursive: true, encoding: 'utf8' })
    .filter((file) => /(^|\/)(logs\/.*|node\.out)$/.test(file))
    .map((file) => join(directory, file))
    .filter((file) => statSync(file).isFile());
}

function assertNoPasswordShown(directory: string, output: string): void {
  const files = logFiles(directory);
  assert.ok(files.length > 0, `node logs under ${directory}`);
  for (const role of ['admin', 'flights_app']) {
    const password = readFileSync(join(directory, 'credentials', role), 'utf8').trim();
    assert.ok(!output.includes(password), `${role}'s password is not in aero start's output`);
    for (const file of files) assert.ok(!readFileSync(file, 'utf8').includes(password), `${role}'s password is not in ${file}`);
  }
}

test('npm start: a 5-node cluster by default, secured; Ctrl-C stops every node; a second start reuses the cluster', { timeout: 300_000 }, async () => {
  const dataDir = mkdtempSync(join(tmpdir(), 'aero-start5-'));
  const clusterDir = join(dataDir, 'cluster');
  try {
    const ports = await freePorts();
    const first = await runStart(dataDir, ports, [], () => checkSecured(clusterDir, ports));
    assert.equal(first.code, 0, first.output);
    assert.match(first.output, /starting the database \(5 nodes/);
    assert.match(first.output, /cluster "Aerolineas Rusticas" is up: 5 nodes/);
    assert.match(first.output, /loading \d+ airports/);
    assert.match(first.output, /TLS on every port; clients trust .*cluster\/certs\/ca\.pem/);
    assert.match(first.output, /creating the administrator role 'admin'/);
    assert.match(first.output, /cqlsh-like clients: user flights_app, password in .*cluster\/credentials\/flights_app, CA .*cluster\/certs\/ca\.pem/);
    console.log(`first start: ${/up in [\d.]+ s/.exec(first.output)?.[0] ?? '?'}`);
    const pids = [...first.output.matchAll(/started node\d on 127\.0\.0\.\d \(pid (\d+)\)/g)].map((match) => Number(match[1]));
    assert.equal(pids.length, 5, first.output);
    assert.deepEqual(pids.filter((pid) => isProcessRunning(pid, clusterDir)), [], 'every node stopped');
    const manifest = JSON.parse(readFileSync(join(dataDir, 'cluster', 'cluster.json'), 'utf8')) as { nodes: { pid: number | null }[] };
    assert.deepEqual(manifest.nodes.map((node) => node.pid), [null, null, null, null, null]);

    const second = await runStart(dataDir, ports, []);
    assert.equal(second.code, 0, second.output);
    assert.match(second.output, /restarting 5 stopped node\(s\) of the cluster in .* with their data/);
    assert.match(second.output, /airports already loaded/);
    assert.doesNotMatch(second.output, /creating the administrator role/, 'the second start reuses the stored credentials');
    assert.match(second.output, /cqlsh-like clients: user flights_app/);
    assertNoPasswordShown(clusterDir, first.output + second.output);
    console.log(`second start: ${/up in [\d.]+ s/.exec(second.output)?.[0] ?? '?'}`);
    assert.match(second.output, /stopped the database \(/);
    assert.doesNotMatch(second.output, /warning: stopping the database/);
    // A different size on the same data is refused plainly, before anything starts.
    const resized = await new Promise<{ code: number | null; output: string }>((resolve) => {
      const child = spawn(process.execPath, ['bin/aero.js', 'start', '--data-dir', dataDir, '--nodes', '3', '--port', String(ports.web)], { stdio: ['ignore', 'pipe', 'pipe'] });
      let output = '';
      child.stdout.on('data', (chunk: Buffer) => { output += chunk.toString(); });
      child.stderr.on('data', (chunk: Buffer) => { output += chunk.toString(); });
      child.once('exit', (code) => resolve({ code, output }));
    });
    assert.equal(resized.code, 1, resized.output);
    assert.match(resized.output, /holds a cluster of 5 nodes, not 3: use --nodes 5, or another --data-dir/);
  } finally {
    rmSync(dataDir, { recursive: true, force: true });
  }
});

test('aero start --nodes 1 brings everything up secured, stops on SIGINT and reuses its data', { timeout: 180_000 }, async () => {
  const dataDir = mkdtempSync(join(tmpdir(), 'aero-start-'));
  try {
    const ports = await freePorts();
    const first = await runStart(dataDir, ports, ['--nodes', '1'], () => checkSecured(dataDir, ports));
    assert.equal(first.code, 0, first.output);
    assert.match(first.output, /starting the database \(1 node,/);
    assert.ok(existsSync(join(dataDir, 'node1')), 'one node keeps its data in DIR/node1');
    assert.match(first.output, /loading \d+ airports/);
    // --flights 3: a timetable for about 3 in the air, today's flights written at start.
    assert.match(first.output, /timetable: \d+ flights a day, about 3 in the air at once/);
    assert.match(first.output, /added [1-9]\d* flights for \d{4}-\d\d-\d\d\n/);
    assert.match(first.output, /cqlsh-like clients: user flights_app, password in .*credentials\/flights_app, CA .*certs\/ca\.pem/);
    assert.match(first.output, /stopped the database \(/);
    assert.doesNotMatch(first.output, /warning: stopping the database/, 'the node drained and exited 0');
    const second = await runStart(dataDir, ports, ['--nodes', '1']);
    assert.equal(second.code, 0, second.output);
    assert.match(second.output, /airports already loaded/);
    // The first run's timetable is still there: a restart on the same day adds nothing.
    const addedOn = (output: string) => new Map([...output.matchAll(/added (\d+) flights for (\S+)/g)].map((match) => [match[2], Number(match[1])]));
    const firstAdded = addedOn(first.output);
    for (const [date, added] of addedOn(second.output)) if (firstAdded.has(date)) assert.equal(added, 0, `${date} again: ${second.output}`);
    assert.ok(Number(/flying (\d+) flights/.exec(second.output)?.[1] ?? '0') > 0, second.output);
    assert.doesNotMatch(second.output, /creating the administrator role/);
    assertNoPasswordShown(dataDir, first.output + second.output);
  } finally {
    rmSync(dataDir, { recursive: true, force: true });
  }
});

test('a port held by another process stops aero start before any node starts, saying how to go around it', async () => {
  const dataDir = mkdtempSync(join(tmpdir(), 'aero-start-busy-'));
  const ports = await freePorts();
  const holder = createServer();
  await new Promise<void>((resolve) => holder.listen(ports.native, '127.0.0.3', resolve));
  try {
    const result = await new Promise<{ code: number | null; output: string }>((resolve) => {
      const child = spawn(process.execPath, ['bin/aero.js', 'start', '--data-dir', dataDir, '--native-port', String(ports.native), '--storage-port', String(ports.storage),
        '--admin-port', String(ports.admin), '--port', String(ports.web)], { stdio: ['ignore', 'pipe', 'pipe'] });
      let output = '';
      child.stdout.on('data', (chunk: Buffer) => { output += chunk.toString(); });
      child.stderr.on('data', (chunk: Buffer) => { output += chunk.toString(); });
      child.once('exit', (code) => resolve({ code, output }));
    });
    assert.equal(result.code, 1, result.output);
    assert.match(result.output, new RegExp(`node3: 127\\.0\\.0\\.3:${ports.native} is already in use`));
    assert.match(result.output, /--native-port N moves all three ports/);
    assert.doesNotMatch(result.output, /started node/);
  } finally {
    holder.close();
    rmSync(dataDir, { recursive: true, force: true });
  }
});
