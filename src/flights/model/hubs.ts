// How big an airport is, for the default schedule. OurAirports only says large or medium; real
// traffic is far more concentrated than that (the busiest 70 airports handle about a third of
// the world's passengers), so the busiest airports are ranked here, from ACI World's passenger
// ranking (2023, rounded order; public figures). The schedule weights an airport by this rank,
// then by its type.

export const busiestAirports: readonly string[] = [
  'ATL', 'DXB', 'DFW', 'LHR', 'HND', 'DEN', 'IST', 'LAX', 'ORD', 'DEL',
  'CDG', 'JFK', 'LAS', 'AMS', 'MIA', 'MAD', 'CAN', 'SFO', 'MCO', 'FRA',
  'BOM', 'CLT', 'SEA', 'EWR', 'SZX', 'PHX', 'ICN', 'SIN', 'BCN', 'MEX',
  'BKK', 'PVG', 'IAH', 'DOH', 'CGK', 'CTU', 'FCO', 'YYZ', 'MUC', 'PEK',
  'BOS', 'HKG', 'GRU', 'SYD', 'JED', 'RUH', 'MSP', 'DTW', 'PHL', 'NRT',
  'KUL', 'MNL', 'TPE', 'LGW', 'SAW', 'ORY', 'MAN', 'DUB', 'ZRH', 'CPH',
  'VIE', 'LIS', 'EZE', 'SCL', 'BOG', 'LIM', 'JNB', 'CAI', 'MEL', 'YVR',
];

const hubRanks = new Map(busiestAirports.map((iata, rank) => [iata, rank]));

/** Relative traffic weights: a top hub, the 70th hub, any other large airport, a medium one. */
export const hubWeightMax = 60;
export const largeAirportWeight = 1.5;
export const mediumAirportWeight = 0.1;

/** How much traffic an airport draws, relative to the others. */
export function airportWeight(airport: { iata: string; type: string }): number {
  const rank = hubRanks.get(airport.iata);
  if (rank !== undefined) return hubWeightMax / (1 + rank / 40);
  return airport.type === 'large_airport' ? largeAirportWeight : mediumAirportWeight;
}

export function isHub(iata: string): boolean {
  return hubRanks.has(iata);
}
