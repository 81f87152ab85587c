// The live map in a real browser (headless Chromium through playwright-core) against a real
// database node, with the simulator and the web server running in this process: airports on
// the map, an airport's flights for a date, adding a flight from the form (listed, then flying
// on the map), a status change that survives a reload, and planes that move.
// Screenshots go to test-artifacts/. In CI a missing Chromium fails the test; elsewhere it skips.

import test, { after, before } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { chromium, type BrowserContext, type Page } from 'playwright-core';
import { openAppDatabase, type AppDatabase } from '../src/flights/app/bootstrap.js';
import { defaultDatabaseOptions } from '../src/flights/model/database.js';
import { Simulator, defaultSimulatorOptions } from '../src/flights/sim/simulator.js';
import { seededChance, systemClock } from '../src/flights/model/world.js';
import { startWebServer, type WebServer } from '../src/flights/web/server.js';
import { startNodeProcess, type NodeProcess } from './harness/node-process.js';

const chromiumPath = '/usr/bin/chromium';
const artifacts = 'test-artifacts';
// A missing browser is a failure, never a silent skip (.ci/run installs Debian's chromium).
if (!existsSync(chromiumPath)) throw new Error(`${chromiumPath} is missing: install Debian's chromium (apt-get install chromium)`);

let node: NodeProcess;
let database: AppDatabase;
let simulator: Simulator;
let web: WebServer;
let browser: BrowserContext;
let page: Page;
let profileDir: string;
const logger = { info: () => {}, warn: (message: string) => console.error(message) };
const simStartMs = Date.UTC(2026, 6, 1, 12, 0);
const simDate = '2026-07-01';

before(async () => {
  mkdirSync(artifacts, { recursive: true });
  node = await startNodeProcess();
  database = await openAppDatabase({ ...defaultDatabaseOptions, contactPoints: [`${node.host}:${node.nativePort}`], keyspace: 'flights_browser' }, { clock: systemClock, logger });
  // 60x: a real second is a sim minute, so flights visibly move and statuses change.
  simulator = new Simulator(database.store, {
    clock: systemClock, chance: seededChance(11), logger, airports: database.airports,
    options: { ...defaultSimulatorOptions, delayProbability: 0, cancelProbability: 0, speedup: 60, tickMs: 500, refreshMs: 1_000, simStartMs },
  });
  await simulator.addFlight({ flightNumber: 'TS1', origin: 'MAD', destination: 'JFK', departureAtMs: simStartMs + 6 * 3_600_000, speedKmh: 850 });
  await simulator.addFlight({ flightNumber: 'TS2', origin: 'MAD', destination: 'CDG', departureAtMs: simStartMs - 30 * 60_000, speedKmh: 820 });
  await simulator.addFlight({ flightNumber: 'TS3', origin: 'LHR', destination: 'DXB', departureAtMs: simStartMs - 3 * 3_600_000, speedKmh: 880 });
  await simulator.tick();
  simulator.start();
  web = await startWebServer(database, { clock: systemClock, chance: seededChance(12), logger, options: { host: '127.0.0.1', port: 0, pollMs: 500, clockName: 'default' } });
  profileDir = mkdtempSync(join(tmpdir(), 'aero-chromium-'));
  browser = await chromium.launchPersistentContext(profileDir, {
    executablePath: chromiumPath, headless: true, viewport: { width: 1400, height: 850 },
    args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync'],
  });
  page = browser.pages()[0] ?? (await browser.newPage());
  page.on('pageerror', (error) => console.error('page error:', error.message));
});

after(async () => {
  await browser?.close();
  await web?.close();
  await simulator?.stop();
  await database?.close();
  await node?.stop();
  node?.cleanup();
  if (profileDir !== undefined) rmSync(profileDir, { recursive: true, force: true });
});

const aero = <T>(expression: string) => page.evaluate(`window.aero.${expression}`) as Promise<T>;

test('the map shows airports and planes', async () => {
  await page.goto(web.url);
  await page.waitForFunction('window.aero && window.aero.airportCount() > 300', undefined, { timeout: 20_000 });
  await page.waitForFunction('window.aero.planeCount() >= 2', undefined, { timeout: 20_000 });
  assert.equal(await page.locator('#banner').isHidden(), true, 'no error banner');
  await page.screenshot({ path: join(artifacts, 'map-airports.png') });
});

test('selecting an airport and a date lists its flights', async () => {
  await page.fill('#search', 'MAD');
  await page.locator('#search-results li[data-airport="MAD"]').click();
  await page.locator('#board-date').fill(simDate);
  await page.locator('#board-date').dispatchEvent('change');
  await page.locator('#departures-table tr[data-flight="TS1"]').waitFor({ timeout: 10_000 });
  assert.equal(await page.locator('#departures-table tr[data-flight="TS2"]').count(), 1);
  await page.screenshot({ path: join(artifacts, 'airport-board.png') });
});

