// The live map in a real browser (headless Chromium through playwright-core) against a real
// database node, with the simulator and the web server running in this process: airports on
// the map, an airport's flights for a date, adding a flight from the form (listed, then flying
// on the map), a status change that survives a reload, and planes that move; then the tracker's
// features at 1600x1000 and at 390x844 (state in the address, the selected flight's progress and
// status history, legend, scale, altitude colours, shortcuts, overlapping planes).
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
import { waitForExpression } from './harness/page-wait.js';
import { fail } from '../src/db/common/assert.js';

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
  await simulator.addFlight({ flightNumber: 'TS4', origin: 'MAD', destination: 'LIS', departureAtMs: simStartMs + 8 * 3_600_000, speedKmh: 800 });
  await simulator.addFlight({ flightNumber: 'TS5', origin: 'BCN', destination: 'FCO', departureAtMs: simStartMs + 9 * 3_600_000, speedKmh: 800 });
  // The tracker tests' planes, long-haul so that they are still flying however slow the machine
  // (a real minute is a sim hour): two on one route 5 minutes apart, drawn a few pixels apart,
  // where a click must pick the nearest (on screen they move by their separation every 5 real
  // seconds), and one whose progress is shown.
  await simulator.addFlight({ flightNumber: 'TS7', origin: 'BCN', destination: 'NRT', departureAtMs: simStartMs - 40 * 60_000, speedKmh: 850 });
  await simulator.addFlight({ flightNumber: 'TS8', origin: 'BCN', destination: 'NRT', departureAtMs: simStartMs - 35 * 60_000, speedKmh: 850 });
  await simulator.addFlight({ flightNumber: 'TS9', origin: 'FRA', destination: 'SIN', departureAtMs: simStartMs - 3 * 3_600_000, speedKmh: 880 });
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
  // The server's Content-Security-Policy must not block anything the map uses.
  page.on('console', (message) => { if (/Content[- ]Security[- ]Policy/i.test(message.text())) cspViolations.push(message.text()); });
});

const cspViolations: string[] = [];

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
  await waitForExpression(page, 'window.aero && window.aero.airportCount() > 300', 20_000);
  await waitForExpression(page, 'window.aero.planeCount() >= 2', 20_000);
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
  await waitForExpression(page, 'window.aero.planePosition("TS100") !== null', 20_000);
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
  await waitForExpression(page, 'window.aero && window.aero.airportCount() > 300', 20_000);
  await page.fill('#search', 'TS1');
  await page.locator('#search-results li[data-flight="TS1"]').click();
  await page.locator('#flight-view .status[data-status="delayed"]').waitFor({ timeout: 10_000 });
  await page.screenshot({ path: join(artifacts, 'status-delayed.png') });
});

test('the airport board refreshes live: a delay made elsewhere shows with its new time', async () => {
  await aero('selectAirport("MAD")');
  await page.locator('#board-date').fill(simDate);
  await page.locator('#board-date').dispatchEvent('change');
  const row = page.locator('#departures-table tr[data-flight="TS4"]');
  await row.waitFor({ timeout: 10_000 });
  assert.equal(await row.getAttribute('data-status'), 'scheduled');
  assert.deepEqual((await row.locator('td').allInnerTexts()).slice(0, 2), ['20:00', '20:00']);
  // Another operator delays TS4 through the API; nobody touches this page.
  const response = await fetch(`${web.url}api/flights/TS4/${simDate}/status`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ status: 'delayed', delayMinutes: 45 }) });
  assert.equal(response.status, 200, await response.text());
  await page.locator('#departures-table tr[data-flight="TS4"][data-status="delayed"]').waitFor({ timeout: 10_000 });
  const cells = page.locator('#departures-table tr[data-flight="TS4"] td');
  assert.deepEqual((await cells.allInnerTexts()).slice(0, 2), ['20:00', '20:45']);
  assert.equal(await cells.nth(1).getAttribute('class'), 'late');
});

/** The texts of one column of the flights table, top to bottom. */
const column = (index: number) => page.locator(`#flights-table tbody tr td:nth-child(${index})`).allInnerTexts();

