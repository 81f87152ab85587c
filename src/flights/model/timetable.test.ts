import { test } from 'node:test';
import assert from 'node:assert/strict';
import { bundledAirports } from './airports.js';
import { flightStatuses, isFlightNumber, type FlightStatus } from './flight.js';
import { distanceKm } from './geo.js';
import { airportWeight, busiestAirports } from './hubs.js';
import { disruptionNoticeMs } from '../sim/physics.js';
import {
  defaultFlightsInAir, distancePreference, flightsOfDay, generateTimetable, largeAirportDepartureHoursMin, largeAirportDeparturesMin, SmoothRoundRobin, timetableRouteKmMin, timetableSeed,
  WeightedPicker, type DayFlight, type TimetableEntry,
} from './timetable.js';
import { seededChance } from './world.js';

const airports = bundledAirports();
const byCode = new Map(airports.map((airport) => [airport.iata, airport]));
/** The default schedule, as `aero start` flies it. */
const timetable = generateTimetable(airports, { flightsInAir: defaultFlightsInAir, seed: timetableSeed });
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
  assert.ok(kms.filter((km) => km > 5_000).length >= 30, 'some long-haul');
  assert.equal(distancePreference(100), 0);
  assert.ok(distancePreference(500) > distancePreference(5_000));
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
    if (flight.plan.departureAtMs - disruptionNoticeMs > noonMs) assert.equal(flight.status, 'scheduled', 'later flights are left to the simulator');
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

const hourMs = 3_600_000;
const localHour = (iata: string, atMs: number) => {
  const local = atMs + Math.round((byCode.get(iata)?.longitude ?? 0) * 4) * 60_000;
  return new Date(local).getUTCHours();
};
const statusDay = (date: string, simNowMs: number, entries: readonly TimetableEntry[] = timetable): DayFlight[] => flightsOfDay(entries, byCode, { date, simNowMs, chance: seededChance(9), delayProbability: 0.15, cancelProbability: 0.02 });
const shiftDate = (date: string, days: number) => new Date(Date.parse(`${date}T00:00:00Z`) + days * 86_400_000).toISOString().slice(0, 10);

test('every large airport has departures and arrivals through its local day, hubs more by their size', () => {
  const large = airports.filter((airport) => airport.type === 'large_airport');
  assert.ok(large.length > 400, `${large.length} large airports`);
  for (const date of ['2026-01-15', '2026-07-01', '2026-12-04']) {
    const day = statusDay(date, Date.parse(`${date}T00:00:00Z`));
    const out = new Map<string, number[]>();
    const into = new Map<string, number[]>();
    for (const flight of day) {
      out.set(flight.plan.origin, [...(out.get(flight.plan.origin) ?? []), localHour(flight.plan.origin, flight.plan.departureAtMs)]);
      into.set(flight.plan.destination, [...(into.get(flight.plan.destination) ?? []), localHour(flight.plan.destination, flight.plan.arrivalAtMs)]);
    }
    for (const airport of large) {
      const departures = out.get(airport.iata) ?? [];
      const arrivals = into.get(airport.iata) ?? [];
      assert.ok(departures.length >= largeAirportDeparturesMin && arrivals.length >= largeAirportDeparturesMin, `${date} ${airport.iata}: ${departures.length} departures, ${arrivals.length} arrivals`);
      assert.ok(new Set(departures).size >= largeAirportDepartureHoursMin, `${date} ${airport.iata} departs at local hours ${departures.join(',')}`);
      assert.ok(new Set(arrivals).size >= largeAirportDepartureHoursMin, `${date} ${airport.iata} arrives at local hours ${arrivals.join(',')}`);
    }
    // Weighted by size: the busiest hubs more than the smaller hubs, which have more than a plain large airport.
    const count = (iata: string) => out.get(iata)?.length ?? 0;
    const plain = large.filter((airport) => airportWeight(airport) === airportWeight({ iata: '', type: 'large_airport' })).map((airport) => count(airport.iata)).sort((a, b) => a - b);
    const median = plain[plain.length >> 1] ?? 0;
    const top = busiestAirports.slice(0, 10).map(count);
    const lower = busiestAirports.slice(60).map(count);
    const mean = (values: number[]) => values.reduce((sum, value) => sum + value, 0) / values.length;
    assert.ok(mean(top) > 1.4 * mean(lower) && mean(lower) > 2 * median, `top hubs ${mean(top)}, hubs 61-70 ${mean(lower)}, a large airport ${median}`);
  }
});

