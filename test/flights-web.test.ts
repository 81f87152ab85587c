// The map server's HTTP API and live feed against a real node: validation answers 400 with a
// reason, unknown things 404, a stopped database 503 and an unhealthy feed, and the WebSocket
// pushes snapshots with the planes in the air.
// run-tests: two at a time

import test, { after, before } from 'node:test';
import assert from 'node:assert/strict';
import WebSocket from 'ws';
import { openAppDatabase, type AppDatabase } from '../src/flights/app/bootstrap.js';
import { defaultDatabaseOptions } from '../src/flights/model/database.js';
import { Simulator, defaultSimulatorOptions } from '../src/flights/sim/simulator.js';
import { seededChance, systemClock } from '../src/flights/model/world.js';
import { startWebServer, type WebServer } from '../src/flights/web/server.js';
import { startNodeProcess, type NodeProcess } from './harness/node-process.js';

let node: NodeProcess;
let database: AppDatabase;
let web: WebServer;
const logger = { info: () => {}, warn: () => {} };
const simStartMs = Date.UTC(2026, 8, 1, 9, 0);

before(async () => {
  node = await startNodeProcess();
  database = await openAppDatabase({ ...defaultDatabaseOptions, contactPoints: [`${node.host}:${node.nativePort}`], keyspace: 'flights_web', requestTimeoutMs: 2_000 }, { clock: systemClock, logger });
  const simulator = new Simulator(database.store, {
    clock: systemClock, chance: seededChance(2), logger, airports: database.airports,
    options: { ...defaultSimulatorOptions, delayProbability: 0, cancelProbability: 0, speedup: 60, simStartMs },
  });
  await simulator.addFlight({ flightNumber: 'WB1', origin: 'GRU', destination: 'EZE', departureAtMs: simStartMs - 60 * 60_000, speedKmh: 850 });
  await simulator.addFlight({ flightNumber: 'WB2', origin: 'GRU', destination: 'SCL', departureAtMs: simStartMs + 5 * 3_600_000, speedKmh: 850 });
  await simulator.tick();
  web = await startWebServer(database, { clock: systemClock, chance: seededChance(3), logger, options: { host: '127.0.0.1', port: 0, pollMs: 200, clockName: 'default', uiDir: '/nonexistent' } });
});

after(async () => {
  await web?.close();
  await database?.close();
  await node?.stop();
  node?.cleanup();
});

const inject = (method: 'GET' | 'POST', url: string, payload?: object) => web.app.inject({ method, url, ...(payload === undefined ? {} : { payload }) });

