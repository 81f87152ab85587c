import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { Airport } from '../model/flight.js';
import { parseDeparture, parseFlightSpec, runConsoleCommand } from './console.js';
import { Simulator, defaultSimulatorOptions, type SimulatorStore } from './simulator.js';
import { seededChance } from '../model/world.js';

const now = Date.UTC(2026, 4, 1, 9, 0);

test('departures: ISO, HH:MM on the sim day, +minutes', () => {
  assert.equal(parseDeparture('+30', now), now + 30 * 60_000);
  assert.equal(parseDeparture('10:15', now), Date.UTC(2026, 4, 1, 10, 15));
  assert.equal(parseDeparture('2026-05-02T08:00Z', now), Date.UTC(2026, 4, 2, 8, 0));
  assert.throws(() => parseDeparture('25:00', now), /invalid time/);
  assert.throws(() => parseDeparture('soon', now), /invalid departure/);
  assert.deepEqual(parseFlightSpec('AR1,MAD,BCN,+10,850', now), { flightNumber: 'AR1', origin: 'MAD', destination: 'BCN', departureAtMs: now + 600_000, speedKmh: 850 });
  assert.throws(() => parseFlightSpec('AR1,MAD', now), /NUMBER,ORIGIN/);
});

test('console commands add, list, show and report errors as text', async () => {
  const airports = new Map<string, Airport>([
    ['MAD', { iata: 'MAD', name: 'Madrid', city: 'Madrid', country: 'Spain', latitude: 40.47, longitude: -3.56, type: 'large_airport' }],
    ['BCN', { iata: 'BCN', name: 'Barcelona', city: 'Barcelona', country: 'Spain', latitude: 41.3, longitude: 2.08, type: 'large_airport' }],
  ]);
  const store: SimulatorStore = {
    addFlight: async () => {}, flightsOfDate: async () => [], statusesOfDate: async () => new Map(), getStatus: async () => null,
    setStatus: async () => {}, writeSamples: async () => {}, writeClock: async () => {},
  };
  const simulator = new Simulator(store, {
    clock: { nowMs: () => now, sleep: async () => {} }, chance: seededChance(1), airports, logger: { info: () => {}, warn: () => {} },
    options: { ...defaultSimulatorOptions },
  });
  assert.match((await runConsoleCommand(simulator, 'add AR7 MAD BCN +20 820')).output, /^added AR7 +MAD->BCN/);
  assert.match((await runConsoleCommand(simulator, 'list')).output, /AR7/);
  assert.match((await runConsoleCommand(simulator, 'show ar7')).output, /gate/);
  assert.match((await runConsoleCommand(simulator, 'add AR8 MAD ZZZ +20 820')).output, /^error: unknown airport 'ZZZ'/);
  assert.match((await runConsoleCommand(simulator, 'fly')).output, /unknown command/);
  assert.equal((await runConsoleCommand(simulator, 'quit')).quit, true);
});
