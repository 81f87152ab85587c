// Flight physics as pure functions of time: a flight's whole trajectory follows from its plan
// (route, departure, cruise speed), so the simulator can compute any moment directly, skip
// ticks after an outage without drift, and tests can check any instant.
//
// Profile: taxi out, climb (speed ramps from take-off to cruise), cruise, descent (cruise to
// landing speed), landing roll and taxi in. Short routes climb lower so that climb and
// descent fit in the route.

import type { FlightPhase, FlightStatus } from '../model/flight.js';
import { distanceKm, initialBearingDeg, intermediatePoint, type LatLon } from '../model/geo.js';

const minuteMs = 60_000;
const hourMs = 3_600_000;

export const taxiOutMs = 10 * minuteMs;
export const taxiInMs = 6 * minuteMs;
export const boardingBeforeDepartureMs = 30 * minuteMs;
/** Delays and cancellations are announced this long before the scheduled departure, as airlines do. */
export const disruptionNoticeMs = 2 * hourMs;
const takeoffSpeedKmh = 300;
const landingSpeedKmh = 260;
const taxiSpeedKmh = 25;
const climbRateFpm = 2200;
const descentRateFpm = 1800;
/** Climb and descent together take at most this share of a route. */
const climbDescentShareMax = 0.8;
const reserveFuelKg = 2500;
const burnKgPerHour: Readonly<Record<FlightPhase, number>> = {
  parked: 0, taxi_out: 600, climb: 6500, cruise: 2600, descent: 1100, taxi_in: 600, arrived: 0,
};

export const speedKmhMin = 200;
export const speedKmhMax = 1200;

export interface FlightProfile {
  origin: LatLon;
  destination: LatLon;
  routeKm: number;
  speedKmh: number;
  cruiseAltitudeFt: number;
  /** Phase boundaries, epoch ms: pushback, take-off, top of climb, top of descent, touchdown, at gate. */
  pushbackAtMs: number;
  takeoffAtMs: number;
  topOfClimbAtMs: number;
  topOfDescentAtMs: number;
  touchdownAtMs: number;
  arrivedAtMs: number;
  climbKm: number;
  descentKm: number;
  initialFuelKg: number;
}

export interface FlightState extends LatLon {
  phase: FlightPhase;
  altitudeFt: number;
  groundSpeedKmh: number;
  verticalRateFpm: number;
  headingDeg: number;
  fuelKg: number;
}

export function buildProfile(route: { origin: LatLon; destination: LatLon }, options: { departureAtMs: number; speedKmh: number }): FlightProfile {
  const speedKmh = Math.min(speedKmhMax, Math.max(speedKmhMin, options.speedKmh));
  const routeKm = distanceKm(route.origin, route.destination);
  let cruiseAltitudeFt = speedKmh < 600 ? 24_000 : 36_000;
  let climbMs = (cruiseAltitudeFt / climbRateFpm) * minuteMs;
  let descentMs = (cruiseAltitudeFt / descentRateFpm) * minuteMs;
  let climbKm = (((takeoffSpeedKmh + speedKmh) / 2) * climbMs) / hourMs;
  let descentKm = (((speedKmh + landingSpeedKmh) / 2) * descentMs) / hourMs;
  const share = (climbKm + descentKm) / Math.max(routeKm, 1e-9);
  if (share > climbDescentShareMax) {
    // Everything above is linear in the altitude, so one factor scales it all.
    const scale = climbDescentShareMax / share;
    cruiseAltitudeFt *= scale;
    climbMs *= scale;
    descentMs *= scale;
    climbKm *= scale;
    descentKm *= scale;
  }
  const cruiseMs = ((routeKm - climbKm - descentKm) / speedKmh) * hourMs;
  const pushbackAtMs = options.departureAtMs;
  const takeoffAtMs = pushbackAtMs + taxiOutMs;
  const topOfClimbAtMs = takeoffAtMs + climbMs;
  const topOfDescentAtMs = topOfClimbAtMs + cruiseMs;
  const touchdownAtMs = topOfDescentAtMs + descentMs;
  const arrivedAtMs = touchdownAtMs + taxiInMs;
  const tripKg = (burnKgPerHour.taxi_out * taxiOutMs + burnKgPerHour.climb * climbMs + burnKgPerHour.cruise * cruiseMs
    + burnKgPerHour.descent * descentMs + burnKgPerHour.taxi_in * taxiInMs) / hourMs;
  return {
    origin: route.origin, destination: route.destination, routeKm, speedKmh, cruiseAltitudeFt,
    pushbackAtMs, takeoffAtMs, topOfClimbAtMs, topOfDescentAtMs, touchdownAtMs, arrivedAtMs,
    climbKm, descentKm, initialFuelKg: Math.round(tripKg * 1.05 + reserveFuelKg),
  };
}

export function phaseAt(profile: FlightProfile, timeMs: number): FlightPhase {
  if (timeMs < profile.pushbackAtMs) return 'parked';
  if (timeMs < profile.takeoffAtMs) return 'taxi_out';
  if (timeMs < profile.topOfClimbAtMs) return 'climb';
  if (timeMs < profile.topOfDescentAtMs) return 'cruise';
  if (timeMs < profile.touchdownAtMs) return 'descent';
  if (timeMs < profile.arrivedAtMs) return 'taxi_in';
  return 'arrived';
}

