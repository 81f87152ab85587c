import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { FlightPlan, FlightStatusRecord, TrackingSample } from '../model/flight.js';
import type { FeedSnapshot } from './contract.js';
import { LiveFeed, type FeedStore } from './live-feed.js';

const now = Date.UTC(2026, 3, 5, 10, 0);
const plan = (flightNumber: string): FlightPlan => ({
  flightNumber, date: '2026-04-05', origin: 'MAD', destination: 'BCN', departureAtMs: now - 3_600_000, arrivalAtMs: now + 3_600_000, speedKmh: 800,
});
const status = (p: FlightPlan, value: FlightStatusRecord['status']): FlightStatusRecord => ({
  ...p, status: value, gate: 'A1', estimatedDepartureAtMs: null, actualDepartureAtMs: null, actualArrivalAtMs: null, updatedAtMs: now,
});
const sample = (p: FlightPlan, phase: TrackingSample['phase']): TrackingSample => ({
  flightNumber: p.flightNumber, date: p.date, recordedAtMs: now, latitude: 41, longitude: 0, altitudeFt: 30_000, groundSpeedKmh: 800,
  verticalRateFpm: 0, headingDeg: 70, fuelKg: 5_000, phase,
});

function makeFeed(store: FeedStore, snapshots: FeedSnapshot[]) {
  return new LiveFeed(store, {
    clock: { nowMs: () => now, sleep: async () => {} }, logger: { info: () => {}, warn: () => {} },
    describeError: (error) => `database unavailable (${error instanceof Error ? error.message : String(error)})`,
    onSnapshot: (snapshot) => snapshots.push(snapshot),
    options: { pollMs: 1000, statusEveryPolls: 3, readConcurrency: 4, clockName: 'default' },
  });
}

test('planes in the air are pushed; parked, arrived and cancelled flights are not', async () => {
  const flying = plan('AR1');
  const arrived = plan('AR2');
  const waiting = plan('AR3');
  const cancelled = plan('AR4');
  const statuses = new Map([[flying, 'en_route'], [arrived, 'landed'], [waiting, 'scheduled'], [cancelled, 'cancelled']] as const);
  const trackingReads: string[] = [];
  const store: FeedStore = {
    flightsOfDate: async (date) => (date === '2026-04-05' ? [flying, arrived, waiting, cancelled] : []),
    getStatus: async (flightNumber) => {
      const p = [...statuses.keys()].find((candidate) => candidate.flightNumber === flightNumber);
      return p === undefined ? null : status(p, statuses.get(p) ?? 'scheduled');
    },
    readTracking: async (key) => {
      trackingReads.push(key.flightNumber);
      return [sample(key.flightNumber === 'AR2' ? arrived : flying, key.flightNumber === 'AR2' ? 'arrived' : 'cruise')];
    },
    readClock: async () => ({ name: 'default', simEpochMs: now + 3_600_000, realEpochMs: now, speedup: 10, updatedAtMs: now }),
  };
  const snapshots: FeedSnapshot[] = [];
  const feed = makeFeed(store, snapshots);
  await feed.poll();
  await feed.poll();
  const last = snapshots.at(-1);
  assert.deepEqual(last?.planes.map((p) => p.flightNumber), ['AR1']);
  assert.equal(last?.speedup, 10);
  assert.equal(last?.simNowMs, now + 3_600_000, 'sim time from the simulator clock');
  assert.equal(trackingReads.filter((n) => n === 'AR2').length, 1, 'an arrived flight is read once, then left alone');
  assert.ok(!trackingReads.includes('AR3') && !trackingReads.includes('AR4'));
});

test('a failing database marks the snapshot unhealthy, and the next good poll heals it', async () => {
  let down = true;
  const store: FeedStore = {
    flightsOfDate: async () => { if (down) throw new Error('no host'); return []; },
    getStatus: async () => null, readTracking: async () => [], readClock: async () => null,
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
