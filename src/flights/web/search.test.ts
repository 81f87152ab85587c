import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { Airport, FlightPlan } from '../model/flight.js';
import { airportMatchTier, rankAirports, rankFlights, searchFold } from './search.js';

// Written out from the airport list (OurAirports), in the order the list has them: CLQ before MAD.
function airport(iata: string, name: string, city: string, type: string): Airport {
  return { iata, name, city, country: 'X', latitude: 0, longitude: 0, type };
}
const airports = [
  airport('CLQ', 'Licenciado Miguel de la Madrid Airport', 'Colima', 'medium_airport'),
  airport('TOJ', 'Madrid–Torrejón Airport / Torrejón Air Base', 'Madrid', 'medium_airport'),
  airport('MAD', 'Adolfo Suárez Madrid–Barajas Airport', 'Madrid', 'large_airport'),
  airport('MDZ', 'El Plumerillo Airport', 'Mendoza', 'medium_airport'),
  airport('ZRH', 'Zürich Airport', 'Zürich', 'large_airport'),
  airport('GRU', 'Guarulhos - Governador André Franco Montoro International Airport', 'São Paulo', 'large_airport'),
  airport('CGH', 'Congonhas Airport', 'São Paulo', 'medium_airport'),
  airport('XMA', 'Nomadrid Strip', 'Elsewhere', 'small_airport'),
  airport('LCY', 'London City Airport', 'London', 'medium_airport'),
  airport('LGW', 'London Gatwick Airport', 'London', 'large_airport'),
  airport('LHR', 'London Heathrow Airport', 'London', 'large_airport'),
  airport('STN', 'London Stansted Airport', 'London', 'large_airport'),
];

test('"Madrid" gives Madrid\'s airports, the large one first, before an airport that only mentions Madrid', () => {
  assert.deepEqual(rankAirports(airports, searchFold('Madrid'), 20).map((a) => a.iata), ['MAD', 'TOJ', 'CLQ', 'XMA']);
  assert.deepEqual(rankAirports(airports, searchFold('mad'), 20).map((a) => a.iata), ['MAD', 'TOJ', 'CLQ', 'XMA']);
  assert.deepEqual(rankAirports(airports, 'MA', 20).map((a) => a.iata), ['MAD', 'TOJ', 'CLQ', 'XMA'], 'MA: MAD by its code, TOJ by its city, then the names');
  assert.deepEqual(rankAirports(airports, 'MADRID', 2).map((a) => a.iata), ['MAD', 'TOJ']);
  assert.deepEqual(rankAirports(airports, '', 20), []);
});

test('within a tier the busier first: a hub by its rank (LHR, then LGW), then large before medium', () => {
  assert.deepEqual(rankAirports(airports, searchFold('london'), 20).map((a) => a.iata), ['LHR', 'LGW', 'STN', 'LCY']);
});

test('tiers: the code, the city, a beginning, a word of the name, anywhere in the name', () => {
  const [clq, toj, mad, mdz, , , , xma] = airports as [Airport, Airport, Airport, Airport, Airport, Airport, Airport, Airport];
  assert.equal(airportMatchTier(mad, 'MAD'), 0);
  assert.equal(airportMatchTier(toj, 'MAD'), 2);
  assert.equal(airportMatchTier(mad, 'MADRID'), 1);
  assert.equal(airportMatchTier(mdz, 'MEN'), 2);
  assert.equal(airportMatchTier(mad, 'BARAJAS'), 3);
  assert.equal(airportMatchTier(clq, 'MADRID'), 3);
  assert.equal(airportMatchTier(xma, 'MADRID'), 4);
  assert.equal(airportMatchTier(mdz, 'MADRID'), null);
});

test('accents do not matter: "zurich" finds Zürich, "sao paulo" both of São Paulo\'s airports', () => {
  assert.deepEqual(rankAirports(airports, searchFold('zurich'), 20).map((a) => a.iata), ['ZRH']);
  assert.deepEqual(rankAirports(airports, searchFold('sao paulo'), 20).map((a) => a.iata), ['GRU', 'CGH']);
  assert.deepEqual(rankAirports(airports, searchFold('andré'), 20).map((a) => a.iata), ['GRU']);
});

function plan(flightNumber: string, date: string): FlightPlan {
  return { flightNumber, date, origin: 'MAD', destination: 'LHR', departureAtMs: Date.parse(`${date}T10:00:00Z`), arrivalAtMs: Date.parse(`${date}T12:00:00Z`), speedKmh: 800 };
}

test('flights: the number typed in full on every date, nearest today first, then the numbers that start with it', () => {
  const exact = [plan('IB31', '2026-12-20'), plan('IB31', '2026-12-05'), plan('IB31', '2026-12-04'), plan('IB31', '2026-12-01')];
  const prefix = [plan('IB312', '2026-12-04'), plan('IB31', '2026-12-04'), plan('IB310', '2026-12-03'), plan('IB310', '2026-12-04'), plan('AR31', '2026-12-04')];
  const ranked = rankFlights({ exact, prefix }, { query: 'IB31', today: '2026-12-04', resultsMax: 20 });
  assert.deepEqual(ranked.map((f) => `${f.flightNumber} ${f.date}`), [
    'IB31 2026-12-04', 'IB31 2026-12-05', 'IB31 2026-12-01', 'IB31 2026-12-20',
    'IB310 2026-12-03', 'IB310 2026-12-04', 'IB312 2026-12-04',
  ]);
  assert.equal(rankFlights({ exact, prefix }, { query: 'IB31', today: '2026-12-04', resultsMax: 3 }).length, 3);
  // Only the feed's flights (the database could not be read): still the exact number first.
  assert.deepEqual(rankFlights({ exact: [], prefix }, { query: 'IB31', today: '2026-12-04', resultsMax: 20 }).map((f) => f.flightNumber), ['IB31', 'IB310', 'IB310', 'IB312']);
});