test('the flights table sorts, filters and searches the planes in the air; a row selects its plane', async () => {
  await page.click('#tab-flights');
  await waitForExpression(page, 'document.querySelectorAll("#flights-table tbody tr").length >= 3', 20_000);
  await waitForExpression(page, 'document.querySelectorAll("#flights-table tbody tr").length === window.aero.planeCount()', 5_000);
  // Altitude: descending on the first click, ascending on the second.
  const altitudes = async () => (await column(4)).map((text) => Number(text.replace(/,/g, '')));
  await page.click('#flights-table th[data-sort="altitudeFt"]');
  assert.equal(await page.getAttribute('#flights-table th[data-sort="altitudeFt"]', 'aria-sort'), 'descending');
  const down = await altitudes();
  assert.deepEqual(down, [...down].sort((a, b) => b - a));
  await page.click('#flights-table th[data-sort="altitudeFt"]');
  const up = await altitudes();
  assert.deepEqual(up, [...up].sort((a, b) => a - b));
  await page.click('#flights-table th[data-sort="flightNumber"]');
  const numbers = await column(1);
  assert.deepEqual(numbers, [...numbers].sort((a, b) => a.localeCompare(b)));
  // Filters: by origin, by altitude band, then search by flight number.
  await page.fill('#filter-origin', 'lhr');
  await waitForExpression(page, '[...document.querySelectorAll("#flights-table tbody tr")].every((tr) => tr.dataset.flight === "TS3")');
  assert.deepEqual(await column(1), ['TS3']);
  await page.fill('#filter-origin', '');
  await page.selectOption('#filter-altitude', 'high');
  for (const altitude of await altitudes()) assert.ok(altitude >= 30_000, `${altitude} ft in the band above 30,000 ft`);
  await page.selectOption('#filter-altitude', '');
  await page.fill('#filter-text', 'ts3');
  assert.deepEqual(await column(1), ['TS3']);
  await page.screenshot({ path: join(artifacts, 'flights-table.png') });
  await page.locator('#flights-table tr[data-flight="TS3"]').click();
  await page.locator('#flight-view h2', { hasText: 'TS3' }).waitFor({ timeout: 10_000 });
  // The heading shows at once; the map selects the plane when the flight's details have loaded.
  await waitForExpression(page, 'window.aero.selectedPlane() === "TS3"', 10_000);
  await page.click('#tab-flights');
  assert.equal(await page.getAttribute('#flights-table tr[data-flight="TS3"]', 'class'), 'selected');
  await page.fill('#filter-text', '');
});

/** Distance in degrees between the map's centre and where the plane is drawn. */
const centreOffset = (flightNumber: string) => page.evaluate(`(() => {
  const c = window.aero.map.getCenter(); const p = window.aero.map.containerPointToLatLng(window.aero.planePoint(${JSON.stringify(flightNumber)}));
  return { lat: c.lat, lng: c.lng, off: Math.hypot(c.lat - p.lat, c.lng - p.lng) };
})()`) as Promise<{ lat: number; lng: number; off: number }>;

test('follow keeps the map centred on the selected plane as it moves, until the map is dragged', async () => {
  assert.equal(await aero<string | null>('selectedPlane()'), 'TS3');
  await page.evaluate('void window.aero.map.setView([0, 0], 6, { animate: false })');
  await page.click('#follow');
  assert.equal(await page.getAttribute('#follow', 'aria-pressed'), 'true');
  await waitForExpression(page, 'window.aero.planePoint("TS3") !== null', 5_000);
  const first = await centreOffset('TS3');
  assert.ok(first.off < 0.1, `centred on TS3 (off by ${first.off}°)`);
  // At 60x the plane covers about 0.1° a second: the centre must move with it.
  await waitForExpression(page, `(() => { const c = window.aero.map.getCenter(); return Math.hypot(c.lat - ${first.lat}, c.lng - ${first.lng}) > 0.1; })()`, 20_000);
  const later = await centreOffset('TS3');
  assert.ok(later.off < 0.1, `still centred on TS3 (off by ${later.off}°)`);
  // Dragging the map hands it back to the user.
  const box = await page.locator('#map').boundingBox();
  assert.ok(box !== null);
  await page.mouse.move(box.x + 200, box.y + 200);
  await page.mouse.down();
  await page.mouse.move(box.x + 300, box.y + 260, { steps: 5 });
  await page.mouse.up();
  assert.equal(await page.getAttribute('#follow', 'aria-pressed'), 'false');
  assert.equal(await aero<boolean>('following()'), false);
});

