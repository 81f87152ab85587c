import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { PlanePosition } from '../model/positions.js';
import type { Airport, DayStatus, FlightPlan, FlightStatus, FlightStatusRecord, InitialStatus, StatusChange, TrackingSample } from '../model/flight.js';
import type { StatusWrite } from '../model/store.js';
import { bundledAirports } from '../model/airports.js';
import { generateTimetable } from '../model/timetable.js';
import { Simulator, defaultSimulatorOptions, type SimulatorStore } from './simulator.js';
import { seededChance, type WallClock } from '../model/world.js';

const airports = new Map<string, Airport>([
  ['MAD', { iata: 'MAD', name: 'Madrid', city: 'Madrid', country: 'Spain', latitude: 40.4719, longitude: -3.5626, type: 'large_airport' }],
  ['BCN', { iata: 'BCN', name: 'Barcelona', city: 'Barcelona', country: 'Spain', latitude: 41.2971, longitude: 2.0785, type: 'large_airport' }],
  ['LIS', { iata: 'LIS', name: 'Lisbon', city: 'Lisbon', country: 'Portugal', latitude: 38.7813, longitude: -9.1359, type: 'large_airport' }],
]);

class FakeClock implements WallClock {
  constructor(public now: number) {}
  nowMs() { return this.now; }
  async sleep(delayMs: number) { this.now += delayMs; }
}

class MemoryStore implements SimulatorStore {
  plans: FlightPlan[] = [];
  statuses = new Map<string, FlightStatusRecord>();
  statusLog: FlightStatus[] = [];
  history = new Map<string, StatusChange[]>();
  tracking: TrackingSample[] = [];
  failing = false;
  private check() { if (this.failing) throw new Error('NoHostAvailable: all nodes down'); }
  async addFlight(plan: FlightPlan, options: { gate: string; nowMs: number; initial: InitialStatus }) {
    this.check();
    const { history, ...initial } = options.initial;
    this.plans.push(plan);
    this.statuses.set(`${plan.flightNumber}/${plan.date}`, { ...plan, ...initial, gate: options.gate, updatedAtMs: options.nowMs });
    this.history.set(`${plan.flightNumber}/${plan.date}`, [...history]);
  }
  async flightsOfDate(date: string) { this.check(); return this.plans.filter((plan) => plan.date === date); }
  async statusesOfDate(date: string) {
    this.check();
    return new Map<string, DayStatus>([...this.statuses.values()].filter((record) => record.date === date).map((record) => [record.flightNumber, record]));
  }
  async getStatus(flightNumber: string, date: string) { this.check(); return this.statuses.get(`${flightNumber}/${date}`) ?? null; }
  async setStatus(key: { flightNumber: string; date: string }, change: StatusWrite) {
    this.check();
    const record = this.statuses.get(`${key.flightNumber}/${key.date}`);
    assert.ok(record);
    record.status = change.status;
    if (change.status === 'delayed') record.estimatedDepartureAtMs = change.atMs ?? null;
    this.statusLog.push(change.status);
    this.history.get(`${key.flightNumber}/${key.date}`)?.push({ ...change.history, status: change.status });
  }
  positions: PlanePosition[] = [];
  async writeSamples(positions: readonly PlanePosition[]) {
    this.check();
    for (const { origin: _origin, destination: _destination, status: _status, ...sample } of positions) this.tracking.push(sample);
    this.positions.push(...positions);
  }
  async writeClock() { this.check(); }
}

const start = Date.UTC(2026, 5, 1, 8, 0, 0);

function makeSimulator(store: MemoryStore, clock: FakeClock, warnings: string[] = []) {
  return new Simulator(store, {
    clock, chance: seededChance(7), airports, logger: { info: () => {}, warn: (m) => warnings.push(m) },
    options: { ...defaultSimulatorOptions, speedup: 60, tickMs: 1_000, refreshMs: 5_000, delayProbability: 0, cancelProbability: 0 },
  });
}

