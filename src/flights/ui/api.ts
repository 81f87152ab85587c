// The browser's view of the server: JSON API calls with plain error messages, and the live
// WebSocket feed with reconnection.

import type { FlightStatus } from '../model/flight.js';

export interface AirportInfo {
  iata: string;
  name: string;
  city: string;
  country: string;
  latitude: number;
  longitude: number;
  large: boolean;
}

export interface FlightRow {
  flightNumber: string;
  date: string;
  origin: string;
  destination: string;
  departureAtMs: number;
  arrivalAtMs: number;
  speedKmh: number;
  status: FlightStatus | null;
  gate: string | null;
}

export interface StatusRecord {
  flightNumber: string;
  date: string;
  status: FlightStatus;
  gate: string | null;
  origin: string;
  destination: string;
  departureAtMs: number;
  arrivalAtMs: number;
  speedKmh: number;
  estimatedDepartureAtMs: number | null;
  actualDepartureAtMs: number | null;
  actualArrivalAtMs: number | null;
}

export interface TrackingInfo {
  latitude: number;
  longitude: number;
  altitudeFt: number;
  groundSpeedKmh: number;
  verticalRateFpm: number;
  headingDeg: number;
  fuelKg: number;
  phase: string;
  recordedAtMs: number;
}

export interface FlightDetail {
  status: StatusRecord;
  allowed: FlightStatus[];
  latest: TrackingInfo | null;
  path: [number, number][];
  route: [number, number][];
}

export interface PlaneInfo extends TrackingInfo {
  flightNumber: string;
  date: string;
  origin: string;
  destination: string;
  status: string;
}

export interface Snapshot {
  type: 'snapshot';
  simNowMs: number;
  speedup: number;
  healthy: boolean;
  error: string | null;
  planes: PlaneInfo[];
}

/** A failed call, with the server's reason when it gave one. */
export class ApiError extends Error {}

async function call<T>(path: string, init?: RequestInit): Promise<T> {
  let response: Response;
  try {
    response = await fetch(path, { ...init, headers: { 'content-type': 'application/json', ...(init?.headers ?? {}) } });
  } catch {
    throw new ApiError('cannot reach the map server');
  }
  let body: unknown = null;
  try {
    body = await response.json();
  } catch {
    body = null;
  }
  if (!response.ok) {
    const reason = typeof body === 'object' && body !== null && 'error' in body ? String((body as { error: unknown }).error) : response.statusText;
    throw new ApiError(reason);
  }
  return body as T;
}

export async function fetchAirports(): Promise<AirportInfo[]> {
  const rows = await call<[string, string, string, string, number, number, number][]>('/api/airports');
  return rows.map(([iata, name, city, country, latitude, longitude, large]) => ({ iata, name, city, country, latitude, longitude, large: large === 1 }));
}

export const fetchClock = () => call<{ simNowMs: number; speedup: number }>('/api/clock');

export const fetchBoard = (iata: string, date: string) =>
  call<{ date: string; departures: FlightRow[]; arrivals: FlightRow[] }>(`/api/airports/${encodeURIComponent(iata)}/flights?date=${encodeURIComponent(date)}`);

export const fetchFlight = (flightNumber: string, date: string) =>
  call<FlightDetail>(`/api/flights/${encodeURIComponent(flightNumber)}/${encodeURIComponent(date)}`);

export const addFlight = (flight: { flightNumber: string; origin: string; destination: string; departureAt: string; speedKmh: number }) =>
  call<{ flight: FlightRow }>('/api/flights', { method: 'POST', body: JSON.stringify(flight) });

export const changeStatus = (flightNumber: string, date: string, change: { status: FlightStatus; delayMinutes?: number }) =>
  call<{ status: StatusRecord; allowed: FlightStatus[] }>(`/api/flights/${encodeURIComponent(flightNumber)}/${encodeURIComponent(date)}/status`, { method: 'POST', body: JSON.stringify(change) });

export const search = (q: string) =>
  call<{ airports: { iata: string; name: string; city: string; country: string }[]; flights: FlightRow[] }>(`/api/search?q=${encodeURIComponent(q)}`);

/** Connects to the live feed and reconnects with backoff; reports connection state. */
export function connectFeed(handlers: { onSnapshot: (snapshot: Snapshot) => void; onConnection: (connected: boolean) => void }): void {
  let delayMs = 500;
  const open = () => {
    const protocol = location.protocol === 'https:' ? 'wss:' : 'ws:';
    const socket = new WebSocket(`${protocol}//${location.host}/ws`);
    socket.onopen = () => { delayMs = 500; handlers.onConnection(true); };
    socket.onmessage = (event) => {
      try {
        const message = JSON.parse(String(event.data)) as Snapshot;
        if (message.type === 'snapshot') handlers.onSnapshot(message);
      } catch (error) {
        console.warn('bad feed message', error);
      }
    };
    socket.onclose = () => {
      handlers.onConnection(false);
      setTimeout(open, delayMs);
      delayMs = Math.min(10_000, delayMs * 2);
    };
  };
  open();
}