test('on a 390x844 phone the panel is a drawer of tabs under a usable map, and nothing overflows sideways', async () => {
  await page.setViewportSize({ width: 390, height: 844 });
  try {
    await page.reload();
    await waitForExpression(page, 'window.aero && window.aero.airportCount() > 300 && window.aero.planeCount() >= 2', 20_000);
    const overflow = () => page.evaluate('[document.documentElement.scrollWidth, document.body.scrollWidth, ...[...document.querySelectorAll("#panel, #flights-pane, #details-pane, #topbar")].map((e) => e.scrollWidth - e.clientWidth)]') as Promise<number[]>;
    const mapBox = await page.locator('#map').boundingBox();
    assert.ok(mapBox !== null && mapBox.width >= 380 && mapBox.height >= 300, `map ${JSON.stringify(mapBox)}`);
    await waitForExpression(page, 'document.querySelectorAll("#flights-table tbody tr").length >= 2', 20_000);
    const [docWidth, bodyWidth, ...inner] = await overflow();
    assert.ok((docWidth ?? 0) <= 390 && (bodyWidth ?? 0) <= 390, `page ${docWidth} / ${bodyWidth} px wide`);
    assert.deepEqual(inner, [0, 0, 0, 0], 'no panel scrolls sideways');
    await page.screenshot({ path: join(artifacts, 'phone-flights.png') });
    // An airport's boards in the drawer.
    await page.fill('#search', 'MAD');
    await page.locator('#search-results li[data-airport="MAD"]').click();
    await page.locator('#board-date').fill(simDate);
    await page.locator('#board-date').dispatchEvent('change');
    await page.locator('#departures-table tr[data-flight="TS1"]').waitFor({ timeout: 10_000 });
    const [docWidth2, , ...inner2] = await overflow();
    assert.ok((docWidth2 ?? 0) <= 390, `page ${docWidth2} px wide with the board open`);
    assert.deepEqual(inner2, [0, 0, 0, 0], 'no panel scrolls sideways with the board open');
    await page.screenshot({ path: join(artifacts, 'phone-board.png') });
    // Collapsing the drawer gives the map the screen.
    await page.click('#panel-toggle');
    assert.equal(await page.locator('#details-pane').isVisible(), false);
    const bigger = await page.locator('#map').boundingBox();
    assert.ok(bigger !== null && bigger.height > mapBox.height + 200, `map grows from ${mapBox.height} to ${bigger?.height} px`);
    await page.click('#tab-flights');
    assert.equal(await page.locator('#flights-pane').isVisible(), true);
  } finally {
    await page.setViewportSize({ width: 1400, height: 850 });
  }
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
    await waitForExpression(page, expression, timeout);
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
  await waitForExpression(page, 'window.aero.planePoint("TS3") !== null', 10_000);
  const point = await aero<[number, number]>('planePoint("TS3")');
  const box = await page.locator('#map').boundingBox();
  assert.ok(box !== null);
  await page.mouse.click(box.x + point[0], box.y + point[1]);
  await page.locator('#flight-view dl').first().waitFor({ timeout: 10_000 });
  await page.screenshot({ path: join(artifacts, 'plane-selected.png') });
});

test('at 1600x1000, a status change shows its result and it stays: an error (delay out of range), then a success', async () => {
  await page.setViewportSize({ width: 1600, height: 1000 });
  try {
    await page.fill('#search', 'TS5');
    await page.locator('#search-results li[data-flight="TS5"]').click();
    await page.locator('#flight-view button[data-status="delayed"]').waitFor({ timeout: 10_000 });
    await page.fill('#delay-minutes', '5000');
    // The panel re-reads the flight every 3 s: what was typed must outlive a refresh (it used to
    // reset to 30, so a click just after a refresh sent a valid delay).
    await page.waitForTimeout(3_500);
    assert.equal(await page.inputValue('#delay-minutes'), '5000');
    await page.locator('#flight-view button[data-status="delayed"]').click();
    const message = page.locator('#status-message');
    await page.locator('#status-message.error', { hasText: 'delayMinutes: must be 1 to 1440 minutes' }).waitFor({ timeout: 10_000 });
    // The panel re-reads the flight every 3 s; the result used to vanish with that.
    await page.waitForTimeout(7_000);
    assert.match(await message.textContent() ?? '', /Not changed: delayMinutes: must be 1 to 1440 minutes/);
    await page.fill('#delay-minutes', '30');
    await page.locator('#flight-view button[data-status="delayed"]').click();
    await page.locator('#status-message.ok', { hasText: /Marked delayed, new departure/ }).waitFor({ timeout: 10_000 });
    await page.locator('#flight-view .status[data-status="delayed"]').waitFor({ timeout: 10_000 });
    await page.waitForTimeout(7_000);
    assert.match(await message.textContent() ?? '', /Marked delayed/);
    assert.deepEqual(await page.locator('#flight-view button[data-status]').evaluateAll((buttons) => buttons.map((b) => b.getAttribute('data-status'))), ['boarding', 'cancelled'],
      'only the valid transitions of a delayed flight are offered');
    await page.screenshot({ path: join(artifacts, 'status-result-1600.png') });
  } finally {
    await page.setViewportSize({ width: 1400, height: 850 });
  }
});

for (const viewport of [{ width: 1600, height: 1000 }, { width: 390, height: 844 }]) {
  registerTrackerTests(viewport);
}

test('the map runs under the server\'s security headers: no Content-Security-Policy violation in any test', async () => {
  const response = await page.request.get(web.url);
  assert.match(response.headers()['content-security-policy'] ?? '', /default-src 'self'/);
  assert.equal(response.headers()['x-frame-options'], 'DENY');
  await page.reload();
  await waitForExpression(page, 'window.aero && window.aero.airportCount() > 300', 20_000);
  assert.deepEqual(cspViolations, []);
});

test('a stopped database shows as a banner, not a blank page, and clears when it is back', async () => {
  await node.stop();
  await page.locator('#banner', { hasText: 'Database unavailable' }).waitFor({ timeout: 20_000 });
  await page.screenshot({ path: join(artifacts, 'database-down.png') });
  await node.restart();
  await page.locator('#banner').waitFor({ state: 'hidden', timeout: 30_000 });
});