test('a flight walks every status, writes tracking while moving and lands at its destination', async () => {
  const store = new MemoryStore();
  const clock = new FakeClock(start);
  const simulator = makeSimulator(store, clock);
  await simulator.addFlight({ flightNumber: 'AR1', origin: 'MAD', destination: 'BCN', departureAtMs: start + 45 * 60_000, speedKmh: 800 });
  // 60x: one real second is a sim minute; MAD-BCN takes well under three hours.
  for (let i = 0; i < 200; i++) { await simulator.tick(); clock.now += 1_000; }
  assert.deepEqual(store.statusLog, ['boarding', 'departed', 'en_route', 'landed']);
  const last = store.tracking.at(-1);
  assert.equal(last?.phase, 'arrived');
  assert.ok(Math.abs((last?.latitude ?? 0) - 41.2971) < 0.01);
  const fuel = store.tracking.map((sample) => sample.fuelKg);
  assert.deepEqual(fuel, [...fuel].sort((a, b) => b - a), 'fuel never rises');
  const count = store.tracking.length;
  await simulator.tick();
  assert.equal(store.tracking.length, count, 'nothing written after arrival');
  // Every sample also moves the flight on the map, with its route and the status it had then.
  assert.equal(store.positions.length, count);
  assert.deepEqual(store.positions.map((p) => p.recordedAtMs), store.tracking.map((t) => t.recordedAtMs));
  assert.ok(store.positions.every((p) => p.origin === 'MAD' && p.destination === 'BCN'));
  assert.equal(store.positions.find((p) => p.phase === 'cruise')?.status, 'en_route');
  assert.equal(store.positions.at(-1)?.status, 'landed');
});

test('database outages are logged and retried, never thrown', async () => {
  const store = new MemoryStore();
  const clock = new FakeClock(start);
  const warnings: string[] = [];
  const simulator = makeSimulator(store, clock, warnings);
  await simulator.addFlight({ flightNumber: 'AR2', origin: 'MAD', destination: 'LIS', departureAtMs: start, speedKmh: 800 });
  store.failing = true;
  for (let i = 0; i < 20; i++) { await simulator.tick(); clock.now += 1_000; }
  assert.ok(warnings.length >= 1 && warnings.length <= 3, `rate-limited warnings: ${warnings.length}`);
  assert.equal(store.tracking.length, 0);
  store.failing = false;
  await simulator.tick();
  assert.ok(store.statusLog.includes('en_route'));
  assert.equal(store.tracking.length, 1);
});

test('flights scheduled elsewhere are picked up; an operator delay holds the departure', async () => {
  const store = new MemoryStore();
  const clock = new FakeClock(start);
  const other = makeSimulator(store, new FakeClock(start));
  await other.addFlight({ flightNumber: 'AR3', origin: 'BCN', destination: 'MAD', departureAtMs: start + 40 * 60_000, speedKmh: 800 });
  const simulator = makeSimulator(store, clock);
  await simulator.tick();
  assert.equal(simulator.find('ar3')?.status, 'scheduled');
  const record = store.statuses.get(`AR3/${new Date(start).toISOString().slice(0, 10)}`);
  assert.ok(record);
  record.status = 'delayed';
  record.estimatedDepartureAtMs = start + 3 * 3_600_000;
  for (let i = 0; i < 60; i++) { await simulator.tick(); clock.now += 1_000; }
  assert.equal(simulator.find('AR3')?.status, 'delayed', 'still delayed an hour later');
  for (let i = 0; i < 100; i++) { await simulator.tick(); clock.now += 1_000; }
  assert.ok(['boarding', 'departed', 'en_route'].includes(simulator.find('AR3')?.status ?? ''));
  // A flight added later is picked up by a refresh that reads only the statuses of the dates in play.
  await other.addFlight({ flightNumber: 'AR5', origin: 'BCN', destination: 'MAD', departureAtMs: simulator.simNowMs() + 20 * 60_000, speedKmh: 800 });
  for (let i = 0; i < 6; i++) { await simulator.tick(); clock.now += 1_000; }
  assert.ok(simulator.find('AR5') !== undefined, 'AR5 picked up');
});

test('random flights use real airports and distinct numbers; bad input is rejected', async () => {
  const store = new MemoryStore();
  const simulator = makeSimulator(store, new FakeClock(start));
  const added = await simulator.addRandomFlights(5, { fromOffsetMs: -3_600_000, toOffsetMs: 3_600_000 });
  assert.equal(added.length, 5);
  assert.equal(new Set(added.map((flight) => flight.plan.flightNumber)).size, 5);
  await assert.rejects(simulator.addFlight({ flightNumber: 'AR9', origin: 'MAD', destination: 'XXX', departureAtMs: start, speedKmh: 800 }), /unknown airport/);
  await assert.rejects(simulator.addFlight({ flightNumber: 'AR9', origin: 'MAD', destination: 'BCN', departureAtMs: start, speedKmh: 5 }), /speed/);
  await assert.rejects(simulator.addFlight({ flightNumber: 'bad number!', origin: 'MAD', destination: 'BCN', departureAtMs: start, speedKmh: 800 }), /flight number/);
});