/** The status a flight has at a time when nobody intervenes. */
export function scheduledStatusAt(profile: FlightProfile, timeMs: number): FlightStatus {
  if (timeMs < profile.pushbackAtMs - boardingBeforeDepartureMs) return 'scheduled';
  if (timeMs < profile.pushbackAtMs) return 'boarding';
  if (timeMs < profile.takeoffAtMs) return 'departed';
  if (timeMs < profile.touchdownAtMs) return 'en_route';
  return 'landed';
}

/** Distance flown since take-off when the speed ramps linearly from v0 to v1 over durationMs. */
function rampKm(elapsedMs: number, durationMs: number, v0Kmh: number, v1Kmh: number): number {
  if (durationMs <= 0) return 0;
  const t = Math.min(elapsedMs, durationMs);
  return (v0Kmh * t + ((v1Kmh - v0Kmh) * t * t) / (2 * durationMs)) / hourMs;
}

interface Kinematics { alongKm: number; altitudeFt: number; groundSpeedKmh: number; verticalRateFpm: number }

function kinematicsAt(p: FlightProfile, phase: FlightPhase, timeMs: number): Kinematics {
  const climbMs = p.topOfClimbAtMs - p.takeoffAtMs;
  const descentMs = p.touchdownAtMs - p.topOfDescentAtMs;
  switch (phase) {
    case 'parked': return { alongKm: 0, altitudeFt: 0, groundSpeedKmh: 0, verticalRateFpm: 0 };
    case 'taxi_out': return { alongKm: 0, altitudeFt: 0, groundSpeedKmh: taxiSpeedKmh, verticalRateFpm: 0 };
    case 'climb': {
      const t = timeMs - p.takeoffAtMs;
      return {
        alongKm: rampKm(t, climbMs, takeoffSpeedKmh, p.speedKmh),
        altitudeFt: (p.cruiseAltitudeFt * t) / climbMs,
        groundSpeedKmh: takeoffSpeedKmh + ((p.speedKmh - takeoffSpeedKmh) * t) / climbMs,
        verticalRateFpm: (p.cruiseAltitudeFt / climbMs) * minuteMs,
      };
    }
    case 'cruise': {
      const t = timeMs - p.topOfClimbAtMs;
      return { alongKm: p.climbKm + (p.speedKmh * t) / hourMs, altitudeFt: p.cruiseAltitudeFt, groundSpeedKmh: p.speedKmh, verticalRateFpm: 0 };
    }
    case 'descent': {
      const t = timeMs - p.topOfDescentAtMs;
      return {
        alongKm: p.routeKm - p.descentKm + rampKm(t, descentMs, p.speedKmh, landingSpeedKmh),
        altitudeFt: p.cruiseAltitudeFt * (1 - t / descentMs),
        groundSpeedKmh: p.speedKmh + ((landingSpeedKmh - p.speedKmh) * t) / descentMs,
        verticalRateFpm: -(p.cruiseAltitudeFt / descentMs) * minuteMs,
      };
    }
    case 'taxi_in': return { alongKm: p.routeKm, altitudeFt: 0, groundSpeedKmh: taxiSpeedKmh, verticalRateFpm: 0 };
    case 'arrived': return { alongKm: p.routeKm, altitudeFt: 0, groundSpeedKmh: 0, verticalRateFpm: 0 };
  }
}

/** Fuel burnt from pushback until timeMs: each phase burns at its own constant rate. */
export function fuelBurntKg(p: FlightProfile, timeMs: number): number {
  const spans: [FlightPhase, number, number][] = [
    ['taxi_out', p.pushbackAtMs, p.takeoffAtMs], ['climb', p.takeoffAtMs, p.topOfClimbAtMs],
    ['cruise', p.topOfClimbAtMs, p.topOfDescentAtMs], ['descent', p.topOfDescentAtMs, p.touchdownAtMs],
    ['taxi_in', p.touchdownAtMs, p.arrivedAtMs],
  ];
  let burntKg = 0;
  for (const [phase, start, end] of spans) {
    const spentMs = Math.max(0, Math.min(timeMs, end) - start);
    burntKg += (burnKgPerHour[phase] * spentMs) / hourMs;
  }
  return burntKg;
}

export function stateAt(profile: FlightProfile, timeMs: number): FlightState {
  const phase = phaseAt(profile, timeMs);
  const k = kinematicsAt(profile, phase, timeMs);
  const fraction = profile.routeKm > 0 ? Math.min(1, Math.max(0, k.alongKm / profile.routeKm)) : 1;
  const position = intermediatePoint(profile.origin, profile.destination, fraction);
  // Near the end the bearing to the destination degenerates; keep the final approach course.
  const headingFrom = fraction < 0.999 ? position : intermediatePoint(profile.origin, profile.destination, 0.999);
  const headingDeg = profile.routeKm > 0 ? initialBearingDeg(headingFrom, profile.destination) : 0;
  return {
    ...position,
    phase,
    altitudeFt: Math.round(k.altitudeFt),
    groundSpeedKmh: Math.round(k.groundSpeedKmh),
    verticalRateFpm: Math.round(k.verticalRateFpm),
    headingDeg: Math.round(headingDeg * 10) / 10,
    fuelKg: Math.max(0, Math.round(profile.initialFuelKg - fuelBurntKg(profile, timeMs))),
  };
}
