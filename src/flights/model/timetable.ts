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
import { airportWeight, isHub } from './hubs.js';
import { planFlight, randomGate } from './schedule.js';
import { boardingBeforeDepartureMs, buildProfile, type FlightProfile } from '../sim/physics.js';
import { seededChance, type Chance } from './world.js';

export const timetableFlightsMax = 20_000;
/**
 * In the air at once by default: 30 to 60 % of the 500 to 1,000 flights the local 5-node
 * cluster held with p99 writes under 50 ms (bench/README.md), and enough for every large
 * airport to get 3 coverage pairs (coveragePairs) besides the hubs' traffic.
 */
export const defaultFlightsInAir = 300;
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

/** How likely a coverage hop (a large airport's own out-and-back) is this long: short hops, within 1,500 km. */
export function shortHopPreference(km: number): number {
  if (km < timetableRouteKmMin || km > 1_500) return 0;
  return 1 / (1 + (km / 400) ** 2);
}

function pickRoute(origin: Airport, picker: WeightedPicker<Airport>, chance: Chance, preference: (km: number) => number = distancePreference): { origin: Airport; destination: Airport; km: number } {
  for (let attempt = 0; attempt < 1_000; attempt++) {
    const destination = picker.pick(chance);
    const km = distanceKm(origin, destination);
    if (destination.iata !== origin.iata && chance.next() < preference(km)) return { origin, destination, km };
  }
  // A remote origin with nothing near enough: the caller moves on to the next origin.
  return { origin, destination: origin, km: 0 };
}

/** The UTC minute of the day of a local minute at the airport (solar time from its longitude). */
function utcMinuteOf(airport: Airport, localMinute: number): number {
  const offsetMinutes = Math.round((airport.longitude / 15) * 60);
  return (((localMinute - offsetMinutes) % dayMinutes) + dayMinutes) % dayMinutes;
}

function pickDepartureMinute(origin: Airport, chance: Chance, hourPicker: WeightedPicker<number>): number {
  return utcMinuteOf(origin, hourPicker.pick(chance) * 60 + Math.floor(chance.next() * 12) * 5);
}

/** A departure in the small hours of the airport's local night waits for the morning (06:00 to 07:55). */
function awake(airport: Airport, utcMinute: number, chance: Chance): number {
  const offsetMinutes = Math.round((airport.longitude / 15) * 60);
  const localMinute = (((utcMinute + offsetMinutes) % dayMinutes) + dayMinutes) % dayMinutes;
  if (localMinute >= 5 * 60) return utcMinute;
  const morning = 6 * 60 + Math.floor(chance.next() * 24) * 5;
  return (((morning - offsetMinutes) % dayMinutes) + dayMinutes) % dayMinutes;
}

/** Cruise speed by route length: turboprops on short hops, jets beyond. */
function cruiseSpeedKmh(km: number, chance: Chance): number {
  return km < 700 ? 520 + Math.floor(chance.next() * 80) : 800 + Math.floor(chance.next() * 100);
}

/** Share of the day's block time that goes to the large airports' own out-and-back hops, at most. */
const coverageShare = 0.42;
/** Block minutes of one coverage pair (two short hops), as planned; the real ones are measured. */
const coveragePairMinutesEstimate = 150;
/** Coverage pairs per large airport, at most (each gives it a departure and an arrival). */
export const coveragePairsMax = 6;

/**
 * How many out-and-back pairs each large airport gets of its own (coverage), so that every
 * large airport's boards hold flights through its day: as many as fit coverageShare of the
 * day's block time, 0 when the timetable is too small (then the hubs come first).
 */
export function coveragePairs(flightsInAir: number, largeAirports: number): number {
  if (largeAirports === 0) return 0;
  const fit = Math.floor((coverageShare * flightsInAir * dayMinutes) / (largeAirports * coveragePairMinutesEstimate));
  return Math.max(0, Math.min(coveragePairsMax, fit));
}

/**
 * A day's timetable with about `flightsInAir` flights in the air on average (their block
 * times add up to flightsInAir x 24 h), reproducible from the seed. First every large airport
 * that is not a ranked hub gets its coverage pairs: short hops out and back, their departures
 * spread over its local day from 06:00 to 21:00; then the rest of the block time goes to
 * routes drawn by weight, which the hubs dominate.
 */
