import test from 'node:test';
import assert from 'node:assert/strict';
import { flightProgress, formatDuration, type ProgressInput } from './progress.js';

// The equator from 0° to 10° E is 1,111.95 km on the mean-radius sphere (2πR/36), worked by
// hand rather than through geo.ts.
const origin = { latitude: 0, longitude: 0 };
const destination = { latitude: 0, longitude: 10 };
const hourMs = 3_600_000;
const base: ProgressInput['status'] = {
  status: 'scheduled', departureAtMs: 10 * hourMs, arrivalAtMs: 12 * hourMs, speedKmh: 600,
  estimatedDepartureAtMs: null, actualDepartureAtMs: null, actualArrivalAtMs: null,
};
const near = (actual: number, expected: number, label: string) => {
  if (!(Math.abs(actual - expected) < 0.5)) assert.fail(`${label}: ${actual} vs ${expected}`);
};

test('before departure nothing is flown and the ETA follows a delay', () => {
  const p = flightProgress({ status: { ...base, status: 'delayed', estimatedDepartureAtMs: 11 * hourMs }, origin, destination, position: null, nowMs: 9 * hourMs });
  near(p.totalKm, 1111.95, 'total');
  assert.deepEqual([p.flownKm, p.fraction, p.etaMs, p.remainingMs], [0, 0, 13 * hourMs, 4 * hourMs]);
});

test('in the air: flown and remaining split at the plane, and the rest is flown at cruise speed', () => {
  const p = flightProgress({ status: { ...base, status: 'en_route', actualDepartureAtMs: 10 * hourMs }, origin, destination, position: { latitude: 0, longitude: 4 }, nowMs: 11 * hourMs });
  near(p.flownKm, 444.78, 'flown');
  near(p.remainingKm, 667.17, 'remaining');
  assert.ok(Math.abs(p.fraction - 0.4) < 1e-9);
  // 667.17 km at 600 km/h: 1 h 06 min 43 s.
  if (!(Math.abs((p.remainingMs ?? 0) - (667.17 / 600) * hourMs) < 5_000)) assert.fail(`${p.remainingMs} ms remaining`);
  assert.equal(p.etaMs, 11 * hourMs + (p.remainingMs ?? 0));
  assert.equal(formatDuration(p.remainingMs ?? 0), '1 h 07 min');
});

test('landed is done; cancelled has no ETA', () => {
  const landed = flightProgress({ status: { ...base, status: 'landed', actualArrivalAtMs: 12.5 * hourMs }, origin, destination, position: { latitude: 0, longitude: 9.9 }, nowMs: 13 * hourMs });
  assert.deepEqual([landed.remainingKm, landed.fraction, landed.etaMs, landed.remainingMs], [0, 1, 12.5 * hourMs, 0]);
  const cancelled = flightProgress({ status: { ...base, status: 'cancelled' }, origin, destination, position: null, nowMs: 9 * hourMs });
  assert.deepEqual([cancelled.etaMs, cancelled.remainingMs, cancelled.flownKm], [null, null, 0]);
});

test('a plane reported beyond its origin side is clamped: never more remaining than the route', () => {
  const p = flightProgress({ status: { ...base, status: 'departed' }, origin, destination, position: { latitude: 0, longitude: -1 }, nowMs: 10 * hourMs });
  assert.equal(p.flownKm, 0);
  near(p.remainingKm, 1111.95, 'remaining');
});

test('durations read as hours and minutes', () => {
  assert.deepEqual([formatDuration(0), formatDuration(45 * 60_000), formatDuration(125 * 60_000), formatDuration(-5)], ['0 min', '45 min', '2 h 05 min', '0 min']);
});
