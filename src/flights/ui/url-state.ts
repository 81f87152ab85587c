// What the page shows, kept in the address's query so that a link or a reload shows the same
// thing: ?airport=MAD&date=2026-07-01, or ?flight=AR1234&date=2026-07-01, plus the map view
// (?map=lat,lon,zoom) and the open tab (?tab=flights|details|cluster). Selecting an airport or a
// flight is a new history entry (back returns to the previous selection); moving the map or
// switching tabs replaces the current one. The hash is left alone: cluster-panel.ts takes the
// administrator's token from it (#admin=) and strips it.

import { isFlightNumber, isIataCode, isIsoDate } from '../model/flight.js';

export type Tab = 'flights' | 'details' | 'cluster';
const tabs: readonly Tab[] = ['flights', 'details', 'cluster'];

export interface MapView {
  lat: number;
  lng: number;
  zoom: number;
}

export interface ViewState {
  airport: string | null;
  flight: string | null;
  /** The airport board's date, or the flight's date. */
  date: string | null;
  view: MapView | null;
  tab: Tab | null;
}

// Only what the server would accept is taken from an address; anything else is ignored.

function parseView(text: string | null): MapView | null {
  if (text === null) return null;
  const parts = text.split(',').map(Number);
  const [lat, lng, zoom] = parts;
  if (parts.length !== 3 || lat === undefined || lng === undefined || zoom === undefined || !parts.every(Number.isFinite)) return null;
  if (Math.abs(lat) > 85 || Math.abs(lng) > 540 || zoom < 0 || zoom > 20) return null;
  return { lat, lng, zoom };
}

export function parseViewState(search: string): ViewState {
  const params = new URLSearchParams(search);
  const upper = (name: string) => params.get(name)?.trim().toUpperCase() ?? null;
  const airport = upper('airport');
  const flight = upper('flight');
  const date = params.get('date');
  const tab = params.get('tab');
  return {
    airport: airport !== null && isIataCode(airport) ? airport : null,
    flight: flight !== null && isFlightNumber(flight) ? flight : null,
    date: date !== null && isIsoDate(date) ? date : null,
    view: parseView(params.get('map')),
    tab: tabs.find((candidate) => candidate === tab) ?? null,
  };
}

export function formatViewState(state: ViewState): string {
  const params = new URLSearchParams();
  if (state.flight !== null) params.set('flight', state.flight);
  else if (state.airport !== null) params.set('airport', state.airport);
  if (state.date !== null && (state.flight !== null || state.airport !== null)) params.set('date', state.date);
  if (state.view !== null) params.set('map', `${state.view.lat.toFixed(4)},${state.view.lng.toFixed(4)},${state.view.zoom}`);
  if (state.tab !== null) params.set('tab', state.tab);
  const query = params.toString().replace(/%2C/g, ',');
  return query.length === 0 ? '' : `?${query}`;
}

/** The selection part of a state: a change in it is a new history entry. */
export const selectionKey = (state: ViewState) => `${state.flight ?? ''}|${state.airport ?? ''}|${state.date ?? ''}`;

/** Writes the state into the address, keeping the path and the hash. */
export function writeViewState(state: ViewState, mode: 'push' | 'replace'): void {
  const url = `${location.pathname}${formatViewState(state)}${location.hash}`;
  if (url === `${location.pathname}${location.search}${location.hash}`) return;
  if (mode === 'push') history.pushState(null, '', url);
  else history.replaceState(null, '', url);
}
