// The HTTP API the browser uses. Reads go straight to the database (strong for statuses and
// schedules). Every request's params, query and body go through a schema (validation.ts)
// first: bad input answers 400 naming the field and the allowed range, unknown flights and
// airports 404, an unavailable database 503.

import type { FastifyInstance, FastifyReply } from 'fastify';
import { isFlightNumber, operatorTransitions, scheduledStatus, type Airport, type FlightPlan, type FlightStatusRecord, type TrackingSample } from '../model/flight.js';
import type { FlightStore } from '../model/store.js';
import { greatCirclePoints } from '../model/geo.js';
import { FlightInputError, planFlight, randomFlightNumber, randomGate } from '../model/schedule.js';
import type { Chance, WallClock } from '../model/world.js';
import type {
  AddFlightView, AirportTuple, BoardView, ClockView, ErrorView, FlightDetail, FlightRow, HealthView, PathPoint, SearchView, StatusChangeView,
} from './contract.js';
import type { LiveFeed } from './live-feed.js';
import { rankAirports, rankFlights, searchFold } from './search.js';
import {
  addFlightBodySchema, airportParamsSchema, boardQuerySchema, checkDeparture, checkLookupDate, flightParamsSchema, parseInput, searchQuerySchema, statusChangeBodySchema,
} from './validation.js';

export const pathPointsMax = 1_000;
export const searchResultsMax = 20;
const statusReadConcurrency = 16;

export interface ApiContext {
  store: FlightStore;
  airports: ReadonlyMap<string, Airport>;
  feed: LiveFeed;
  clock: WallClock;
  chance: Chance;
  describeError: (error: unknown) => string;
}

class NotFoundError extends Error {}

async function answer(reply: FastifyReply, context: ApiContext, work: () => Promise<unknown>): Promise<unknown> {
  try {
    return await work();
  } catch (error) {
    if (error instanceof FlightInputError) return reply.code(400).send({ error: error.message } satisfies ErrorView);
    if (error instanceof NotFoundError) return reply.code(404).send({ error: error.message } satisfies ErrorView);
    return reply.code(503).send({ error: context.describeError(error) } satisfies ErrorView);
  }
}

function flightKey(params: unknown, context: ApiContext): { flightNumber: string; date: string } {
  const key = parseInput(flightParamsSchema, params, 'params');
  checkLookupDate('date', key.date, context.feed.simNowMs());
  return { flightNumber: key.number, date: key.date };
}

async function withStatuses(context: ApiContext, plans: FlightPlan[]): Promise<FlightRow[]> {
  const rows: FlightRow[] = plans.map((plan) => ({ ...plan, status: null, gate: null, estimatedDepartureAtMs: null, actualDepartureAtMs: null, actualArrivalAtMs: null }));
  let next = 0;
  const worker = async () => {
    while (next < rows.length) {
      const row = rows[next++];
      if (row === undefined) break;
      const record = await context.store.getStatus(row.flightNumber, row.date);
      row.status = record?.status ?? null;
      row.gate = record?.gate ?? null;
      row.estimatedDepartureAtMs = record?.estimatedDepartureAtMs ?? null;
      row.actualDepartureAtMs = record?.actualDepartureAtMs ?? null;
      row.actualArrivalAtMs = record?.actualArrivalAtMs ?? null;
    }
  };
  await Promise.all(Array.from({ length: Math.min(statusReadConcurrency, rows.length) }, worker));
  return rows;
}

const planOf = (row: FlightRow): FlightPlan => ({ flightNumber: row.flightNumber, date: row.date, origin: row.origin, destination: row.destination, departureAtMs: row.departureAtMs, arrivalAtMs: row.arrivalAtMs, speedKmh: row.speedKmh });

export function registerApi(app: FastifyInstance, context: ApiContext): void {
  registerInfoRoutes(app, context);
  registerAirportRoutes(app, context);
  registerFlightRoutes(app, context);
  registerStatusRoute(app, context);
}

