// The JSON between the map server and the browser, declared once: the server (api.ts,
// live-feed.ts) builds these values and the browser (src/flights/ui/api.ts) reads them. Types
// only, so that the browser bundle takes nothing from the server's side at run time.
//
// Input the server accepts (validation.ts checks it; anything else answers 400 with
// { error: '<field>: <what is allowed>' }, and no value is echoed back longer than 24 chars):
// - airport codes (:iata, origin, destination): 3 letters or digits, any case;
// - flight numbers (:number, flightNumber): an airline designator and 1 to 4 digits, at most 8
//   characters (AR1234, IBE3170);
// - dates (:date, ?date=): YYYY-MM-DD that exist, within 400 days of the simulated now;
// - departureAt: ISO 8601 with a zone (Z or +hh:mm), from 7 days before to 365 days after the
//   simulated now;
// - speedKmh: a number, 200 to 1200; delayMinutes: a whole number, 1 to 1440;
// - ?q=: at most 64 characters; bodies: JSON objects of at most 16 KiB with only the fields
//   below (an unknown field is refused).

import type { Airport, FlightPlan, FlightStatus, FlightStatusRecord, StatusChange, TrackingSample } from '../model/flight.js';

/** GET /api/airports: [iata, name, city, country, latitude, longitude, 1 if large else 0], compact for 4,500 airports. */
export type AirportTuple = [iata: string, name: string, city: string, country: string, latitude: number, longitude: number, large: 0 | 1];

/** GET /api/clock. */
export interface ClockView {
  simNowMs: number;
  speedup: number;
}

/** GET /api/health. */
export interface HealthView {
  ok: boolean;
  error: string | null;
}

/** A flight on an airport's board, with its status and gate when it has one. */
export interface FlightRow extends FlightPlan, Pick<FlightStatusRecord, 'estimatedDepartureAtMs' | 'actualDepartureAtMs' | 'actualArrivalAtMs'> {
  status: FlightStatus | null;
  gate: string | null;
}

/** GET /api/airports/:iata/flights?date= */
export interface BoardView {
  airport: Airport;
  date: string;
  departures: FlightRow[];
  arrivals: FlightRow[];
}

/** GET /api/search?q= (flights the live feed knows; no gate). */
export interface SearchView {
  airports: Airport[];
  flights: (FlightPlan & { status: FlightStatus | null })[];
}

/** [latitude, longitude] */
export type PathPoint = [number, number];

/** GET /api/flights/:number/:date */
export interface FlightDetail {
  status: FlightStatusRecord;
  /** The statuses an operator may set next. */
  allowed: FlightStatus[];
  latest: TrackingSample | null;
  /** Flown so far, oldest first. */
  path: PathPoint[];
  /** The whole great circle from origin to destination. */
  route: PathPoint[];
  /** Every status the flight has had, with its sim time and who set it, oldest first (read at QUORUM). */
  history: StatusChange[];
}

/** POST /api/flights (an empty flightNumber asks for a random one). */
export interface AddFlightRequest {
  flightNumber: string;
  origin: string;
  destination: string;
  /** ISO date and time. */
  departureAt: string;
  speedKmh: number;
}

/** POST /api/flights answers 201 with the plan. */
export interface AddFlightView {
  flight: FlightPlan;
}

/** POST /api/flights/:number/:date/status */
export interface StatusChangeRequest {
  status: FlightStatus;
  /** For 'delayed' (default 30). */
  delayMinutes?: number;
}

export interface StatusChangeView {
  status: FlightStatusRecord;
  allowed: FlightStatus[];
}

/** Every 4xx and 5xx answer. */
export interface ErrorView {
  error: string;
}

/** A plane in the air, as the live feed shows it: its flight, status and newest tracking sample. */
export interface PlaneView extends Pick<FlightPlan, 'flightNumber' | 'date' | 'origin' | 'destination'>, Omit<TrackingSample, 'flightNumber' | 'date'> {
  status: FlightStatus;
}

/** What /ws pushes after every poll. */
export interface FeedSnapshot {
  type: 'snapshot';
  simNowMs: number;
  speedup: number;
  /** False while reading the database fails; error says why. */
  healthy: boolean;
  error: string | null;
  planes: PlaneView[];
}