test('every bad input answers 400 naming the field and the range, echoing at most a few characters', async () => {
  await web.feed.poll(); // the simulated now (2026-09-01) the date windows are measured from
  const good = { flightNumber: 'WB5', origin: 'GRU', destination: 'GIG', departureAt: '2026-09-01T12:00:00Z', speedKmh: 800 };
  const longNumber = 'A'.repeat(10_000);
  const cases: [method: 'GET' | 'POST', url: string, body: unknown, reason: RegExp][] = [
    ['POST', '/api/flights', { ...good, origin: 123 }, /^origin: must be a 3-letter IATA/],
    ['POST', '/api/flights', { ...good, destination: null }, /^destination: /],
    ['POST', '/api/flights', { ...good, departureAt: '2001-06-01T10:00:00Z' }, /^departureAt: must be from 7 days before to 365 days after/],
    ['POST', '/api/flights', { ...good, departureAt: '2099-06-01T10:00:00Z' }, /^departureAt: must be from 7 days before/],
    ['POST', '/api/flights', { ...good, departureAt: '2026-09-01T10:00:00' }, /^departureAt: must be an ISO 8601 time with a zone/],
    ['POST', '/api/flights', { ...good, departureAt: '2026-09-31T10:00:00Z' }, /^departureAt: /],
    ['POST', '/api/flights', { ...good, departureAt: 1_788_000_000_000 }, /^departureAt: /],
    ['POST', '/api/flights', { ...good, flightNumber: longNumber }, /^flightNumber: must be a flight number/],
    ['POST', '/api/flights', { ...good, speedKmh: 'fast' }, /^speedKmh: must be a number from 200 to 1200/],
    ['POST', '/api/flights', { ...good, speedKmh: 5_000 }, /^speedKmh: must be 200 to 1200 km\/h/],
    ['POST', '/api/flights', { ...good, [longNumber]: 1 }, /^unknown field 'A{24}\.\.\.'$/],
    ['POST', '/api/flights', [good], /^body: must be a JSON object/],
    ['POST', '/api/flights', undefined, /^body: must be a JSON object/],
    ['GET', '/api/airports/GRU/flights?date=2026-02-31', undefined, /^date: must be a date YYYY-MM-DD that exists/],
    ['GET', '/api/airports/GRU/flights?date=2001-09-01', undefined, /^date: must be within 400 days/],
    ['GET', '/api/airports/GRU/flights?date=2026-09-01&limit=5', undefined, /^unknown query parameter 'limit'/],
    ['GET', `/api/airports/${longNumber}/flights`, undefined, /^iata: must be a 3-letter IATA/],
    ['GET', `/api/flights/${longNumber}/2026-09-01`, undefined, /^number: must be a flight number/],
    ['GET', '/api/flights/WB1/2099-01-01', undefined, /^date: must be within 400 days/],
    ['GET', `/api/search?q=${'x'.repeat(65)}`, undefined, /^q: must be text of at most 64 characters/],
    ['GET', '/api/search?q=a&q=b', undefined, /^q: given more than once$/],
    ['GET', '/api/airports/MAD/flights?date=2026-09-01&date=2026-09-02', undefined, /^date: given more than once$/],
    ['POST', '/api/flights/WB2/2026-09-01/status', { status: 123 }, /^status: must be one of scheduled, boarding/],
    ['POST', '/api/flights/WB2/2026-09-01/status', { status: 'delayed', delayMinutes: 2.5 }, /^delayMinutes: must be a whole number of minutes from 1 to 1440/],
    ['POST', '/api/flights/WB2/2026-09-01/status', { status: 'delayed', delayMinutes: 100_000 }, /^delayMinutes: must be 1 to 1440 minutes/],
    ['POST', '/api/flights/WB2/2026-02-30/status', { status: 'delayed' }, /^date: must be a date YYYY-MM-DD that exists/],
  ];
  for (const [method, url, body, reason] of cases) {
    const response = await web.app.inject({ method, url, ...(body === undefined ? {} : { payload: JSON.stringify(body), headers: { 'content-type': 'application/json' } }) });
    const label = `${method} ${url.slice(0, 60)} ${JSON.stringify(body)?.slice(0, 80)}`;
    assert.equal(response.statusCode, 400, `${label}: ${response.body.slice(0, 200)}`);
    assert.match((response.json() as { error: string }).error, reason, label);
    assert.ok(response.body.length < 300, `${label}: ${response.body.length} bytes answered`);
  }
  const raw = async (payload: string, contentType: string) => web.app.inject({ method: 'POST', url: '/api/flights', payload, headers: { 'content-type': contentType } });
  assert.deepEqual([(await raw('{"origin":', 'application/json')).json(), (await raw('{}', 'application/json')).statusCode], [{ error: 'body: not valid JSON' }, 400]);
  const tooLarge = await raw(JSON.stringify({ ...good, flightNumber: 'x'.repeat(20_000) }), 'application/json');
  assert.deepEqual([tooLarge.statusCode, tooLarge.json()], [413, { error: 'body: at most 16384 bytes' }]);
  assert.equal((await raw('origin=GRU', 'application/x-www-form-urlencoded')).statusCode, 415);
  assert.equal((await inject('GET', '/api/airports/GRU/flights?date=2026-09-01')).statusCode, 200, 'a good request still answers');
});