function registerInfoRoutes(app: FastifyInstance, context: ApiContext): void {
  app.get('/api/health', async (): Promise<HealthView> => {
    const snapshot = context.feed.snapshot();
    return { ok: snapshot?.healthy ?? true, error: snapshot?.error ?? null };
  });

  app.get('/api/clock', async (): Promise<ClockView> => ({ simNowMs: context.feed.simNowMs(), speedup: context.feed.speedup() }));

  app.get('/api/search', async (request, reply) => answer(reply, context, async (): Promise<SearchView> => {
    const q = searchFold((parseInput(searchQuerySchema, request.query, 'query').q ?? '').trim());
    if (q.length === 0) return { airports: [], flights: [] };
    const airports = rankAirports(context.airports.values(), q, searchResultsMax);
    // The feed knows the flights of the simulated yesterday and today (and those added since);
    // a number typed in full is also looked up on every date (flights_by_number, strong).
    const known = new Map(context.feed.flights().map((f) => [`${f.plan.flightNumber}/${f.plan.date}`, f.status]));
    const prefix = context.feed.flights().filter((f) => f.plan.flightNumber.startsWith(q)).map((f) => f.plan);
    let exact: FlightPlan[] = [];
    let databaseDown = false;
    if (isFlightNumber(q)) {
      try {
        exact = await context.store.flightsByNumber(q);
      } catch (error) {
        if (!(error instanceof Error)) throw error;
        databaseDown = true;
      }
    }
    const today = new Date(context.feed.simNowMs()).toISOString().slice(0, 10);
    const matched = rankFlights({ exact, prefix }, { query: q, today, resultsMax: searchResultsMax });
    // Their statuses are read (strong) for the few that match.
    const fallback = () => matched.map((plan) => ({ ...plan, status: known.get(`${plan.flightNumber}/${plan.date}`) ?? null }));
    if (databaseDown) return { airports, flights: fallback() };
    try {
      return { airports, flights: (await withStatuses(context, matched)).map((row) => ({ ...planOf(row), status: row.status })) };
    } catch (error) {
      // The database is down: the map's copy of the status (null unless in the air) still helps.
      if (!(error instanceof Error)) throw error;
      return { airports, flights: fallback() };
    }
  }));
}

function registerAirportRoutes(app: FastifyInstance, context: ApiContext): void {

  app.get('/api/airports', async (_request, reply) => {
    reply.header('cache-control', 'max-age=300');
    return [...context.airports.values()].map((a): AirportTuple => [a.iata, a.name, a.city, a.country, a.latitude, a.longitude, a.type === 'large_airport' ? 1 : 0]);
  });

  app.get('/api/airports/:iata/flights', async (request, reply) => answer(reply, context, async () => {
    const { iata } = parseInput(airportParamsSchema, request.params, 'params');
    const date = parseInput(boardQuerySchema, request.query, 'query').date ?? new Date(context.feed.simNowMs()).toISOString().slice(0, 10);
    checkLookupDate('date', date, context.feed.simNowMs());
    const airport = context.airports.get(iata);
    if (airport === undefined) throw new NotFoundError(`unknown airport '${iata}'`);
    const [departures, arrivals] = await Promise.all([context.store.departures(iata, date), context.store.arrivals(iata, date)]);
    return { airport, date, departures: await withStatuses(context, departures), arrivals: await withStatuses(context, arrivals) } satisfies BoardView;
  }));
}

