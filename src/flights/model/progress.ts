// How far along a flight is, for the map's details: distance flown and remaining along the
// great circle, progress, time remaining and the expected arrival. Pure, so that the browser
// and the unit tests compute it the same way.

import { distanceKm, type LatLon } from './geo.js';
import type { FlightStatusRecord } from './flight.js';

export interface FlightProgress {
  totalKm: number;
  flownKm: number;
  remainingKm: number;
  /** 0 at the gate, 1 at the destination. */
  fraction: number;
  /** Expected arrival (sim time); null for a cancelled flight. */
  etaMs: number | null;
  /** From `nowMs` to the expected arrival; 0 once landed, null when cancelled. */
  remainingMs: number | null;
}

export interface ProgressInput {
  status: Pick<FlightStatusRecord, 'status' | 'departureAtMs' | 'arrivalAtMs' | 'speedKmh' | 'estimatedDepartureAtMs' | 'actualDepartureAtMs' | 'actualArrivalAtMs'>;
  origin: LatLon;
  destination: LatLon;
  /** The newest tracking sample's position, when the flight has one. */
  position: LatLon | null;
  nowMs: number;
}

/**
 * Before departure the flight is at its origin and expected to take its scheduled duration from
 * its expected departure; in the air what remains is flown at its cruise speed (the simulator's
 * cruise; climb and descent make it a few minutes optimistic); landed is done.
 */
export function flightProgress(input: ProgressInput): FlightProgress {
  const { status, nowMs } = input;
  const totalKm = distanceKm(input.origin, input.destination);
  const landed = status.status === 'landed' || status.actualArrivalAtMs !== null;
  const airborne = !landed && input.position !== null && (status.status === 'departed' || status.status === 'en_route');
  const remainingKm = landed ? 0 : airborne && input.position !== null ? Math.min(totalKm, distanceKm(input.position, input.destination)) : totalKm;
  const flownKm = Math.max(0, totalKm - remainingKm);
  const fraction = totalKm === 0 ? (landed ? 1 : 0) : flownKm / totalKm;
  let etaMs: number | null;
  if (status.status === 'cancelled') etaMs = null;
  else if (landed) etaMs = status.actualArrivalAtMs ?? status.arrivalAtMs;
  else if (airborne && status.speedKmh > 0) etaMs = nowMs + (remainingKm / status.speedKmh) * 3_600_000;
  else etaMs = (status.actualDepartureAtMs ?? status.estimatedDepartureAtMs ?? status.departureAtMs) + (status.arrivalAtMs - status.departureAtMs);
  const remainingMs = etaMs === null ? null : landed ? 0 : Math.max(0, etaMs - nowMs);
  return { totalKm, flownKm, remainingKm, fraction, etaMs: etaMs === null ? null : Math.round(etaMs), remainingMs: remainingMs === null ? null : Math.round(remainingMs) };
}

/** "2 h 05 min", "45 min", "0 min". */
export function formatDuration(ms: number): string {
  const minutes = Math.max(0, Math.round(ms / 60_000));
  const hours = Math.floor(minutes / 60);
  return hours === 0 ? `${minutes} min` : `${hours} h ${String(minutes % 60).padStart(2, '0')} min`;
}