test('every answer carries the security headers: a CSP that allows only this origin and the map tiles, nosniff, no framing', async () => {
  for (const url of ['/', '/api/health', '/api/airports/GRU/flights?date=tomorrow', '/nowhere']) {
    const headers = (await inject('GET', url)).headers;
    assert.match(String(headers['content-security-policy']), /default-src 'self'.*script-src 'self';.*img-src 'self' data: blob: https:\/\/tile\.openstreetmap\.org.*frame-ancestors 'none'/, url);
    assert.equal(headers['x-content-type-options'], 'nosniff', url);
    assert.equal(headers['x-frame-options'], 'DENY', url);
    assert.equal(headers['referrer-policy'], 'no-referrer', url);
  }
});

test('the board lists departures and arrivals with statuses; search finds both kinds', async () => {
  const board = await inject('GET', '/api/airports/GRU/flights?date=2026-09-01');
  assert.equal(board.statusCode, 200);
  const body = board.json() as { departures: { flightNumber: string; status: string }[]; arrivals: unknown[] };
  assert.deepEqual(body.departures.map((f) => f.flightNumber), ['WB1', 'WB2']);
  assert.equal(body.departures[0]?.status, 'en_route');
  assert.equal((await inject('GET', '/api/airports/ZZZ/flights')).statusCode, 404);
  assert.equal((await inject('GET', '/api/airports/GRU/flights?date=tomorrow')).statusCode, 400);
  await web.feed.poll();
  const found = (await inject('GET', '/api/search?q=WB')).json() as { flights: { flightNumber: string }[] };
  assert.deepEqual(found.flights.map((f) => f.flightNumber).sort(), ['WB1', 'WB2']);
  const airports = (await inject('GET', '/api/search?q=gru')).json() as { airports: { iata: string }[] };
  assert.equal(airports.airports[0]?.iata, 'GRU');
  assert.match((await inject('GET', '/')).body, /not been built/, 'a notice, not a blank page, without the UI build');
});

test('adding flights: validated, and duplicates refused', async () => {
  const good = { flightNumber: 'WB3', origin: 'GRU', destination: 'GIG', departureAt: '2026-09-01T10:00:00Z', speedKmh: 800 };
  assert.equal((await inject('POST', '/api/flights', good)).statusCode, 201);
  const again = await inject('POST', '/api/flights', good);
  assert.equal(again.statusCode, 400);
  assert.match(again.json().error, /already exists/);
  for (const [change, reason] of [
    [{ destination: 'XXX' }, /unknown airport/], [{ speedKmh: 5 }, /speed/], [{ departureAt: 'soon' }, /departure/],
    [{ flightNumber: 'not a number' }, /flight number/], [{ destination: 'GRU' }, /less than/],
  ] as const) {
    const response = await inject('POST', '/api/flights', { ...good, flightNumber: 'WB4', ...change });
    assert.equal(response.statusCode, 400, JSON.stringify(change));
    assert.match(response.json().error, reason);
  }
  const auto = await inject('POST', '/api/flights', { origin: 'GRU', destination: 'BSB', departureAt: '2026-09-01T11:00:00Z', speedKmh: 800 });
  assert.equal(auto.statusCode, 201, 'a number is made up when none is given');
});

test('search ranks the airport of that code or city first, and finds a flight on any date and one added a moment ago', async () => {
  // Colima's "Licenciado Miguel de la Madrid Airport" comes before Madrid's in the airport list.
  const madrid = (await inject('GET', '/api/search?q=Madrid')).json() as { airports: { iata: string }[] };
  assert.equal(madrid.airports[0]?.iata, 'MAD');
  const mad = madrid.airports.findIndex((a) => a.iata === 'MAD');
  const clq = madrid.airports.findIndex((a) => a.iata === 'CLQ');
  assert.ok(clq < 0 || mad < clq, `MAD before CLQ: ${madrid.airports.map((a) => a.iata).join(' ')}`);
  assert.equal(((await inject('GET', '/api/search?q=zurich')).json() as { airports: { iata: string }[] }).airports[0]?.iata, 'ZRH');
  // Nineteen days after the simulated today, and one for today: both asked for straight after they were added.
  for (const [flightNumber, departureAt] of [['WC7', '2026-09-20T10:00:00Z'], ['WC8', '2026-09-01T20:00:00Z']] as const) {
    assert.equal((await inject('POST', '/api/flights', { flightNumber, origin: 'GRU', destination: 'EZE', departureAt, speedKmh: 800 })).statusCode, 201);
  }
  const later = (await inject('GET', '/api/search?q=wc7')).json() as { flights: { flightNumber: string; date: string; status: string | null }[] };
  assert.deepEqual(later.flights.map((f) => [f.flightNumber, f.date, f.status]), [['WC7', '2026-09-20', 'scheduled']]);
  const byPrefix = (await inject('GET', '/api/search?q=WC')).json() as { flights: { flightNumber: string }[] };
  assert.ok(byPrefix.flights.some((f) => f.flightNumber === 'WC8'), 'a flight of today, added a moment ago, found by the start of its number');
});