// The tracker's features (issue 15), each at a desktop and a phone size: the address keeps
// what is shown, the selected flight's progress and status history, the legend, scale and
// altitude colours, keyboard shortcuts, and clicks on planes drawn on top of each other.

const mapReady = () => waitForExpression(page, 'window.aero && window.aero.airportCount() > 300 && window.aero.planeCount() >= 2', 20_000);
const query = () => new URL(page.url()).searchParams;
async function waitForQuery(check: (params: URLSearchParams) => boolean, what: string): Promise<void> {
  const deadline = Date.now() + 10_000;
  while (!check(query())) {
    if (Date.now() > deadline) throw new Error(`the address never had ${what}: ${page.url()}`);
    await page.waitForTimeout(100);
  }
}

function registerTrackerTests(viewport: { width: number; height: number }): void {
  const size = `${viewport.width}x${viewport.height}`;
  const phone = viewport.width < 700;
  const sized = (body: () => Promise<void>) => async () => {
    await page.setViewportSize(viewport);
    try {
      await body();
    } finally {
      await page.setViewportSize({ width: 1400, height: 850 });
    }
  };

  test(`at ${size}, the address keeps the airport, date, flight, map view and tab: a link, a reload, back and forward show the same`, sized(async () => {
    await page.goto(`${web.url}?airport=MAD&date=${simDate}`);
    await mapReady();
    await page.locator('#departures-table tr[data-flight="TS1"]').waitFor({ timeout: 10_000 });
    assert.equal(await page.inputValue('#board-date'), simDate);
    await page.locator('#departures-table tr[data-flight="TS1"]').click();
    await page.locator('#flight-view h2', { hasText: 'TS1' }).waitFor({ timeout: 10_000 });
    await waitForQuery((p) => p.get('flight') === 'TS1' && p.get('date') === simDate && p.get('airport') === null, 'flight=TS1');
    // Back returns to Madrid's board of that date; forward to the flight.
    await page.goBack();
    await page.locator('#airport-view #departures-table tr[data-flight="TS1"]').waitFor({ timeout: 10_000 });
    assert.deepEqual([query().get('airport'), query().get('date'), query().get('flight')], ['MAD', simDate, null]);
    await page.goForward();
    await page.locator('#flight-view h2', { hasText: 'TS1' }).waitFor({ timeout: 10_000 });
    // The flight view may still hold TS1 from before: wait until forward's popstate has run (the
    // map shows the address's view, the flight view is open), so it cannot undo the view set next.
    await waitForExpression(page, `(() => {
      const view = new URLSearchParams(location.search).get('map'); if (view === null || document.getElementById('flight-view').hidden) return false;
      const [lat, lng, zoom] = view.split(',').map(Number); const centre = window.aero.map.getCenter();
      return Math.abs(centre.lat - lat) < 0.01 && Math.abs(centre.lng - lng) < 0.01 && window.aero.map.getZoom() === zoom;
    })()`, 10_000);
    await page.locator('#flight-view dl').first().waitFor({ timeout: 10_000 });
    // The map view and the open tab survive a reload.
    await page.evaluate('void window.aero.map.setView([48.5, 2.5], 7, { animate: false })');
    await page.click('#tab-flights');
    // (Leaflet centres on whole pixels: a few thousandths of a degree off at zoom 7.)
    const near = (text: string | null, lat: number, lng: number, zoom: number) => {
      const [a = NaN, b = NaN, c = NaN] = (text ?? '').split(',').map(Number);
      return Math.abs(a - lat) < 0.01 && Math.abs(b - lng) < 0.01 && c === zoom;
    };
    await waitForQuery((p) => near(p.get('map'), 48.5, 2.5, 7) && p.get('tab') === 'flights', 'the map view and the flights tab');
    await page.reload();
    await mapReady();
    await waitForExpression(page, 'window.aero.selectedPlane() === "TS1"', 10_000);
    assert.equal(await page.getAttribute('#tab-flights', 'aria-selected'), 'true');
    assert.equal(await page.locator('#flights-pane').isVisible(), true);
    const view = await page.evaluate('(() => { const c = window.aero.map.getCenter(); return [c.lat, c.lng, window.aero.map.getZoom()]; })()') as number[];
    if (!(Math.abs((view[0] ?? 0) - 48.5) < 0.01 && Math.abs((view[1] ?? 0) - 2.5) < 0.01 && view[2] === 7)) fail(`view after reload: ${JSON.stringify(view)}`);
    // Esc deselects (a new entry: back brings the flight back).
    await page.keyboard.press('Escape');
    await waitForQuery((p) => p.get('flight') === null && p.get('airport') === null, 'no selection');
    assert.equal(await aero<string | null>('selectedPlane()'), null);
    await page.goBack();
    await waitForExpression(page, 'window.aero.selectedPlane() === "TS1"', 10_000);
    // The administrator's token still comes from the hash, which is stripped; the query stays.
    await page.goto(`${web.url}?airport=MAD&date=${simDate}#admin=not-this-apps-token`);
    await mapReady();
    await waitForExpression(page, 'location.hash === "" && new URLSearchParams(location.search).get("airport") === "MAD" && sessionStorage.getItem("aero.adminToken") === "not-this-apps-token"', 10_000);
    await page.evaluate('sessionStorage.removeItem("aero.adminToken")');
    // Nonsense in the address is ignored, not loaded.
    await page.goto(`${web.url}?airport=%3Cb%3E&flight=${'X'.repeat(300)}&date=2026-02-31&map=1,2&tab=nope`);
    await mapReady();
    assert.equal(await page.locator('#banner').isHidden(), true, 'no error banner');
    assert.equal(await page.locator('#airport-view').isHidden(), true);
    assert.equal(await page.locator('#flight-view').isHidden(), true);
  }));

  test(`at ${size}, the selected flight shows its airports' names, distance flown and to go, progress, time remaining, ETA and status history`, sized(async () => {
    await page.goto(`${web.url}?flight=TS9&date=${simDate}&tab=details`);
    await mapReady();
    await page.locator('#progress-flown').waitFor({ timeout: 10_000 });
    const fra = database.airports.get('FRA');
    const sin = database.airports.get('SIN');
    assert.ok(fra !== undefined && sin !== undefined);
    const text = await page.locator('#flight-view').innerText();
    assert.ok(text.includes(`FRA — ${fra.name}`) && text.includes(`SIN — ${sin.name}`), 'both airports by name');
    const km = (value: string) => Number(value.replace(/[^\d]/g, ''));
    // Read at once: the panel refreshes every 3 s and the plane moves.
    const shown = await page.evaluate('["progress-flown", "progress-remaining", "progress-percent"].map((id) => document.getElementById(id).textContent).concat(document.querySelector("#flight-progress progress").getAttribute("value"))') as string[];
    const flown = (shown[0] ?? '').split(' of ');
    const [flownKm, totalKm, remainingKm] = [km(flown[0] ?? ''), km(flown[1] ?? ''), km(shown[1] ?? '')];
    // FRA to SIN is 10,260 km on the great circle; TS9 left three sim hours before the start.
    if (!(totalKm > 10_150 && totalKm < 10_350)) fail(`route ${totalKm} km`);
    if (!(flownKm > 1_000 && remainingKm > 0 && Math.abs(flownKm + remainingKm - totalKm) <= 2)) fail(`${flownKm} flown + ${remainingKm} to go = ${totalKm}`);
    const percent = km(shown[2] ?? '');
    if (!(Math.abs(percent - (100 * flownKm) / totalKm) <= 1)) fail(`${percent} % shown`);
    assert.equal(Number(shown[3]), percent);
    assert.match(await page.locator('#progress-time').innerText(), /^(\d+ h \d\d min|\d+ min)$/);
    assert.match(await page.locator('#progress-eta').innerText(), /^2026-07-0[12] \d\d:\d\d UTC$/);
    // Its history: each status it went through, with its sim time, in time order. (TS9 was added
    // after its departure time, so its departure is recorded before the moment it was scheduled.)
    const history = await page.locator('#status-history tbody tr').evaluateAll((rows) => rows.map((row) => [row.getAttribute('data-status'), row.querySelector('td')?.textContent ?? '']));
    assert.deepEqual(history.map(([status]) => status).sort(), ['boarding', 'departed', 'en_route', 'scheduled']);
    const times = history.map(([, time]) => time ?? '');
    for (const time of times) assert.match(time, /^2026-0[67]-\d\d \d\d:\d\d$/);
    assert.deepEqual(times, [...times].sort());
    await page.screenshot({ path: join(artifacts, `tracker-flight-${size}.png`) });
    // An operator's delay is in the history with who made it and the new departure.
    await page.fill('#search', 'TS1');
    await page.locator('#search-results li[data-flight="TS1"]').click();
    const delayed = page.locator('#status-history tbody tr[data-status="delayed"]');
    await delayed.first().waitFor({ timeout: 10_000 });
    const cells = await delayed.first().locator('td').allInnerTexts();
    assert.equal(cells[2], 'operator');
    assert.match(cells[3] ?? '', /^new departure \d\d:\d\d UTC$/);
  }));

  test(`at ${size}, a legend, a scale bar, planes coloured by altitude, and keyboard shortcuts with their help`, sized(async () => {
    await page.goto(web.url);
    await mapReady();
    await page.evaluate('void window.aero.map.fitBounds(window.aero.planeNumbers().map((flight) => window.aero.planePosition(flight)).filter((p) => p !== null), { padding: [30, 30], animate: false })');
    // The legend is open on a desktop and folded on a phone, where it opens with a tap.
    assert.equal(await page.evaluate('document.getElementById("legend").open'), !phone);
    if (phone) await page.click('#legend summary');
    assert.equal(await page.locator('#legend-ramp').isVisible(), true);
    assert.deepEqual(await page.locator('#legend .status').evaluateAll((badges) => badges.map((b) => b.getAttribute('data-status'))), ['scheduled', 'boarding', 'departed', 'en_route', 'delayed', 'landed', 'cancelled']);
    assert.match(await page.locator('.leaflet-control-scale-line').first().innerText(), /^\d+ k?m$/);
    // Each plane is drawn in its altitude's colour: the pixel under its centre is that colour.
    await waitForExpression(page, 'window.aero.planeNumbers().filter((flight) => window.aero.planePoint(flight) !== null).length >= 3', 10_000);
    await page.evaluate('void window.aero.map.closePopup()');
    const drawn = await page.evaluate(`(() => {
      const canvas = document.querySelector('.plane-canvas'); const ratio = canvas.width / parseFloat(canvas.style.width);
      const probe = document.createElement('canvas').getContext('2d', { willReadFrequently: true });
      const rgb = (color) => { probe.clearRect(0, 0, 1, 1); probe.fillStyle = color; probe.fillRect(0, 0, 1, 1); return [...probe.getImageData(0, 0, 1, 1).data.slice(0, 3)]; };
      const context = canvas.getContext('2d');
      return window.aero.planeNumbers().flatMap((flight) => {
        const point = window.aero.planePoint(flight); const color = window.aero.planeColor(flight);
        if (point === null || color === null || flight === window.aero.selectedPlane()) return [];
        const pixel = [...context.getImageData(Math.round(point[0] * ratio), Math.round(point[1] * ratio), 1, 1).data.slice(0, 3)];
        return [{ flight, color, expected: rgb(color), pixel }];
      });
    })()`) as { flight: string; color: string; expected: number[]; pixel: number[] }[];
    const matching = drawn.filter(({ expected, pixel }) => expected.every((value, i) => Math.abs(value - (pixel[i] ?? -100)) <= 24));
    // A plane may sit under another's callsign; most must show their own colour.
    if (!(drawn.length >= 3 && matching.length >= drawn.length * 0.6)) fail(`planes drawn in their altitude colour: ${JSON.stringify(drawn)}`);
    // The ramp: ground, low, mid and high planes each get their own colour.
    const ramp = await page.evaluate('[0, 3000, 10000, 20000, 38000].map((feet) => window.aero.altitudeColor(feet))') as string[];
    if (new Set(ramp).size !== ramp.length) fail(`distinct colours up the ramp: ${JSON.stringify(ramp)}`);
    // Help: ? (or the ? button on a phone) shows the shortcuts, Esc (or ×) closes them.
    if (phone) await page.click('#help-button');
    else await page.keyboard.press('?');
    assert.equal(await page.locator('#help').isVisible(), true);
    assert.ok((await page.locator('#shortcuts tr').count()) >= 6);
    await page.screenshot({ path: join(artifacts, `tracker-help-${size}.png`) });
    if (phone) await page.click('#help-close');
    else await page.keyboard.press('Escape');
    assert.equal(await page.locator('#help').isHidden(), true);
    // / goes to search; Esc leaves it.
    await page.keyboard.press('/');
    assert.equal(await page.evaluate('document.activeElement.id'), 'search');
    await page.keyboard.press('Escape');
    assert.notEqual(await page.evaluate('document.activeElement.id'), 'search');
    // + and - zoom. Leaflet ignores a zoom asked for during the previous one's animation (and
    // getZoom() has the new zoom as it starts): wait for its zoomend, however slow the machine.
    const zoom = await aero<number>('map.getZoom()');
    const zoomBy = async (key: string, expected: number) => {
      await page.evaluate('void (window.zoomEnded = false, window.aero.map.once("zoomend", () => { window.zoomEnded = true; }))');
      await page.keyboard.press(key);
      await waitForExpression(page, `window.zoomEnded === true && window.aero.map.getZoom() === ${expected}`, 10_000);
    };
    await zoomBy('+', zoom + 1);
    await zoomBy('-', zoom);
    // f follows the selected plane and stops; t opens the flights table.
    await page.fill('#search', 'TS9');
    await page.locator('#search-results li[data-flight="TS9"]').click();
    await waitForExpression(page, 'window.aero.selectedPlane() === "TS9"', 10_000);
    await page.locator('#map').focus();
    await page.keyboard.press('f');
    assert.equal(await aero<boolean>('following()'), true);
    await page.keyboard.press('f');
    assert.equal(await aero<boolean>('following()'), false);
    await page.keyboard.press('t');
    assert.equal(await page.getAttribute('#tab-flights', 'aria-selected'), 'true');
    await page.screenshot({ path: join(artifacts, `tracker-legend-${size}.png`) });
    // Folded again: on a phone the open legend covers a good part of the map.
    if (phone) await page.click('#legend summary');
  }));

  test(`at ${size}, search puts Madrid's airport first (Enter opens its board) and finds a flight days ahead; the flights table filters by status, airline and destination`, sized(async () => {
    await page.goto(web.url);
    await mapReady();
    await page.fill('#search', 'Madrid');
    // CLQ (Colima's "Licenciado Miguel de la Madrid Airport") comes before MAD in the airport list.
    await page.locator('#search-results li[data-airport]').first().waitFor({ timeout: 10_000 });
    const listed = await page.locator('#search-results li[data-airport]').evaluateAll((items) => items.map((li) => li.getAttribute('data-airport')));
    assert.equal(listed[0], 'MAD', `listed: ${listed.join(' ')}`);
    await page.press('#search', 'Enter');
    await page.locator('#airport-view h2', { hasText: 'MAD' }).waitFor({ timeout: 10_000 });
    await waitForQuery((p) => p.get('airport') === 'MAD', 'airport=MAD');
    // Three days after the simulated today: not among the flights the map knows, found by its number.
    const flightNumber = phone ? 'TS61' : 'TS60';
    const added = await fetch(`${web.url}api/flights`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ flightNumber, origin: 'MAD', destination: 'LIS', departureAt: '2026-07-04T09:00:00Z', speedKmh: 800 }) });
    assert.equal(added.status, 201, await added.text());
    await page.fill('#search', flightNumber.toLowerCase());
    const result = page.locator(`#search-results li[data-flight="${flightNumber}"]`);
    await result.waitFor({ timeout: 10_000 });
    assert.match(await result.innerText(), /\(2026-07-04\)/);
    await result.click();
    await page.locator('#flight-view h2', { hasText: flightNumber }).waitFor({ timeout: 10_000 });
    // The table's other filters: destination, status, airline.
    await page.click('#tab-flights');
    await waitForExpression(page, 'document.querySelectorAll("#flights-table tbody tr").length >= 3', 20_000);
    await page.fill('#filter-destination', 'nrt');
    await waitForExpression(page, '(() => { const rows = [...document.querySelectorAll("#flights-table tbody tr")].map((tr) => tr.dataset.flight); return rows.length >= 1 && rows.every((f) => f === "TS7" || f === "TS8"); })()', 10_000);
    await page.fill('#filter-destination', '');
    await page.selectOption('#filter-status', 'en_route');
    await waitForExpression(page, '(() => { const rows = [...document.querySelectorAll("#flights-table tbody tr")]; return rows.length >= 1 && rows.every((tr) => tr.querySelector(".status")?.getAttribute("data-status") === "en_route"); })()', 10_000);
    await page.selectOption('#filter-status', '');
    await page.selectOption('#filter-airline', 'TS');
    assert.ok((await column(1)).every((flight) => flight.startsWith('TS')));
    await page.screenshot({ path: join(artifacts, `tracker-search-filters-${size}.png`) });
    await page.selectOption('#filter-airline', '');
  }));

  test(`at ${size}, planes drawn on top of each other: a click picks the one nearest the pointer and lists the others`, sized(async () => {
    await page.goto(`${web.url}?tab=flights`);
    await mapReady();
    await waitForExpression(page, 'window.aero.planePosition("TS7") !== null && window.aero.planePosition("TS8") !== null', 20_000);
    assert.equal(await page.evaluate('document.getElementById("legend").open'), !phone, 'the legend folded on a phone (it would take the click)');
    /**
     * Zooms so that TS7 and TS8 are drawn about 6 px apart, and clicks just beyond `near`, on the
     * side away from the other: nearest `near` and within reach of both. The planes move every
     * frame, so the click is measured and made in one turn of the page, after a drawn frame: the
     * points read are the ones the click is tested against. The events go where a real click
     * would: to the element at that point, which must be the map's, not a control over it. Where
     * they fly over an airport, the click lands on its marker too (which used to move the click
     * to the airport's centre, so the other plane could be the nearer one).
     */
    const clickNear = async (near: 'TS7' | 'TS8') => {
      // The previous chooser fades out before it is removed; until then it would take the click.
      await page.evaluate('void window.aero.map.closePopup()');
      await waitForExpression(page, 'document.querySelector(".leaflet-popup") === null', 10_000);
      const other = near === 'TS7' ? 'TS8' : 'TS7';
      const clicked = await page.evaluate(`(async () => {
        const map = window.aero.map; const a = window.aero.planePosition('TS7'); const b = window.aero.planePosition('TS8');
        const middle = [(a[0] + b[0]) / 2, (a[1] + b[1]) / 2];
        map.setView(middle, 9, { animate: false });
        const apart = map.latLngToContainerPoint(a).distanceTo(map.latLngToContainerPoint(b));
        map.setView(middle, Math.max(2, Math.min(12, Math.floor((9 + Math.log2(6 / apart)) * 2) / 2)), { animate: false });
        // Two frames: the map draws (and records where) in the first frame after the view moved.
        await new Promise((resolve) => requestAnimationFrame(() => requestAnimationFrame(resolve)));
        const near = window.aero.planePoint(${JSON.stringify(near)}); const other = window.aero.planePoint(${JSON.stringify(other)});
        if (near === null || other === null) return { a: near, b: other, target: null };
        const box = map.getContainer().getBoundingClientRect();
        const x = box.left + near[0] + (near[0] - other[0]) * 0.2; const y = box.top + near[1] + (near[1] - other[1]) * 0.2;
        const target = document.elementFromPoint(x, y);
        const onMap = target !== null && map.getContainer().contains(target) && target.closest('.leaflet-control-container, .leaflet-popup') === null;
        if (onMap) {
          const at = { bubbles: true, cancelable: true, composed: true, view: window, clientX: x, clientY: y, button: 0 };
          const pointer = { ...at, pointerId: 1, pointerType: 'mouse', isPrimary: true };
          target.dispatchEvent(new PointerEvent('pointermove', pointer));
          target.dispatchEvent(new MouseEvent('mousemove', at));
          target.dispatchEvent(new PointerEvent('pointerdown', { ...pointer, buttons: 1 }));
          target.dispatchEvent(new MouseEvent('mousedown', { ...at, buttons: 1 }));
          target.dispatchEvent(new PointerEvent('pointerup', pointer));
          target.dispatchEvent(new MouseEvent('mouseup', at));
          target.dispatchEvent(new MouseEvent('click', { ...at, detail: 1 }));
        }
        return { a: near, b: other, target: target === null ? null : (target.id || target.getAttribute('class') || target.tagName) + (onMap ? '' : ' (not the map)') };
      })()`) as { a: [number, number] | null; b: [number, number] | null; target: string | null };
      const { a, b, target } = clicked;
      if (a === null || b === null) fail(`TS7 and TS8 not both in view: ${JSON.stringify(clicked)}`);
      const apart = Math.hypot(a[0] - b[0], a[1] - b[1]);
      if (!(apart >= 2 && apart <= 9)) fail(`TS7 and TS8 drawn ${apart} px apart`);
      if (target === null || target.endsWith('(not the map)')) fail(`the click would land on ${target}, not the map`);
      return clicked;
    };
    for (const near of ['TS7', 'TS8'] as const) {
      const drawn = await clickNear(near);
      await waitForExpression(page, `window.aero.selectedPlane() === ${JSON.stringify(near)}`, 10_000).catch(async (error: unknown) => {
        throw new Error(`${String(error)}: drawn at ${JSON.stringify(drawn)}, selected ${await aero<string | null>('selectedPlane()')}`);
      });
      // The chooser this click opened, alone (the previous one was gone before the click).
      await waitForExpression(page, 'document.querySelectorAll("#plane-chooser").length === 1', 10_000);
      const offered = await page.locator('#plane-chooser button').evaluateAll((buttons) => buttons.map((b) => b.getAttribute('data-flight')));
      assert.equal(offered[0], near, 'the nearest first');
      if (!(offered.includes('TS7') && offered.includes('TS8'))) fail(`both offered: ${JSON.stringify(offered)}`);
    }
    await page.screenshot({ path: join(artifacts, `tracker-overlap-${size}.png`) });
    // The other one is a click away in the list.
    await page.locator('#plane-chooser button[data-flight="TS7"]').click();
    await waitForExpression(page, 'window.aero.selectedPlane() === "TS7"', 10_000);
    await page.locator('#flight-view h2', { hasText: 'TS7' }).waitFor({ timeout: 10_000 });
  }));
}

