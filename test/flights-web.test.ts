// The map server's HTTP API and live feed against a real node: validation answers 400 with a
// reason, unknown things 404, a stopped database 503 and an unhealthy feed, and the WebSocket
// pushes snapshots with the planes in the air.

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

test('status changes follow the operator transitions', async () => {
  const detail = (await inject('GET', '/api/flights/WB2/2026-09-01')).json() as { allowed: string[]; route: unknown[] };
  assert.deepEqual(detail.allowed, ['boarding', 'delayed', 'cancelled']);
  assert.ok(detail.route.length > 10);
  const delayed = await inject('POST', '/api/flights/WB2/2026-09-01/status', { status: 'delayed', delayMinutes: 45 });
  assert.equal(delayed.statusCode, 200);
  const record = (await inject('GET', '/api/flights/WB2/2026-09-01')).json() as { status: { status: string; estimatedDepartureAtMs: number } };
  assert.equal(record.status.status, 'delayed');
  assert.equal(record.status.estimatedDepartureAtMs, simStartMs + 5 * 3_600_000 + 45 * 60_000);
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
