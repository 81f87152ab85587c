import { test } from 'node:test';
import assert from 'node:assert/strict';
import { bundledAirports } from './airports.js';
import { isFlightNumber, type FlightStatus } from './flight.js';
import { distanceKm } from './geo.js';
import { busiestAirports } from './hubs.js';
import { coveragePairs, defaultFlightsInAir, distancePreference, flightsOfDay, generateTimetable, SmoothRoundRobin, timetableRouteKmMin, WeightedPicker } from './timetable.js';
import { seededChance } from './world.js';

const airports = bundledAirports();
const byCode = new Map(airports.map((airport) => [airport.iata, airport]));
const timetable = generateTimetable(airports, { flightsInAir: defaultFlightsInAir, seed: 1 });
const dayMinutes = 1_440;

test('pickers follow their weights: at random, and evenly interleaved', () => {
  const chance = seededChance(2);
  const picker = new WeightedPicker(['a', 'b', 'c'], (item) => ({ a: 1, b: 3, c: 0 })[item] ?? 0);
  const counts = { a: 0, b: 0, c: 0 };
  for (let i = 0; i < 8_000; i++) counts[picker.pick(chance) as 'a' | 'b' | 'c']++;
  assert.equal(counts.c, 0, 'weight 0 is never picked');
  assert.ok(Math.abs(counts.b / counts.a - 3) < 0.3, JSON.stringify(counts));
  const robin = new SmoothRoundRobin(['x', 'y'], (item) => (item === 'x' ? 5 : 1));
  const sequence = Array.from({ length: 12 }, () => robin.next());
  // Every prefix of six holds five x and one y.
  assert.equal(sequence.slice(0, 6).filter((item) => item === 'y').length, 1);
  assert.equal(sequence.slice(6).filter((item) => item === 'y').length, 1);
  assert.throws(() => new WeightedPicker(['a'], () => 0), /nothing to pick/);
});

test('the timetable is reproducible and sized so that its flights fill the air as asked', () => {
  assert.deepEqual(generateTimetable(airports, { flightsInAir: 30, seed: 7 }), generateTimetable(airports, { flightsInAir: 30, seed: 7 }));
  assert.notDeepEqual(generateTimetable(airports, { flightsInAir: 30, seed: 7 }), generateTimetable(airports, { flightsInAir: 30, seed: 8 }));
  assert.deepEqual(generateTimetable(airports, { flightsInAir: 0, seed: 1 }), []);
  const blockMinutes = timetable.reduce((sum, entry) => sum + entry.blockMinutes, 0);
  const wanted = defaultFlightsInAir * dayMinutes;
  assert.ok(blockMinutes >= wanted && blockMinutes < wanted + 2 * 24 * 60, `${blockMinutes} block minutes for ${wanted}`);
  // Counted at instants through the day (flights departing the day before included), the air holds about that many.
  for (const minute of [0, 360, 720, 1080]) {
    const inAir = timetable.filter((entry) => [entry.departureMinute - dayMinutes, entry.departureMinute]
      .some((start) => start <= minute && minute < start + entry.blockMinutes)).length;
    assert.ok(inAir > defaultFlightsInAir * 0.6 && inAir < defaultFlightsInAir * 1.4, `${inAir} in the air at minute ${minute}`);
  }
});