test('every bad input the issue lists answers 400 over HTTP, naming the field', async () => {
  const good = { flightNumber: 'TS900', origin: 'MAD', destination: 'BCN', departureAt: '2026-07-01T18:00:00Z', speedKmh: 800 };
  const cases: [string, string, unknown, RegExp][] = [
    ['POST', '/api/flights', { ...good, origin: 123 }, /^origin: /],
    ['POST', '/api/flights', { ...good, departureAt: '2001-07-01T18:00:00Z' }, /^departureAt: must be from 7 days before/],
    ['POST', '/api/flights', { ...good, departureAt: '2099-07-01T18:00:00Z' }, /^departureAt: must be from 7 days before/],
    ['POST', '/api/flights', { ...good, departureAt: '2026-07-01T18:00:00' }, /^departureAt: must be an ISO 8601 time with a zone/],
    ['GET', '/api/airports/MAD/flights?date=2026-02-31', undefined, /^date: must be a date YYYY-MM-DD that exists/],
    ['POST', '/api/flights', { ...good, flightNumber: 'A'.repeat(10_240) }, /^flightNumber: /],
  ];
  for (const [method, path, body, reason] of cases) {
    const response = await fetch(`${web.url}${path.slice(1)}`, { method, ...(body === undefined ? {} : { body: JSON.stringify(body), headers: { 'content-type': 'application/json' } }) });
    const text = await response.text();
    if (response.status !== 400) fail(`${method} ${path}: ${response.status} ${text.slice(0, 200)}`);
    assert.match((JSON.parse(text) as { error: string }).error, reason);
    if (text.length >= 300) fail(`${text.length} bytes answered: the input echoed`);
  }
});