function registerFlightRoutes(app: FastifyInstance, context: ApiContext): void {

  app.post('/api/flights', async (request, reply) => answer(reply, context, async () => {
      const body = parseInput(addFlightBodySchema, request.body, 'body');
      checkDeparture(body.departureAt, context.feed.simNowMs());
      const requested = body.flightNumber ?? '';
      const plan = planFlight({
        flightNumber: requested === '' ? randomFlightNumber(context.chance) : requested,
        origin: body.origin, destination: body.destination, departureAtMs: body.departureAt, speedKmh: body.speedKmh,
      }, context.airports);
      if ((await context.store.getStatus(plan.flightNumber, plan.date)) !== null) {
        throw new FlightInputError(`flight ${plan.flightNumber} on ${plan.date} already exists`);
      }
      await context.store.addFlight(plan, { gate: randomGate(context.chance), nowMs: context.clock.nowMs(), initial: scheduledStatus(Math.round(context.feed.simNowMs()), 'operator') });
      // Search finds it at once, not only after the feed's next re-read of the day's flights.
      context.feed.noteFlight(plan);
      return reply.code(201).send({ flight: plan } satisfies AddFlightView);
    }));

  app.get('/api/flights/:number/:date', async (request, reply) => answer(reply, context, async () => {
    const key = flightKey(request.params, context);
    const status = await context.store.getStatus(key.flightNumber, key.date);
    if (status === null) throw new NotFoundError(`no flight ${key.flightNumber} on ${key.date}`);
    const [samples, history] = await Promise.all([context.store.readTracking(key, pathPointsMax), context.store.statusHistory(key)]);
    const origin = context.airports.get(status.origin);
    const destination = context.airports.get(status.destination);
    const route = origin !== undefined && destination !== undefined ? greatCirclePoints(origin, destination, 64).map((p): PathPoint => [p.latitude, p.longitude]) : [];
    return { status, allowed: operatorTransitions(status.status), latest: samples[0] ?? null, path: flownPath(samples, origin), route, history } satisfies FlightDetail;
  }));
}

/**
 * The flown path, oldest first. Only the newest samples are read (bounded); flights follow
 * the great circle, so the part before them is drawn along it from the origin.
 */
function flownPath(newestFirst: TrackingSample[], origin: Airport | undefined): PathPoint[] {
  const path = newestFirst.map((s): PathPoint => [s.latitude, s.longitude]).reverse();
  const oldest = newestFirst.at(-1);
  if (oldest === undefined || origin === undefined || oldest.phase === 'taxi_out') return path;
  const before = greatCirclePoints(origin, oldest, 32).slice(0, -1).map((p): PathPoint => [p.latitude, p.longitude]);
  return [...before, ...path];
}

function registerStatusRoute(app: FastifyInstance, context: ApiContext): void {

  app.post('/api/flights/:number/:date/status', async (request, reply) => answer(reply, context, async () => {
      const key = flightKey(request.params, context);
      const body = parseInput(statusChangeBodySchema, request.body, 'body');
      const wanted = body.status;
      const current = await context.store.getStatus(key.flightNumber, key.date);
      if (current === null) throw new NotFoundError(`no flight ${key.flightNumber} on ${key.date}`);
      if (!operatorTransitions(current.status).includes(wanted)) throw new FlightInputError(`a ${current.status.replace('_', ' ')} flight cannot be set to ${wanted.replace('_', ' ')}`);
      const nowMs = context.clock.nowMs();
      let atMs: number | undefined;
      if (wanted === 'delayed') {
        const delayMinutes = body.delayMinutes ?? 30;
        const from = Math.max(current.estimatedDepartureAtMs ?? current.departureAtMs, context.feed.simNowMs());
        atMs = Math.round(from + delayMinutes * 60_000);
      }
      const note = atMs === undefined ? '' : `new departure ${new Date(atMs).toISOString().slice(11, 16)} UTC`;
      const history = { changedAtMs: Math.round(context.feed.simNowMs()), source: 'operator' as const, note };
      await context.store.setStatus(key, { status: wanted, nowMs, history, ...(atMs === undefined ? {} : { atMs }) });
      const updated: FlightStatusRecord = { ...current, status: wanted, updatedAtMs: nowMs, ...(atMs === undefined ? {} : { estimatedDepartureAtMs: atMs }) };
      context.feed.noteStatus(updated);
      return { status: updated, allowed: operatorTransitions(wanted) } satisfies StatusChangeView;
    }));
}