test('flights run between real airports, large ones dominate, and every big hub is busy all day both ways', () => {
  const numbers = new Set(timetable.map((entry) => entry.flightNumber));
  assert.equal(numbers.size, timetable.length, 'one number per flight');
  const departures = new Map<string, number[]>();
  const arrivals = new Map<string, number>();
  let fromLarge = 0;
  for (const entry of timetable) {
    assert.ok(isFlightNumber(entry.flightNumber), entry.flightNumber);
    const origin = byCode.get(entry.origin);
    const destination = byCode.get(entry.destination);
    assert.ok(origin !== undefined && destination !== undefined && origin !== destination);
    assert.ok(distanceKm(origin, destination) >= timetableRouteKmMin);
    assert.ok(entry.departureMinute >= 0 && entry.departureMinute < dayMinutes && Number.isInteger(entry.departureMinute));
    if (origin.type === 'large_airport') fromLarge++;
    departures.set(entry.origin, [...(departures.get(entry.origin) ?? []), entry.departureMinute]);
    arrivals.set(entry.destination, (arrivals.get(entry.destination) ?? 0) + 1);
  }
  assert.ok(fromLarge / timetable.length > 0.85, `${fromLarge} of ${timetable.length} from large airports`);
  for (const hub of busiestAirports.slice(0, 30)) {
    const times = departures.get(hub) ?? [];
    assert.ok(times.length >= 10, `${hub}: ${times.length} departures`);
    assert.equal(arrivals.get(hub), times.length, `${hub}: every flight out comes back`);
    // Spread over the day: departures in at least 8 different hours.
    assert.ok(new Set(times.map((minute) => Math.floor(minute / 60))).size >= 8, `${hub}: ${times.join(',')}`);
  }
  const mad = departures.get('MAD')?.length ?? 0;
  const atl = departures.get('ATL')?.length ?? 0;
  assert.ok(atl > mad, `the busiest hub is busier (ATL ${atl}, MAD ${mad})`);
  // Short-haul dominates, with a long-haul tail.
  const kms = timetable.map((entry) => distanceKm(byCode.get(entry.origin)!, byCode.get(entry.destination)!)).sort((a, b) => a - b);
  assert.ok((kms[Math.floor(kms.length / 2)] ?? 0) < 1_500, `median ${kms[Math.floor(kms.length / 2)]} km`);
  assert.ok(kms.filter((km) => km > 5_000).length > timetable.length * 0.02, 'some long-haul');
  assert.equal(distancePreference(100), 0);
  assert.ok(distancePreference(500) > distancePreference(5_000));
});

test('every large airport has departures and arrivals of its own through its day', () => {
  const large = airports.filter((airport) => airport.type === 'large_airport');
  const pairs = coveragePairs(defaultFlightsInAir, large.filter((airport) => !busiestAirports.includes(airport.iata)).length);
  assert.ok(pairs >= 3, `${pairs} coverage pairs per large airport`);
  assert.equal(coveragePairs(3, large.length), 0, 'a tiny timetable leaves coverage out: the hubs come first');
  const localHour = (iata: string, utcMinute: number) => Math.floor(((((utcMinute + Math.round(byCode.get(iata)!.longitude * 4)) % dayMinutes) + dayMinutes) % dayMinutes) / 60);
  const departures = new Map<string, Set<number>>();
  const arrivals = new Map<string, Set<number>>();
  const counts = new Map<string, { out: number; in: number }>();
  for (const entry of timetable) {
    const out = counts.get(entry.origin) ?? { out: 0, in: 0 };
    out.out++;
    counts.set(entry.origin, out);
    const back = counts.get(entry.destination) ?? { out: 0, in: 0 };
    back.in++;
    counts.set(entry.destination, back);
    departures.set(entry.origin, (departures.get(entry.origin) ?? new Set()).add(localHour(entry.origin, entry.departureMinute)));
    arrivals.set(entry.destination, (arrivals.get(entry.destination) ?? new Set()).add(localHour(entry.destination, entry.departureMinute + entry.blockMinutes)));
  }
  const thin: string[] = [];
  for (const airport of large) {
    const count = counts.get(airport.iata) ?? { out: 0, in: 0 };
    const hours = { out: departures.get(airport.iata)?.size ?? 0, in: arrivals.get(airport.iata)?.size ?? 0 };
    // Departures leave in separate bands of the local day; two returns may land within one hour.
    if (count.out < pairs || count.in < pairs || hours.out < pairs || hours.in < pairs - 1) thin.push(`${airport.iata} ${count.out}/${count.in} in ${hours.out}/${hours.in} hours`);
  }
  assert.deepEqual(thin, [], `every one of the ${large.length} large airports has at least ${pairs} departures and arrivals, spread over its day`);
});

