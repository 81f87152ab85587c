// The default schedule: a daily timetable between real airports, weighted by airport size, and
// its flights on a given date with the statuses they have at a given moment.
//
// Sizing: `--flights N` is how many flights are in the air at once (what the simulator writes
// every tick, so what the database must take). A flight is in the air for its block time, so
// the day holds as many flights as fit N x 24 h of block time; the rest of the day's flights
// cost nothing per tick (they are parked, or landed).
//
// Routes: the origin is drawn by weight (hubs.ts: the busiest airports by rank, then large,
// then medium), the destination by weight times a distance preference (most flights are
// short-haul, with a long-haul tail), as a gravity model does. Departures follow the origin's
// local day (few at night, banks in the morning and the evening).

import { airlines, type Airport, type FlightPlan, type FlightStatus, type StatusChange } from './flight.js';
import { distanceKm } from './geo.js';
import { airportWeight, largeAirportWeight } from './hubs.js';
import { planFlight, randomGate } from './schedule.js';
import { boardingBeforeDepartureMs, buildProfile, disruptionNoticeMs, type FlightProfile } from '../sim/physics.js';
import { seededChance, type Chance } from './world.js';

export const timetableFlightsMax = 20_000;
/**
 * In the air at once by default: enough for the floor (every large airport with a dozen
 * departures and arrivals through its day: some 9,000 short hops, about 460 in the air) and a
 * weighted network on top. The 5-node local cluster held 500 with p99 writes under 50 ms
 * (bench/README.md).
 */
export const defaultFlightsInAir = 500;
/** At most (20,000 flights a day of about 3 h each). */
export const flightsInAirMax = 2_500;
/** One timetable for every start, so that a restart finds its flights and adds none. */
export const timetableSeed = 20_260_701;
export const timetableRouteKmMin = 200;
export const timetableRouteKmMax = 14_000;
const minuteMs = 60_000;
const dayMinutes = 1_440;

export interface TimetableEntry {
  flightNumber: string;
  origin: string;
  destination: string;
  /** UTC minute of the day of departure, 0..1439. */
  departureMinute: number;
  speedKmh: number;
  /** Push-back to arrival at the gate. */
  blockMinutes: number;
}

/** Departures per local hour, relative (airports sleep from midnight to five). */
const departuresByLocalHour = [0.15, 0.05, 0.03, 0.03, 0.08, 0.5, 1.2, 1.4, 1.3, 1.1, 1, 1, 1, 1, 1, 1.05, 1.15, 1.3, 1.3, 1.15, 1, 0.8, 0.5, 0.3];

/** Picks items in proportion to their weights (cumulative sums, binary search). */
export class WeightedPicker<T> {
  private readonly cumulative: number[] = [];
  private readonly total: number;

  constructor(private readonly items: readonly T[], weight: (item: T) => number) {
    let sum = 0;
    for (const item of items) {
      sum += Math.max(0, weight(item));
      this.cumulative.push(sum);
    }
    if (!(sum > 0)) throw new RangeError('nothing to pick from');
    this.total = sum;
  }

  pick(chance: Chance): T {
    const target = chance.next() * this.total;
    let low = 0;
    let high = this.cumulative.length - 1;
    while (low < high) {
      const middle = (low + high) >>> 1;
      if ((this.cumulative[middle] ?? 0) > target) high = middle;
      else low = middle + 1;
    }
    return this.items[low] as T;
  }
}

/**
 * Yields items in proportion to their weights, evenly interleaved, so that every prefix of the
 * sequence gives each item its share within one (nginx's smooth weighted round-robin): a hub
 * gets its share of departures however many flights the day holds.
 */
export class SmoothRoundRobin<T> {
  private readonly current: number[];
  private readonly weights: number[];
  private readonly total: number;

  constructor(private readonly items: readonly T[], weight: (item: T) => number) {
    this.weights = items.map((item) => Math.max(0, weight(item)));
    this.current = items.map(() => 0);
    this.total = this.weights.reduce((sum, w) => sum + w, 0);
    if (!(this.total > 0)) throw new RangeError('nothing to pick from');
  }

