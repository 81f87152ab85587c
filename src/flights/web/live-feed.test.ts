import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { FlightPlan, FlightStatusRecord } from '../model/flight.js';
import type { PlanePosition } from '../model/positions.js';
import type { FeedSnapshot } from './contract.js';
import { LiveFeed, type FeedStore } from './live-feed.js';

const now = Date.UTC(2026, 3, 5, 10, 0);
const plan = (flightNumber: string): FlightPlan => ({
  flightNumber, date: '2026-04-05', origin: 'MAD', destination: 'BCN', departureAtMs: now - 3_600_000, arrivalAtMs: now + 3_600_000, speedKmh: 800,
});
const status = (p: FlightPlan, value: FlightStatusRecord['status']): FlightStatusRecord => ({
  ...p, status: value, gate: 'A1', estimatedDepartureAtMs: null, actualDepartureAtMs: null, actualArrivalAtMs: null, updatedAtMs: now,
});
const position = (p: FlightPlan, phase: PlanePosition['phase'], value: FlightStatusRecord['status']): PlanePosition => ({
  flightNumber: p.flightNumber, date: p.date, recordedAtMs: now, latitude: 41, longitude: 0, altitudeFt: 30_000, groundSpeedKmh: 800,
  verticalRateFpm: 0, headingDeg: 70, fuelKg: 5_000, phase, origin: p.origin, destination: p.destination, status: value,
});

function makeFeed(store: FeedStore, snapshots: FeedSnapshot[]) {
  return new LiveFeed(store, {
    clock: { nowMs: () => now, sleep: async () => {} }, logger: { info: () => {}, warn: () => {} },
    describeError: (error) => `database unavailable (${error instanceof Error ? error.message : String(error)})`,
    onSnapshot: (snapshot) => snapshots.push(snapshot),
    options: { pollMs: 1000, flightListEveryPolls: 3, clockName: 'default' },
  });
}

test('planes in the air are pushed from the position buckets; parked, arrived and cancelled flights are not', async () => {
  const flying = plan('AR1');
  const arrived = plan('AR2');
  const parked = plan('AR3');
  const cancelled = plan('AR4');
  const positionReads: number[] = [];
  const store: FeedStore = {
    flightsOfDate: async (date) => (date === '2026-04-05' ? [flying, arrived, parked, cancelled] : []),
    readPositions: async (nowMs) => {
      positionReads.push(nowMs);
      return [position(flying, 'cruise', 'en_route'), position(arrived, 'arrived', 'landed'), position(parked, 'parked', 'scheduled'), position(cancelled, 'cruise', 'cancelled')];
    },
    readClock: async () => ({ name: 'default', simEpochMs: now + 3_600_000, realEpochMs: now, speedup: 10, updatedAtMs: now }),
  };
  const snapshots: FeedSnapshot[] = [];
  const feed = makeFeed(store, snapshots);
  await feed.poll();
  await feed.poll();
  const last = snapshots.at(-1);
  assert.deepEqual(last?.planes.map((p) => p.flightNumber), ['AR1']);
  assert.equal(last?.planes[0]?.status, 'en_route');
  assert.equal(last?.speedup, 10);
  assert.equal(last?.simNowMs, now + 3_600_000, 'sim time from the simulator clock');
  assert.deepEqual(positionReads, [now, now], 'one read of the position buckets per poll, at wall-clock time');
  assert.deepEqual(feed.flights().map((f) => [f.plan.flightNumber, f.status]), [['AR1', 'en_route'], ['AR2', 'landed'], ['AR3', 'scheduled'], ['AR4', 'cancelled']]);
  feed.noteStatus({ ...flying, status: 'landed', gate: null, estimatedDepartureAtMs: null, actualDepartureAtMs: null, actualArrivalAtMs: now, updatedAtMs: now });
  await feed.poll();
  assert.equal(snapshots.at(-1)?.planes[0]?.status, 'landed', 'a status written through the web shows at once');
});

test('a failing database marks the snapshot unhealthy, and the next good poll heals it', async () => {
  let down = true;
  const store: FeedStore = {
    flightsOfDate: async () => { if (down) throw new Error('no host'); return []; },
    readPositions: async () => [], readClock: async () => null,
  };
  const snapshots: FeedSnapshot[] = [];
  const feed = makeFeed(store, snapshots);
  await feed.poll();
  assert.equal(snapshots.at(-1)?.healthy, false);
  assert.match(snapshots.at(-1)?.error ?? '', /database unavailable \(no host\)/);
  down = false;
  await feed.poll();
  assert.equal(snapshots.at(-1)?.healthy, true);
  assert.equal(snapshots.at(-1)?.error, null);
});