test('a hub\'s boards change all day: every 20 minutes from 07:00 to 22:00 local they hold flights in several statuses, and over the day in every status', () => {
  const date = '2026-07-01';
  for (const hub of ['MAD', 'ATL', 'HND', 'SYD']) {
    const seen = new Set<FlightStatus>();
    const hubFlights = timetable.filter((entry) => entry.origin === hub || entry.destination === hub);
    // Every 20 minutes from 07:00 to 22:00 local.
    for (let minute = 7 * 60; minute <= 22 * 60; minute += 20) {
      const nowMs = Date.parse(`${date}T00:00:00Z`) + (minute - Math.round(byCode.get(hub)!.longitude * 4)) * 60_000;
      const day = [date, '2026-06-30', '2026-07-02'].flatMap((d) => flightsOfDay(hubFlights, byCode, { date: d, simNowMs: nowMs, chance: seededChance(minute), delayProbability: 0.15, cancelProbability: 0.02 }));
      const board = day.filter((flight) => flight.plan.origin === hub || flight.plan.destination === hub);
      const statuses = new Set(board.map((flight) => flight.status));
      for (const status of statuses) seen.add(status);
      assert.ok(statuses.size >= 3, `${hub} at minute ${minute} local: ${[...statuses].join(', ')}`);
    }
    for (const status of ['scheduled', 'boarding', 'departed', 'en_route', 'delayed', 'landed', 'cancelled'] as const) assert.ok(seen.has(status), `${hub} shows ${status} at some hour: ${[...seen].join(', ')}`);
  }
});

test('departures follow the local day: few leave in the small hours', () => {
  const night = timetable.filter((entry) => {
    const origin = byCode.get(entry.origin)!;
    const local = (((entry.departureMinute + Math.round(origin.longitude * 4)) % dayMinutes) + dayMinutes) % dayMinutes;
    return local >= 60 && local < 300;
  });
  assert.ok(night.length < timetable.length * 0.03, `${night.length} of ${timetable.length} leave between 01:00 and 05:00 local`);
});

test('a day of the timetable at noon: statuses follow the clock, with delays and cancellations, and the history leads there', () => {
  const noonMs = Date.UTC(2026, 6, 1, 12, 0);
  const day = flightsOfDay(timetable, byCode, { date: '2026-07-01', simNowMs: noonMs, chance: seededChance(4), delayProbability: 0.15, cancelProbability: 0.02 });
  assert.equal(day.length, timetable.length);
  const counts = new Map<FlightStatus, number>();
  for (const flight of day) {
    counts.set(flight.status, (counts.get(flight.status) ?? 0) + 1);
    assert.equal(flight.plan.date, '2026-07-01');
    assert.equal(flight.history.at(-1)?.status, flight.status);
    assert.equal(flight.history[0]?.status, 'scheduled');
    assert.ok(flight.history.every((change, i) => change.changedAtMs <= noonMs && (i === 0 || change.changedAtMs >= (flight.history[i - 1]?.changedAtMs ?? 0))));
    if (flight.plan.departureAtMs - 30 * 60_000 > noonMs) assert.equal(flight.status, 'scheduled', 'later flights are left to the simulator');
    if (flight.status === 'landed') assert.ok(flight.actualArrivalAtMs !== null && flight.actualDepartureAtMs !== null);
    if (flight.status === 'delayed') assert.ok((flight.estimatedDepartureAtMs ?? 0) > noonMs - 30 * 60_000 + 15 * 60_000);
  }
  for (const status of ['scheduled', 'boarding', 'departed', 'en_route', 'delayed', 'landed', 'cancelled'] as const) {
    assert.ok((counts.get(status) ?? 0) > 0, `some ${status}: ${JSON.stringify([...counts])}`);
  }
  // The tail of the day before: only flights still to arrive after midnight.
  const tail = flightsOfDay(timetable, byCode, { date: '2026-06-30', simNowMs: noonMs, chance: seededChance(5), delayProbability: 0, cancelProbability: 0, arrivingAfterMs: Date.UTC(2026, 6, 1) });
  assert.ok(tail.length > 0 && tail.length < timetable.length / 4, `${tail.length}`);
  assert.ok(tail.every((flight) => flight.plan.arrivalAtMs > Date.UTC(2026, 6, 1) && ['en_route', 'landed'].includes(flight.status)));
});