  next(): T {
    let best = 0;
    for (let i = 0; i < this.items.length; i++) {
      this.current[i] = (this.current[i] ?? 0) + (this.weights[i] ?? 0);
      if ((this.current[i] ?? 0) > (this.current[best] ?? 0)) best = i;
    }
    this.current[best] = (this.current[best] ?? 0) - this.total;
    return this.items[best] as T;
  }
}

/** How likely a route of this length is flown, 0..1: mostly short-haul, with a long-haul tail. */
export function distancePreference(km: number): number {
  if (km < timetableRouteKmMin || km > timetableRouteKmMax) return 0;
  return 1 / (1 + (km / 600) ** 2);
}

function pickRoute(origin: Airport, picker: WeightedPicker<Airport>, chance: Chance): { origin: Airport; destination: Airport; km: number } {
  for (let attempt = 0; attempt < 1_000; attempt++) {
    const destination = picker.pick(chance);
    const km = distanceKm(origin, destination);
    if (destination.iata !== origin.iata && chance.next() < distancePreference(km)) return { origin, destination, km };
  }
  // A remote origin with nothing near enough: the caller moves on to the next origin.
  return { origin, destination: origin, km: 0 };
}

function pickDepartureMinute(origin: Airport, chance: Chance, hourPicker: WeightedPicker<number>): number {
  const localMinute = hourPicker.pick(chance) * 60 + Math.floor(chance.next() * 12) * 5;
  const offsetMinutes = localOffsetMinutes(origin);
  return (((localMinute - offsetMinutes) % dayMinutes) + dayMinutes) % dayMinutes;
}

/** A departure in the small hours of the airport's local night waits for the morning (06:00 to 07:55). */
function awake(airport: Airport, utcMinute: number, chance: Chance): number {
  const offsetMinutes = localOffsetMinutes(airport);
  const localMinute = (((utcMinute + offsetMinutes) % dayMinutes) + dayMinutes) % dayMinutes;
  if (localMinute >= 5 * 60) return utcMinute;
  const morning = 6 * 60 + Math.floor(chance.next() * 24) * 5;
  return (((morning - offsetMinutes) % dayMinutes) + dayMinutes) % dayMinutes;
}

/** Cruise speed by route length: turboprops on short hops, jets beyond. */
function cruiseSpeedKmh(km: number, chance: Chance): number {
  return km < 700 ? 520 + Math.floor(chance.next() * 80) : 800 + Math.floor(chance.next() * 100);
}

/** Local hours a large airport's own rotations leave at, in this order: the day first, then the gaps. */
const floorLocalHours = [7, 9, 11, 13, 15, 17, 19, 21, 6, 8, 10, 12, 14, 16, 18, 20, 22, 23];
/** The floor's rotations are short hops: a regional partner 200 to 1,000 km away, the nearer the likelier. */
const floorRouteKmMax = 1_000;
function floorPreference(km: number): number {
  return km < timetableRouteKmMin || km > floorRouteKmMax ? 0 : 1 / (1 + (km / 250) ** 2);
}

function localOffsetMinutes(airport: Airport): number {
  return Math.round((airport.longitude / 15) * 60);
}

function localHour(airport: Airport, utcMinute: number): number {
  return Math.floor(((((utcMinute + localOffsetMinutes(airport)) % dayMinutes) + dayMinutes) % dayMinutes) / 60);
}

type Route = Omit<TimetableEntry, 'flightNumber'>;

/** The aircraft flies back after a turnaround of 45 to 120 minutes, as airlines rotate them. */
function rotation(route: { origin: Airport; destination: Airport; km: number }, out: number, chance: Chance): [Route, Route] {
  const speedKmh = cruiseSpeedKmh(route.km, chance);
  const block = Math.round(buildProfile(route, { departureAtMs: 0, speedKmh }).arrivedAtMs / minuteMs);
  const back = awake(route.destination, (out + block + 45 + Math.floor(chance.next() * 16) * 5) % dayMinutes, chance);
  return [
    { origin: route.origin.iata, destination: route.destination.iata, departureMinute: out, speedKmh, blockMinutes: block },
    { origin: route.destination.iata, destination: route.origin.iata, departureMinute: back, speedKmh, blockMinutes: block },
  ];
}

