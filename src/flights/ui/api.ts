// The browser's view of the server: JSON API calls with plain error messages, and the live
// WebSocket feed with reconnection.

import type { Airport } from '../model/flight.js';
import type {
  AddFlightRequest, AddFlightView, AirportTuple, BoardView, ClockView, ErrorView, FeedSnapshot, FlightDetail, PlaneView, SearchView, StatusChangeRequest, StatusChangeView,
} from '../web/contract.js';

// The server's JSON, declared once in web/contract.ts; PlaneInfo and Snapshot are the names
// this bundle uses for its PlaneView and FeedSnapshot.
export type { FlightDetail, FlightRow } from '../web/contract.js';
export type PlaneInfo = PlaneView;
export type Snapshot = FeedSnapshot;

/** An airport as the map draws it (from the compact rows of /api/airports). */
export interface AirportInfo extends Omit<Airport, 'type'> {
  large: boolean;
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
    const reason = typeof body === 'object' && body !== null && 'error' in body ? String((body as ErrorView).error) : response.statusText;
    throw new ApiError(reason);
  }
  return body as T;
}

export async function fetchAirports(): Promise<AirportInfo[]> {
  const rows = await call<AirportTuple[]>('/api/airports');
  return rows.map(([iata, name, city, country, latitude, longitude, large]) => ({ iata, name, city, country, latitude, longitude, large: large === 1 }));
}

export const fetchClock = () => call<ClockView>('/api/clock');

export const fetchBoard = (iata: string, date: string) =>
  call<BoardView>(`/api/airports/${encodeURIComponent(iata)}/flights?date=${encodeURIComponent(date)}`);

export const fetchFlight = (flightNumber: string, date: string) =>
  call<FlightDetail>(`/api/flights/${encodeURIComponent(flightNumber)}/${encodeURIComponent(date)}`);

export const addFlight = (flight: AddFlightRequest) =>
  call<AddFlightView>('/api/flights', { method: 'POST', body: JSON.stringify(flight) });

export const changeStatus = (flightNumber: string, date: string, change: StatusChangeRequest) =>
  call<StatusChangeView>(`/api/flights/${encodeURIComponent(flightNumber)}/${encodeURIComponent(date)}/status`, { method: 'POST', body: JSON.stringify(change) });

export const search = (q: string) =>
  call<SearchView>(`/api/search?q=${encodeURIComponent(q)}`);

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