test('status changes follow the operator transitions', async () => {
  const detail = (await inject('GET', '/api/flights/WB2/2026-09-01')).json() as { allowed: string[]; route: unknown[] };
  assert.deepEqual(detail.allowed, ['boarding', 'delayed', 'cancelled']);
  assert.ok(detail.route.length > 10);
  const delayed = await inject('POST', '/api/flights/WB2/2026-09-01/status', { status: 'delayed', delayMinutes: 45 });
  assert.equal(delayed.statusCode, 200);
  const record = (await inject('GET', '/api/flights/WB2/2026-09-01')).json() as { status: { status: string; estimatedDepartureAtMs: number }; history: { status: string; source: string; note: string }[] };
  assert.equal(record.status.status, 'delayed');
  assert.equal(record.status.estimatedDepartureAtMs, simStartMs + 5 * 3_600_000 + 45 * 60_000);
  // The detail carries the status history, oldest first, the operator's delay last with its new departure.
  assert.deepEqual(record.history.map((change) => change.status), ['scheduled', 'delayed']);
  assert.deepEqual([record.history[1]?.source, record.history[1]?.note], ['operator', 'new departure 14:45 UTC']);
  const flying = (await inject('GET', '/api/flights/WB1/2026-09-01')).json() as { path: [number, number][]; latest: { phase: string } };
  const gru = database.airports.get('GRU');
  assert.ok(gru && flying.path.length > 2 && flying.latest.phase !== 'taxi_out');
  assert.ok(Math.abs((flying.path[0]?.[0] ?? 0) - gru.latitude) < 1e-6, 'the flown path starts at the origin');
  const landed = await inject('POST', '/api/flights/WB1/2026-09-01/status', { status: 'landed' });
  assert.equal(landed.statusCode, 400, 'landing follows the aircraft');
  assert.equal((await inject('POST', '/api/flights/WB9/2026-09-01/status', { status: 'cancelled' })).statusCode, 404);
  assert.equal((await inject('POST', '/api/flights/WB2/2026-09-01/status', { status: 'teleported' })).statusCode, 400);
});

test('the WebSocket pushes snapshots; a stopped database shows as unhealthy and 503', async () => {
  const address = web.url.replace('http', 'ws');
  const socket = new WebSocket(`${address}ws`);
  const snapshot = await new Promise<{ planes: { flightNumber: string }[]; healthy: boolean }>((resolve, reject) => {
    socket.once('message', (data: Buffer) => resolve(JSON.parse(data.toString())));
    socket.once('error', reject);
  });
  socket.close();
  assert.equal(snapshot.healthy, true);
  assert.ok(snapshot.planes.some((plane) => plane.flightNumber === 'WB1'));
  await node.stop();
  await web.feed.poll();
  assert.equal(web.feed.snapshot()?.healthy, false);
  assert.match(web.feed.snapshot()?.error ?? '', /unavailable|timeout|error/i);
  const response = await inject('GET', '/api/flights/WB1/2026-09-01');
  assert.equal(response.statusCode, 503);
  assert.match(response.json().error, /database/);
  assert.deepEqual((await inject('GET', '/api/health')).json(), { ok: false, error: web.feed.snapshot()?.error });
  await node.restart();
});