test('adding a flight lists it and puts it on the map', async () => {
  const departure = new Date(simulator.simNowMs()).toISOString().slice(0, 16);
  await page.fill('#add-flight input[name="destination"]', 'BCN');
  await page.fill('#add-flight input[name="flightNumber"]', 'TS100');
  await page.fill('#add-flight input[name="departure"]', departure);
  await page.fill('#add-flight input[name="speed"]', '800');
  await page.click('#add-flight button[type="submit"]');
  await page.locator('#departures-table tr[data-flight="TS100"]').waitFor({ timeout: 10_000 });
  await page.waitForFunction('window.aero.planePosition("TS100") !== null', undefined, { timeout: 20_000 });
  await page.screenshot({ path: join(artifacts, 'flight-added.png') });
  // Bad input is refused with a reason.
  await page.fill('#add-flight input[name="destination"]', 'ZZZ');
  await page.click('#add-flight button[type="submit"]');
  await page.locator('#add-flight-message.error').waitFor({ timeout: 10_000 });
  assert.match(await page.locator('#add-flight-message').innerText(), /unknown airport/);
});

test('a status change is shown after a reload', async () => {
  await page.locator('#departures-table tr[data-flight="TS1"]').click();
  await page.locator('#flight-view button[data-status="delayed"]').click();
  await page.locator('#flight-view .status[data-status="delayed"]').waitFor({ timeout: 10_000 });
  await page.reload();
  await page.waitForFunction('window.aero && window.aero.airportCount() > 300', undefined, { timeout: 20_000 });
  await page.fill('#search', 'TS1');
  await page.locator('#search-results li[data-flight="TS1"]').click();
  await page.locator('#flight-view .status[data-status="delayed"]').waitFor({ timeout: 10_000 });
  await page.screenshot({ path: join(artifacts, 'status-delayed.png') });
});

/** What the browser, the feed's table and the simulator each know of a flight: printed when a wait for it fails. */
async function diagnose(flightNumber: string): Promise<string> {
  const inPage = await page.evaluate(`({ planes: window.aero.planeCount(), position: window.aero.planePosition(${JSON.stringify(flightNumber)}), banner: document.querySelector('#banner')?.textContent ?? null })`).catch((error: unknown) => String(error));
  const stored = await database.store.readPositions(Date.now()).then((rows) => rows.map((r) => `${r.flightNumber}:${r.phase}@${new Date(r.recordedAtMs).toISOString()}`)).catch((error: unknown) => String(error));
  const flight = simulator.list().find((f) => f.plan.flightNumber === flightNumber);
  return JSON.stringify({ inPage, stored, simNow: new Date(simulator.simNowMs()).toISOString(), simulated: flight === undefined ? null : { status: flight.status, phase: flight.state.phase, finished: flight.finished } });
}

async function waitWithDiagnosis(flightNumber: string, expression: string, timeout: number): Promise<void> {
  try {
    await page.waitForFunction(expression, undefined, { timeout });
  } catch (error) {
    throw new Error(`${String(error)}\n${flightNumber}: ${await diagnose(flightNumber)}`);
  }
}

test('planes move over time', async () => {
  await waitWithDiagnosis('TS3', 'window.aero.planePosition("TS3") !== null', 20_000);
  const first = await aero<[number, number]>('planePosition("TS3")');
  await waitWithDiagnosis('TS3', `(() => { const p = window.aero.planePosition("TS3"); return p !== null && (p[0] !== ${first[0]} || p[1] !== ${first[1]}); })()`, 20_000);
  // Planes are drawn on a canvas: bring TS3 into view (the previous test fitted another route),
  // then click where it was drawn in the last frame.
  await page.evaluate('(() => { const p = window.aero.planePosition("TS3"); window.aero.map.setView(p, 4, { animate: false }); })()');
  await page.waitForFunction('window.aero.planePoint("TS3") !== null', undefined, { timeout: 10_000 });
  const point = await aero<[number, number]>('planePoint("TS3")');
  const box = await page.locator('#map').boundingBox();
  assert.ok(box !== null);
  await page.mouse.click(box.x + point[0], box.y + point[1]);
  await page.locator('#flight-view dl').first().waitFor({ timeout: 10_000 });
  await page.screenshot({ path: join(artifacts, 'plane-selected.png') });
});

test('a stopped database shows as a banner, not a blank page, and clears when it is back', async () => {
  await node.stop();
  await page.locator('#banner', { hasText: 'Database unavailable' }).waitFor({ timeout: 20_000 });
  await page.screenshot({ path: join(artifacts, 'database-down.png') });
  await node.restart();
  await page.locator('#banner').waitFor({ state: 'hidden', timeout: 30_000 });
});
