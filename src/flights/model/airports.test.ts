import { test } from 'node:test';
import assert from 'node:assert/strict';
import { bundledAirports, loadAirports, parseAirports } from './airports.js';
import type { Airport } from './flight.js';

test('parses rows, resolves country names and drops rows without an IATA code', () => {
  const airports = parseAirports([
    { type: 'large_airport', name: 'Madrid', latitude_deg: '40.47', longitude_deg: '-3.56', iso_country: 'ES', municipality: 'Madrid', iata_code: 'MAD' },
    { type: 'medium_airport', name: 'No code', latitude_deg: '1', longitude_deg: '2', iso_country: 'ES', iata_code: '' },
    { type: 'medium_airport', name: 'Bad lat', latitude_deg: '91', longitude_deg: '2', iso_country: 'ES', iata_code: 'XXX' },
    { type: 'medium_airport', name: 'Small dup', latitude_deg: '1', longitude_deg: '2', iso_country: 'ZZ', iata_code: 'AAA' },
    { type: 'large_airport', name: 'Large dup', latitude_deg: '1', longitude_deg: '2', iso_country: 'ZZ', iata_code: 'AAA' },
  ], [{ code: 'ES', name: 'Spain' }]);
  assert.deepEqual(airports.map((a) => a.iata), ['AAA', 'MAD']);
  assert.equal(airports[1]?.country, 'Spain');
  assert.equal(airports[0]?.name, 'Large dup');
  assert.equal(airports[0]?.country, 'ZZ');
});

test('the bundled dataset has thousands of airports with the big ones', () => {
  const airports = bundledAirports();
  assert.ok(airports.length > 3000, `${airports.length} airports`);
  const byCode = new Map(airports.map((a) => [a.iata, a]));
  assert.equal(byCode.get('EZE')?.type, 'large_airport');
  assert.equal(byCode.get('JFK')?.country, 'United States');
});

test('loading inserts only what is missing, with bounded concurrency', async () => {
  const table = new Map<string, Airport>();
  let inFlight = 0;
  let inFlightMax = 0;
  const sink = {
    listAirports: async () => [...table.values()],
    insertAirport: async (airport: Airport) => {
      inFlight++;
      inFlightMax = Math.max(inFlightMax, inFlight);
      await new Promise((resolve) => setImmediate(resolve));
      table.set(airport.iata, airport);
      inFlight--;
    },
  };
  const airports = bundledAirports().slice(0, 200);
  const progress: number[] = [];
  assert.equal(await loadAirports(sink, airports, { concurrency: 8, onProgress: (p) => progress.push(p.done) }), 200);
  assert.equal(table.size, 200);
  assert.ok(inFlightMax <= 8 && inFlightMax > 1, `in flight ${inFlightMax}`);
  assert.equal(progress.at(-1), 200);
  assert.equal(await loadAirports(sink, airports, { concurrency: 8 }), 0);
});