/**
 * The floor under the network: every large airport gets at least `departures` departures
 * (and as many arrivals), leaving and arriving in at least `hours` different local hours, from short
 * rotations to regional partners (a rotation also counts for its partner, so airports taken
 * later need fewer of their own).
 */
function floorRotations(sorted: readonly Airport[], minimum: { departures: number; hours: number }, chance: Chance): Route[] {
  const routes: Route[] = [];
  if (minimum.departures <= 0) return routes;
  const departures = new Map<string, number>();
  const hours = new Map<string, Set<number>>();
  const arrivalHours = new Map<string, Set<number>>();
  const note = (hoursOf: Map<string, Set<number>>, airport: Airport, utcMinute: number) => hoursOf.set(airport.iata, (hoursOf.get(airport.iata) ?? new Set()).add(localHour(airport, utcMinute)));
  const count = (flight: Route, from: Airport, to: Airport) => {
    departures.set(from.iata, (departures.get(from.iata) ?? 0) + 1);
    note(hours, from, flight.departureMinute);
    // The minute the board shows (planFlight keeps the arrival to the second), not the rounded block.
    const blockSeconds = Math.round(buildProfile({ origin: from, destination: to }, { departureAtMs: 0, speedKmh: flight.speedKmh }).arrivedAtMs / 1_000);
    note(arrivalHours, to, flight.departureMinute + Math.floor(blockSeconds / 60));
  };
  const candidates = sorted.filter((airport) => airport.type === 'large_airport' || airport.type === 'medium_airport');
  // The busiest first, with a floor that grows with their weight: their hops serve the smaller airports around them.
  const large = sorted.filter((airport) => airport.type === 'large_airport').sort((a, b) => airportWeight(b) - airportWeight(a));
  for (const origin of large) {
    const wanted = Math.round(minimum.departures * (airportWeight(origin) / largeAirportWeight) ** 0.4);
    const near = candidates.map((airport) => ({ airport, km: distanceKm(origin, airport) })).filter((c) => floorPreference(c.km) > 0);
    // A remote airport (an island far from anything) flies its rotations as far as it must.
    const partners = near.length > 0 ? near : candidates.map((airport) => ({ airport, km: distanceKm(origin, airport) })).filter((c) => distancePreference(c.km) > 0);
    if (partners.length === 0) continue;
    // A large partner that still needs departures is preferred: the rotation serves both.
    const needs = (airport: Airport) => (airport.type === 'large_airport' && (departures.get(airport.iata) ?? 0) < minimum.departures ? 20 : 1);
    const picker = new WeightedPicker(partners, (c) => needs(c.airport) * airportWeight(c.airport) * (near.length > 0 ? floorPreference(c.km) : distancePreference(c.km)));
    for (let i = 0; i < wanted + floorLocalHours.length; i++) {
      const taken = hours.get(origin.iata) ?? new Set<number>();
      if ((departures.get(origin.iata) ?? 0) >= wanted && taken.size >= minimum.hours && (arrivalHours.get(origin.iata)?.size ?? 0) >= minimum.hours) break;
      const hour = floorLocalHours.find((h) => !taken.has(h)) ?? floorLocalHours[i % floorLocalHours.length] ?? 12;
      const out = (((hour * 60 + Math.floor(chance.next() * 12) * 5 - localOffsetMinutes(origin)) % dayMinutes) + dayMinutes) % dayMinutes;
      const partner = picker.pick(chance);
      const [there, back] = rotation({ origin, destination: partner.airport, km: partner.km }, out, chance);
      routes.push(there, back);
      count(there, origin, partner.airport);
      count(back, partner.airport, origin);
    }
  }
  return routes;
}

