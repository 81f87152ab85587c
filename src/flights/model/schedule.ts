// Turning a request for a flight (from the console, a flag or the web form) into a checked
// FlightPlan, and making up random ones between real airports.

import { isFlightNumber, isIataCode, utcDate, type Airport, type FlightPlan } from './flight.js';
import { distanceKm } from './geo.js';
import { buildProfile, speedKmhMax, speedKmhMin } from '../sim/physics.js';
import type { Chance } from './world.js';

/** Bad input from a person: shown to them as is. */
export class FlightInputError extends Error {
  override readonly name = 'FlightInputError';
}

export interface NewFlight {
  flightNumber?: string;
  origin: string;
  destination: string;
  departureAtMs: number;
  speedKmh: number;
}

export const routeKmMin = 50;
export const randomFlightsMax = 20_000;

export function planFlight(input: NewFlight, airports: ReadonlyMap<string, Airport>): FlightPlan {
  const origin = input.origin.trim().toUpperCase();
  const destination = input.destination.trim().toUpperCase();
  const flightNumber = (input.flightNumber ?? '').trim().toUpperCase();
  if (!isFlightNumber(flightNumber)) throw new FlightInputError(`invalid flight number '${input.flightNumber ?? ''}' (e.g. AR1234)`);
  if (!isIataCode(origin)) throw new FlightInputError(`invalid origin '${input.origin}' (a 3-letter IATA code)`);
  if (!isIataCode(destination)) throw new FlightInputError(`invalid destination '${input.destination}' (a 3-letter IATA code)`);
  const from = airports.get(origin);
  const to = airports.get(destination);
  if (from === undefined) throw new FlightInputError(`unknown airport '${origin}'`);
  if (to === undefined) throw new FlightInputError(`unknown airport '${destination}'`);
  if (distanceKm(from, to) < routeKmMin) throw new FlightInputError(`${origin} and ${destination} are less than ${routeKmMin} km apart`);
  if (!Number.isFinite(input.speedKmh) || input.speedKmh < speedKmhMin || input.speedKmh > speedKmhMax) {
    throw new FlightInputError(`speed must be ${speedKmhMin} to ${speedKmhMax} km/h`);
  }
  if (!Number.isFinite(input.departureAtMs) || input.departureAtMs < Date.UTC(2000, 0, 1) || input.departureAtMs > Date.UTC(2100, 0, 1)) {
    throw new FlightInputError('invalid departure time');
  }
  const departureAtMs = Math.floor(input.departureAtMs / 1000) * 1000;
  const speedKmh = Math.round(input.speedKmh);
  const profile = buildProfile({ origin: from, destination: to }, { departureAtMs, speedKmh });
  return {
    flightNumber, date: utcDate(departureAtMs), origin, destination,
    departureAtMs, arrivalAtMs: Math.round(profile.arrivedAtMs / 1000) * 1000, speedKmh,
  };
}

const airlineDesignators = ['AR', 'AU', 'RU', 'XR', 'AE'];

export function randomFlightNumber(chance: Chance): string {
  const airline = airlineDesignators[Math.floor(chance.next() * airlineDesignators.length)] ?? 'AR';
  return `${airline}${100 + Math.floor(chance.next() * 9900)}`;
}

export function randomGate(chance: Chance): string {
  return `${'ABCDE'[Math.floor(chance.next() * 5)] ?? 'A'}${1 + Math.floor(chance.next() * 40)}`;
}

/** A random route between two large airports, 300 to 9,000 km long (bounded retries). */
export function randomRoute(airports: readonly Airport[], chance: Chance): { origin: Airport; destination: Airport } {
  const large = airports.filter((airport) => airport.type === 'large_airport');
  const pool = large.length >= 2 ? large : airports;
  if (pool.length < 2) throw new FlightInputError('need at least two airports for random flights');
  for (let attempt = 0; attempt < 100; attempt++) {
    const origin = pool[Math.floor(chance.next() * pool.length)] as Airport;
    const destination = pool[Math.floor(chance.next() * pool.length)] as Airport;
    const km = distanceKm(origin, destination);
    if (km >= 300 && km <= 9_000) return { origin, destination };
  }
  return { origin: pool[0] as Airport, destination: pool[1] as Airport };
}

/** A random flight departing within [fromMs, toMs) of sim time, with a number not in `taken`. */
export function randomFlight(airports: readonly Airport[], options: { chance: Chance; fromMs: number; toMs: number; taken: ReadonlySet<string> }): NewFlight {
  const { chance } = options;
  const route = randomRoute(airports, chance);
  let flightNumber = randomFlightNumber(chance);
  for (let attempt = 0; attempt < 20 && options.taken.has(flightNumber); attempt++) flightNumber = randomFlightNumber(chance);
  const departureAtMs = options.fromMs + chance.next() * Math.max(0, options.toMs - options.fromMs);
  return { flightNumber, origin: route.origin.iata, destination: route.destination.iata, departureAtMs, speedKmh: 780 + Math.floor(chance.next() * 120) };
}