test('every large airport\'s boards change all day: every 20 minutes from 07:00 to 22:00 local they hold a dozen flights, the hubs\' in several statuses and over the day in every status', () => {
  const date = '2026-07-01';
  const dates = [date, '2026-06-30', '2026-07-02'];
  const large = airports.filter((airport) => airport.type === 'large_airport').map((airport) => airport.iata);
  const touching = new Map<string, TimetableEntry[]>(large.map((iata) => [iata, []]));
  for (const entry of timetable) {
    touching.get(entry.origin)?.push(entry);
    touching.get(entry.destination)?.push(entry);
  }
  // Every 20 minutes from 07:00 to 22:00 local; the board holds the flights leaving or arriving within 12 hours of now.
  const samples = (iata: string) => Array.from({ length: 46 }, (_, i) => 7 * 60 + 20 * i).map((minute) => ({ minute, nowMs: Date.parse(`${date}T00:00:00Z`) + (minute - Math.round(byCode.get(iata)!.longitude * 4)) * 60_000 }));
  const onBoard = (iata: string, nowMs: number) => (flight: DayFlight) => (flight.plan.origin === iata && Math.abs(flight.plan.departureAtMs - nowMs) < 12 * hourMs)
    || (flight.plan.destination === iata && Math.abs(flight.plan.arrivalAtMs - nowMs) < 12 * hourMs);
  const thin: string[] = [];
  for (const iata of large) {
    // Which flights a board holds depends on the plans only (the statuses are the hubs' part below).
    const planned = dates.flatMap((d) => flightsOfDay(touching.get(iata) ?? [], byCode, { date: d, simNowMs: 0, chance: seededChance(1), delayProbability: 0, cancelProbability: 0 }));
    for (const { minute, nowMs } of samples(iata)) {
      const count = planned.filter(onBoard(iata, nowMs)).length;
      if (count < largeAirportDeparturesMin) thin.push(`${iata} at minute ${minute} local: ${count} flights`);
    }
  }
  assert.deepEqual(thin, [], 'every large airport\'s board holds a dozen flights or more every 20 minutes');
  for (const hub of ['MAD', 'ATL', 'HND', 'SYD']) {
    const seen = new Set<FlightStatus>();
    for (const { minute, nowMs } of samples(hub)) {
      const board = dates.flatMap((d) => flightsOfDay(touching.get(hub) ?? [], byCode, { date: d, simNowMs: nowMs, chance: seededChance(minute), delayProbability: 0.15, cancelProbability: 0.02 })).filter(onBoard(hub, nowMs));
      const statuses = new Set(board.map((flight) => flight.status));
      for (const status of statuses) seen.add(status);
      assert.ok(board.length >= 4 * largeAirportDeparturesMin && statuses.size >= 4, `${hub} at minute ${minute} local: ${board.length} flights, ${[...statuses].join(', ')}`);
    }
    assert.deepEqual([...seen].sort(), [...flightStatuses].sort(), `${hub} over the day`);
  }
});

test('the boards of the big hubs show every status the app has, through the day', () => {
  const hubs = busiestAirports.slice(0, 10);
  // A hub's boards are computed from the flights that touch it (all 9,000 of three days for each board took 20 s).
  const touching = new Map(hubs.map((hub) => [hub, timetable.filter((entry) => entry.origin === hub || entry.destination === hub)]));
  let boards = 0;
  const seen = new Map<FlightStatus, Set<string>>();
  for (const date of ['2026-07-01', '2026-12-04']) {
    for (const hour of [9, 13, 17, 21]) {
      const union = new Set<FlightStatus>();
      for (const hub of hubs) {
        // The hub's local time: its board holds the flights leaving or arriving within 12 hours of now.
        const nowMs = Date.parse(`${date}T00:00:00Z`) + hour * hourMs - Math.round((byCode.get(hub)?.longitude ?? 0) * 4) * 60_000;
        const flights = [-1, 0, 1].flatMap((days) => statusDay(shiftDate(date, days), nowMs, touching.get(hub)));
        const board = flights.filter((f) => (f.plan.origin === hub && Math.abs(f.plan.departureAtMs - nowMs) < 12 * hourMs)
          || (f.plan.destination === hub && Math.abs(f.plan.arrivalAtMs - nowMs) < 12 * hourMs));
        assert.ok(board.length >= 80, `${hub} at ${hour}:00: ${board.length} flights`);
        const statuses = new Set(board.map((flight) => flight.status));
        boards++;
        for (const status of statuses) {
          union.add(status);
          seen.set(status, (seen.get(status) ?? new Set()).add(`${date} ${hub} ${hour}`));
        }
        // What lasts: scheduled, in flight and landed are on every board at any time.
        for (const status of ['scheduled', 'en_route', 'landed'] as const) assert.ok(statuses.has(status), `${date} ${hub} at ${hour}:00 shows ${[...statuses].join(',')}`);
      }
      assert.deepEqual([...union].sort(), [...flightStatuses].sort(), `${date} at ${hour}:00 local, the big hubs together`);
    }
  }
  // Boarding (30 minutes), departed (the 10 minutes of taxi), delayed and cancelled (15 % and 2 % of flights, announced
  // 2 h ahead) come and go,
  // but each is on most boards.
  for (const status of flightStatuses) assert.ok((seen.get(status)?.size ?? 0) >= boards * 0.6, `${status} on ${seen.get(status)?.size ?? 0} of ${boards} boards`);
});