/** Departures every large airport has a day under the default sizing (and their spread over its local day). */
export const largeAirportDeparturesMin = 12;
export const largeAirportDepartureHoursMin = 8;

/**
 * A day's timetable with about `flightsInAir` flights in the air on average (their block
 * times add up to flightsInAir x 24 h), reproducible from the seed: first the floor (every
 * large airport busy all day, both ways), then the weighted network with the rest of the
 * block time. Sized below the default, the floor shrinks in proportion.
 */
export function generateTimetable(airports: readonly Airport[], options: { flightsInAir: number; seed: number }): TimetableEntry[] {
  if (!(options.flightsInAir > 0)) return [];
  const chance = seededChance(options.seed);
  const sorted = [...airports].sort((a, b) => a.iata.localeCompare(b.iata));
  const scale = Math.min(1, options.flightsInAir / defaultFlightsInAir);
  const routes = floorRotations(sorted, {
    departures: Math.floor(largeAirportDeparturesMin * scale), hours: Math.floor(largeAirportDepartureHoursMin * scale),
  }, chance);
  const picker = new WeightedPicker(sorted, airportWeight);
  const origins = new SmoothRoundRobin(sorted, airportWeight);
  const hourPicker = new WeightedPicker(departuresByLocalHour.map((_, hour) => hour), (hour) => departuresByLocalHour[hour] ?? 0);
  const blockMinutesWanted = options.flightsInAir * dayMinutes;
  let blockMinutes = routes.reduce((sum, route) => sum + route.blockMinutes, 0);
  for (let attempt = 0; blockMinutes < blockMinutesWanted && routes.length < timetableFlightsMax - 1 && attempt < timetableFlightsMax * 4; attempt++) {
    const route = pickRoute(origins.next(), picker, chance);
    if (route.km < timetableRouteKmMin) continue;
    const pair = rotation(route, pickDepartureMinute(route.origin, chance, hourPicker), chance);
    routes.push(...pair);
    blockMinutes += pair[0].blockMinutes + pair[1].blockMinutes;
  }
  return numberFlights(routes, chance).sort((a, b) => a.departureMinute - b.departureMinute || a.flightNumber.localeCompare(b.flightNumber));
}

const airlineShares: Readonly<Record<string, number>> = { AR: 0.3, AU: 0.2, RU: 0.2, XR: 0.15, AE: 0.15 };

/**
 * Flight numbers per airline: an outbound flight gets an even number and its return the next
 * odd one (AR1234 out, AR1235 back), rising from 100 in steps that keep them under 10,000.
 */
function numberFlights(routes: Route[], chance: Chance): TimetableEntry[] {
  const designators = Object.keys(airlines);
  const airlinePicker = new WeightedPicker(designators, (code) => airlineShares[code] ?? 0.1);
  const pairs = Math.ceil(routes.length / 2);
  const assigned = Array.from({ length: pairs }, () => airlinePicker.pick(chance));
  const counts = new Map<string, number>();
  for (const code of assigned) counts.set(code, (counts.get(code) ?? 0) + 1);
  const next = new Map<string, number>();
  const numbered: TimetableEntry[] = [];
  for (let pair = 0; pair < pairs; pair++) {
    let code = assigned[pair] ?? 'AR';
    // An airline that ran out of numbers (only near 20,000 flights a day) lends to the next.
    for (let i = 0; (next.get(code) ?? 100) > 9_998 && i < designators.length; i++) code = designators[(designators.indexOf(code) + 1) % designators.length] ?? 'AR';
    const stepMax = Math.max(1, Math.min(7, Math.floor(4_900 / (counts.get(code) ?? 1))));
    const number = next.get(code) ?? 100;
    next.set(code, number + 2 * (1 + Math.floor(chance.next() * stepMax)));
    for (const [offset, route] of [routes[2 * pair], routes[2 * pair + 1]].entries()) {
      if (route !== undefined) numbered.push({ ...route, flightNumber: `${code}${number + offset}` });
    }
  }
  return numbered;
}

