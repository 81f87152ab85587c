// The cluster panel in a real browser (headless Chromium through playwright-core) on the app as
// a user starts it: `aero start --nodes 3` (TLS, logins, keyspace at RF 3), opened with the
// administrator link it prints. The panel draws the ring with every node up and places the
// selected flight on the replicas the database itself uses (checked with CQL's token()); a
// viewer without the token gets no buttons and 401s. Killing a node from the panel shows it
// down within the failure detector's time while the map keeps moving; hints for it rise on the
// other nodes; starting it from the panel brings it back up and the hints fall to zero,
// delivered. Throughout, the acceptance check: every request of the app (the page's own
// and a user adding flights and changing statuses through the API) is timed, and none may take
// more than 1 s with one replica of three down. Screenshots go to test-artifacts/.
// Needs the build (bin/aero.js runs dist/, the page is dist/ui). Everything started is stopped.

import test, { after, before } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import cassandra from 'cassandra-driver';
import { chromium, type BrowserContext, type Page } from 'playwright-core';
import { freePort } from './harness/node-process.js';
import { waitForExpression } from './harness/page-wait.js';

const chromiumPath = '/usr/bin/chromium';
const artifacts = 'test-artifacts';
if (!existsSync(chromiumPath)) throw new Error(`${chromiumPath} is missing: install Debian's chromium (apt-get install chromium)`);

/** The acceptance bound of issue 15: no request of the app slower than this with one replica down. */
const requestMsMax = 1_000;
/** Gossip's failure detector convicts in about 6 to 9 s (phi 2.5); generous for a loaded machine. */
const markedDownWithinMs = 30_000;

let start: ChildProcess;
let output = '';
let dataDir: string;
let profileDir: string;
let browser: BrowserContext;
let page: Page;
let baseUrl: string;
let adminUrl: string;
let nativePort: number;

/** Every timed request: the page's (from the browser's timing) and the API user's below. */
const timings: { source: 'page' | 'user'; method: string; path: string; ms: number; status: number; phase: string }[] = [];
let phase = 'all up';

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

