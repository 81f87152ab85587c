import { test } from 'node:test';
import assert from 'node:assert/strict';
import { distanceKm } from '../model/geo.js';
import { buildProfile, phaseAt, scheduledStatusAt, stateAt, taxiInMs, taxiOutMs } from './physics.js';

const mad = { latitude: 40.471926, longitude: -3.56264 };
const eze = { latitude: -34.8222, longitude: -58.5358 };
const bcn = { latitude: 41.2971, longitude: 2.07846 };
const departureAtMs = Date.UTC(2026, 0, 15, 10, 0, 0);

test('a long flight climbs, cruises at its speed, descends and arrives at the destination', () => {
  const profile = buildProfile({ origin: mad, destination: eze }, { departureAtMs, speedKmh: 900 });
  const routeKm = distanceKm(mad, eze);
  // About 10,000 km at 900 km/h: 11 hours airborne plus taxiing, give or take the ramps.
  const blockHours = (profile.arrivedAtMs - departureAtMs) / 3_600_000;
  assert.ok(blockHours > routeKm / 900 && blockHours < routeKm / 900 + 1, `block time ${blockHours} h`);
  assert.equal(phaseAt(profile, departureAtMs - 1), 'parked');
  assert.equal(phaseAt(profile, departureAtMs + taxiOutMs / 2), 'taxi_out');
  const cruise = stateAt(profile, (profile.topOfClimbAtMs + profile.topOfDescentAtMs) / 2);
  assert.equal(cruise.phase, 'cruise');
  assert.equal(cruise.groundSpeedKmh, 900);
  assert.equal(cruise.altitudeFt, 36_000);
  assert.equal(cruise.verticalRateFpm, 0);
  const climbing = stateAt(profile, profile.takeoffAtMs + 60_000);
  assert.ok(climbing.verticalRateFpm > 0 && climbing.altitudeFt > 0);
  const descending = stateAt(profile, profile.topOfDescentAtMs + 60_000);
  assert.ok(descending.verticalRateFpm < 0 && descending.altitudeFt < 36_000);
  const arrived = stateAt(profile, profile.arrivedAtMs + 1);
  assert.equal(arrived.phase, 'arrived');
  assert.ok(distanceKm(arrived, eze) < 0.01, 'at the destination');
  assert.equal(arrived.altitudeFt, 0);
  assert.equal(phaseAt(profile, profile.arrivedAtMs - taxiInMs / 2), 'taxi_in');
});

test('the position moves steadily towards the destination and heads south-west from Madrid', () => {
  const profile = buildProfile({ origin: mad, destination: eze }, { departureAtMs, speedKmh: 900 });
  let previousRemainingKm = Infinity;
  for (let t = profile.takeoffAtMs; t <= profile.arrivedAtMs; t += 10 * 60_000) {
    const remainingKm = distanceKm(stateAt(profile, t), eze);
    assert.ok(remainingKm <= previousRemainingKm + 1e-6, `remaining distance grew at ${t}`);
    previousRemainingKm = remainingKm;
  }
  const heading = stateAt(profile, profile.takeoffAtMs + 60_000).headingDeg;
  assert.ok(heading > 200 && heading < 240, `heading ${heading}`);
});

test('fuel decreases monotonically and never runs out before arrival', () => {
  const profile = buildProfile({ origin: mad, destination: eze }, { departureAtMs, speedKmh: 900 });
  assert.equal(stateAt(profile, departureAtMs - 60_000).fuelKg, profile.initialFuelKg);
  let previous = Infinity;
  for (let t = departureAtMs; t <= profile.arrivedAtMs + 60_000; t += 5 * 60_000) {
    const fuel = stateAt(profile, t).fuelKg;
    assert.ok(fuel <= previous, `fuel rose at ${t}`);
    previous = fuel;
  }
  const landed = stateAt(profile, profile.arrivedAtMs);
  assert.ok(landed.fuelKg > 2000 && landed.fuelKg < profile.initialFuelKg, `fuel at gate ${landed.fuelKg}`);
});

test('a short hop climbs lower so that climb and descent fit', () => {
  const profile = buildProfile({ origin: mad, destination: bcn }, { departureAtMs, speedKmh: 800 });
  assert.ok(profile.cruiseAltitudeFt <= 36_000 && profile.cruiseAltitudeFt > 10_000);
  const tiny = buildProfile({ origin: mad, destination: { latitude: 40.6, longitude: -3.5 } }, { departureAtMs, speedKmh: 800 });
  assert.ok(tiny.cruiseAltitudeFt < 10_000);
  assert.ok(tiny.topOfDescentAtMs >= tiny.topOfClimbAtMs);
  assert.ok(distanceKm(stateAt(tiny, tiny.arrivedAtMs), tiny.destination) < 0.01);
});

test('scheduled statuses follow the clock', () => {
  const profile = buildProfile({ origin: mad, destination: bcn }, { departureAtMs, speedKmh: 800 });
  assert.equal(scheduledStatusAt(profile, departureAtMs - 3_600_000), 'scheduled');
  assert.equal(scheduledStatusAt(profile, departureAtMs - 60_000), 'boarding');
  assert.equal(scheduledStatusAt(profile, departureAtMs + 60_000), 'departed');
  assert.equal(scheduledStatusAt(profile, profile.takeoffAtMs + 60_000), 'en_route');
  assert.equal(scheduledStatusAt(profile, profile.touchdownAtMs), 'landed');
});