export function generateTimetable(airports: readonly Airport[], options: { flightsInAir: number; seed: number }): TimetableEntry[] {
  if (!(options.flightsInAir > 0)) return [];
  const chance = seededChance(options.seed);
  const sorted = [...airports].sort((a, b) => a.iata.localeCompare(b.iata));
  const picker = new WeightedPicker(sorted, airportWeight);
  const origins = new SmoothRoundRobin(sorted, airportWeight);
  const hourPicker = new WeightedPicker(departuresByLocalHour.map((_, hour) => hour), (hour) => departuresByLocalHour[hour] ?? 0);
  const blockMinutesWanted = options.flightsInAir * dayMinutes;
  const routes: Omit<TimetableEntry, 'flightNumber'>[] = [];
  let blockMinutes = 0;
  const addPair = (route: { origin: Airport; destination: Airport; km: number }, departure: () => number) => {
    const speedKmh = cruiseSpeedKmh(route.km, chance);
    const block = Math.round(buildProfile(route, { departureAtMs: 0, speedKmh }).arrivedAtMs / minuteMs);
    const out = departure();
    // The aircraft flies back after a turnaround of 45 to 120 minutes, as airlines rotate them.
    const back = awake(route.destination, (out + block + 45 + Math.floor(chance.next() * 16) * 5) % dayMinutes, chance);
    routes.push({ origin: route.origin.iata, destination: route.destination.iata, departureMinute: out, speedKmh, blockMinutes: block });
    routes.push({ origin: route.destination.iata, destination: route.origin.iata, departureMinute: back, speedKmh, blockMinutes: block });
    blockMinutes += 2 * block;
  };
  const covered = sorted.filter((airport) => airport.type === 'large_airport' && !isHub(airport.iata));
  const pairs = coveragePairs(options.flightsInAir, covered.length);
  for (let pair = 0; pair < pairs; pair++) {
    for (const origin of covered) {
      let route = pickRoute(origin, picker, chance, shortHopPreference);
      if (route.km < timetableRouteKmMin) route = pickRoute(origin, picker, chance);
      if (route.km < timetableRouteKmMin) continue;
      // Pair n of N leaves in the n-th of N equal bands of the local day, 06:00 to 21:00.
      addPair(route, () => utcMinuteOf(origin, Math.round((6 * 60 + ((pair + chance.next()) * 15 * 60) / pairs) / 5) * 5));
    }
  }
  for (let attempt = 0; blockMinutes < blockMinutesWanted && routes.length < timetableFlightsMax - 1 && attempt < timetableFlightsMax * 4; attempt++) {
    const route = pickRoute(origins.next(), picker, chance);
    if (route.km < timetableRouteKmMin) continue;
    addPair(route, () => pickDepartureMinute(route.origin, chance, hourPicker));
  }
  return numberFlights(routes, chance).sort((a, b) => a.departureMinute - b.departureMinute || a.flightNumber.localeCompare(b.flightNumber));
}

const airlineShares: Readonly<Record<string, number>> = { AR: 0.3, AU: 0.2, RU: 0.2, XR: 0.15, AE: 0.15 };

/**
 * Flight numbers per airline: an outbound flight gets an even number and its return the next
 * odd one (AR1234 out, AR1235 back), rising from 100 in steps that keep them under 10,000.
 */
function numberFlights(routes: Omit<TimetableEntry, 'flightNumber'>[], chance: Chance): TimetableEntry[] {
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
 * The timetable's flights on a date. A flight whose boarding time has passed has had its
 * delay or cancellation rolled (as the simulator rolls them when boarding is due) and walked
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
  const boardingAtMs = plan.departureAtMs - boardingBeforeDepartureMs;
  if (now < boardingAtMs) return flight;
  const change = (status: FlightStatus, changedAtMs: number, source: StatusChange['source'], note = '') => {
    flight.status = status;
    flight.history.push({ changedAtMs, status, source, note });
  };
  const roll = options.chance.next();
  if (roll < options.cancelProbability) {
    change('cancelled', boardingAtMs, 'simulator');
    return flight;
  }
  let departureAtMs = plan.departureAtMs;
  if (roll < options.cancelProbability + options.delayProbability) {
    departureAtMs += (15 + Math.floor(options.chance.next() * 76)) * minuteMs;
    flight.estimatedDepartureAtMs = departureAtMs;
    change('delayed', boardingAtMs, 'simulator', `new departure ${new Date(departureAtMs).toISOString().slice(11, 16)} UTC`);
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
