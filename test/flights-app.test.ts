// The flight-control application against a real database node, through the DataStax driver
// only: schema and airports idempotent, schedules in both directions, strong statuses, tracking
// with a TTL, and a simulator that survives the node going away and coming back.
// run-tests: two at a time

import test, { after, before } from 'node:test';
import assert from 'node:assert/strict';
import { openAppDatabase, type AppDatabase } from '../src/flights/app/bootstrap.js';
import { defaultDatabaseOptions, type DatabaseOptions } from '../src/flights/model/database.js';
import { Simulator, defaultSimulatorOptions } from '../src/flights/sim/simulator.js';
import { seededChance, systemClock, type AppLogger } from '../src/flights/model/world.js';
import { startNodeProcess, type NodeProcess } from './harness/node-process.js';

let node: NodeProcess;
let options: DatabaseOptions;
let database: AppDatabase;
const warnings: string[] = [];
const logger: AppLogger = { info: () => {}, warn: (message) => warnings.push(message) };

before(async () => {
  node = await startNodeProcess();
  options = { ...defaultDatabaseOptions, contactPoints: [`${node.host}:${node.nativePort}`], keyspace: 'flights_test', requestTimeoutMs: 3_000 };
  database = await openAppDatabase(options, { clock: systemClock, logger });
});

after(async () => {
  await database?.close();
  await node?.stop();
  node?.cleanup();
});

test('schema and airports load once: a second start inserts nothing', async () => {
  assert.ok(database.airports.size > 3000, `${database.airports.size} airports`);
  assert.match(database.airports.get('EZE')?.city ?? '', /Buenos Aires/);
  const infos: string[] = [];
  const again = await openAppDatabase(options, { clock: systemClock, logger: { info: (m) => infos.push(m), warn: () => {} } });
  await again.close();
  assert.ok(infos.includes('airports already loaded'), infos.join('\n'));
});

test('a scheduled flight is listed by origin, destination and date, and flies to landing', async () => {
  const start = Date.UTC(2026, 2, 10, 12, 0);
  let now = start;
  const clock = { nowMs: () => now, sleep: async (ms: number) => { now += ms; } };
  const simulator = new Simulator(database.store, {
    clock, chance: seededChance(3), logger, airports: database.airports,
    options: { ...defaultSimulatorOptions, delayProbability: 0, cancelProbability: 0, speedup: 120, tickMs: 1_000, refreshMs: 60_000, trackingTtlSeconds: 600 },
  });
  await simulator.addFlight({ flightNumber: 'TS10', origin: 'MAD', destination: 'LIS', departureAtMs: start + 20 * 60_000, speedKmh: 800 });
  const [departure] = await database.store.departures('MAD', '2026-03-10');
  assert.equal(departure?.flightNumber, 'TS10');
  const [arrival] = await database.store.arrivals('LIS', '2026-03-10');
  assert.equal(arrival?.flightNumber, 'TS10');
  assert.equal(arrival?.date, '2026-03-10');
  assert.equal((await database.store.flightsOfDate('2026-03-10')).length, 1);
  assert.equal((await database.store.getStatus('TS10', '2026-03-10'))?.status, 'scheduled');
  // 120x: a real second is two sim minutes; MAD-LIS is done in well under 100 ticks.
  for (let i = 0; i < 100; i++) { await simulator.tick(); now += 1_000; }
  const status = await database.store.getStatus('TS10', '2026-03-10');
  assert.equal(status?.status, 'landed');
  assert.ok(status?.actualArrivalAtMs !== null);
  const samples = await database.store.readTracking({ flightNumber: 'TS10', date: '2026-03-10' }, 500);
  assert.ok(samples.length > 20, `${samples.length} samples`);
  assert.equal(samples[0]?.phase, 'arrived', 'newest first');
  assert.ok(samples.every((s, i) => i === 0 || (samples[i - 1]?.recordedAtMs ?? 0) > s.recordedAtMs));
  const ttl = await database.client.execute('SELECT TTL(latitude) FROM flights_test.flight_tracking WHERE flight_number = ? AND date = ? LIMIT 1', ['TS10', '2026-03-10'], { prepare: true });
  const seconds = Number(ttl.first()?.values()[0]);
  assert.ok(seconds > 0 && seconds <= 600, `TTL ${seconds}`);
});

test('the simulator keeps ticking while the node is down and resumes writing when it is back', async () => {
  const simulator = new Simulator(database.store, {
    clock: systemClock, chance: seededChance(5), logger, airports: database.airports,
    options: { ...defaultSimulatorOptions, delayProbability: 0, cancelProbability: 0, speedup: 60, tickMs: 200, refreshMs: 1_000 },
  });
  await simulator.addFlight({ flightNumber: 'TS20', origin: 'JFK', destination: 'LHR', departureAtMs: Date.now() - 3_600_000, speedKmh: 850 });
  await simulator.tick();
  const before = simulator.stats().writes;
  await node.kill();
  warnings.length = 0;
  for (let i = 0; i < 3; i++) await simulator.tick();
  assert.ok(simulator.stats().writeFailures > 0, 'failures counted');
  assert.ok(warnings.length >= 1, 'and logged');
  await node.restart();
  let resumed = false;
  for (let i = 0; i < 60 && !resumed; i++) {
    const failures = simulator.stats().writeFailures;
    await simulator.tick();
    resumed = simulator.stats().writeFailures === failures && simulator.stats().writes > before;
    if (!resumed) await systemClock.sleep(500);
  }
  assert.ok(resumed, 'writes succeed again after the node restarts');
  const samples = await database.store.readTracking({ flightNumber: 'TS20', date: new Date(Date.now() - 3_600_000).toISOString().slice(0, 10) }, 5);
  assert.ok(samples.length > 0);
});
