import { test } from 'node:test';
import assert from 'node:assert/strict';
import { distanceKm, greatCirclePoints, initialBearingDeg, intermediatePoint, normalizeLongitude } from './geo.js';

// Coordinates from OurAirports; expected distances are published ellipsoidal (WGS84) figures,
// which a sphere matches to within 0.5 %; not computed by this code.
const jfk = { latitude: 40.639801, longitude: -73.7789 };
const lhr = { latitude: 51.4706, longitude: -0.461941 };
const lax = { latitude: 33.942501, longitude: -118.407997 };
const syd = { latitude: -33.946098, longitude: 151.177002 };
const mad = { latitude: 40.471926, longitude: -3.56264 };

const near = (actual: number, expected: number, tolerance: number, what: string) =>
  assert.ok(Math.abs(actual - expected) <= tolerance, `${what}: ${actual} not within ${tolerance} of ${expected}`);

test('great-circle distances of known airport pairs', () => {
  near(distanceKm(jfk, lhr), 5555, 5555 * 0.005, 'JFK-LHR');
  near(distanceKm(lax, jfk), 3983, 3983 * 0.005, 'LAX-JFK');
  near(distanceKm(lax, syd), 12051, 12051 * 0.005, 'LAX-SYD');
  assert.equal(distanceKm(mad, mad), 0);
  near(distanceKm(jfk, lhr), distanceKm(lhr, jfk), 1e-9, 'symmetric');
});

test('initial bearings of known airport pairs', () => {
  near(initialBearingDeg(jfk, lhr), 51.4, 1, 'JFK->LHR');
  near(initialBearingDeg(lhr, jfk), 288.1, 1, 'LHR->JFK');
  near(initialBearingDeg(lax, jfk), 65.9, 1, 'LAX->JFK');
  near(initialBearingDeg({ latitude: 0, longitude: 0 }, { latitude: 10, longitude: 0 }), 0, 1e-9, 'due north');
  near(initialBearingDeg({ latitude: 0, longitude: 0 }, { latitude: 0, longitude: 10 }), 90, 1e-9, 'due east');
});

test('intermediate points lie on the route and cross the antimeridian cleanly', () => {
  const start = intermediatePoint(jfk, lhr, 0);
  const end = intermediatePoint(jfk, lhr, 1);
  near(start.latitude, jfk.latitude, 1e-9, 'start lat');
  near(end.longitude, lhr.longitude, 1e-9, 'end lon');
  const middle = intermediatePoint(jfk, lhr, 0.5);
  near(distanceKm(jfk, middle), distanceKm(middle, lhr), 1e-6, 'midpoint halves the route');
  for (const point of greatCirclePoints(lax, syd, 50)) {
    assert.ok(point.longitude >= -180 && point.longitude < 180);
  }
  assert.equal(normalizeLongitude(190), -170);
  assert.equal(normalizeLongitude(-190), 170);
});