test('some flights are delayed or cancelled, announced two hours before departure', async () => {
  const store = new MemoryStore();
  const clock = new FakeClock(start);
  const simulator = new Simulator(store, {
    clock, chance: seededChance(9), airports, logger: { info: () => {}, warn: () => {} },
    options: { ...defaultSimulatorOptions, speedup: 60, delayProbability: 0.5, cancelProbability: 0.2 },
  });
  for (let i = 0; i < 20; i++) {
    await simulator.addFlight({ flightNumber: `AR${100 + i}`, origin: 'MAD', destination: 'BCN', departureAtMs: start + 60 * 60_000, speedKmh: 800 });
  }
  for (let i = 0; i < 60; i++) { await simulator.tick(); clock.now += 1_000; }
  const statuses = simulator.list().map((flight) => flight.status);
  assert.ok(statuses.includes('cancelled') && statuses.includes('delayed') && statuses.includes('boarding'), statuses.join());
  const delayed = [...store.statuses.values()].filter((record) => record.status === 'delayed');
  assert.ok(delayed.every((record) => (record.estimatedDepartureAtMs ?? 0) >= start + 75 * 60_000));
});

test('a status history records who moved the flight, and when in sim time', async () => {
  const store = new MemoryStore();
  const clock = new FakeClock(start);
  const simulator = makeSimulator(store, clock);
  await simulator.addFlight({ flightNumber: 'AR5', origin: 'MAD', destination: 'BCN', departureAtMs: start + 45 * 60_000, speedKmh: 800 });
  for (let i = 0; i < 200; i++) { await simulator.tick(); clock.now += 1_000; }
  const history = store.history.get(`AR5/${new Date(start).toISOString().slice(0, 10)}`) ?? [];
  assert.deepEqual(history.map((change) => change.status), ['scheduled', 'boarding', 'departed', 'en_route', 'landed']);
  assert.ok(history.every((change) => change.source === 'simulator'));
  assert.equal(history[0]?.changedAtMs, start, 'scheduled at sim time when added');
  assert.equal(history[2]?.changedAtMs, start + 45 * 60_000, 'departed at push-back');
  assert.deepEqual(history.map((change) => change.changedAtMs), history.map((change) => change.changedAtMs).sort((a, b) => a - b));
});

test('the timetable: a day is written once with the statuses its clock gives, flown, and tomorrow follows in the background', async () => {
  const world = new Map(bundledAirports().map((airport) => [airport.iata, airport]));
  const timetable = generateTimetable([...world.values()], { flightsInAir: 20, seed: 5 });
  const store = new MemoryStore();
  const noon = Date.UTC(2026, 5, 1, 12, 0);
  const clock = new FakeClock(noon);
  const options = { ...defaultSimulatorOptions, speedup: 60, tickMs: 1_000, refreshMs: 5_000 };
  const simulator = new Simulator(store, { clock, chance: seededChance(3), airports: world, logger: { info: () => {}, warn: (m) => assert.fail(m) }, options });
  simulator.followTimetable(timetable);
  assert.equal(await simulator.scheduleDay('2026-06-01'), timetable.length);
  const statuses = [...store.statuses.values()];
  assert.ok(statuses.some((r) => r.status === 'landed') && statuses.some((r) => r.status === 'en_route') && statuses.some((r) => r.status === 'scheduled'), statuses.map((r) => r.status).join());
  for (const record of statuses) {
    const history = store.history.get(`${record.flightNumber}/${record.date}`) ?? [];
    assert.equal(history.at(-1)?.status, record.status, 'the history ends at the status');
    if (record.status === 'landed') assert.ok((record.actualArrivalAtMs ?? Infinity) <= noon);
  }
  // A restart (another simulator on the same database) adds nothing.
  const again = new Simulator(store, { clock, chance: seededChance(4), airports: world, logger: { info: () => {}, warn: () => {} }, options });
  again.followTimetable(timetable);
  assert.equal(await again.scheduleDay('2026-06-01'), 0);
  // Ticking flies them, and writes tomorrow's timetable too.
  for (let i = 0; i < 10; i++) { await simulator.tick(); clock.now += 1_000; await new Promise((resolve) => setImmediate(resolve)); }
  assert.equal(store.plans.filter((plan) => plan.date === '2026-06-02').length, timetable.length);
  assert.ok(store.tracking.length > 0, 'planes in the air write tracking');
  assert.ok(store.tracking.every((sample) => statuses.find((r) => r.flightNumber === sample.flightNumber)?.status !== 'cancelled'));
});