before(async () => {
  mkdirSync(artifacts, { recursive: true });
  dataDir = mkdtempSync(join(tmpdir(), 'aero-panel-'));
  nativePort = await freePort();
  const ports = ['--native-port', String(nativePort), '--storage-port', String(await freePort()), '--admin-port', String(await freePort()), '--port', String(await freePort())];
  start = spawn(process.execPath, ['bin/aero.js', 'start', '--nodes', '3', '--flights', '30', '--speedup', '30', '--data-dir', dataDir, ...ports], { stdio: ['ignore', 'pipe', 'pipe'], detached: true });
  start.stdout?.on('data', (chunk: Buffer) => { output += chunk.toString(); });
  start.stderr?.on('data', (chunk: Buffer) => { output += chunk.toString(); });
  const deadline = Date.now() + 180_000;
  while (!output.includes('Ctrl-C stops everything') && start.exitCode === null && Date.now() < deadline) await sleep(250);
  const match = /cluster panel administrator \(stop and start nodes\): (http:\/\/[^\s#]+)#admin=([A-Za-z0-9_-]+) \(token in (\S+)\)/.exec(output);
  assert.ok(match !== null, `aero start printed no administrator link:\n${output}`);
  baseUrl = match[1] ?? '';
  adminUrl = `${baseUrl}#admin=${match[2] ?? ''}`;
  // The token is kept 0600 beside the database credentials.
  const { statSync } = await import('node:fs');
  assert.equal(statSync(match[3] ?? '').mode & 0o777, 0o600);
  assert.equal(readFileSync(match[3] ?? '', 'utf8').trim(), match[2]);
  profileDir = mkdtempSync(join(tmpdir(), 'aero-chromium-'));
  browser = await chromium.launchPersistentContext(profileDir, {
    executablePath: chromiumPath, headless: true, viewport: { width: 1600, height: 1000 },
    args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync'],
  });
  page = browser.pages()[0] ?? (await browser.newPage());
  page.on('pageerror', (error) => console.error('page error:', error.message));
  page.on('requestfinished', (request) => {
    const url = new URL(request.url());
    if (!url.pathname.startsWith('/api/')) return;
    const timing = request.timing();
    // A request that finishes as after() closes the browser has no response left to read (CI saw
    // that rejection reported after the file's tests had passed): nothing to time then.
    request.response().then(
      (response) => { timings.push({ source: 'page', method: request.method(), path: url.pathname, ms: timing.responseEnd, status: response?.status() ?? 0, phase }); },
      () => {},
    );
  });
});

after(async () => {
  await browser?.close();
  if (start !== undefined && start.exitCode === null) {
    // As Ctrl-C does: aero start stops the web server, the simulator and every node.
    process.kill(-(start.pid ?? 0), 'SIGINT');
    const exited = new Promise((resolve) => start.once('exit', resolve));
    const timer = setTimeout(() => start.kill('SIGKILL'), 60_000);
    await exited;
    clearTimeout(timer);
  }
  if (profileDir !== undefined) rmSync(profileDir, { recursive: true, force: true });
  if (dataDir !== undefined) rmSync(dataDir, { recursive: true, force: true });
});

const row = (node: string) => page.locator(`#cluster-nodes tr[data-node="${node}"]`);
const shownHints = (cls: 'hints-in-progress' | 'hints-delivered') => page.evaluate(`[...document.querySelectorAll("#cluster-nodes td.${cls}")].reduce((sum, td) => sum + (Number(td.textContent) || 0), 0)`) as Promise<number>;

/** A user of the app, timed: adds flights and delays them through the API while the test runs. */
function startApiUser(): { stop(): Promise<void> } {
  let running = true;
  let count = 0;
  const timed = async (method: 'GET' | 'POST', path: string, body?: unknown) => {
    const startedIn = phase;
    const began = performance.now();
    let status = 0;
    try {
      const response = await fetch(new URL(path, baseUrl), { method, signal: AbortSignal.timeout(20_000), ...(body === undefined ? {} : { headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) }) });
      status = response.status;
      await response.arrayBuffer();
    } catch {
      status = 0;
    }
    timings.push({ source: 'user', method, path: path.replace(/\/PX\d+\//, '/PX*/'), ms: performance.now() - began, status, phase: startedIn });
  };
  const loop = (async () => {
    while (running) {
      count++;
      const clock = await (await fetch(new URL('/api/clock', baseUrl))).json() as { simNowMs: number };
      const departure = new Date(clock.simNowMs + 3 * 3_600_000);
      const date = departure.toISOString().slice(0, 10);
      await timed('POST', '/api/flights', { flightNumber: `PX${count}`, origin: 'MAD', destination: 'BCN', departureAt: departure.toISOString(), speedKmh: 800 });
      await timed('POST', `/api/flights/PX${count}/${date}/status`, { status: 'delayed', delayMinutes: 15 });
      await timed('GET', `/api/flights/PX${count}/${date}`);
      await timed('GET', `/api/airports/MAD/flights?date=${date}`);
      await timed('GET', `/api/search?q=PX${count}`);
      await sleep(300);
    }
  })();
  return { stop: async () => { running = false; await loop; } };
}

test('the cluster panel shows the ring, every node up, and where the selected flight lives', async () => {
  await page.goto(adminUrl);
  await waitForExpression(page, 'window.aero && window.aero.airportCount() > 300 && window.aero.planeCount() >= 3', 60_000);
  assert.equal(new URL(page.url()).hash, '', 'the token leaves the address bar');
  await page.locator('#tab-cluster').click();
  for (const node of ['node1', 'node2', 'node3']) await page.locator(`#cluster-nodes tr[data-node="${node}"][data-status="UP"]`).waitFor({ timeout: 30_000 });
  assert.ok(await page.locator('svg path.ring-range').count() >= 3 * 8, 'every node\'s token ranges are drawn');
  assert.equal(await page.locator('#cluster-nodes button[data-action="stop"]').count(), 3, 'the administrator gets a Kill button per node');
  // Select a flight in the air: the panel places it on the ring.
  await page.locator('#tab-flights').click();
  const first = page.locator('#flights-table tbody tr').first();
  await first.waitFor({ timeout: 20_000 });
  await first.click();
  await page.locator('#tab-cluster').click();
  await page.locator('#flight-placement .placement[data-table="flight_tracking"]').waitFor({ timeout: 20_000 });
  const heading = await page.locator('#flight-placement h3').innerText();
  const [flightNumber, , date] = heading.split(' ');
  const placement = await (await fetch(new URL(`/api/cluster/flights/${flightNumber}/${date}`, baseUrl))).json() as { status: { token: string; replicas: string[]; readConsistency: string }; tracking: { readConsistency: string } };
  assert.equal(placement.status.replicas.length, 3, 'RF 3 on 3 nodes');
  assert.equal(placement.status.readConsistency, 'QUORUM');
  assert.equal(placement.tracking.readConsistency, 'ONE');
  assert.match(await page.locator('#flight-placement').innerText(), new RegExp(placement.status.token));
  // The token is the database's own: token() over CQL, as the app's role.
  const password = readFileSync(join(dataDir, 'cluster', 'credentials', 'flights_app'), 'utf8').trim();
  const client = new cassandra.Client({
    contactPoints: [`127.0.0.1:${nativePort}`], localDataCenter: 'datacenter1', credentials: { username: 'flights_app', password },
    sslOptions: { ca: [readFileSync(join(dataDir, 'cluster', 'certs', 'ca.pem'))], rejectUnauthorized: true, checkServerIdentity: () => undefined },
  });
  try {
    const result = await client.execute('SELECT token(flight_number, date) AS t FROM flights.flight_status WHERE flight_number = ? AND date = ?', [flightNumber, date], { prepare: true });
    assert.equal(String(result.first()?.['t']), placement.status.token);
  } finally {
    await client.shutdown();
  }
  await page.screenshot({ path: join(artifacts, 'cluster-panel.png') });
  // On a 390x844 phone the tab fits: nothing scrolls sideways.
  await page.setViewportSize({ width: 390, height: 844 });
  try {
    const widths = await page.evaluate('[document.documentElement.scrollWidth, document.querySelector("#cluster-pane").scrollWidth - document.querySelector("#cluster-pane").clientWidth]') as number[];
    assert.ok((widths[0] ?? 0) <= 390 && widths[1] === 0, `page ${widths[0]} px wide, the cluster tab overflows by ${widths[1]} px`);
    await page.screenshot({ path: join(artifacts, 'cluster-panel-phone.png') });
  } finally {
    await page.setViewportSize({ width: 1600, height: 1000 });
  }
});

test('without the administrator token there are no buttons and the operations answer 401', async () => {
  const viewer = await browser.newPage();
  try {
    await viewer.goto(baseUrl);
    await viewer.locator('#tab-cluster').click({ timeout: 30_000 });
    await viewer.locator('#cluster-nodes tr[data-node="node1"]').waitFor({ timeout: 20_000 });
    assert.equal(await viewer.locator('#cluster-nodes button').count(), 0);
  } finally {
    await viewer.close();
  }
  const refused = await fetch(new URL('/api/cluster/nodes/node2/stop', baseUrl), { method: 'POST' });
  assert.equal(refused.status, 401);
  const wrong = await fetch(new URL('/api/cluster/nodes/node2/stop', baseUrl), { method: 'POST', headers: { authorization: 'Bearer not-the-token' } });
  assert.equal(wrong.status, 401);
});

test('killing a node from the panel: down within the failure detector\'s time, the map moves, hints rise; started again: up, hints delivered to zero', async () => {
  const user = startApiUser();
  try {
    await sleep(3_000);
    const delivered = await shownHints('hints-delivered');
    phase = 'node2 killed';
    const killedAt = Date.now();
    await row('node2').locator('button[data-action="stop"]').click();
    await page.locator('#cluster-nodes tr[data-node="node2"][data-status="DOWN"]').waitFor({ timeout: markedDownWithinMs });
    const downAfterMs = Date.now() - killedAt;
    console.error(`node2 shown down ${downAfterMs} ms after Kill`);
    await page.screenshot({ path: join(artifacts, 'cluster-node-down.png') });
    // The map keeps moving with a replica down.
    const positions = 'JSON.stringify(Object.fromEntries(window.aero.planeNumbers().map((n) => [n, window.aero.planePosition(n)])))';
    const before = JSON.parse(await page.evaluate(positions) as string) as Record<string, [number, number] | null>;
    assert.ok(Object.keys(before).length >= 3, `planes on the map: ${Object.keys(before).join(', ')}`);
    await waitForExpression(page, `(() => { const before = ${JSON.stringify(before)}; const now = JSON.parse(${positions});
      return Object.keys(now).filter((n) => before[n] && now[n] && (before[n][0] !== now[n][0] || before[n][1] !== now[n][1])).length >= 2; })()`, 30_000);
    // Writes for node2 become hints on the others.
    await waitForExpression(page, '[...document.querySelectorAll("#cluster-nodes td.hints-in-progress")].some((td) => Number(td.textContent) > 0)', 30_000);
    const held = await shownHints('hints-in-progress');
    await page.screenshot({ path: join(artifacts, 'cluster-hints.png') });
    phase = 'node2 starting';
    await row('node2').locator('button[data-action="start"]').click({ timeout: 20_000 });
    await page.locator('#cluster-nodes tr[data-node="node2"][data-status="UP"]').waitFor({ timeout: 120_000 });
    phase = 'node2 back';
    await waitForExpression(page, '[...document.querySelectorAll("#cluster-nodes td.hints-in-progress")].every((td) => td.textContent === "0")', 120_000);
    const deliveredAfter = await shownHints('hints-delivered');
    console.error(`hints held at most seen: ${held}; delivered ${delivered} -> ${deliveredAfter}`);
    assert.ok(deliveredAfter > delivered, `hints delivered (${delivered} -> ${deliveredAfter})`);
    // The start operation ends when the node is healthy, which may come after gossip shows it
    // UP and its hints are delivered; the panel then shows it at its next poll.
    await waitForExpression(page, 'document.querySelector("#cluster-message")?.textContent.includes("Last: start node2 done") === true', 60_000)
      .catch(async (error: unknown) => assert.fail(`${String(error)}: the panel says ${JSON.stringify(await page.locator('#cluster-message').innerText())}`));
    await page.screenshot({ path: join(artifacts, 'cluster-recovered.png') });
    await sleep(2_000);
  } finally {
    await user.stop();
  }
});

// The app's requests stay fast with a replica down thanks to the coordinator's early speculation,
// the batchlog's first acknowledgement and the driver's speculative execution (issue 15, "No
// freeze when a node dies").
test('acceptance: with one replica of three down, no request of the app takes more than 1 s', () => {
  const byPhase = new Map<string, number[]>();
  for (const timing of timings) byPhase.set(`${timing.phase} ${timing.source}`, [...(byPhase.get(`${timing.phase} ${timing.source}`) ?? []), timing.ms]);
  for (const [name, values] of byPhase) {
    const sorted = [...values].sort((a, b) => a - b);
    console.error(`${name}: ${values.length} requests, median ${sorted[Math.floor(sorted.length / 2)]?.toFixed(0)} ms, max ${sorted[sorted.length - 1]?.toFixed(0)} ms`);
  }
  // While node2 is down: from the kill until gossip has it up again.
  const during = timings.filter((timing) => timing.phase === 'node2 killed' || timing.phase === 'node2 starting');
  assert.ok(during.filter((timing) => timing.source === 'user').length >= 20, 'the user kept using the app while the node was down');
  const failed = during.filter((timing) => timing.status === 0 || timing.status >= 500);
  assert.deepEqual(failed, [], 'no request failed');
  const slow = during.filter((timing) => timing.ms > requestMsMax).sort((a, b) => b.ms - a.ms);
  assert.deepEqual(slow.map((timing) => `${timing.method} ${timing.path} ${timing.ms.toFixed(0)} ms (${timing.phase})`), [], `requests over ${requestMsMax} ms`);
});