/** A flight of the timetable on a date, with the status it has at `simNowMs` and how it got there. */
export interface DayFlight {
  plan: FlightPlan;
  gate: string;
  status: FlightStatus;
  estimatedDepartureAtMs: number | null;
  actualDepartureAtMs: number | null;
  actualArrivalAtMs: number | null;
  history: StatusChange[];
}

export interface DayOptions {
  /** UTC date, YYYY-MM-DD. */
  date: string;
  simNowMs: number;
  chance: Chance;
  delayProbability: number;
  cancelProbability: number;
  /** Only flights arriving after this (for the tail of the previous day). */
  arrivingAfterMs?: number;
}

/**
 * The timetable's flights on a date. A flight within two hours of its departure has had its
 * delay or cancellation rolled (as the simulator rolls them, announced that early) and walked
 * the statuses its clock gives; later flights are scheduled, and the simulator takes over.
 */
export function flightsOfDay(timetable: readonly TimetableEntry[], airports: ReadonlyMap<string, Airport>, options: DayOptions): DayFlight[] {
  const dayStartMs = Date.parse(`${options.date}T00:00:00Z`);
  const flights: DayFlight[] = [];
  for (const entry of timetable) {
    const plan = planFlight({ ...entry, departureAtMs: dayStartMs + entry.departureMinute * minuteMs }, airports);
    if (options.arrivingAfterMs !== undefined && plan.arrivalAtMs <= options.arrivingAfterMs) continue;
    flights.push(statusAt(plan, airports, options));
  }
  return flights;
}

function statusAt(plan: FlightPlan, airports: ReadonlyMap<string, Airport>, options: DayOptions): DayFlight {
  const now = options.simNowMs;
  const flight: DayFlight = {
    plan, gate: randomGate(options.chance), status: 'scheduled', estimatedDepartureAtMs: null, actualDepartureAtMs: null, actualArrivalAtMs: null,
    history: [{ changedAtMs: Math.min(now, plan.departureAtMs - 2 * 3_600_000), status: 'scheduled', source: 'schedule', note: '' }],
  };
  const noticeAtMs = plan.departureAtMs - disruptionNoticeMs;
  if (now < noticeAtMs) return flight;
  const change = (status: FlightStatus, changedAtMs: number, source: StatusChange['source'], note = '') => {
    flight.status = status;
    flight.history.push({ changedAtMs, status, source, note });
  };
  const roll = options.chance.next();
  if (roll < options.cancelProbability) {
    change('cancelled', noticeAtMs, 'simulator');
    return flight;
  }
  let departureAtMs = plan.departureAtMs;
  if (roll < options.cancelProbability + options.delayProbability) {
    departureAtMs += (15 + Math.floor(options.chance.next() * 76)) * minuteMs;
    flight.estimatedDepartureAtMs = departureAtMs;
    change('delayed', noticeAtMs, 'simulator', `new departure ${new Date(departureAtMs).toISOString().slice(11, 16)} UTC`);
  }
  const profile = profileOf(plan, airports, departureAtMs);
  const steps: [FlightStatus, number][] = [
    ['boarding', departureAtMs - boardingBeforeDepartureMs], ['departed', profile.pushbackAtMs], ['en_route', profile.takeoffAtMs], ['landed', profile.touchdownAtMs],
  ];
  for (const [status, atMs] of steps) {
    if (atMs > now) break;
    change(status, Math.round(atMs), 'simulator');
    if (status === 'departed') flight.actualDepartureAtMs = Math.round(atMs);
    if (status === 'landed') flight.actualArrivalAtMs = Math.round(atMs);
  }
  return flight;
}

function profileOf(plan: FlightPlan, airports: ReadonlyMap<string, Airport>, departureAtMs: number): FlightProfile {
  const origin = airports.get(plan.origin);
  const destination = airports.get(plan.destination);
  if (origin === undefined || destination === undefined) throw new RangeError(`unknown airport in ${plan.flightNumber}`);
  return buildProfile({ origin, destination }, { departureAtMs, speedKmh: plan.speedKmh });
}
